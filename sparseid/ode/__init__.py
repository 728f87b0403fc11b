"""ode (under construction)."""
