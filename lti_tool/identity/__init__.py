"""One learner across platforms: link codes, registration-number links, merges and their pages.

May import `lti_tool`'s models, sessions and recording, `xapi` statement builders and `framework`.
"""
