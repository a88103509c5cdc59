"""Hotspots: where homicide task forces should go, and whether violence fell (or moved) after they went."""
