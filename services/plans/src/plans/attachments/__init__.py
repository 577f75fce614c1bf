"""Files of plans (rules, systems, signed letter scans), milestones and progress reports (photos, documents) and
responsibility letters (the signed scan), issue #16."""
