"""Wiring only: the Chalice app, its blueprints, and problem details for Chalice's own errors."""

from chalice import Chalice

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
from chalicelib.api.problems import rewrite_chalice_error

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


@app.middleware("http")
def problem_details(event, get_response):
    """Chalice answers 405, 415 and unhandled errors itself; give them the API's error shape."""
    return rewrite_chalice_error(get_response(event))
