"""Files attached to training records, self-reports (certificates) and courses (attendance sheets), issue #16."""
