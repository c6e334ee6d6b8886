"""A session-wide recorder of every DynamoDB request, made by any botocore client.

It wraps botocore's BaseClient._make_api_call once, when the test session starts. A Scan fails
the test that made it at once (and the session, in case something swallowed the error).

It also keeps, for the whole session, the set of DynamoDB and KMS operations the application
itself made (`app_operations`), for the IAM policy check (tests/zz_policy): a request counts when
it is not in a paused block and the application's code (chalicelib/ or app.py) is on the call
stack, so the dev server's save and restore and tests' own set-up do not count, and creating the
table (chalicelib/adapters/dynamodb/tables.py: the local server and tests only) does not either.
A TransactWriteItems also records each kind of item action it carries ("TransactWriteItems.Put",
...): IAM authorises a transaction by those."""

import contextlib
import os
import sys
import threading

import botocore.client

_original = botocore.client.BaseClient._make_api_call


class DynamoRequests:
    def __init__(self):
        self._lock = threading.Lock()
        self._local = threading.local()
        self.scans: list[dict] = []
        self._windows: list[list[str]] = []
        self.app_operations: set[tuple[str, str]] = set()

    def record(self, service: str, operation: str, params: dict) -> None:
        if service in APP_SERVICES and not getattr(self._local, "paused", False) and _called_by_the_app():
            seen = {(service, operation)}
            if operation == "TransactWriteItems":
                seen |= {(service, f"{operation}.{kind}") for item in params.get("TransactItems", []) for kind in item}
            with self._lock:
                self.app_operations |= seen
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


APP_SERVICES = frozenset({"dynamodb", "kms"})
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_APP_CODE = (os.path.join(_ROOT, "chalicelib") + os.sep, os.path.join(_ROOT, "app.py"))
_OTHER_CODE = tuple(os.path.join(_ROOT, folder) + os.sep for folder in ("devserver", "tools", "tests"))
_NOT_THE_FUNCTION = os.path.join(_ROOT, "chalicelib", "adapters", "dynamodb", "tables.py")


def _called_by_the_app() -> bool:
    """Whether the nearest project code on the stack (below botocore, PynamoDB...) is the app's."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back  # this recorder's own frames
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename == _NOT_THE_FUNCTION or filename.startswith(_OTHER_CODE):
            return False
        if filename.startswith(_APP_CODE[0]) or filename == _APP_CODE[1]:
            return True
        frame = frame.f_back
    return False


RECORDER = DynamoRequests()


def _spy(client, operation_name, api_params):
    RECORDER.record(client.meta.service_model.service_name, operation_name, api_params)
    return _original(client, operation_name, api_params)


botocore.client.BaseClient._make_api_call = _spy
