"""Test set-up shared by every suite.

Order matters: fake AWS settings and moto come before the application is imported, because a
botocore client created before moto is active is not mocked, and PynamoDB reads its table name
when the model classes are defined."""

import os

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="eu-west-2",
    AWS_REGION="eu-west-2",
    TABLE_NAME="ldd-tracker-test",
)
os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
os.environ.pop("AWS_ENDPOINT_URL", None)

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from tests.dynamo_requests import RECORDER  # noqa: E402  (installs the request spy)
from tests.identity import LocalIdentityProvider  # noqa: E402

# One identity provider for the session; the application finds it through OIDC_* only.
IDENTITY = LocalIdentityProvider().start()
os.environ.update(IDENTITY.env())


@pytest.fixture(scope="session")
def identity():
    return IDENTITY


@pytest.fixture(scope="session")
def aws():
    with mock_aws():
        # Integration secrets are sealed under a KMS key, found through INTEGRATION_KMS_KEY_ID.
        import boto3

        key = boto3.client("kms").create_key(Description="integration secrets (tests)")
        os.environ["INTEGRATION_KMS_KEY_ID"] = key["KeyMetadata"]["KeyId"]
        yield


@pytest.fixture
def table(aws):
    """A fresh, empty table for each test that touches DynamoDB."""
    from chalicelib.adapters.dynamodb.models import OrgItem
    from chalicelib.adapters.dynamodb.tables import create_tables

    with RECORDER.paused():
        if OrgItem.exists():
            OrgItem.delete_table()
        create_tables()
    yield


def pytest_sessionfinish(session, exitstatus):
    if RECORDER.scans:
        session.exitstatus = 1
        print(f"\nDynamoDB Scan requests were made ({len(RECORDER.scans)}): the project allows none.")
