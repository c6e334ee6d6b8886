"""Integrations: who may post webhooks, for which events and services, with which secret."""

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import NotFound
from chalicelib.domain.model import DELIVERY_LOG_DAYS, Delivery, Integration, SealedSecret
from chalicelib.domain.webhooks import new_secret, secret_key
from chalicelib.services.context import Context, with_retries
from chalicelib.services.ports import Page

ROTATION_OVERLAP = timedelta(hours=24)


def secret_context(integration: Integration) -> dict[str, str]:
    """Binds a sealed secret to its record: it cannot be moved to another integration."""
    return {"org_id": integration.org_id, "integration_id": integration.integration_id}


class IntegrationService:
    def __init__(self, ctx: Context, secret_box: Callable[[], object]):
        self._ctx = ctx
        self._box = secret_box  # built on first use: only integrations need KMS

    def create(self, principal: Principal, org_id: str, fields: dict) -> tuple[Integration, str]:
        """Returns the integration and its secret, which is never shown again."""
        access.require_admin(principal, org_id)
        stamp = self._ctx.stamp(principal.actor)
        integration = Integration(
            org_id=org_id,
            integration_id=self._ctx.new_id(),
            name=fields["name"],
            event_types=tuple(dict.fromkeys(fields["event_types"])),
            service_ids=tuple(dict.fromkeys(fields.get("service_ids") or ())),
            secrets=(),
            created=stamp,
            updated=stamp,
        )
        secret = new_secret()
        integration = replace(integration, secrets=(self._seal(integration, secret),))
        audit = self._ctx.audit(org_id, stamp, "integration.created", _target(integration.integration_id))
        self._ctx.store.create_integration(integration, audit)
        return integration, secret

    def list(self, principal: Principal, org_id: str) -> list[Integration]:
        access.require_admin(principal, org_id)
        integrations = self._ctx.store.list_integrations(org_id)
        if not integrations:
            self._ctx.org_or_404(org_id)
        return integrations

    def delete(self, principal: Principal, org_id: str, integration_id: str) -> None:
        access.require_admin(principal, org_id)

        def attempt():
            current = self._get(org_id, integration_id)
            stamp = self._ctx.stamp(principal.actor)
            audit = self._ctx.audit(org_id, stamp, "integration.deleted", _target(integration_id))
            self._ctx.store.delete_integration(current, audit)

        with_retries(attempt, False, f"Integration {integration_id!r}")

    def rotate_secret(self, principal: Principal, org_id: str, integration_id: str) -> str:
        """A new secret; the one it replaces still verifies for 24 hours (older ones no longer)."""
        access.require_admin(principal, org_id)
        secret = new_secret()

        def attempt():
            current = self._get(org_id, integration_id)
            stamp = self._ctx.stamp(principal.actor)
            # The current secret retires in 24 hours; one already retiring goes now.
            retiring = [replace(s, retires_at=stamp.at + ROTATION_OVERLAP) for s in current.secrets if s.retires_at is None]
            rotated = replace(current, secrets=(self._seal(current, secret), *retiring), updated=stamp)
            audit = self._ctx.audit(org_id, stamp, "integration.secret_rotated", _target(integration_id))
            self._ctx.store.replace_integration(rotated, current, audit)

        with_retries(attempt, False, f"Integration {integration_id!r}")
        return secret

    def deliveries(
        self, principal: Principal, org_id: str, integration_id: str, limit: int, cursor: str | None
    ) -> Page[Delivery]:
        """Verified deliveries of the last 30 days, newest first: older ones are never shown,
        whether or not DynamoDB's TTL has removed them yet."""
        access.require_admin(principal, org_id)
        self._get(org_id, integration_id)
        since = self._ctx.clock.now() - timedelta(days=DELIVERY_LOG_DAYS)
        return self._ctx.store.list_deliveries(integration_id, self._ctx.id_floor(since), limit, cursor)

    def _get(self, org_id: str, integration_id: str) -> Integration:
        integration = self._ctx.store.get_integration(org_id, integration_id)
        if integration is None:
            raise NotFound(f"Integration {integration_id!r} was not found in organisation {org_id!r}.")
        return integration

    def _seal(self, integration: Integration, secret: str) -> SealedSecret:
        return SealedSecret(self._box().seal(secret_key(secret), secret_context(integration)))


def _target(integration_id: str) -> str:
    return f"integrations/{integration_id}"
