"""Operations: one structured JSON log line per request and CloudWatch embedded-metric-format
(EMF) metrics, from Chalice's http middleware (`instrument`).

- Logs: AWS Lambda Powertools' Logger (service "ldd-tracker", level from LOG_LEVEL; INFO on
  Lambda, WARNING elsewhere so local runs and `make bench` stay quiet). The chalicelib.* loggers
  and Chalice's own app logger ("ldd-tracker": unhandled errors) write through the same JSON
  handler, and every line carries the request id of the request being handled.
- What is logged about the caller: the principal's subject, organisation and roles, or the
  integration id. Never the email (personal data), a token, a secret, a signature, a header
  value or a request body.
- Metrics (namespace "LddTracker", dimensions Route = the route template, and Method): Latency
  (Milliseconds), DynamoDBRequests (Count), ClientErrors / ServerErrors (Count, 0 or 1 per
  request), and WebhookSignatureRejected (Count). Printed as EMF only on Lambda
  (AWS_LAMBDA_FUNCTION_NAME set) or when LDD_EMF_METRICS=1; POWERTOOLS_METRICS_DISABLED=1 wins.
- DynamoDB requests are counted with PynamoDB's `pre_dynamodb_send` signal (blinker), which
  every operation the app makes (all through PynamoDB's Connection.dispatch) sends once.
"""

from __future__ import annotations

import contextvars
import logging
import os
import sys
import time
import uuid
from dataclasses import dataclass, field

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider
from pynamodb import signals

SERVICE = "ldd-tracker"
NAMESPACE = "LddTracker"
ACCESS_MESSAGE = "request"


@dataclass
class _Request:
    request_id: str
    api_request_id: str | None = None
    dynamodb_requests: int = 0
    principal: dict = field(default_factory=dict)
    metrics: list[tuple[str, str, float]] = field(default_factory=list)


_current: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("ldd_request", default=None)


class _Stdout(logging.StreamHandler):
    """A stream handler that writes to whatever sys.stdout is now (pytest's capture included)."""

    def __init__(self):
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


class _RequestIds(logging.Filter):
    """Every line written while a request is handled names that request."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _current.get()
        if current is not None and not hasattr(record, "request_id"):
            record.request_id = current.request_id
        return True


def _level() -> str:
    default = "INFO" if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") else "WARNING"
    return (os.environ.get("LOG_LEVEL") or default).upper()


logger = Logger(service=SERVICE, level=_level(), logger_handler=_Stdout(), utc=True)
logger.registered_handler.addFilter(_RequestIds())
# The application's own loggers (chalicelib.*) write JSON lines through the same handler.
_app_loggers = logging.getLogger("chalicelib")
_app_loggers.handlers = [logger.registered_handler]
_app_loggers.setLevel(logger.log_level)
_app_loggers.propagate = False
logging.getLogger(SERVICE).propagate = False  # one line each, whatever handlers the root logger has


def _count_dynamodb_request(_sender, **_kwargs) -> None:
    current = _current.get()
    if current is not None:
        current.dynamodb_requests += 1


if not signals.signals_available:  # pragma: no cover - blinker is a runtime requirement
    raise ImportError("blinker is required to count DynamoDB requests (see requirements.txt)")
# weak=False: a module-level function, kept for the life of the process.
signals.pre_dynamodb_send.connect(_count_dynamodb_request, weak=False)


def emf_enabled() -> bool:
    if is_metrics_disabled():
        return False
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) or os.environ.get("LDD_EMF_METRICS") == "1"


def note_principal(principal) -> None:
    """Who is acting, for the request's log line: subject, organisation, roles, integration id.
    Never the email (personal data) nor anything from the token."""
    current = _current.get()
    if current is None:
        return
    current.principal = {
        "subject": principal.subject,
        "org_id": principal.org_id,
        "roles": sorted(principal.roles),
    }
    if principal.integration_id:
        current.principal["integration_id"] = principal.integration_id


def count(name: str, value: float = 1) -> None:
    """Add a Count metric to the current request's metrics (e.g. WebhookSignatureRejected)."""
    current = _current.get()
    if current is not None:
        current.metrics.append((name, MetricUnit.Count.value, value))


def _request_ids(request) -> tuple[str, str | None]:
    context = getattr(request, "context", None) or {}
    lambda_context = getattr(request, "lambda_context", None)
    request_id = getattr(lambda_context, "aws_request_id", None) or context.get("requestId") or str(uuid.uuid4())
    return str(request_id), context.get("requestId")


def instrument(request, get_response):
    """Chalice http middleware: time the request, count its DynamoDB requests, log one line and
    flush its metrics. Never raises on its own account."""
    started = time.perf_counter()
    request_id, api_request_id = _request_ids(request)
    state = _Request(request_id=request_id, api_request_id=api_request_id)
    token = _current.set(state)
    status = 500
    try:
        response = get_response(request)
        status = response.status_code
        return response
    finally:
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        try:
            _report(request, state, status, latency_ms)
        except Exception:  # observability must never fail a request
            logger.exception("could not report the request's logs and metrics")
        finally:
            _current.reset(token)


def _route_of(request) -> str:
    context = getattr(request, "context", None) or {}
    return context.get("resourcePath") or "UNKNOWN"


def _report(request, state: _Request, status: int, latency_ms: float) -> None:
    route, method = _route_of(request), request.method
    line = {
        "route": route,
        "method": method,
        "status": status,
        "latency_ms": latency_ms,
        "dynamodb_requests": state.dynamodb_requests,
    }
    if state.api_request_id and state.api_request_id != state.request_id:
        line["api_request_id"] = state.api_request_id
    if state.principal:
        line["principal"] = state.principal
    uri_params = getattr(request, "uri_params", None) or {}
    if "integration_id" in uri_params and "principal" not in line:
        line["integration_id"] = uri_params["integration_id"]
    level = logging.ERROR if status >= 500 else logging.INFO
    logger.log(level, ACCESS_MESSAGE, extra=line)
    if emf_enabled():
        _flush_metrics(route, method, status, latency_ms, state)


def _flush_metrics(route: str, method: str, status: int, latency_ms: float, state: _Request) -> None:
    # A provider per request: its metric set is its own (Powertools' Metrics class shares one).
    emf = AmazonCloudWatchEMFProvider(namespace=NAMESPACE)
    emf.add_dimension(name="Route", value=route)
    emf.add_dimension(name="Method", value=method)
    emf.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=latency_ms)
    emf.add_metric(name="DynamoDBRequests", unit=MetricUnit.Count, value=state.dynamodb_requests)
    emf.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=1 if 400 <= status < 500 else 0)
    emf.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1 if status >= 500 else 0)
    for name, unit, value in state.metrics:
        emf.add_metric(name=name, unit=unit, value=value)
    emf.add_metadata(key="request_id", value=state.request_id)
    emf.flush_metrics(raise_on_empty_metrics=False)
