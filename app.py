"""Wiring only: the Chalice app, its blueprints, and problem details for Chalice's own errors."""

from chalice import Chalice, Rate

from chalicelib import observability  # first: JSON logging before Chalice sets up its own

from chalicelib.api import (
    assessments,
    audit,
    catalogue,
    components,
    integrations,
    organisations,
    projects,
    scorecards,
    services,
    webhooks,
)
from chalicelib.api.problems import rewrite_chalice_error, with_standard_headers
from chalicelib.bootstrap import use_cases

app = Chalice(app_name="ldd-tracker")

for module in (
    catalogue,
    organisations,
    services,
    components,
    assessments,
    scorecards,
    audit,
    integrations,
    webhooks,
    projects,
):
    app.register_blueprint(module.bp)

# Benchmark sets, KPI values and benchmark positions.
from chalicelib.api import benchmarks  # noqa: E402

app.register_blueprint(benchmarks.bp)

# The pages under /app (GOV.UK Design System HTML over the same use cases).
from chalicelib.web import pages  # noqa: E402

app.register_blueprint(pages.bp)


# Outermost: one JSON log line and the EMF metrics per request, with the final status.
app.register_middleware(observability.instrument, "http")


@app.middleware("http")
def problem_details(event, get_response):
    """Chalice answers 405, 415 and unhandled errors itself; give them the API's error shape.
    Every response, a page's too, then gets the standard headers."""
    return with_standard_headers(rewrite_chalice_error(get_response(event)))


@app.schedule(Rate(1, unit=Rate.DAYS))
def monthly_snapshots(event):
    """Once a day, this month's scorecard figures for every organisation (the trend)."""
    return {"organisations": len(use_cases().snapshots.take_all())}
