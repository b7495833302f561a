"""Keeping connected customers fresh: token refreshes, profile syncs, and the API budget they
spend."""
