"""optimizers (under construction)."""
