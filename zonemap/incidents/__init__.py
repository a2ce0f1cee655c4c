"""TODO incidents."""
