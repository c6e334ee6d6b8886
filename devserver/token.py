"""`make token ROLE=... [ORG=...] [EMAIL=...]`: print a token for the local server, and only the
token, so that `TOKEN=$(make -s token ROLE=admin)` works.

Settings come from the environment (the Makefile passes them on):
  ROLE           platform_admin, admin, leadership or service_owner; several comma-separated
  ORG            the organisation (`custom:org`); default demo-borough, none for platform_admin
                 alone; `none` leaves it out
  EMAIL          default by role: the demo user of that role in demo-borough, else
                 admin@<org>.example, cdo@<org>.example or owner@<org>.example
  PORT           the local server's port, which is part of the issuer (default 8000)
  LDD_LOCAL_DIR  where the development key is (default .local); it is made if missing
  HOURS          how long the token lasts (default 8)

The token is signed with the development key, which only the local server trusts."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from chalicelib.domain.access import PLATFORM_ADMIN, ROLES
from devserver import identity

DEFAULT_ORG = "demo-borough"
NO_ORG = frozenset({"none", "-"})
_EMAIL_TEMPLATES = {
    "admin": "admin@{org}.example",
    "leadership": "cdo@{org}.example",
    "service_owner": "owner@{org}.example",
}
PLATFORM_ADMIN_EMAIL = "platform@tracker.example"

USAGE = f"""usage: make token ROLE=<role>[,<role>...] [ORG=<org_id>] [EMAIL=<email>] [PORT=<port>]
roles: {", ".join(ROLES)}
for example:
  make token ROLE=admin
  make token ROLE=platform_admin
  make token ROLE=service_owner ORG=demo-borough EMAIL=a.okafor@demo-borough.example
  TOKEN=$(make -s token ROLE=leadership)"""


class UsageError(ValueError):
    pass


def parse(env: Mapping[str, str]) -> dict:
    """The arguments of identity.issue_token (and the port) from `env`; UsageError if wrong."""
    raw_roles = (env.get("ROLE") or "").strip()
    if not raw_roles:
        raise UsageError("ROLE is required.")
    roles = [role.strip() for role in raw_roles.split(",") if role.strip()]
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise UsageError(f"unknown role {', '.join(unknown) or raw_roles!r}: ROLE must be among {', '.join(ROLES)}.")
    roles = list(dict.fromkeys(roles))
    only_platform = all(role == PLATFORM_ADMIN for role in roles)

    org = (env.get("ORG") or "").strip()
    if org.lower() in NO_ORG:
        org = ""
        if not only_platform:
            raise UsageError(f"ORG={env.get('ORG')} leaves out the organisation, but {', '.join(roles)} needs one.")
    elif not org and not only_platform:
        org = DEFAULT_ORG

    email = (env.get("EMAIL") or "").strip() or default_email(roles[0], org or None)
    if "@" not in email:
        raise UsageError(f"EMAIL={email!r} is not an email address.")

    try:
        port = int((env.get("PORT") or "").strip() or identity.DEFAULT_PORT)
        hours = float((env.get("HOURS") or "").strip() or identity.DEFAULT_HOURS)
    except ValueError:
        raise UsageError("PORT and HOURS must be numbers.") from None
    if not 0 < port < 65536 or hours <= 0:
        raise UsageError("PORT must be between 1 and 65535 and HOURS above 0.")
    return {"roles": roles, "org": org or None, "email": email, "port": port, "hours": hours}


def default_email(role: str, org: str | None) -> str:
    if role == PLATFORM_ADMIN or not org:
        return PLATFORM_ADMIN_EMAIL
    from devserver.demo import DEMO_USERS

    for user in DEMO_USERS:
        if user.role == role and user.org_id == org:
            return user.email
    return _EMAIL_TEMPLATES[role].format(org=org)


def command(
    role: str,
    email: str,
    org: str | None = None,
    *,
    port: int = identity.DEFAULT_PORT,
    local_dir: Path | None = None,
    silent: bool = False,
) -> str:
    """The `make token ...` command line that prints a token for the server on `port` whose key
    is in `local_dir`: PORT and LDD_LOCAL_DIR appear only when they differ from the defaults."""
    parts = ["make -s token" if silent else "make token"]
    if port != identity.DEFAULT_PORT:
        parts.append(f"PORT={port}")
    if local_dir is not None and Path(local_dir).resolve() != identity.DEFAULT_LOCAL_DIR.resolve():
        parts.append(f"LDD_LOCAL_DIR={shlex.quote(str(Path(local_dir).resolve()))}")
    parts.append(f"ROLE={role}")
    if org:
        parts.append(f"ORG={org}")
    parts.append(f"EMAIL={email}")
    return " ".join(parts)


def platform_admin_token(port: int, env: Mapping[str, str] | None = None, hours: float = 1) -> str:
    """A platform admin's token for the local server on `port`, signed with the development key
    in LDD_LOCAL_DIR (of `env`): what the local tools send to the server's admin-only routes."""
    key = identity.DevKey.load_or_create(identity.local_dir(env))
    return identity.issue_token([PLATFORM_ADMIN], None, PLATFORM_ADMIN_EMAIL, issuer=identity.issuer_for(port), hours=hours, key=key)


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    try:
        args = parse(env)
    except UsageError as e:
        print(f"make token: {e}\n{USAGE}", file=sys.stderr)
        return 2
    key = identity.DevKey.load_or_create()
    token = identity.issue_token(
        args["roles"],
        args["org"],
        args["email"],
        issuer=identity.issuer_for(args["port"]),
        hours=args["hours"],
        key=key,
    )
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
