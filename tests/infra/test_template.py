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
from tools.check_stage import check_template, resolve, template_environments
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
def test_both_functions_run_the_app_zip_with_the_libraries_layer(merged_templates, stage):
    """automatic_layer (.chalice/config.json): the app in deployment.zip, requirements.txt in one
    layer, named per stage, that every function uses on its own Python."""
    template = merged_templates[stage]
    ((layer_id, layer),) = resources_of_type(template, "AWS::Serverless::LayerVersion").items()
    assert layer["Properties"]["ContentUri"] == "./layer-deployment.zip"
    assert layer["Properties"]["LayerName"] == f"ldd-tracker-{stage}-managed-layer"
    functions = resources_of_type(template, "AWS::Serverless::Function")
    assert set(functions) == set(CHALICE_FUNCTIONS)
    for function in functions.values():
        props = function["Properties"]
        assert props["CodeUri"] == "./deployment.zip"
        assert props["Layers"] == [{"Ref": layer_id}]
        assert props["Runtime"] in layer["Properties"]["CompatibleRuntimes"]


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


# The pages under /app: GOV.UK Frontend's files on S3, Cognito's hosted sign-in, the settings ------

import re  # noqa: E402
import shutil  # noqa: E402

from devserver.assets import ASSET_PREFIX  # noqa: E402

COGNITO_ONLY = {"Stage": "prod"}
ENTRA = {"Stage": "prod", "OidcIssuer": "https://login.microsoftonline.com/1111/v2.0", "OidcAudience": "aud-1"}


def assets_bucket(template):
    (name,) = resources_of_type(template, "AWS::S3::Bucket")
    return name, template["Resources"][name]


def assets_policy(template):
    name, _ = assets_bucket(template)
    (policy,) = [p for p in resources_of_type(template, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": name}]
    return policy["Properties"]["PolicyDocument"]["Statement"]


@pytest.mark.parametrize("stage", STAGES)
def test_the_assets_bucket_is_encrypted_owner_enforced_and_blocks_public_acls(merged_templates, stage):
    _, bucket = assets_bucket(merged_templates[stage])
    props = bucket["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    # ACLs can never make anything public; only the bucket policy below may (assets/* alone).
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
    assert "BucketName" not in props  # generated: unique, and re-creatable
    assert "WebsiteConfiguration" not in props and "AccessControl" not in props


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_assets_prefix_is_public_and_only_for_reading(merged_templates, stage):
    name, _ = assets_bucket(merged_templates[stage])
    allows = [s for s in assets_policy(merged_templates[stage]) if s["Effect"] == "Allow"]
    (public,) = allows
    assert public["Principal"] == "*" and public["Action"] == "s3:GetObject"
    assert public["Resource"] == {"Fn::Sub": "${%s.Arn}%s/*" % (name, ASSET_PREFIX)}
    assert "Condition" not in public
    # nothing else is granted to anyone through the policy (uploads use the deployer's IAM rights)
    assert all(s["Effect"] == "Deny" for s in assets_policy(merged_templates[stage]) if s is not public)


@pytest.mark.parametrize("stage", STAGES)
def test_the_assets_bucket_refuses_requests_without_tls(merged_templates, stage):
    name, _ = assets_bucket(merged_templates[stage])
    (deny,) = [s for s in assets_policy(merged_templates[stage]) if s["Effect"] == "Deny"]
    assert deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::GetAtt": [name, "Arn"]}, {"Fn::Sub": "${%s.Arn}/*" % name}]


@pytest.mark.parametrize("stage", STAGES)
def test_the_fonts_can_be_loaded_cross_origin(merged_templates, stage):
    """The page is on API Gateway's host, the files on the bucket's: a module script and the
    CSS's @font-face fonts are fetched in CORS mode."""
    _, bucket = assets_bucket(merged_templates[stage])
    (rule,) = bucket["Properties"]["CorsConfiguration"]["CorsRules"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD"]
    assert rule["AllowedOrigins"] == ["*"]  # public files, read-only: no credentials, no writes


@pytest.mark.parametrize("stage", STAGES)
def test_the_api_function_gets_the_pages_settings(merged_templates, stage):
    template = merged_templates[stage]
    name, _ = assets_bucket(template)
    raw = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    # the bucket's virtual-hosted-style regional URL: the CSS's /assets/fonts/... resolve on its host
    assert raw["ASSET_URL"] == {"Fn::Sub": "https://${%s.RegionalDomainName}%s" % (name, ASSET_PREFIX)}
    assert template["Parameters"][raw["OIDC_CLIENT_SECRET"]["Ref"]] == {
        **template["Parameters"]["OidcClientSecret"], "NoEcho": True, "Default": ""
    }
    cognito = template_environments(template, {**COGNITO_ONLY, "Stage": stage})["api_handler"]
    assert cognito["OIDC_CLIENT_ID"] == cognito["OIDC_AUDIENCE"] == "<UserPoolClient>"
    assert cognito["APP_BASE_URL"] == "" and cognito["OIDC_CLIENT_SECRET"] == ""
    assert cognito["ASSET_URL"] == f"https://<{name}.RegionalDomainName>/assets"
    assert cognito["OIDC_LOGOUT_URL"] == ""  # Cognito's hosted sign-out needs the callback URLs
    with_base = template_environments(template, {"Stage": stage, "AppBaseUrl": "https://tracker.example.gov.uk"})
    assert with_base["api_handler"]["APP_BASE_URL"] == "https://tracker.example.gov.uk"
    logout = with_base["api_handler"]["OIDC_LOGOUT_URL"]
    assert logout.startswith("https://<UserPoolDomain>.auth.") and "client_id=<UserPoolClient>" in logout
    assert logout.endswith("logout_uri=https://tracker.example.gov.uk/app/signed-out")
    entra = template_environments(template, {**ENTRA, "Stage": stage})["api_handler"]
    assert entra["OIDC_CLIENT_ID"] == "aud-1"  # an ID token's aud is the client id
    entra = template_environments(template, {**ENTRA, "Stage": stage, "OidcClientId": "client-2", "OidcClientSecret": "s"})
    assert entra["api_handler"]["OIDC_CLIENT_ID"] == "client-2" and entra["api_handler"]["OIDC_CLIENT_SECRET"] == "s"
    # the schedule renders no pages
    snapshots = template["Resources"]["MonthlySnapshots"]["Properties"]["Environment"]["Variables"]
    assert not {"ASSET_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "APP_BASE_URL", "OIDC_LOGOUT_URL"} & set(snapshots)
    assert check_template(template, {"Stage": stage, "AppBaseUrl": "https://tracker.example.gov.uk"}) == []


@pytest.mark.parametrize("stage", STAGES)
def test_cognitos_app_client_signs_the_pages_in_with_the_code_flow_once_the_base_url_is_known(merged_templates, stage):
    template = merged_templates[stage]
    (client,) = resources_of_type(template, "AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    assert client["Condition"] == "UseCognito"
    assert props["GenerateSecret"] is False  # a public client: PKCE instead of a secret
    assert props["SupportedIdentityProviders"] == ["COGNITO"]
    base = "https://abc123.execute-api.eu-west-2.amazonaws.com/api"
    on = {name: resolve(template, props[name], {"Stage": stage, "AppBaseUrl": base}) for name in props}
    assert on["AllowedOAuthFlowsUserPoolClient"] == "true"
    assert on["AllowedOAuthFlows"] == ["code"]
    assert sorted(on["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert on["CallbackURLs"] == [f"{base}/app/callback"]
    assert on["LogoutURLs"] == [f"{base}/app/signed-out"]
    # Without AppBaseUrl there is no callback to register, and Cognito refuses the code flow
    # without one ("CallbackUrls can not be empty when code flow ... is selected").
    off = {name: resolve(template, props[name], {"Stage": stage}) for name in props}
    assert off["AllowedOAuthFlowsUserPoolClient"] == "false"
    assert off["AllowedOAuthFlows"] is off["AllowedOAuthScopes"] is off["CallbackURLs"] is off["LogoutURLs"] is None


@pytest.mark.parametrize(
    "value, allowed",
    [
        ("", True),
        ("https://tracker.example.gov.uk", True),
        ("https://abc123.execute-api.eu-west-2.amazonaws.com/api", True),
        ("https://tracker.example.gov.uk/", False),
        ("https://abc123.execute-api.eu-west-2.amazonaws.com/api/", False),
        ("http://tracker.example.gov.uk", False),
        ("tracker.example.gov.uk", False),
        ("https://tracker.example.gov.uk/a b", False),
    ],
)
def test_app_base_url_is_empty_or_https_without_a_trailing_slash(merged_templates, value, allowed):
    pattern = merged_templates["prod"]["Parameters"]["AppBaseUrl"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is allowed


@pytest.mark.parametrize("stage", STAGES)
def test_cognito_has_a_hosted_sign_in_domain(merged_templates, stage):
    template = merged_templates[stage]
    (domain,) = resources_of_type(template, "AWS::Cognito::UserPoolDomain").values()
    assert domain["Condition"] == "UseCognito"
    assert domain["Properties"]["UserPoolId"] == {"Ref": "UserPool"}
    prefix = resolve(template, domain["Properties"]["Domain"], {"Stage": stage})
    assert prefix == f"ldd-tracker-{stage}-123456789012"
    assert resolve(template, domain["Properties"]["Domain"], {"Stage": stage, "CognitoDomainPrefix": "testshire-tracker"}) == "testshire-tracker"
    pattern = template["Parameters"]["CognitoDomainPrefix"]["AllowedPattern"]
    assert re.fullmatch(pattern, prefix) and re.fullmatch(pattern, "")
    assert not re.fullmatch(pattern, "Upper-Case") and not re.fullmatch(pattern, "-leading")
    for word in ("aws", "amazon", "cognito"):  # Cognito refuses a prefix with these
        assert word not in prefix


@pytest.mark.parametrize("stage", STAGES)
def test_the_outputs_tell_the_operator_the_bucket_and_the_urls(merged_templates, stage):
    outputs = merged_templates[stage]["Outputs"]
    name, _ = assets_bucket(merged_templates[stage])
    assert outputs["AssetsBucketName"]["Value"] == {"Ref": name}
    assert outputs["AssetUrl"]["Value"] == merged_templates[stage]["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]["ASSET_URL"]
    assert resolve(merged_templates[stage], outputs["AppUrl"]["Value"], {"Stage": stage}) == (
        "https://<RestAPI>.execute-api.eu-west-2.amazonaws.com/api/app"
    )
    assert outputs["SignInDomain"]["Condition"] == "UseCognito"


def dependencies(template: dict) -> dict[str, set[str]]:
    """Resource -> the resources it needs (Ref, GetAtt, ${...} in Sub, DependsOn)."""
    resources = template["Resources"]

    def refs(value) -> set[str]:
        found = set()
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "Ref" and isinstance(item, str):
                    found.add(item)
                elif key == "Fn::GetAtt":
                    found.add(item[0] if isinstance(item, list) else item.split(".")[0])
                elif key == "Fn::Sub":
                    text = item if isinstance(item, str) else item[0]
                    found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                    if not isinstance(item, str):
                        found |= refs(item[1])
                else:
                    found |= refs(item)
        elif isinstance(value, list):
            for item in value:
                found |= refs(item)
        return found

    graph = {}
    for name, resource in resources.items():
        depends = resource.get("DependsOn", [])
        needed = refs(resource.get("Properties", {})) | set([depends] if isinstance(depends, str) else depends)
        graph[name] = {n for n in needed if n in resources and n != name}
    return graph


def test_no_circular_dependency_through_the_pages_settings(merged_templates):
    """The API function must not need RestAPI (which needs the function): AppBaseUrl is a
    parameter for that reason. cfn-lint finds cycles too; this one names the path."""
    graph = dependencies(merged_templates["prod"])
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                assert nxt != start, " -> ".join([*path, nxt])
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert "RestAPI" not in graph["APIHandler"] and "RestAPI" not in graph["UserPoolClient"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_deploy_uploads_the_assets_to_the_stacks_bucket(merged_templates):
    result = subprocess.run(
        ["make", "-n", "deploy", "STAGE=prod", "BUCKET=code-bucket"], capture_output=True, text=True, cwd=str(ROOT), timeout=60
    )
    assert result.returncode == 0, result.stderr
    recipe = result.stdout
    deploy_at = recipe.index("aws cloudformation deploy")
    stage_at = recipe.index("-m devserver.assets stage build/prod/static")
    sync_at = recipe.index("aws s3 sync build/prod/static/assets")
    assert deploy_at < stage_at < sync_at  # the bucket exists only after the stack does
    assert "--delete" in recipe[sync_at:]
    (output,) = set(re.findall(r"OutputKey==\\?'(\w+)\\?'", recipe))
    assert output == "AssetsBucketName" and output in merged_templates["prod"]["Outputs"]
    assert f"/{ASSET_PREFIX.strip('/')}" in recipe[sync_at:]
