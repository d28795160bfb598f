"""LTI 1.3: OIDC login, launch validation, platform registry, launch state."""
