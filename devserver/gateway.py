"""A LocalGateway that answers unknown paths as the API contract says (404 problem+json) instead of
API Gateway's 403 "Missing Authentication Token". The dev server and the API tests both use it,
so the tests see what a developer's curl sees."""

import json
from collections.abc import Iterable
from http import HTTPStatus

from chalice.local import LocalGateway, LocalGatewayException, RouteMatcher

from chalicelib.api.problems import PROBLEM_JSON


def problem(status: int, detail: str) -> bytes:
    """A problem body as the app's own (chalicelib.api.problems): titled by the status."""
    return json.dumps({"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}).encode()


class RouteNotFound(LocalGatewayException):
    """Raised like Chalice's own gateway errors, so chalice.test and the HTTP handler both send it."""

    CODE = 404


class ProblemGateway(LocalGateway):
    """Any method name, known or not, reaches the app: Chalice's handler answers 405 with `Allow`
    for a method the route lacks (its authorizer lookup tolerates unknown methods too)."""

    def __init__(self, app_object, config) -> None:
        super().__init__(app_object, config)
        self._matcher = RouteMatcher(list(app_object.routes))

    def _generate_lambda_event(self, method, path, headers, body):
        try:
            return super()._generate_lambda_event(method, path, headers, body)
        except ValueError:
            # Chalice signals "no route" with ValueError; its gateway then sends a 403 (what API
            # Gateway does), whereas the contract says an unknown resource is a 404 problem.
            raise RouteNotFound(
                # What the app's own responses carry (chalicelib.api.problems.with_standard_headers),
                # as the stack's gateway responses do on AWS.
                {"Content-Type": PROBLEM_JSON, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
                problem(404, f"No route matches {path.split('?', 1)[0]}"),
            ) from None

    def _has_user_defined_options_method(self, lambda_event) -> bool:
        # Chalice's gateway answers OPTIONS itself (200, no Allow) as a CORS preflight. The API
        # serves no cross-origin requests, so OPTIONS reaches the app like any method the
        # route lacks: 405 with Allow. A route that enables CORS keeps its preflight.
        routes = self._app_object.routes[lambda_event["requestContext"]["resourcePath"]]
        return not any(entry.cors for entry in routes.values())

    def route_methods(self, path: str) -> Iterable[str]:
        """The methods the route matching `path` defines (empty for an unknown path)."""
        try:
            match = self._matcher.match_route(path)
        except ValueError:
            return ()
        return tuple(self._app_object.routes[match.route])


def chalice_client(app, project_dir: str, stage_name: str = "dev"):
    """A chalice.test.Client whose HTTP requests go through ProblemGateway. (Not named test_*:
    pytest would collect it from any test module that imports it.)

    chalice.test builds its LocalGateway privately; this swaps it (chalice is pinned)."""
    from chalice import test as chalice_test

    client = chalice_test.Client(app, stage_name=stage_name, project_dir=project_dir)
    http = chalice_test.TestHTTPClient(app, client._chalice_config)
    http._local_gateway = ProblemGateway(app, http._config)
    client._http_client = http
    return client
