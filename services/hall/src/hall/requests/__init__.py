"""Requests of students and teachers: report, follow, answer, rate (S1)."""
