"""Offline evaluation of brand attribution (which brands a stored mention belongs to)."""
