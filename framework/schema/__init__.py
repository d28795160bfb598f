"""JSON Schemas for framework, crosswalk and career-phase files (data only; imports nothing)."""
