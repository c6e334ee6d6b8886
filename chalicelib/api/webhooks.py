"""Webhook deliveries, signed per the Standard Webhooks specification instead of a bearer token.

Nothing is written before the signature verifies; after that, every outcome is logged."""

import json
import logging

from chalice import Blueprint
from marshmallow import ValidationError

from chalicelib import observability
from chalicelib.edge import presenters
from chalicelib.api.http import json_response, load_json, route
from chalicelib.api.problems import from_domain_error, problem
from chalicelib.edge.errors import flatten
from chalicelib.edge.http import BodyTooLarge
from chalicelib.bootstrap import use_cases
from chalicelib.domain.errors import DomainError, Duplicate, Invalid
from chalicelib.domain.webhooks import SignatureRejected
from chalicelib.schemas import requests, responses
from chalicelib.schemas.benchmarks import KpiValuesOut

bp = Blueprint(__name__)
log = logging.getLogger(__name__)
SIGNATURE_HEADERS = tuple(
    {"name": name, "required": True, "description": description}
    for name, description in (
        ("webhook-id", "The sender's unique id of this message; a repeat is answered as a duplicate."),
        ("webhook-timestamp", "Seconds since the epoch; within 5 minutes of now (configurable)."),
        ("webhook-signature", "Space-separated v1,<base64 HMAC-SHA256 of '{id}.{timestamp}.{body}'> entries."),
    )
)


@route(
    bp,
    "/webhooks/{integration_id}",
    "POST",
    "Deliver an event from an integration (Standard Webhooks signature)",
    "webhooks",
    body="WebhookEvent",
    response=responses.WebhookResult,
    also=(400, 401, 403, 404, 413, 415, 422, 503),
    headers=SIGNATURE_HEADERS,
    public=True,
)
def deliver(integration_id):
    request = bp.current_request
    raw = request.raw_body or b""
    webhooks = use_cases().webhooks
    try:
        delivery = webhooks.verify(integration_id, request.headers, raw)
    except SignatureRejected as rejected:
        # Counted in the logs, never stored per delivery: an unverified request writes nothing.
        log.warning("webhook signature rejected", extra={"integration_id": integration_id, "reason": str(rejected)})
        observability.count("WebhookSignatureRejected")
        return problem(401, f"The delivery's signature was not accepted: {rejected}.")
    observability.note_principal(delivery.principal)
    event_type = _event_type_of(raw)
    try:
        result = _apply(delivery, raw)
        response, status, reason = json_response({"status": "processed", "result": result}), "processed", None
    except Duplicate:
        response, status, reason = json_response({"status": "duplicate"}), "duplicate", None
    except DomainError as error:
        response, status, reason = from_domain_error(error), "rejected", error.detail
    except ValidationError as error:
        errors = flatten(error.messages)
        response, status, reason = problem(422, "The event is not valid.", errors), "rejected", json.dumps(errors)
    except BodyTooLarge:
        response, status, reason = problem(413, "The delivery is too large."), "rejected", "body too large"
    webhooks.record(delivery, event_type, status, response.status_code, reason)
    return response


def _event_type_of(raw: bytes) -> str | None:
    """For the deliveries log: the event type the body names, when it names one."""
    try:
        kind = json.loads(raw).get("type")
    except (ValueError, AttributeError, RecursionError):
        return None
    return kind[:64] if isinstance(kind, str) else None


def _apply(delivery, raw: bytes) -> dict:
    """Validate the event with the HTTP API's own schemas and run the same use case."""
    envelope = requests.WebhookEnvelope().load(load_json(raw))
    event_type, data = envelope["type"], envelope["data"]
    service_id = data.get("service_id") if isinstance(data.get("service_id"), str) else None
    use_cases().webhooks.check_scope(delivery, event_type, service_id)
    principal, org_id = delivery.principal, delivery.integration.org_id
    try:
        if event_type == "component.upserted":
            event = requests.ComponentUpserted().load(data)
            component, _ = use_cases().components.put(
                principal, org_id, event["service_id"], event["component_id"], event["component"]
            )
            shown = presenters.component(component, use_cases().components.flags(component))
            return responses.ComponentOut().dump(shown)
        if event_type == "service.kpis.recorded":
            event = requests.ServiceKpisRecorded().load(data)
            record = use_cases().benchmarks.put_service_kpis(
                principal, org_id, event["service_id"], event["period"], event["values"]
            )
            return KpiValuesOut().dump(presenters.kpi_values(record))
        if event_type == "org.kpis.recorded":
            event = requests.OrgKpisRecorded().load(data)
            record = use_cases().benchmarks.put_org_kpis(principal, org_id, event["period"], event["values"])
            return KpiValuesOut().dump(presenters.kpi_values(record))
        event = requests.AssessmentSubmitted().load(data)
        assessment = use_cases().assessments.submit(principal, org_id, event["service_id"], event["framework_id"], event["answers"])
        return responses.AssessmentOut().dump(presenters.assessment(assessment))
    except ValidationError as error:
        raise ValidationError({"data": error.messages}) from None
    except Invalid as error:
        # The use cases name fields as the HTTP API's bodies do; here those bodies sit in `data`.
        raise Invalid(error.detail, {_in_event(event_type, field): texts for field, texts in (error.errors or {}).items()}) from None


def _in_event(event_type: str, field: str) -> str:
    if event_type == "component.upserted" and field != "component_id":
        return f"data.component.{field}"
    return f"data.{field}"
