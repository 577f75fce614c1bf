"""The plans figures of a university's annual summary and the province's annual report (issue #19)."""
