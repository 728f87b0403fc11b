"""differentiation (under construction)."""
