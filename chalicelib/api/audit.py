"""The audit trail of an organisation's writes."""

from chalice import Blueprint

from chalicelib.edge import presenters
from chalicelib.api.http import PAGINATION, list_params, page, route
from chalicelib.bootstrap import use_cases
from chalicelib.schemas import responses

bp = Blueprint(__name__)


@route(
    bp,
    "/orgs/{org_id}/audit",
    "GET",
    "Who changed what and when, newest first",
    "audit",
    response=responses.AuditPage,
    also=(400, 404),
    query=PAGINATION,
)
def list_audit(principal, org_id):
    limit, cursor = list_params(bp.current_request)
    result = use_cases().audit.list(principal, org_id, limit, cursor)
    return responses.AuditPage().dump(page(result, presenters.audit_record))
