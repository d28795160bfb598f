"""LTI 1.3: OIDC login, launch checks, launch state, the platform registry and LTI services.

Also platform storage (state and nonce kept in the platform's frame), deep linking, submission
review, dynamic registration, Canvas's developer key JSON, platform keysets and role mapping.
May import `lti_tool`'s own modules (settings, db, models, sessions, signing keys, errors),
`assess` (what deep linking offers, what submission review shows) and `grades` (the gradebook
column a deep link asks for); nothing of `xapi` (launch statements are queued by `recording`).
"""
