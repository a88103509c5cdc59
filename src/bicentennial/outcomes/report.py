"""A self-contained, bilingual HTML report of the scorecard, for readers who never log in.

Everything is inside the one file: styles, the charts' data and Plotly's JavaScript.
"""

from __future__ import annotations

from datetime import date
from importlib import resources

from jinja2 import Environment, select_autoescape
from sqlalchemy.orm import Session

from bicentennial import __version__
from bicentennial.core.db import utcnow
from bicentennial.core.i18n import gettext_for
from bicentennial.outcomes import charts, scorecard
from bicentennial.outcomes.framework import framework
from bicentennial.outcomes.store import series


def render_report(*, session: Session, as_of: date | None = None) -> str:
    rows_en = scorecard.scorecard(session=session, lang="en", as_of=as_of)
    rows_es = {r.id: r for r in scorecard.scorecard(session=session, lang="es", as_of=as_of)}
    fw, es = framework(), gettext_for("es")
    figures = []
    for row in rows_en:
        spec = fw.indicators[row.id]
        points = series(session=session, indicator=spec.id, area=row.area, as_of=as_of)
        if points:
            figures.append((spec.id, charts.series_chart(spec, points, "en", lambda s: s, row.area.upper())))
    env = Environment(autoescape=select_autoescape(default=True))
    template = env.from_string(resources.files("bicentennial.outcomes").joinpath("report.html").read_text("utf-8"))
    plotly_js = resources.files("plotly").joinpath("package_data", "plotly.min.js").read_text("utf-8")
    return template.render(
        rows=[(r, rows_es[r.id]) for r in rows_en],
        figures=[(i, _markup(f)) for i, f in figures],
        plotly_js=_markup(plotly_js),
        es_status=es,
        version=__version__,
        generated=f"Generated / Generado {utcnow():%Y-%m-%d %H:%M} UTC",
        as_of_text=f"as published on / según lo publicado al {as_of}"
        if as_of
        else "latest figures / cifras más recientes",
        sources="; ".join(sorted({f"{i.source_name} ({i.source_title})" for i in fw.indicators.values()})),
        fmt=lambda v: "—" if v is None else (f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"),
    )


def _markup(text: str) -> object:
    """Trusted content (our JSON, Plotly's bundle) goes in unescaped; "</" is neutralised for <script>."""
    from markupsafe import Markup

    return Markup(text.replace("</", "<\\/"))  # noqa: S704  our own JSON and the bundled Plotly, never user text
