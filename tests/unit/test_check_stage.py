"""`make package` refuses a stage whose sign-in settings are unsafe (tools.check_stage)."""

import json

import pytest

from chalicelib.adapters.oidc import DEV_KEY_ID_PREFIX
from tools.check_stage import check_file, main

COGNITO = {
    "OIDC_ISSUER": "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbCdEfGhI",
    "OIDC_AUDIENCE": "1example23456789",
}
ENTRA = {
    "OIDC_ISSUER": "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0",
    "OIDC_AUDIENCE": "api://ldd-tracker",
    "OIDC_ORG_CLAIM": "tid",
    "OIDC_ORG_MAP": '{"11111111-2222-3333-4444-555555555555": "testshire"}',
    "OIDC_ROLES_CLAIM": "roles",
    "OIDC_EMAIL_CLAIM": "preferred_username",
}


def config(stage_env=None, global_env=None, stage="prod", **stage_extra):
    return {
        "version": "2.0",
        "app_name": "ldd-tracker",
        "environment_variables": {"TABLE_NAME": "ldd-tracker", **(global_env or {})},
        "stages": {
            "dev": {"api_gateway_stage": "api"},
            stage: {"api_gateway_stage": "api", "environment_variables": stage_env or {}, **stage_extra},
        },
    }


@pytest.fixture
def write(tmp_path):
    def write(document) -> str:
        path = tmp_path / "config.json"
        path.write_text(json.dumps(document) if not isinstance(document, str) else document)
        return str(path)

    return write


@pytest.mark.parametrize("env", [COGNITO, ENTRA], ids=["cognito", "entra"])
def test_a_stage_with_a_real_provider_passes(write, env, capsys):
    path = write(config(env))
    assert check_file(path, "prod") == []
    assert main(["prod", path]) == 0
    assert "look right" in capsys.readouterr().out


def test_global_settings_count_and_the_stage_overrides_them(write):
    assert check_file(write(config(global_env=COGNITO)), "prod") == []
    overridden = config({"OIDC_ISSUER": "http://cognito.example"}, global_env=COGNITO)
    assert any("https://" in p for p in check_file(write(overridden), "prod"))


def test_a_jwks_url_override_must_be_https_too(write):
    assert check_file(write(config({**COGNITO, "OIDC_JWKS_URL": "https://keys.example/jwks.json"})), "prod") == []
    problems = check_file(write(config({**COGNITO, "OIDC_JWKS_URL": "http://keys.example/jwks.json"})), "prod")
    assert len(problems) == 1 and problems[0].startswith("OIDC_JWKS_URL")


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, ["OIDC_ISSUER is not set", "OIDC_AUDIENCE is not set"]),
        ({"OIDC_ISSUER": COGNITO["OIDC_ISSUER"]}, ["OIDC_AUDIENCE is not set"]),
        ({**COGNITO, "OIDC_AUDIENCE": "  "}, ["OIDC_AUDIENCE is not set"]),
        ({**COGNITO, "OIDC_ISSUER": "http://cognito-idp.eu-west-2.amazonaws.com/pool"}, ["must be an https:// URL"]),
        ({**COGNITO, "OIDC_ISSUER": "http://127.0.0.1:8000"}, ["must be an https:// URL", "points at this machine"]),
        ({**COGNITO, "OIDC_ISSUER": "https://localhost:8443"}, ["points at this machine"]),
        ({**COGNITO, "OIDC_ISSUER": "https://127.0.0.2/issuer"}, ["points at this machine"]),
        ({**COGNITO, "OIDC_ISSUER": "https://[::1]:8443"}, ["points at this machine"]),
        ({**COGNITO, "OIDC_JWKS_URL": "https://LOCALHOST/jwks.json"}, ["points at this machine"]),
        ({**COGNITO, "OIDC_ISSUER": "cognito-idp.eu-west-2.amazonaws.com/pool"}, ["must be an https://", "no host"]),
        ({**COGNITO, "TRUSTED_KID": DEV_KEY_ID_PREFIX + "0123456789abcdef"}, ["development key"]),
        ({**COGNITO, "SIGNING_KEY": ".local/dev-signing-key.pem"}, ["development key"]),
    ],
)
def test_unsafe_settings_are_refused_with_a_clear_message(write, capsys, env, expected):
    path = write(config(env))
    problems = check_file(path, "prod")
    assert len(problems) == len(expected), problems
    for problem, words in zip(problems, expected):
        assert words in problem
    assert main(["prod", path]) == 1
    err = capsys.readouterr().err
    assert "Refusing to package stage 'prod'" in err and "README.md" in err


def test_the_development_key_is_refused_wherever_the_stage_names_it(write):
    per_function = config(
        COGNITO,
        lambda_functions={"api_handler": {"environment_variables": {"OIDC_JWKS_KID": DEV_KEY_ID_PREFIX + "abc"}}},
    )
    assert "development key" in check_file(write(per_function), "prod")[0]
    in_global = config(COGNITO, global_env={"NOTE": "trust " + DEV_KEY_ID_PREFIX + "abc"})
    assert "development key" in check_file(write(in_global), "prod")[0]


def test_a_lambda_function_setting_overrides_the_stage(write):
    document = config(
        COGNITO, lambda_functions={"api_handler": {"environment_variables": {"OIDC_ISSUER": "http://localhost"}}}
    )
    problems = check_file(write(document), "prod")
    assert len(problems) == 2 and all(p.startswith("OIDC_ISSUER") for p in problems)


def test_another_stage_does_not_count(write):
    document = config(COGNITO)
    document["stages"]["local"] = {"environment_variables": {"OIDC_ISSUER": "http://127.0.0.1:8000"}}
    assert check_file(write(document), "prod") == []


def test_an_unknown_stage_or_a_broken_file_is_refused(write, tmp_path):
    assert "stage 'nope' is not in the configuration" in check_file(write(config(COGNITO)), "nope")[0]
    assert "not valid JSON" in check_file(write("{"), "prod")[0]
    assert "does not exist" in check_file(str(tmp_path / "missing.json"), "prod")[0]
    assert main([]) == 2



# `make package`: the repository's own stages, the merge template and the packaged template -------

from pathlib import Path  # noqa: E402

from tools.check_stage import check_template, template_environments  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
INFRA = str(ROOT / "infra" / "template.json")


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_repositorys_stages_pass_with_the_infra_template_supplying_sign_in(stage):
    assert main([stage, "--merge-template", INFRA]) == 0
    assert main([stage]) == 1  # on their own they name no provider


def test_the_merge_template_does_not_excuse_an_unsafe_setting_in_the_config(write):
    path = write(config({"OIDC_JWKS_URL": "http://keys.example/jwks.json"}))
    assert main(["prod", path, "--merge-template", INFRA]) == 1
    path = write(config({"NOTE": DEV_KEY_ID_PREFIX + "abc"}))
    assert main(["prod", path, "--merge-template", INFRA]) == 1


PAGE_ENV = {
    "OIDC_CLIENT_ID": {"Fn::If": ["NoIssuer", {"Ref": "PoolClient"}, {"Ref": "ClientId"}]},
    "OIDC_CLIENT_SECRET": {"Ref": "ClientSecret"},
    "APP_BASE_URL": {"Ref": "AppBase"},
    "ASSET_URL": {"Fn::Sub": "https://${Assets.RegionalDomainName}/assets"},
}


def packaged(issuer, audience="client", extra_env=None, without=(), layer=False):
    """A packaged template in the shape Chalice writes, the API's issuer a parameter (with
    `layer`, its automatic layer too, as Chalice writes it next to deployment.zip)."""
    env = {
        "OIDC_ISSUER": {"Fn::If": ["NoIssuer", {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}"}, {"Ref": "Issuer"}]},
        "OIDC_AUDIENCE": audience,
        **PAGE_ENV,
        **(extra_env or {}),
    }
    template = {
        "Parameters": {
            "Issuer": {"Type": "String", "Default": issuer},
            "Stage": {"Type": "String"},
            "ClientId": {"Type": "String", "Default": "entra-client"},
            "ClientSecret": {"Type": "String", "Default": "", "NoEcho": True},
            "AppBase": {"Type": "String", "Default": ""},
        },
        "Conditions": {"NoIssuer": {"Fn::Equals": [{"Ref": "Issuer"}, ""]}},
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool"},
            "PoolClient": {"Type": "AWS::Cognito::UserPoolClient"},
            "Assets": {"Type": "AWS::S3::Bucket"},
            "APIHandler": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Environment": {"Variables": {k: v for k, v in env.items() if k not in without}}},
            },
            "Other": {"Type": "AWS::Serverless::Function", "Properties": {}},
        },
    }
    if layer:
        template["Resources"]["ManagedLayer"] = {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {"CompatibleRuntimes": ["python3.11"], "ContentUri": "./layer-deployment.zip", "LayerName": "l"},
        }
        for name in ("APIHandler", "Other"):
            properties = template["Resources"][name]["Properties"]
            properties.update(CodeUri="./deployment.zip", Runtime="python3.11", Layers=[{"Ref": "ManagedLayer"}])
    return template


def test_a_packaged_template_is_checked_as_the_stack_resolves_it(tmp_path):
    assert check_template(packaged("")) == []
    assert check_template(packaged(ENTRA["OIDC_ISSUER"])) == []
    assert "must be an https:// URL" in check_template(packaged("http://idp.example"))[0]
    assert "must be an https:// URL" in check_template(packaged(""), {"Issuer": "http://idp.example"})[0]
    assert "points at this machine" in check_template(packaged("https://localhost"))[0]
    assert "OIDC_AUDIENCE is not set" in check_template(packaged("", audience=""))[0]
    assert "development key" in check_template(packaged("", extra_env={"K": DEV_KEY_ID_PREFIX + "1"}))[0]
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(packaged("http://idp.example")))
    assert main(["prod", "--template", str(path)]) == 1
    assert main(["prod", "--template", str(path), "--parameter", "Issuer=" + ENTRA["OIDC_ISSUER"]]) == 0


def test_make_package_checks_the_function_zip_and_its_layer_and_prints_their_sizes(tmp_path, capsys):
    """The zips themselves: tests/unit/test_check_package.py."""
    from tests.unit.test_check_package import make_package

    function, layer = make_package(tmp_path)
    sam = tmp_path / "sam.json"
    sam.write_text(json.dumps(packaged("", layer=True)))
    args = ["prod", "--template", str(sam), "--zip", str(function), "--layer", str(layer)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"{function} (function): {function.stat().st_size:,} bytes" in out
    assert f"{layer} (layer): {layer.stat().st_size:,} bytes" in out
    # a template whose functions do not use the layer (automatic_layer dropped) is refused
    sam.write_text(json.dumps(packaged("")))
    assert main(args) == 1
    assert "has no AWS::Serverless::LayerVersion" in capsys.readouterr().err
    assert main(["prod", "--template", str(sam), "--zip", str(function)]) == 1
    assert "--zip and --layer go together" in capsys.readouterr().err


def test_a_layer_in_the_template_does_not_count_as_a_function():
    template = packaged("", layer=True)
    assert check_template(template) == []
    assert set(template_environments(template)) == {"api_handler", "Other"}


def test_a_provider_in_the_config_that_the_merge_template_would_override_is_refused(write, capsys):
    path = write(config(ENTRA))
    assert main(["prod", path]) == 0
    assert main(["prod", path, "--merge-template", INFRA]) == 1
    err = capsys.readouterr().err
    assert "OIDC_ISSUER is set in the configuration" in err and "OidcIssuer=" in err
    assert "OIDC_AUDIENCE is set in the configuration" in err


# The pages under /app: their client, base URL, assets and client secret --------------------------


def test_the_packaged_api_function_must_have_the_pages_settings():
    for name in ("OIDC_CLIENT_ID", "APP_BASE_URL", "ASSET_URL"):
        (problem,) = check_template(packaged("", without=(name,)))
        assert f"has no {name}" in problem
    assert "OIDC_CLIENT_ID is empty" in check_template(packaged(ENTRA["OIDC_ISSUER"]), {"ClientId": ""})[0]
    assert "ASSET_URL is empty" in check_template(packaged("", extra_env={"ASSET_URL": ""}))[0]


@pytest.mark.parametrize(
    "app_base_url, expected",
    [
        ("", None),
        ("https://tracker.example.gov.uk", None),
        ("https://abc123.execute-api.eu-west-2.amazonaws.com/api", None),
        ("http://tracker.example.gov.uk", "must be an https:// URL (the sign-in callback"),
        ("https://tracker.example.gov.uk/", "without the trailing slash"),
        ("https://localhost:8443", "points at this machine"),
        ("tracker.example.gov.uk", "must be an https:// URL"),
    ],
)
def test_app_base_url_given_as_a_parameter_must_be_https(tmp_path, app_base_url, expected):
    problems = check_template(packaged(""), {"AppBase": app_base_url})
    if expected is None:
        assert problems == []
    else:
        assert problems and expected in problems[0] and problems[0].startswith("APP_BASE_URL")
        path = tmp_path / "sam.json"
        path.write_text(json.dumps(packaged("")))
        assert main(["prod", "--template", str(path), "--parameter", f"AppBase={app_base_url}"]) == 1


def test_asset_url_must_be_https_wherever_it_is_set(write):
    assert "must be an https:// URL" in check_template(packaged("", extra_env={"ASSET_URL": "http://cdn.example/assets"}))[0]
    problems = check_file(write(config({**COGNITO, "ASSET_URL": "/assets"})), "prod")
    assert len(problems) == 2 and all(p.startswith("ASSET_URL") for p in problems)  # not https, no host
    assert check_file(write(config({**COGNITO, "ASSET_URL": "https://cdn.example/assets"})), "prod") == []


def test_a_client_secret_never_comes_from_the_repository(write, capsys):
    path = write(config({**ENTRA, "OIDC_CLIENT_SECRET": "s3cr3t"}))
    (problem,) = check_file(path, "prod")
    assert "never be in the repository" in problem and "OidcClientSecret" in problem
    assert main(["prod", path, "--merge-template", INFRA]) == 1
    err = capsys.readouterr().err
    assert "never be in the repository" in err and "s3cr3t" not in err
    per_function = config(COGNITO, lambda_functions={"monthly": {"environment_variables": {"OIDC_CLIENT_SECRET": "x"}}})
    assert "(Lambda function monthly)" in check_file(write(per_function), "prod")[0]
    assert check_file(write(config({**ENTRA, "OIDC_CLIENT_SECRET": ""})), "prod") == []


def test_a_client_secret_in_the_template_must_be_a_no_echo_parameter():
    assert check_template(packaged("")) == []
    literal = check_template(packaged("", extra_env={"OIDC_CLIENT_SECRET": "s3cr3t"}))
    assert len(literal) == 1 and "a literal value" in literal[0]
    echoed = packaged("", extra_env={"OIDC_CLIENT_SECRET": {"Ref": "AppBase"}})
    assert "not NoEcho" in check_template(echoed)[0]
    with_default = packaged("")
    with_default["Parameters"]["ClientSecret"]["Default"] = "s3cr3t"
    assert "has a default value" in check_template(with_default)[0]
    dynamic = "{{resolve:secretsmanager:ldd-tracker/oidc:SecretString:client_secret}}"
    assert check_template(packaged("", extra_env={"OIDC_CLIENT_SECRET": dynamic})) == []
    # a deploy that passes the secret is checked without complaint
    assert check_template(packaged(ENTRA["OIDC_ISSUER"]), {"ClientSecret": "given-at-deploy"}) == []


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("APP_BASE_URL", "https://tracker.example.gov.uk", 'PARAMS="AppBaseUrl=...'),
        ("OIDC_CLIENT_ID", "abc", 'PARAMS="OidcClientId=...'),
        ("ASSET_URL", "https://cdn.example/assets", "assets bucket) and wins: remove it"),
    ],
)
def test_a_page_setting_in_the_config_that_the_merge_template_overrides_is_refused(write, capsys, name, value, words):
    path = write(config({name: value}))
    assert main(["prod", path, "--merge-template", INFRA]) == 1
    err = capsys.readouterr().err
    assert f"{name} is set in the configuration" in err and words in err
