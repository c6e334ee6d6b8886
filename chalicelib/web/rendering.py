"""HTML responses: the Jinja environment (our templates plus GOV.UK Frontend's macros from
govuk-frontend-jinja), the filters the templates share, and the headers every page carries."""

from __future__ import annotations

import os
import secrets
import urllib.parse
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chalice import Response

from chalicelib.domain import text
from chalicelib.domain.lockin import FLAG_TITLES, reference_sources

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent / "templates"
LONDON = ZoneInfo("Europe/London")
DEFAULT_ASSET_URL = "/assets"


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Jinja loads with the first page, not at start: an API request never renders one.
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(TEMPLATES)),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        day=day, flag_title=flag_title, moment=moment, number=number, safe_href=safe_href, sources=sources, words=words
    )
    return env


def asset_url() -> str:
    return (os.environ.get("ASSET_URL") or DEFAULT_ASSET_URL).rstrip("/")


def html_response(template: str, status: int = 200, headers: dict | None = None, **context) -> Response:
    nonce = secrets.token_urlsafe(16)
    body = environment().get_template(template).render(assetPath=asset_url(), cspNonce=nonce, **context)
    # Text stored before the API refused lone surrogates would make the page unencodable.
    body = text.printable(body)
    return Response(body=body, status_code=status, headers={**page_headers(nonce), **(headers or {})})


def page_headers(nonce: str) -> dict:
    assets = _origin(asset_url())
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src 'nonce-{nonce}' {assets}",
            f"style-src {assets}",  # no inline styles: the SVG charts use presentation attributes
            f"font-src {assets}",
            f"img-src {assets} data:" if assets == "'self'" else f"img-src 'self' {assets} data:",
            f"manifest-src {assets}",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )
    return {
        "Content-Type": "text/html; charset=utf-8",
        # Pages show one council's figures to one signed-in person: never kept by a shared cache.
        "Cache-Control": "no-store",
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def is_page(response: Response) -> bool:
    return (response.headers.get("Content-Type") or "").startswith("text/html")


def redirect(location: str, status: int = 303, cookies: list[str] | None = None) -> Response:
    headers: dict = {"Location": location, "Cache-Control": "no-store"}
    if cookies:
        headers["Set-Cookie"] = cookies
    return Response(body="", status_code=status, headers=headers)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else "'self'"


# --- filters ---------------------------------------------------------------------------------


def safe_href(url) -> str | None:
    """The URL when it is an absolute http(s) link, else None: a stored `javascript:` or
    `data:` URL is shown as text, never made a link."""
    if not isinstance(url, str):
        return None
    parts = urllib.parse.urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def sources(reference: str) -> list[tuple[str, str | None]]:
    """A flag's reference as (source, link or None) pairs, for links named by their source."""
    return [(text, safe_href(url)) for text, url in reference_sources(reference or "")]


def flag_title(code: str) -> str:
    return FLAG_TITLES.get(code, words(code.lower()))


def day(value) -> str:
    """'26 November 2026' (the GOV.UK style for dates)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


def moment(value) -> str:
    """'26 November 2026 at 2:05pm', in UK time."""
    if not value:
        return ""
    when = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    when = when.astimezone(LONDON)
    hour = when.hour % 12 or 12
    return f"{when.day} {when:%B %Y} at {hour}:{when:%M}{'am' if when.hour < 12 else 'pm'}"


def number(value, places: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer() and places:
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.{places}f}"


def words(value) -> str:
    """An identifier as words: 'not_applicable' -> 'Not applicable'."""
    text = str(value or "").replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]
