"""Settings, read from the environment when first needed (never at import of the app)."""

import os

DEFAULT_TABLE_NAME = "ldd-tracker"
DEFAULT_REGION = "eu-west-2"


def table_name() -> str:
    return os.environ.get("TABLE_NAME", DEFAULT_TABLE_NAME)


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def webhook_tolerance_seconds() -> int:
    """How far a delivery's webhook-timestamp may be from now, either way (default 5 minutes)."""
    return int(os.environ.get("WEBHOOK_TOLERANCE_SECONDS", "300"))


def deployed() -> bool:
    """Running as a Lambda function (always behind HTTPS), not on a laptop or in tests."""
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def app_base_url() -> str | None:
    """APP_BASE_URL: where the pages are served (https://.../app's parent), without a final /."""
    return (os.environ.get("APP_BASE_URL") or "").strip().rstrip("/") or None


def accessibility_contact_email() -> str | None:
    """ACCESSIBILITY_CONTACT_EMAIL: where the accessibility statement tells people to report a
    problem or ask for another format; the council that runs the tracker sets it."""
    return (os.environ.get("ACCESSIBILITY_CONTACT_EMAIL") or "").strip() or None
