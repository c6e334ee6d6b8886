"""A session-wide recorder of every DynamoDB request, made by any botocore client.

It wraps botocore's BaseClient._make_api_call once, when the test session starts. A Scan fails
the test that made it at once (and the session, in case something swallowed the error)."""

import contextlib
import threading

import botocore.client

_original = botocore.client.BaseClient._make_api_call


class DynamoRequests:
    def __init__(self):
        self._lock = threading.Lock()
        self._local = threading.local()
        self.scans: list[dict] = []
        self._windows: list[list[str]] = []

    def record(self, service: str, operation: str, params: dict) -> None:
        if service != "dynamodb":
            return
        if operation == "Scan":
            self.scans.append(params)
            raise AssertionError(f"DynamoDB Scan is not allowed anywhere: {params.get('TableName')}")
        if getattr(self._local, "paused", False):
            return
        with self._lock:
            for window in self._windows:
                window.append(operation)

    @contextlib.contextmanager
    def measure(self):
        """Collect the operations made inside the block, from every thread."""
        window: list[str] = []
        with self._lock:
            self._windows.append(window)
        try:
            yield window
        finally:
            with self._lock:
                self._windows.remove(window)

    @contextlib.contextmanager
    def paused(self):
        """Leave set-up requests (creating tables) out of the counts on this thread."""
        self._local.paused = True
        try:
            yield
        finally:
            self._local.paused = False


RECORDER = DynamoRequests()


def _spy(client, operation_name, api_params):
    RECORDER.record(client.meta.service_model.service_name, operation_name, api_params)
    return _original(client, operation_name, api_params)


botocore.client.BaseClient._make_api_call = _spy
