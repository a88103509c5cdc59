"""Words of the ballistics pages, in one place for translation."""

from __future__ import annotations

from bicentennial.core.i18n import N_

DECISIONS = {
    "identification": N_("identification"),
    "inconclusive": N_("inconclusive"),
    "elimination": N_("elimination"),
}
STATUSES = {"open": N_("open"), "confirmed": N_("confirmed by an examiner"), "rejected": N_("rejected by an examiner")}
