"""Where the demo platforms' signing key is kept on the app."""

EXTENSION_KEY = "leadpath.demo_key"
