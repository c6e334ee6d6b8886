"""The local server as a developer runs it: `python -m devserver` in its own process, over real
HTTP (stdlib clients only), with its data in a temporary folder (LDD_LOCAL_DIR)."""

import http.client
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20
URL_LINE = re.compile(r"local server: (http://127\.0\.0\.1:\d+)")


class DevServer:
    """One `python -m devserver` process; its output is drained on a thread (and kept for
    failure messages) so a full pipe can never stall it."""

    def __init__(self, data_dir: Path):
        env = {**os.environ, "PORT": "0", "LDD_LOCAL_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
        env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)  # the server points PynamoDB at its own moto
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devserver"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._drain, daemon=True).start()
        self.host, self.port = "127.0.0.1", 0
        self._wait_until_serving()

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        url = None
        while url is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.process.kill()
                pytest.fail("devserver printed no URL in time:\n" + "".join(self.output))
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"devserver exited ({self.process.wait()}):\n" + "".join(self.output))
            match = URL_LINE.search(line)
            url = match and match.group(1)
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.process.kill()
        pytest.fail("devserver did not answer /health in time:\n" + "".join(self.output))

    def request(self, method: str, path: str, body=None) -> tuple[int, http.client.HTTPMessage, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def json(self, path: str):
        status, _, payload = self.request("GET", path)
        assert status == 200, payload
        return json.loads(payload)

    def stop(self, sig: int) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=15)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ldd-local")


@pytest.fixture(scope="module")
def server(data_dir):
    running = DevServer(data_dir)
    yield running
    running.stop(signal.SIGKILL)


def demo_services(server: DevServer) -> list[dict]:
    page = server.json("/orgs/demo-borough/services?limit=100")
    assert page["next_cursor"] is None
    return page["items"]


def test_the_demo_organisation_is_seeded_with_twelve_services(server):
    organisation = server.json("/orgs/demo-borough")
    assert organisation["name"] == "Demo Borough (demo data)"
    assert len(demo_services(server)) == 12
    scorecard = server.json("/orgs/demo-borough/scorecard")
    assert scorecard["services_total"] == 12
    assert [f["code"] for f in scorecard["lock_in"]["flags"]] == ["SUPPLIER_CONCENTRATION"]


def test_an_unknown_path_is_a_404_problem(server):
    status, headers, payload = server.request("GET", "/no/such/thing?x=1")
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(payload) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No route matches /no/such/thing",
    }


@pytest.mark.parametrize("method", ["FOO", "PROPFIND", "TRACE", "DELETE"])
def test_a_method_the_path_lacks_is_a_405_with_allow_never_a_501(server, method):
    status, headers, payload = server.request(method, "/health")
    assert status == 405
    assert "GET" in headers["Allow"]
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(payload)["status"] == 405


def test_an_unknown_method_on_an_unknown_path_is_a_404(server):
    status, _, _ = server.request("FOO", "/no/such/thing")
    assert status == 404


def test_head_answers_without_a_body(server):
    status, headers, payload = server.request("HEAD", "/health")
    assert status == 200
    assert payload == b""
    assert int(headers["Content-Length"]) == len(b'{"status":"ok"}')


def test_an_acknowledged_write_survives_kill_9_and_sigterm_exits_0(server, data_dir):
    status, _, payload = server.request("PUT", "/orgs/survivor", {"name": "Survivor Council"})
    assert status == 201, payload
    assert server.stop(signal.SIGKILL) == -signal.SIGKILL

    restarted = DevServer(data_dir)
    try:
        assert restarted.json("/orgs/survivor")["name"] == "Survivor Council"
        assert len(demo_services(restarted)) == 12  # restored, not seeded a second time
        assert "already present" in "".join(restarted.output)
    finally:
        exit_code = restarted.stop(signal.SIGTERM)
    assert exit_code == 0, "".join(restarted.output)
    assert [p.name for p in data_dir.iterdir()] == ["dynamodb.json"]
