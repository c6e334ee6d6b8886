"""`python -m devserver` in its own process, as a developer runs it, with its data and development
key in a folder of the caller's (LDD_LOCAL_DIR) and on a free port: for the tests of the local
server (tests/api/test_devserver.py) and for `make bench`. Stdlib clients only.

The server inherits this process's environment except what tests/conftest.py sets for the
in-process app and a developer's shell would not have: the OIDC_* settings (so the server is its
own identity provider unless `env` names another), the KMS key and the moto endpoint."""

import http.client
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from devserver import identity

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 20
URL_LINE = re.compile(r"local server: (http://127\.0\.0\.1:\d+)")


COMMAND = [sys.executable, "-m", "devserver"]
# Besides OIDC_*: the server points PynamoDB at its own moto, and seals integration secrets with
# its key file unless given a KMS key (the tests' is in their own moto, which the server cannot see).
IN_PROCESS_SETTINGS = frozenset({"APP_BASE_URL", "AWS_ENDPOINT_URL_DYNAMODB", "INTEGRATION_KMS_KEY_ID", "LDD_LOCAL_SECRET_KEY_FILE"})


class ServerDidNotStart(RuntimeError):
    pass


def server_environment(data_dir: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the in-process app's settings, for a server on a free
    port keeping its data in `data_dir`, with `env` on top."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_") and k not in IN_PROCESS_SETTINGS}
    return {**inherited, "PORT": "0", "LDD_LOCAL_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **(env or {})}


class DevServer:
    """One `python -m devserver` process; its output is drained on a thread (and kept for
    failure messages) so a full pipe can never stall it."""

    def __init__(self, data_dir: Path, env: Mapping[str, str] | None = None):
        self.data_dir = data_dir
        self.process = subprocess.Popen(
            COMMAND,
            cwd=ROOT,
            env=server_environment(data_dir, env),
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

    def _fail(self, why: str):
        if self.process.poll() is None:
            self.process.kill()
        raise ServerDidNotStart(f"devserver {why}:\n" + "".join(self.output))

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        url = None
        while url is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._fail("printed no URL in time")
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self._fail(f"exited ({self.process.wait()})")
            match = URL_LINE.search(line)
            url = match and match.group(1)
        parts = urlsplit(url)
        self.url = url
        self.host, self.port = parts.hostname, parts.port
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self._fail("did not answer /health in time")

    def token(self, roles="admin", org: str | None = "demo-borough", email: str = "admin@demo-borough.example") -> str:
        """A token this server accepts: its issuer (its own URL) and its development key."""
        key = identity.DevKey.load_or_create(self.data_dir)
        return identity.issue_token(roles, org, email, issuer=self.url, key=key)

    def request(
        self, method: str, path: str, body=None, token: str | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request on a fresh connection; `body` is sent as JSON, or as it is if bytes."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            sent = {"Content-Type": "application/json"} if body is not None else {}
            if token is not None:
                sent["Authorization"] = f"Bearer {token}"
            payload = body if body is None or isinstance(body, bytes) else json.dumps(body)
            connection.request(method, path, body=payload, headers={**sent, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def json(self, path: str, token: str | None = None):
        status, _, payload = self.request("GET", path, token=token or self.token())
        assert status == 200, payload
        return json.loads(payload)

    def stop(self, sig: int) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=15)
