"""LTI Assignment and Grade Services: scores queued with a completion, sent to the platform.

May import `lti_tool`'s own modules and packages (`lti` for registrations, `assess` for the
attempts it grades) and `xapi`.
"""

from lti_tool.grades.queue import queue_grade

__all__ = ["queue_grade"]
