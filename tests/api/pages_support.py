"""Helpers for the page tests (test_pages.py): a browser-like client over chalice's test HTTP
client (a session cookie instead of a bearer token, urlencoded forms) and a small HTML tree to
look into what a page shows."""

from __future__ import annotations

import urllib.parse
from datetime import datetime, timedelta
from html.parser import HTMLParser

from chalicelib.domain.clock import FixedClock

SESSION_COOKIE = "__Host-ldd-session"
SIGN_IN_COOKIE = "__Host-ldd-sign-in"
FLASH_COOKIE = "__Host-ldd-flash"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class TickingClock(FixedClock):
    """A millisecond later at each reading, so ids made from the clock (ULIDs) sort in the order
    they were made: the newest assessment is the latest, as in production."""

    def now(self) -> datetime:
        self.instant += timedelta(milliseconds=1)
        return self.instant


class Browser:
    """Requests as a signed-in person's browser makes them: the ID token in the session cookie
    (or `token=None`: no cookie at all), forms sent urlencoded."""

    def __init__(self, http, token: str | None):
        self.http = http
        self.token = token

    def headers(self, extra: dict | None = None) -> dict:
        cookie = {"Cookie": f"{SESSION_COOKIE}={self.token}"} if self.token else {}
        return {**cookie, **(extra or {})}

    def get(self, path: str, headers: dict | None = None):
        return self.http.request("GET", path, headers=self.headers(headers), body=b"")

    def post(self, path: str, fields=(), csrf: str | None = "page"):
        """`fields`: a dict or (name, value) pairs. `csrf`: "page" reads the csrf_token the
        page's own form carries (GET first), None sends none, anything else is sent as is."""
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        if csrf == "page":
            csrf = csrf_token_of(self.get(path))
        if csrf is not None:
            pairs.append(("csrf_token", csrf))
        return self.http.request("POST", path, headers=self.headers(FORM), body=urllib.parse.urlencode(pairs).encode())

    def follow(self, redirect):
        """Where a redirect sends the browser, carrying the cookies the redirect set (a success
        message)."""
        assert redirect.status_code in (302, 303), redirect.status_code
        return self.get_with(redirect.headers["Location"].split("#")[0], [c.split(";", 1)[0] for c in set_cookies(redirect)])

    def get_with(self, path: str, cookies: list[str]):
        """GET with these cookies ("name=value") besides the session's."""
        cookie = "; ".join([*([f"{SESSION_COOKIE}={self.token}"] if self.token else []), *cookies])
        return self.http.request("GET", path, headers={"Cookie": cookie}, body=b"")


def csrf_token_of(response) -> str:
    forms = [i for i in page(response).find_all("input") if i.attrs.get("name") == "csrf_token"]
    assert forms, f"no csrf_token on the page ({response.status_code})"
    return forms[-1].attrs["value"]


def set_cookies(response) -> list[str]:
    value = response.headers.get("Set-Cookie") or []
    return [value] if isinstance(value, str) else list(value)


def cookie_named(response, name: str) -> str | None:
    return next((c for c in set_cookies(response) if c.startswith(name + "=")), None)


def cookie_attributes(cookie: str) -> set[str]:
    return {part.strip() for part in cookie.split(";")[1:]}


# A small HTML tree ---------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs) -> list[Node]:
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag) and all(n.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def by_id(self, element_id: str) -> Node:
        found = self.find_all(id=element_id)
        assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
        return found[0]

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()

    def with_class(self, name: str) -> list[Node]:
        return [n for n in self.walk() if n.has_class(name)]


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def page(response) -> Node:
    builder = _TreeBuilder()
    builder.feed(response.body.decode() if isinstance(response.body, bytes) else response.body)
    builder.close()
    return builder.root


def title_of(response) -> str:
    return page(response).find_all("title")[0].text()


def error_summary_links(response) -> list[str]:
    summaries = page(response).with_class("govuk-error-summary")
    assert len(summaries) == 1, "no GOV.UK error summary"
    return [a.attrs["href"] for a in summaries[0].find_all("a")]


def leader_of(http, org_id: str) -> Browser:
    """A leadership member of `org_id`, signed in (the loaded organisations' reader)."""
    from tests.conftest import IDENTITY

    return Browser(http, IDENTITY.token(sub="cdo", roles=("leadership",), org=org_id, email="cdo@x.example"))


def requests_of(http, org_id: str, path: str):
    """The page at `path` (with {org_id}) as leadership of `org_id`, and the DynamoDB requests it made."""
    from tests.dynamo_requests import RECORDER

    with RECORDER.measure() as ops:
        response = leader_of(http, org_id).get(path.format(org_id=org_id))
    assert response.status_code == 200, response.body[:500]
    return response, list(ops)
