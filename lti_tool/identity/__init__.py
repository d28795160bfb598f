"""One learner across platforms: link codes, registration-number links, merges and their pages.

Also the rule the embedded LRS is given to report linked accounts as one person
(`lrs_persons`). May import `lti_tool`'s models, sessions and recording, `xapi` statement
builders and the LRS's resolver interface, and `framework`.
"""
