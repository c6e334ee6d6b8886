"""Wiring only: the Chalice app, its blueprints, and problem details for Chalice's own errors."""

from chalice import Chalice, Rate

from chalicelib import observability  # first: JSON logging before Chalice sets up its own

from chalicelib.api import (
    assessments,
    audit,
    catalogue,
    components,
    drafts,
    integrations,
    organisations,
    projects,
    scorecards,
    services,
    webhooks,
)
from chalicelib.api.problems import rewrite_chalice_error
from chalicelib.edge.http import with_standard_headers
from chalicelib.web.rendering import is_page
from chalicelib.bootstrap import use_cases

app = Chalice(app_name="ldd-tracker")

for module in (
    catalogue,
    organisations,
    services,
    components,
    assessments,
    drafts,
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

# The pages under /app (GOV.UK Design System HTML over the same use cases): each family of pages
# registers its routes on the pages' blueprint when imported.
from chalicelib.web import about_pages, assessment_pages, dashboard, edit_pages, page, service_pages, sign_in  # noqa: E402, F401

app.register_blueprint(page.bp)


# Outermost: one JSON log line and the EMF metrics per request, with the final status.
app.register_middleware(observability.instrument, "http")


@app.middleware("http")
def problem_details(event, get_response):
    """Chalice answers 405, 415 and unhandled errors itself; give them the API's error shape, or
    under /app a GOV.UK page. Every response then gets the standard headers."""
    response = get_response(event)
    if response.status_code >= 400 and event.path.startswith("/app") and not is_page(response):
        response = page.chalice_error_page(response.status_code, response.headers.get("Allow"))
    return with_standard_headers(rewrite_chalice_error(response))


@app.schedule(Rate(1, unit=Rate.DAYS))
def monthly_snapshots(event):
    """Once a day, this month's scorecard figures for every organisation (the trend)."""
    return {"organisations": len(use_cases().snapshots.take_all())}
