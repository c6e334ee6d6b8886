"""The merged template (Chalice's SAM template + infra/template.json) as `make package` builds it:
the table matches the PynamoDB models, data is protected and kept, the API is throttled, failures
alarm, logs expire, the functions get their settings from the stack, and cfn-lint accepts it."""

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from chalicelib.adapters.dynamodb import models
from devserver.check_stage import check_template, resolve, template_environments
from tests.infra.conftest import ROOT, STAGES

CHALICE_FUNCTIONS = ("APIHandler", "MonthlySnapshots")


def resources_of_type(template, kind):
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def table_of(template):
    (table,) = resources_of_type(template, "AWS::DynamoDB::Table").values()
    return table


def model_classes():
    return [c for c in vars(models).values() if inspect.isclass(c) and issubclass(c, Model) and c is not Model]


@pytest.mark.parametrize("stage", STAGES)
def test_the_table_has_the_keys_index_and_ttl_of_the_models(merged_templates, stage):
    props = table_of(merged_templates[stage])["Properties"]
    schema = models._ListedItem._get_schema()  # the model with every key and index of the table
    assert {tuple(sorted(d.items())) for d in props["AttributeDefinitions"]} == {
        tuple(sorted(d.items())) for d in schema["attribute_definitions"]
    }
    assert sorted(props["KeySchema"], key=str) == sorted(schema["key_schema"], key=str)
    assert [
        {"IndexName": i["index_name"], "KeySchema": sorted(i["key_schema"], key=str), "Projection": i["projection"]}
        for i in schema["global_secondary_indexes"]
    ] == [{**g, "KeySchema": sorted(g["KeySchema"], key=str)} for g in props["GlobalSecondaryIndexes"]]
    # every model maps onto those keys
    for model in model_classes():
        assert model._hash_keyname == "pk" and model._range_keyname == "sk", model
    ttl_attributes = {n for m in model_classes() for n, a in m.get_attributes().items() if isinstance(a, TTLAttribute)}
    assert props["TimeToLiveSpecification"] == {"AttributeName": ttl_attributes.pop(), "Enabled": True}
    assert not ttl_attributes
    assert props["BillingMode"] == "PAY_PER_REQUEST"


@pytest.mark.parametrize("stage", STAGES)
def test_the_table_is_protected_encrypted_and_kept(merged_templates, stage):
    template = merged_templates[stage]
    table = table_of(template)
    props = table["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    sse = props["SSESpecification"]
    assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS"
    key = template["Resources"][sse["KMSMasterKeyId"]["Ref"]]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("stage", STAGES)
def test_the_functions_get_the_stacks_table_and_integration_key(merged_templates, stage):
    template = merged_templates[stage]
    api = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    snapshots = template["Resources"]["MonthlySnapshots"]["Properties"]["Environment"]["Variables"]
    (table_id,) = resources_of_type(template, "AWS::DynamoDB::Table")
    assert api["TABLE_NAME"] == snapshots["TABLE_NAME"] == {"Ref": table_id}
    key_id = api["INTEGRATION_KMS_KEY_ID"]["Fn::GetAtt"][0]
    assert template["Resources"][key_id]["Type"] == "AWS::KMS::Key"
    aliases = [a for a in resources_of_type(template, "AWS::KMS::Alias").values() if a["Properties"]["TargetKeyId"] == {"Ref": key_id}]
    assert len(aliases) == 1
    # the API role (and no other) may use that key, for exactly what KmsSecretBox calls
    grants = [
        p["Properties"] for p in resources_of_type(template, "AWS::IAM::Policy").values()
        if any(s["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]} for s in p["Properties"]["PolicyDocument"]["Statement"])
    ]
    assert len(grants) == 1 and grants[0]["Roles"] == [{"Ref": "ApiHandlerRole"}]
    assert grants[0]["PolicyDocument"]["Statement"][0]["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    if stage == "prod":  # dev keeps the code's defaults: chalice.test applies dev's settings to every API test
        for name in ("LOG_LEVEL", "WEBHOOK_TOLERANCE_SECONDS"):
            assert name in api and name in snapshots


@pytest.mark.parametrize("stage", STAGES)
def test_the_stage_table_name_matches_its_policy_file_and_config(merged_templates, stage):
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    stage_config = config["stages"][stage]
    assert stage_config["autogen_policy"] is False
    policy = json.loads((ROOT / ".chalice" / stage_config["iam_policy_file"]).read_text())
    table_name = resolve(merged_templates[stage], table_of(merged_templates[stage])["Properties"]["TableName"], {"Stage": stage})
    assert table_name == stage_config["environment_variables"]["TABLE_NAME"] == f"ldd-tracker-{stage}"
    dynamo = [s for s in policy["Statement"] if any(a.startswith("dynamodb:") for a in s["Action"])]
    assert dynamo[0]["Resource"] == [f"arn:aws:dynamodb:*:*:table/{table_name}", f"arn:aws:dynamodb:*:*:table/{table_name}/index/*"]
    # both Chalice roles carry the stage's policy file
    for role in ("ApiHandlerRole", "MonthlySnapshotsRole"):
        (inline,) = merged_templates[stage]["Resources"][role]["Properties"]["Policies"]
        assert inline["PolicyDocument"] == policy


@pytest.mark.parametrize("stage", STAGES)
def test_the_api_is_throttled_and_failures_alarm(merged_templates, stage):
    template = merged_templates[stage]
    (setting,) = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert setting["ResourcePath"] == "/*" and setting["HttpMethod"] == "*"
    params = template["Parameters"]
    assert params[setting["ThrottlingRateLimit"]["Ref"]]["Default"] > 0
    assert params[setting["ThrottlingBurstLimit"]["Ref"]]["Default"] > 0
    alarms = [a["Properties"] for a in resources_of_type(template, "AWS::CloudWatch::Alarm").values()]
    watched = {(a["Namespace"], a["MetricName"], json.dumps(a["Dimensions"][0]["Value"], sort_keys=True)) for a in alarms}
    for function in CHALICE_FUNCTIONS:
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, json.dumps({"Ref": function})) in watched
    assert {m for ns, m, _ in watched if ns == "AWS/ApiGateway"} == {"5XXError"}
    assert {m for ns, m, _ in watched if ns == "AWS/DynamoDB"} == {"ReadThrottleEvents", "WriteThrottleEvents"}
    (api_alarm,) = [a for a in alarms if a["Namespace"] == "AWS/ApiGateway"]
    assert api_alarm["Dimensions"][0]["Value"] == template["Resources"]["RestAPI"]["Properties"]["Name"]


@pytest.mark.parametrize("stage", STAGES)
def test_both_functions_log_to_groups_that_expire(merged_templates, stage):
    template = merged_templates[stage]
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    retention = template["Parameters"]["LogRetentionDays"]["Default"]
    assert 30 <= retention <= 400
    for function in CHALICE_FUNCTIONS:
        props = template["Resources"][function]["Properties"]
        name = props["FunctionName"]["Fn::Sub"]
        (group,) = [g for g in groups.values() if g["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{name}"}]
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("stage", STAGES)
def test_sign_in_defaults_to_the_stacks_cognito_pool_and_can_be_another_provider(merged_templates, stage):
    template = merged_templates[stage]
    assert check_template(template, {"Stage": stage}) == []
    env = template_environments(template, {"Stage": stage})["api_handler"]
    assert env["OIDC_ISSUER"] == "https://cognito-idp.eu-west-2.amazonaws.com/<UserPool>"
    assert env["OIDC_AUDIENCE"] == "<UserPoolClient>"
    groups = {g["Properties"]["GroupName"] for g in resources_of_type(template, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"platform_admin", "admin", "leadership", "service_owner"}
    (client,) = resources_of_type(template, "AWS::Cognito::UserPoolClient").values()
    assert "custom:org" in client["Properties"]["ReadAttributes"]
    assert "custom:org" not in client["Properties"]["WriteAttributes"]  # users must not move council
    entra = {"Stage": stage, "OidcIssuer": "https://login.microsoftonline.com/1111/v2.0", "OidcAudience": "abc"}
    assert check_template(template, entra) == []
    assert template_environments(template, entra)["api_handler"]["OIDC_ISSUER"] == entra["OidcIssuer"]
    assert any("https://" in p for p in check_template(template, {**entra, "OidcIssuer": "http://login.example"}))
    assert any("this machine" in p for p in check_template(template, {**entra, "OidcIssuer": "https://127.0.0.1:8000"}))


def test_cfn_lint_accepts_the_merged_template(merged_templates, tmp_path):
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(merged_templates["prod"]))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(path)], capture_output=True, text=True, cwd=str(ROOT), timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("stage", STAGES)
def test_api_gateways_own_errors_are_problem_documents_and_an_unknown_path_is_a_404(merged_templates, stage):
    """API Gateway answers an unknown path itself (403 "Missing Authentication Token"); the
    contract says 404 problem+json, as the local server answers."""
    resources = merged_templates[stage]["Resources"]
    unknown = next(
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::ApiGateway::GatewayResponse" and r["Properties"]["ResponseType"] == "MISSING_AUTHENTICATION_TOKEN"
    )
    assert unknown["StatusCode"] == "404"
    assert unknown["ResponseParameters"]["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
    assert '"status": 404' in unknown["ResponseTemplates"]["application/json"]
