"""`make package` refuses a stage whose sign-in settings are unsafe (devserver.check_stage)."""

import json

import pytest

from chalicelib.adapters.oidc import DEV_KEY_ID_PREFIX
from devserver.check_stage import check_file, main

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

import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

from devserver.check_stage import check_template, check_zip  # noqa: E402

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


def packaged(issuer, audience="client", extra_env=None):
    """A packaged template in the shape Chalice writes, the API's issuer a parameter."""
    return {
        "Parameters": {"Issuer": {"Type": "String", "Default": issuer}, "Stage": {"Type": "String"}},
        "Conditions": {"NoIssuer": {"Fn::Equals": [{"Ref": "Issuer"}, ""]}},
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool"},
            "APIHandler": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Environment": {"Variables": {
                    "OIDC_ISSUER": {"Fn::If": ["NoIssuer", {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}"}, {"Ref": "Issuer"}]},
                    "OIDC_AUDIENCE": audience,
                    **(extra_env or {}),
                }}},
            },
            "Other": {"Type": "AWS::Serverless::Function", "Properties": {}},
        },
    }


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


def test_the_zip_must_be_small_and_free_of_development_tools(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as z:
        for name in ("app.py", "chalicelib/__init__.py", "chalice/app.py", "pynamodb/__init__.py", "botocore/__init__.py"):
            z.writestr(name, "")
    assert check_zip(good) == []
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        for name in ("app.py", "chalicelib/__init__.py", "chalice/app.py", "pynamodb/__init__.py", "moto/__init__.py", "pytest-9.2.0.dist-info/METADATA"):
            z.writestr(name, "")
    (problem,) = check_zip(bad)
    assert "moto" in problem and "pytest" in problem
    assert "does not exist" in check_zip(tmp_path / "none.zip")[0]


def test_a_provider_in_the_config_that_the_merge_template_would_override_is_refused(write, capsys):
    path = write(config(ENTRA))
    assert main(["prod", path]) == 0
    assert main(["prod", path, "--merge-template", INFRA]) == 1
    err = capsys.readouterr().err
    assert "OIDC_ISSUER is set in the configuration" in err and "OidcIssuer=" in err
    assert "OIDC_AUDIENCE is set in the configuration" in err
