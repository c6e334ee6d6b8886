"""infra/template.json's own resources, created as a stack by moto's CloudFormation, and the
DynamoDB adapter working against the table that stack made (found through the stack's outputs).

moto creates the table with its keys and index but ignores TTL, point-in-time recovery and
encryption, and Chalice's functions are SAM resources moto skips: test_template.py checks those
on the merged template itself. Likewise moto creates the assets bucket with its encryption but
ignores its CORS rule, public access block and ownership setting and skips the bucket policy and
Cognito's resources; the assets test applies the template's own CORS rule and public-read
statement through the S3 API instead (not the TLS-only statement: moto does not evaluate
aws:SecureTransport and would deny every request)."""

import contextlib
import json
from dataclasses import replace
from datetime import date

import boto3
import pytest

from tests import writes

from chalicelib.adapters.dynamodb import models
from chalicelib.domain.errors import AlreadyExists, StaleWrite
from chalicelib.domain.model import Organisation, Service, ServiceSummary
from tests.contract.test_store_contract import note
from tests.dynamo_requests import RECORDER
from tests.infra.conftest import INFRA_TEMPLATE
from tests.unit.builders import stamp

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")  # moto skips Cognito and alarms

# What Chalice's template defines and infra/template.json only amends or refers to.
CHALICE_RESOURCES = ("APIHandler", "MonthlySnapshots", "ApiHandlerRole", "MonthlySnapshotsRole", "RestAPI")


def standalone(template: dict) -> dict:
    """infra/template.json without what needs Chalice's resources: the fragments merged into them
    (no Type) and whatever refers to them."""

    def needs_chalice(value) -> bool:
        text = json.dumps(value)
        return any(f'"{name}"' in text or f"${{{name}}}" in text for name in CHALICE_RESOURCES)

    resources = {
        name: r for name, r in template["Resources"].items() if "Type" in r and not needs_chalice(r)
    }
    outputs = {name: o for name, o in template["Outputs"].items() if not needs_chalice(o)}
    return {**template, "Resources": resources, "Outputs": outputs}


@contextlib.contextmanager
def models_on_table(table_name: str):
    """Point every PynamoDB model at `table_name` (they read it once, at import)."""
    classes = [c for c in vars(models).values() if isinstance(c, type) and issubclass(c, models.Model) and c is not models.Model]
    saved = models._Meta.table_name, {c: c.__dict__.get("_connection") for c in classes}
    models._Meta.table_name = table_name
    for c in classes:
        c._connection = None
    try:
        yield
    finally:
        models._Meta.table_name = saved[0]
        for c, connection in saved[1].items():
            c._connection = connection


@pytest.fixture(scope="module")
def stack_outputs(aws):
    template = standalone(json.loads(INFRA_TEMPLATE.read_text()))
    cloudformation = boto3.client("cloudformation")
    with RECORDER.paused():
        cloudformation.create_stack(
            StackName="ldd-tracker-infra-test",
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": "Stage", "ParameterValue": "dev"}],
        )
        (stack,) = cloudformation.describe_stacks(StackName="ldd-tracker-infra-test")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    yield {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    with RECORDER.paused():
        cloudformation.delete_stack(StackName="ldd-tracker-infra-test")


def test_the_stack_creates_the_table_with_the_models_keys_and_index(stack_outputs):
    assert stack_outputs["TableName"] == "ldd-tracker-dev"
    with RECORDER.paused():
        table = boto3.client("dynamodb").describe_table(TableName=stack_outputs["TableName"])["Table"]
    schema = models._ListedItem._get_schema()
    assert sorted(table["KeySchema"], key=str) == sorted(schema["key_schema"], key=str)
    (index,) = table["GlobalSecondaryIndexes"]
    (expected,) = schema["global_secondary_indexes"]
    assert index["IndexName"] == expected["index_name"]
    assert sorted(index["KeySchema"], key=str) == sorted(expected["key_schema"], key=str)
    assert index["Projection"] == expected["projection"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_the_integration_key_seals_and_opens_secrets(stack_outputs):
    from chalicelib.adapters.secretbox import KmsSecretBox

    with RECORDER.paused():
        aliases = boto3.client("kms").list_aliases()["Aliases"]
    assert "alias/ldd-tracker-dev-integrations" in [a["AliasName"] for a in aliases]
    box = KmsSecretBox(stack_outputs["IntegrationKeyArn"], client=boto3.client("kms"))
    context = {"org": "stackshire", "integration": "i-1"}
    sealed = box.seal(b"whsec_example", context)
    assert box.open(sealed, context) == b"whsec_example"
    with pytest.raises(ValueError):
        box.open(sealed, {**context, "integration": "i-2"})


def test_the_store_works_on_the_stacks_table(stack_outputs):
    from chalicelib.adapters.dynamodb.store import DynamoStore

    with models_on_table(stack_outputs["TableName"]):
        store = DynamoStore()
        org = Organisation("stackshire", "Stackshire Council", None, date(2019, 3, 1), stamp(), stamp())
        store.save_org(org, None, audit=note("stackshire"))
        assert store.get_org("stackshire") == org
        with pytest.raises(AlreadyExists):
            store.save_org(org, None, audit=note("stackshire"))
        renamed = replace(org, name="Stackshire County Council")
        store.save_org(renamed, org, audit=note("stackshire"))
        with pytest.raises(StaleWrite):
            store.save_org(replace(org, name="Lost update"), org, audit=note("stackshire"))
        svc = Service("stackshire", "svc-1", "Parking", "Environment", "o@stackshire.example", None, "live", stamp(), stamp())
        writes.create_service(store, svc, audit=note("stackshire"))
        assert [s.service_id for s in store.list_services("stackshire", 10, None).items] == ["svc-1"]
        assert "stackshire" in [o.org_id for o in store.list_orgs(10, None).items]
    with RECORDER.paused():
        count = boto3.client("dynamodb").describe_table(TableName=stack_outputs["TableName"])["Table"]["ItemCount"]
    assert count > 0  # the items went to the stack's table, not the tests' own


def test_the_pages_assets_are_served_from_the_stacks_bucket_as_the_css_refers_to_them(stack_outputs):
    """`make deploy` uploads devserver.assets' files under assets/ with their content types; a
    browser then loads the CSS from AssetUrl and the fonts the CSS names by absolute path
    (/assets/fonts/...) from the bucket's host root, cross-origin."""
    import re
    from urllib.parse import urljoin

    import requests

    from devserver import assets

    if not assets.DEFAULT_ROOT.is_dir():
        pytest.skip("GOV.UK Frontend is not installed: run `make frontend`")
    template = json.loads(INFRA_TEMPLATE.read_text())
    bucket = stack_outputs["AssetsBucketName"]
    s3 = boto3.client("s3")
    with RECORDER.paused():
        encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        # what moto's CloudFormation leaves out, from the template itself
        (rule,) = template["Resources"]["AssetsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
            "AllowedMethods": rule["AllowedMethods"], "AllowedOrigins": rule["AllowedOrigins"], "MaxAgeSeconds": rule["MaxAge"],
        }]})
        statements = template["Resources"]["AssetsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        (public,) = [s for s in statements if s["Effect"] == "Allow"]
        public = {**public, "Resource": public["Resource"]["Fn::Sub"].replace("${AssetsBucket.Arn}", f"arn:aws:s3:::{bucket}")}
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [public]}))
        # the upload, as make deploy does it
        for url_path, path in assets.asset_files().items():
            s3.put_object(Bucket=bucket, Key=url_path.lstrip("/"), Body=path.read_bytes(), ContentType=assets.content_type(url_path))
        s3.put_object(Bucket=bucket, Key="private/note.txt", Body=b"not public")

        asset_url = stack_outputs["AssetUrl"]
        assert asset_url == f"https://{bucket}.s3.eu-west-2.amazonaws.com/assets"
        origin = {"Origin": "https://abc123.execute-api.eu-west-2.amazonaws.com"}
        css = requests.get(f"{asset_url}/govuk-frontend.min.css", headers=origin, timeout=5)
        assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
        referenced = sorted(set(re.findall(r"url\((/assets/[^)]+)\)", css.text)))
        assert any(u.endswith(".woff2") for u in referenced) and any("/images/" in u for u in referenced)
        for path in referenced:
            answer = requests.get(urljoin(css.url, path), headers=origin, timeout=5)
            assert answer.status_code == 200, path
            assert answer.headers["Content-Type"] == assets.content_type(path)
            assert answer.headers["Access-Control-Allow-Origin"] in ("*", origin["Origin"])
        js = requests.get(f"{asset_url}/govuk-frontend.min.js", timeout=5)
        assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript")
        # only assets/ is public
        assert requests.get(f"https://{bucket}.s3.eu-west-2.amazonaws.com/private/note.txt", timeout=5).status_code == 403
        s3.delete_bucket_policy(Bucket=bucket)
        assert requests.get(f"{asset_url}/govuk-frontend.min.css", timeout=5).status_code == 403
