"""leadpath framework."""
