"""LTI 1.3: OIDC login, launch checks, launch state, the platform registry and LTI services.

Also deep linking, dynamic registration, platform keysets and role mapping. May import
`lti_tool`'s own modules (settings, db, models, sessions, signing keys, errors) and `assess`
(what deep linking offers); nothing of `xapi` (launch statements are queued by `recording`).
"""
