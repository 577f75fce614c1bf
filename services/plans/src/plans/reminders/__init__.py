"""Reminders and escalation on the durable schedule (issue #18): milestones due soon, overdue and escalated,
plans not submitted by the year's deadline and the deadline drawing near — emitted once each into the outbox —
and the province's alert list."""
