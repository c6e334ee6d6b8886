"""The dev server's HTTP handler: Chalice's local handler, plus what the API contract needs from
a server (every method reaches the app, HEAD has no body, a body over the limit is refused before
it is read) and local durability (a successful write is saved before it is acknowledged). It also
answers, itself, the local identity provider's two documents under /.well-known/ (see
devserver.identity), its sign-in pages and the local maintenance endpoints; the app never sees
those paths."""

import json
import logging
import traceback
import urllib.parse
from contextlib import nullcontext
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from chalice.local import ChaliceRequestHandler, LocalGatewayException

from chalicelib.edge.http import MAX_BODY_BYTES
from devserver.gateway import PROBLEM_JSON, ProblemGateway, problem
from devserver.assets import content_type
from devserver.identity import LocalIssuer, issuer_for
from devserver.signin import AUTHORIZE_PATH, TOKEN_PATH, LocalSignIn
from devserver.local_store import Committed
from devserver.persistence import LocalTables

log = logging.getLogger("devserver")

# Requests that change nothing; every other method (including unknown ones, which the app
# refuses) runs under the write lock and, when it succeeds, is saved before it is answered.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RUN_SNAPSHOTS_PATH = "/_local/run-snapshots"
_NO_BODY_STATUSES = frozenset({204, 304})


@lru_cache(maxsize=1)
def _sign_in_environment():
    """The pages' Jinja environment with devserver/templates in front, made once."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    from chalicelib.web.rendering import environment

    pages = environment()
    return pages.overlay(loader=ChoiceLoader([FileSystemLoader(str(Path(__file__).parent / "templates")), pages.loader]))


def render_dev_sign_in(**context) -> str:
    """The development sign-in page, in the pages' own layout (devserver/templates)."""
    from chalicelib.web.rendering import asset_url

    context.setdefault("params", {})
    context.setdefault("users", [])
    template = _sign_in_environment().get_template("dev_sign_in.html")
    return template.render(title="Sign in as a demo user", assetPath=asset_url(), **context)


def page_headers_for_dev() -> dict:
    return {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


class RefusedBody(ValueError):
    """A request body the server will not read (any further): answered with `status`, and the
    connection closed, since the rest of the body may still be on its way."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status


def _too_large() -> RefusedBody:
    return RefusedBody(413, f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")


class DevRequestHandler(ChaliceRequestHandler):
    # TCP_NODELAY on every accepted socket (socketserver's own switch), and each response in one
    # write (_respond): otherwise Nagle's algorithm holds back the body of a kept-alive connection's
    # answer until the client acknowledges the headers, which its delayed ACK does ~40 ms later.
    disable_nagle_algorithm = True

    def __init__(
        self,
        request,
        client_address,
        server,
        app_object,
        config,
        gateway: ProblemGateway,
        tables: Committed | LocalTables,  # what makes an acknowledged write durable
        local_issuer: LocalIssuer | None = None,
        sign_in: LocalSignIn | None = None,
        assets: dict[str, Path] | None = None,
    ):
        # One gateway for every connection (Chalice builds one per connection); it holds no
        # per-request state, and the app's current_request is thread-local under LocalChalice.
        self.local_gateway = gateway
        self._tables = tables
        self._local_issuer = local_issuer
        self._sign_in = sign_in
        self._assets = assets or {}
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def __getattr__(self, name: str):
        # BaseHTTPRequestHandler answers 501 to a method it has no do_<METHOD> for; the contract
        # says never 501: such a method reaches the app (405 with Allow) or the gateway (404).
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        try:
            headers, body = self._read_request()
        except RefusedBody as e:
            self._refuse_body(e)
            return
        if self._local_issuer is not None and self._local_issuer.handles(self.path):
            # Never under the write lock: the app fetches these while it handles a request, a
            # write included, the first time it needs the keys.
            self._respond_identity_document()
            return
        if self._sign_in is not None and self._sign_in.handles(self.path):
            self._respond_sign_in(body)  # not under the write lock: the app calls /_local/token mid-request
            return
        if self.path.split("?", 1)[0] in self._assets:
            self._respond_asset()
            return
        if self.path == RUN_SNAPSHOTS_PATH:
            self._run_snapshots(body)
            return
        method = self._dispatch_method()
        writes = method not in SAFE_METHODS
        with self._tables.lock if writes else nullcontext():
            status, out_headers, out_body = self._call_gateway(method, headers, body)
            # A refused webhook delivery may still have logged itself (the deliveries log is the
            # one record a failed request leaves), so those are saved whatever their status.
            if writes and (status < 400 or self.path.startswith("/webhooks/")):
                try:
                    self._tables.save()
                except Exception:
                    log.error("Could not save the local data:\n%s", traceback.format_exc())
                    status, out_headers = 500, {"Content-Type": PROBLEM_JSON}
                    out_body = problem(
                        500, f"The change could not be saved to {self._tables.path}; it will be lost when the server stops."
                    )
        self._respond(status, out_headers, out_body)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _handle

    def _respond_identity_document(self) -> None:
        if self.command not in ("GET", "HEAD"):
            self._respond_problem(405, f"{self.command} is not allowed here; use GET.", {"Allow": "GET, HEAD"})
            return
        document = self._local_issuer.document(self.path)
        if document is None:  # the discovery document before the port is known: not yet served
            self._respond_problem(503, "Starting up.")
            return
        self._respond(200, {"Content-Type": "application/json", "Cache-Control": "no-store"}, json.dumps(document))

    def _respond_sign_in(self, body: bytes | None) -> None:
        path, _, query = self.path.partition("?")
        form = dict(urllib.parse.parse_qsl((body or b"").decode("utf-8", "replace")))
        if path == TOKEN_PATH and self.command == "POST":
            status, document = self._sign_in.token(form)
            self._respond(status, {"Content-Type": "application/json", "Cache-Control": "no-store"}, json.dumps(document))
        elif path == AUTHORIZE_PATH and self.command == "POST":
            status, target = self._sign_in.choose(form)
            if status == 303:
                self._respond(303, {"Location": target, "Cache-Control": "no-store"}, b"")
            else:
                self._respond(400, page_headers_for_dev(), render_dev_sign_in(problem=target))
        elif path == AUTHORIZE_PATH and self.command in ("GET", "HEAD"):
            params = dict(urllib.parse.parse_qsl(query))
            problem_text = self._sign_in.check_request(params)
            page = render_dev_sign_in(problem=problem_text, params=params, users=self._sign_in.users())
            self._respond(400 if problem_text else 200, page_headers_for_dev(), page)
        else:
            allowed = "POST" if path == TOKEN_PATH else "GET, HEAD, POST"
            self._respond_problem(405, f"Use {allowed}.", {"Allow": allowed})

    def _respond_asset(self) -> None:
        """GOV.UK Frontend's files from node_modules, one flat name each (devserver/assets.py)."""
        if self.command not in ("GET", "HEAD"):
            self._respond_problem(405, "Use GET.", {"Allow": "GET, HEAD"})
            return
        url_path = self.path.split("?", 1)[0]
        headers = {"Content-Type": content_type(url_path), "Cache-Control": "public, max-age=3600"}
        self._respond(200, headers, self._assets[url_path].read_bytes())

    def _run_snapshots(self, body: bytes | None) -> None:
        """What the daily scheduled function does on AWS, on demand: `make snapshot` posts here.
        Local only (the app has no such route); saved like any other write."""
        if self.command != "POST":
            self._respond_problem(405, "POST to run the snapshots.", {"Allow": "POST"})
            return
        if self._refused_maintenance(body):
            return
        from chalicelib.bootstrap import use_cases

        with self._tables.lock:
            organisations = use_cases().snapshots.take_all()
            self._tables.save()
        self._respond(200, {"Content-Type": "application/json"}, json.dumps({"organisations": organisations}))

    def _refused_maintenance(self, body: bytes | None) -> bool:
        """Whether a request to a local maintenance endpoint was refused (and answered): it needs
        a platform admin's bearer token, checked by the app's own authenticator, and may not be
        something a page on another site can make a browser send (a form post, or any request
        saying it comes from another origin)."""
        from chalicelib.adapters.oidc import KeysUnavailable, Misconfigured, Unauthenticated
        from chalicelib.bootstrap import authenticator
        from chalicelib.domain.access import require_platform_admin
        from chalicelib.domain.errors import Forbidden

        origin = self.headers.get("Origin")
        # Browsers send Origin on any POST and Sec-Fetch-Site on every request (where supported);
        # Sec-Fetch-Site "none" means the user asked, not a page.
        fetch_site = self.headers.get("Sec-Fetch-Site")
        if (origin is not None and origin != issuer_for(self.server.server_address[1])) or fetch_site not in (
            None, "same-origin", "none"
        ):
            self._respond_problem(403, "Requests from other sites are refused here.")
            return True
        if body and self.headers.get_content_type() != "application/json":
            self._respond_problem(415, "Send no body, or JSON (Content-Type: application/json).")
            return True
        try:
            require_platform_admin(authenticator().authenticate(self.headers.get("Authorization")))
        except Unauthenticated as e:
            self._respond_problem(401, f"A platform admin's bearer token is needed: {e}.", {"WWW-Authenticate": "Bearer"})
        except Forbidden as e:
            self._respond_problem(403, e.detail)
        except KeysUnavailable:
            self._respond_problem(503, "Sign-in is unavailable for a moment; try again.", {"Retry-After": "5"})
        except Misconfigured as e:
            self._respond_problem(500, f"Sign-in is misconfigured: {e}.")
        else:
            return False
        return True

    def _dispatch_method(self) -> str:
        """HEAD runs the GET view (its body is then left out) unless the route defines HEAD."""
        if self.command != "HEAD":
            return self.command
        methods = self.local_gateway.route_methods(self.path)
        return "GET" if "GET" in methods and "HEAD" not in methods else "HEAD"

    def _call_gateway(self, method: str, headers: dict, body: bytes | None) -> tuple[int, dict, bytes | str | None]:
        try:
            response = self.local_gateway.handle_request(method=method, path=self.path, headers=headers, body=body)
        except LocalGatewayException as e:
            return e.CODE, dict(e.headers), e.body
        except Exception:
            log.error("Unhandled error for %s %s:\n%s", method, self.path, traceback.format_exc())
            return 500, {"Content-Type": PROBLEM_JSON}, problem(500, "Unexpected error.")
        out_headers = {**response["headers"], **response["multiValueHeaders"]}
        response = self._handle_binary(response)
        return response["statusCode"], out_headers, response["body"]

    def handle_expect_100(self) -> bool:
        """`Expect: 100-continue` (curl sends it before a large body): a body over the limit is
        refused at once instead, so the client never sends it."""
        try:
            self._content_length()
        except RefusedBody as e:
            self._refuse_body(e)
            return False
        return super().handle_expect_100()

    def _refuse_body(self, refusal: RefusedBody) -> None:
        self.close_connection = True
        self._respond_problem(refusal.status, str(refusal), {"Connection": "close"})

    def _read_request(self) -> tuple[dict, bytes | None]:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = self._read_chunked()
        else:
            length = self._content_length()
            body = self.rfile.read(length) if length else None
        return dict(self.headers), body

    def _content_length(self) -> int:
        """The declared length of the body, refused when over the limit before any of it is read."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise RefusedBody(400, "Content-Length is not a number.") from None
        if length < 0:
            raise RefusedBody(400, "Content-Length is negative.")
        if length > MAX_BODY_BYTES:
            raise _too_large()
        return length

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                size = -1
            if size < 0:
                raise RefusedBody(400, "Malformed chunked body.")
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:  # from the chunk's declared size, before reading it
                raise _too_large()
            chunks.append(self.rfile.read(size))
            self.rfile.readline(8)

    def _respond_problem(self, status: int, detail: str, headers: dict | None = None) -> None:
        self._respond(status, {"Content-Type": PROBLEM_JSON, **(headers or {})}, problem(status, detail))

    def _respond(self, status: int, headers: dict, body: bytes | str | None) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        body = body or b""
        content_type = None
        for name in list(headers):
            lowered = name.lower()
            if lowered == "content-type":
                content_type = headers.pop(name)
            elif lowered in ("content-length", "transfer-encoding"):
                headers.pop(name)
        self.send_response(status)
        if status not in _NO_BODY_STATUSES:
            if body or content_type:
                self.send_header("Content-Type", content_type or "application/json")
            # For HEAD too: the length the GET body would have.
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            for item in value if isinstance(value, list) else [value]:
                self.send_header(name, item)
        # What end_headers() does, with the body added to the same buffer: one sendall.
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD" and status not in _NO_BODY_STATUSES and body:
            self._headers_buffer.append(body)
        self.flush_headers()
