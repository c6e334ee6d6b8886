"""Who may do what: the principal a verified token describes, and API.md's role table as pure
rules. Use cases call these before they touch the store, so organisation checks come before
existence checks and reveal nothing about another organisation."""

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.domain.errors import Forbidden
from chalicelib.domain.model import Actor

PLATFORM_ADMIN = "platform_admin"
ADMIN = "admin"
LEADERSHIP = "leadership"
SERVICE_OWNER = "service_owner"
ROLES = (PLATFORM_ADMIN, ADMIN, LEADERSHIP, SERVICE_OWNER)
ORG_ROLES = (ADMIN, LEADERSHIP, SERVICE_OWNER)


@dataclass(frozen=True)
class Principal:
    """A signed-in person. `email` is set only when the identity provider vouches for it."""

    subject: str
    email: str | None
    org_id: str | None
    roles: frozenset[str]
    integration_id: str | None = None
    delivery_id: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(self.subject, self.email, self.integration_id, self.delivery_id)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def member_of(self, org_id: str, *roles: str) -> bool:
        """Holds one of `roles` (any organisation role by default) in organisation `org_id`."""
        return self.org_id == org_id and self.has(*(roles or ORG_ROLES))

    def owns(self, owner_email: str) -> bool:
        return self.email is not None and self.email.casefold() == owner_email.casefold()


def integration_principal(org_id: str, integration_id: str, delivery_id: str) -> Principal:
    """An integration acts as an admin of its organisation, within the scope (event types and
    services) its webhook delivery was checked against."""
    return Principal(f"integration:{integration_id}", None, org_id, frozenset({ADMIN}), integration_id, delivery_id)


def allows(rule: Callable[..., None], *args) -> bool:
    """Whether a require_* rule lets the principal through: for pages, which show a link or a
    button only to those who may use it."""
    try:
        rule(*args)
    except Forbidden:
        return False
    return True


def require_platform_admin(p: Principal) -> None:
    if not p.has(PLATFORM_ADMIN):
        raise Forbidden("Only a platform admin may do this.")


def require_org_admin(p: Principal, org_id: str) -> None:
    """Update an organisation and its settings: a platform admin, or an admin of that organisation."""
    if not (p.has(PLATFORM_ADMIN) or p.member_of(org_id, ADMIN)):
        raise Forbidden(f"Only an admin of {org_id!r} may change it.")


def require_org_metadata(p: Principal, org_id: str) -> None:
    """Read an organisation record: its members, and platform admins (metadata only)."""
    if not (p.has(PLATFORM_ADMIN) or p.member_of(org_id)):
        raise Forbidden(f"You are not a member of {org_id!r}.")


def require_org_reader(p: Principal, org_id: str) -> None:
    """Read services, components, assessments and service scorecards: members of the organisation."""
    if not p.member_of(org_id):
        raise Forbidden(f"You are not a member of {org_id!r}.")


def require_admin(p: Principal, org_id: str) -> None:
    """Integrations, organisation KPIs and declaration projects: the organisation's admins."""
    if not p.member_of(org_id, ADMIN):
        raise Forbidden(f"Only admins of {org_id!r} may do this.")


def require_leadership_view(p: Principal, org_id: str) -> None:
    """Organisation scorecard, its CSV and the audit trail: admins and leadership."""
    if not p.member_of(org_id, ADMIN, LEADERSHIP):
        raise Forbidden(f"Only admins and leadership of {org_id!r} may see this.")


def require_service_creator(p: Principal, org_id: str, owner_email: str) -> None:
    """Admins register any service; a service owner registers services they will own."""
    if p.member_of(org_id, ADMIN):
        return
    if p.member_of(org_id, SERVICE_OWNER):
        if p.owns(owner_email):
            return
        raise Forbidden("A service owner can only register a service with their own (verified) email as owner_email.")
    raise Forbidden(f"Only admins and service owners of {org_id!r} may register services.")


def require_org_member_who_may_edit(p: Principal, org_id: str) -> None:
    """The organisation part of editing a service: checked before the service is read."""
    if not p.member_of(org_id, ADMIN, SERVICE_OWNER):
        raise Forbidden(f"Only admins and service owners of {org_id!r} may change services.")


def require_service_editor(p: Principal, org_id: str, owner_email: str) -> None:
    """Edit a service, its components, submit its assessments: admins, and its owner."""
    require_org_member_who_may_edit(p, org_id)
    if not (p.member_of(org_id, ADMIN) or p.owns(owner_email)):
        raise Forbidden("Only the service's owner (owner_email) or an admin may change this service.")
