"""Append-only audit log chained by SHA-256."""
