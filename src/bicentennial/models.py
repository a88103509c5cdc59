"""Every table, imported once so Alembic sees the whole schema."""

from bicentennial.access.models import AccessRequest, Agency, ApiToken, Country, Grant, User, WebSession
from bicentennial.audit.models import AuditEntry
from bicentennial.ballistics.models import BallisticLead, BallisticScan
from bicentennial.cooperation.models import Attachment, CustodyEntry, OutboxMessage, Request, RequestTransition
from bicentennial.core.db import Base
from bicentennial.evaluation.models import EvaluationPlan, EvaluationRun
from bicentennial.finance.models import NameScreening, SanctionsList, TransactionAnalysis
from bicentennial.firearms.models import Trace
from bicentennial.geo.models import Area, AreaPopulation
from bicentennial.hotspots.models import Deployment, HotspotDataset, HotspotRun
from bicentennial.outcomes.models import ImportBatch, ObservationRow, Population
from bicentennial.precursors.models import ControlledList, ManifestScreening, NotificationEvent, PreExportNotification

metadata = Base.metadata

__all__ = [
    "AccessRequest",
    "Agency",
    "ApiToken",
    "Area",
    "AreaPopulation",
    "Attachment",
    "AuditEntry",
    "BallisticLead",
    "BallisticScan",
    "ControlledList",
    "Country",
    "CustodyEntry",
    "Deployment",
    "EvaluationPlan",
    "EvaluationRun",
    "Grant",
    "HotspotDataset",
    "HotspotRun",
    "ImportBatch",
    "ManifestScreening",
    "NameScreening",
    "NotificationEvent",
    "ObservationRow",
    "OutboxMessage",
    "Population",
    "PreExportNotification",
    "Request",
    "RequestTransition",
    "SanctionsList",
    "Trace",
    "TransactionAnalysis",
    "User",
    "WebSession",
    "metadata",
]
