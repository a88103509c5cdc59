"""Settings: one typed object, read from ``BICENTENNIAL_*`` environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bicentennial.core.errors import ConfigError

APP_NAME = "bicentennial"


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


class Settings(BaseSettings):
    """Every setting, documented in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="BICENTENNIAL_", extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses a missing secret key."
    )
    data_dir: Path = Field(
        default_factory=default_data_dir, description="Where the embedded database and the secret key live."
    )
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite file in data_dir.")
    secret_key: SecretStr | None = Field(None, description="Signs cookies; default: random key kept in data_dir.")
    host: str = Field("127.0.0.1", description="Address `serve` binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port `serve` binds.")
    session_hours: float = Field(8.0, gt=0, description="Web session lifetime.")
    max_failed_logins: int = Field(5, ge=1, description="Failed sign-ins before the account locks.")
    lockout_minutes: float = Field(15.0, gt=0, description="How long a locked account stays locked.")
    secure_cookies: bool = Field(False, description="Mark cookies Secure (set behind HTTPS).")
    first_admin_agency: str = Field(
        "SSPC", description="Agency of the administrator `setup` creates on an empty database."
    )
    dask_scheduler: str | None = Field(None, description="Address of a Dask scheduler for heavy jobs.")
    job_workers: int = Field(0, ge=0, description="Local worker processes for heavy jobs (0 = in-process).")

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key is None:
            raise ValueError("BICENTENNIAL_SECRET_KEY must be set when BICENTENNIAL_ENVIRONMENT=production")
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("BICENTENNIAL_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'bicentennial.sqlite3'}"

    def signing_key(self) -> str:
        """The cookie-signing key: configured, or a random one kept in ``data_dir``.

        A per-installation random key means no secret is ever shipped in the repo.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise ConfigError(_first_error(exc)) from None


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    err = errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()))
    name = f"BICENTENNIAL_{loc.upper()}: " if loc else ""
    return f"Invalid setting {name}{err['msg'].removeprefix('Value error, ')}"
