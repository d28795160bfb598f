"""LTI Assignment and Grade Services: scores queued with a completion, sent to the platform."""

from lti_tool.grades.queue import queue_grade

__all__ = ["queue_grade"]
