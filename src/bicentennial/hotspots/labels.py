"""Words shown for hotspot classes and methods (translated through the catalog)."""

from __future__ import annotations

from collections.abc import Callable

from bicentennial.core.i18n import N_

CLASS_LABELS = {
    "new_hot": N_("New hot spot"),
    "consecutive_hot": N_("Consecutive hot spot"),
    "intensifying_hot": N_("Intensifying hot spot"),
    "persistent_hot": N_("Persistent hot spot"),
    "diminishing_hot": N_("Diminishing hot spot"),
    "sporadic_hot": N_("Sporadic hot spot"),
    "oscillating_hot": N_("Oscillating hot spot"),
    "historical_hot": N_("Historical hot spot"),
    "new_cold": N_("New cold spot"),
    "consecutive_cold": N_("Consecutive cold spot"),
    "intensifying_cold": N_("Intensifying cold spot"),
    "persistent_cold": N_("Persistent cold spot"),
    "diminishing_cold": N_("Diminishing cold spot"),
    "sporadic_cold": N_("Sporadic cold spot"),
    "oscillating_cold": N_("Oscillating cold spot"),
    "historical_cold": N_("Historical cold spot"),
    "no_pattern": N_("No pattern detected"),
    "hot": N_("Hot spot"),
    "cold": N_("Cold spot"),
    "HH": N_("High among high (cluster)"),
    "LL": N_("Low among low (cluster)"),
    "HL": N_("High among low (outlier)"),
    "LH": N_("Low among high (outlier)"),
    "none": N_("Not significant"),
    "cluster": N_("Most likely cluster"),
    "secondary": N_("Secondary cluster"),
}

METHOD_LABELS = {
    "scan": N_("Space-time scan"),
    "gistar": N_("Getis–Ord Gi*"),
    "local_moran": N_("Local Moran's I"),
    "emerging": N_("Emerging hot spots"),
}

STATUS_LABELS = {
    "queued": N_("queued"),
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
}


def labeller(table: dict[str, str], _: Callable[[str], str]) -> Callable[[str], str]:
    return lambda key: _(table[key]) if key in table else key
