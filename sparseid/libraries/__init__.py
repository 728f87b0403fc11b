"""libraries (under construction)."""
