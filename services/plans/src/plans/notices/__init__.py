"""The year's notice (通知) of the province and its deadlines (issue #18)."""
