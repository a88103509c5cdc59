"""Every table, imported once so Alembic sees the whole schema."""

from bicentennial.access.models import Agency, ApiToken, Country, User, WebSession
from bicentennial.audit.models import AuditEntry
from bicentennial.core.db import Base
from bicentennial.geo.models import Area, AreaPopulation

metadata = Base.metadata

__all__ = ["Agency", "ApiToken", "Area", "AreaPopulation", "AuditEntry", "Country", "User", "WebSession", "metadata"]
