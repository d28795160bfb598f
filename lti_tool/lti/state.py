"""Server-side launch state: each OIDC login's state and nonce, consumed exactly once."""
