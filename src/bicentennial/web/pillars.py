"""The pillars shown in the navigation, and which of them are built."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pillar:
    slug: str
    name_en: str
    name_es: str
    summary_en: str
    summary_es: str
    available: bool = False

    @property
    def href(self) -> str:
        return f"/{self.slug}" if self.available else f"/pillars/{self.slug}"

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en

    def summary(self, lang: str) -> str:
        return self.summary_es if lang == "es" else self.summary_en


PILLARS: tuple[Pillar, ...] = (
    Pillar(
        "outcomes",
        "Outcomes",
        "Resultados",
        "Results framework and scorecard from official SESNSP, INEGI, CDC and CBP data.",
        "Marco de resultados y tablero con datos oficiales de SESNSP, INEGI, CDC y CBP.",
        available=True,
    ),
    Pillar(
        "hotspots",
        "Hotspots",
        "Puntos críticos",
        "Space-time clusters of homicides to guide task forces.",
        "Conglomerados espacio-temporales de homicidios para orientar a las fuerzas de tarea.",
        available=True,
    ),
    Pillar(
        "firearms",
        "Firearms",
        "Armas de fuego",
        "Trace analytics and ballistic evidence correlation.",
        "Análisis de rastreo y correlación de evidencia balística.",
        available=True,
    ),
    Pillar(
        "ballistics",
        "Ballistics",
        "Balística",
        "Cartridge-case scans compared with Congruent Matching Cells; leads between crime scenes.",
        "Escaneos de casquillos comparados con celdas coincidentes congruentes; pistas entre escenas del crimen.",
        available=True,
    ),
    Pillar(
        "evaluation",
        "Evaluation",
        "Evaluación",
        "Did it work? Synthetic control, interrupted time series, difference-in-differences.",
        "¿Funcionó? Control sintético, series de tiempo interrumpidas, diferencias en diferencias.",
        available=True,
    ),
    Pillar(
        "precursors",
        "Precursors",
        "Precursores",
        "Screening of shipments against controlled-chemical lists, designer precursors and pre-export notifications.",
        "Revisión de embarques contra listas de sustancias químicas controladas, precursores de diseño "
        "y notificaciones previas a la exportación.",
        available=True,
    ),
    Pillar(
        "finance",
        "Finance",
        "Finanzas",
        "Sanctions screening that understands Mexican names; laundering typologies in transactions.",
        "Revisión contra listas de sanciones que entiende los nombres mexicanos; tipologías de lavado.",
        available=True,
    ),
    Pillar(
        "cooperation",
        "Cooperation",
        "Cooperación",
        "Bilateral requests and records each country controls.",
        "Solicitudes bilaterales y registros que cada país controla.",
        available=True,
    ),
)


def get(slug: str) -> Pillar | None:
    return next((p for p in PILLARS if p.slug == slug), None)
