"""Assessments delivered inside a launch: self-assessment, 360 feedback, supervisor validation.

Holds the attempt tables, the pages, scoring through `framework`, the stored framework versions
and the statements each step queues. May import `framework`, `xapi` and `lti_tool`'s own
modules and packages (`lti`, `grades`).
"""
