"""Firearms: trace recovered guns to their US source and surface trafficking patterns."""
