"""Annual summaries (年度总结) of the universities and the province's annual report of the reform (issue #19, Y3)."""
