"""TODO geodesy."""
