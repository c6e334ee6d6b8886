"""Receiving an integration's webhook deliveries: verify the signature before anything else,
keep to the integration's scope, and log what became of every verified delivery."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.access import Principal, integration_principal
from chalicelib.domain.errors import Forbidden, Invalid
from chalicelib.domain.model import DELIVERY_LOG_DAYS, EVENT_TYPES, Delivery, Integration
from chalicelib.domain.webhooks import SignatureRejected, verify
from chalicelib.services.context import Context
from chalicelib.services.integrations import secret_context


OPENED_KEYS_KEPT = 1024


@dataclass(frozen=True)
class VerifiedDelivery:
    integration: Integration
    webhook_id: str
    received_at: datetime

    @property
    def principal(self) -> Principal:
        """The integration, acting once for this delivery: its writes claim the webhook-id."""
        return integration_principal(self.integration.org_id, self.integration.integration_id, self.webhook_id)


class WebhookService:
    def __init__(self, ctx: Context, secret_box: Callable[[], object], tolerance_seconds: Callable[[], int]):
        self._ctx = ctx
        self._box = secret_box
        self._tolerance_seconds = tolerance_seconds  # a setting, read by the composition root
        # Opened signing keys, by sealed value, for the life of the container: a KMS Decrypt per
        # delivery would add a network round trip and a charge to every webhook.
        self._opened: dict[str, bytes] = {}

    def verify(self, integration_id: str, headers, body: bytes) -> VerifiedDelivery:
        """SignatureRejected (401) unless the integration exists and one of its current secrets
        signed exactly this body, within the timestamp tolerance. Nothing is written before."""
        integration = self._ctx.store.find_integration(integration_id)
        if integration is None:
            raise SignatureRejected("unknown integration")
        now = self._ctx.clock.now()
        keys = [self._key(integration, s.sealed) for s in integration.secrets_valid_at(now)]
        signed = verify(headers, body, keys, int(now.timestamp()), self._tolerance_seconds())
        return VerifiedDelivery(integration, signed.webhook_id, now)

    def _key(self, integration: Integration, sealed: str) -> bytes:
        key = self._opened.get(sealed)
        if key is None:
            key = self._box().open(sealed, secret_context(integration))
            if len(self._opened) >= OPENED_KEYS_KEPT:
                self._opened.clear()
            self._opened[sealed] = key
        return key

    @staticmethod
    def check_scope(delivery: VerifiedDelivery, event_type: str, service_id: str | None) -> None:
        """An integration sends only its event types, and only for its services when it has a list."""
        if event_type not in EVENT_TYPES:
            raise Invalid(f"Unknown event type {event_type!r}.", {"type": [f"must be one of {', '.join(EVENT_TYPES)}"]})
        integration = delivery.integration
        if event_type not in integration.event_types:
            raise Forbidden(f"This integration may not send {event_type!r} events.")
        # An integration limited to some services sends nothing organisation-wide either.
        if integration.service_ids and service_id not in integration.service_ids:
            raise Forbidden("This integration may not send events for that service.")

    def record(self, delivery: VerifiedDelivery, event_type: str | None, status: str, http_status: int, reason: str | None) -> None:
        """Log a verified delivery's outcome; the log keeps 30 days (a TTL removes older ones)."""
        entry = Delivery(
            integration_id=delivery.integration.integration_id,
            delivery_id=self._ctx.new_id(),
            webhook_id=delivery.webhook_id,
            received_at=delivery.received_at,
            event_type=event_type,
            status=status,
            http_status=http_status,
            reason=reason,
        )
        self._ctx.store.add_delivery(entry, keep_until=delivery.received_at + timedelta(days=DELIVERY_LOG_DAYS))
