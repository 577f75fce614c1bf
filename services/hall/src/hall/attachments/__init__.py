"""Photos of requests and answers (F1), through the kernel storage."""
