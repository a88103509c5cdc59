"""Shared infrastructure: settings, database, security, i18n, jobs."""
