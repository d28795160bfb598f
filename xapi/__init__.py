"""leadpath xapi."""
