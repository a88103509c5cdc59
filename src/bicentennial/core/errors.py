"""Errors that reach a user: each carries a stable code and a message safe to show."""

from __future__ import annotations

from datetime import date


class BicentennialError(Exception):
    """Base class for errors caused by input or configuration, not by a bug.

    The CLI prints ``message`` on one line and exits non-zero; the API maps
    ``code`` to an HTTP status and answers ``{"error": {"code", "message"}}``.
    """

    code = "error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(BicentennialError):
    code = "config_error"
    status = 500


class DatabaseUnavailable(BicentennialError):
    code = "database_unavailable"
    status = 503


class SchemaOutOfDate(BicentennialError):
    code = "schema_out_of_date"
    status = 503


class NotFound(BicentennialError):
    code = "not_found"
    status = 404


class Conflict(BicentennialError):
    code = "conflict"
    status = 409


class InvalidInput(BicentennialError):
    code = "invalid_input"
    status = 422


class PermissionDenied(BicentennialError):
    code = "forbidden"
    status = 403


class AuthenticationFailed(BicentennialError):
    code = "unauthorized"
    status = 401


def optional_date(text: str | None, field: str) -> date | None:
    """A date typed by a user (YYYY-MM-DD), None when blank; a clear error naming ``field`` otherwise."""
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a date (YYYY-MM-DD)") from None
