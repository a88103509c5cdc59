"""One evaluation as a self-contained HTML file: charts, tables, plain-language summary, provenance."""

from __future__ import annotations

from importlib import resources

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from bicentennial import __version__
from bicentennial.core.db import utcnow
from bicentennial.core.i18n import gettext_for
from bicentennial.evaluation.charts import charts_for
from bicentennial.evaluation.models import EvaluationRun
from bicentennial.evaluation.summary import summarise


def _trusted(text: str) -> Markup:
    """Our own chart JSON and the bundled Plotly go in unescaped; "</" is neutralised inside <script>."""
    return Markup(text.replace("</", "<\\/"))  # noqa: S704  never user text


def render_report(run: EvaluationRun, *, lang: str = "en") -> str:
    _ = gettext_for(lang)
    source = _("Bicentennial evaluation %(id)s · engine %(engine)s") % {"id": run.id, "engine": run.engine_version}
    env = Environment(autoescape=select_autoescape(default=True))
    template = env.from_string(
        resources.files("bicentennial.web")
        .joinpath("templates", "evaluation", "report_standalone.html")
        .read_text("utf-8")
    )
    plotly_js = resources.files("plotly").joinpath("package_data", "plotly.min.js").read_text("utf-8")
    return template.render(
        _=_,
        lang=lang,
        run=run,
        result=run.result,
        summary=summarise(run.method, run.result, _),
        charts=[(i, _trusted(f)) for i, f in charts_for(run.method, run.result, _, source)],
        plotly_js=_trusted(plotly_js),
        generated=f"{utcnow():%Y-%m-%d %H:%M} UTC",
        version=__version__,
    )
