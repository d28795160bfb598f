"""Assessments delivered inside a launch: self-assessment, 360 feedback, supervisor validation."""
