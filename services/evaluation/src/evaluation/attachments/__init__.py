"""A nomination's files: the application form (申报书) and its supporting materials, issue #16."""
