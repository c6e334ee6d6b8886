"""`make package` checks the function zip and its layer (tools.check_package) on small fake zips."""

import zipfile

import pytest

from tools import check_package as cp
from tools.check_package import check_package, size_lines

SITE = "python/lib/python3.11/site-packages/"
FUNCTION = ("app.py", "chalicelib/__init__.py", "chalice/__init__.py", "chalice/app.py")
LIBRARIES = (
    "pynamodb/__init__.py", "botocore/__init__.py", "jinja2/__init__.py", "markupsafe/__init__.py",
    "govuk_frontend_jinja/__init__.py", "govuk_frontend_jinja/templates/components/button/macro.html",
)
LAYER = tuple(SITE + name for name in LIBRARIES)


def make_zip(path, names, records=None):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in names:
            z.writestr(name, "")
        for name, text in (records or {}).items():
            z.writestr(name, text)
    return path


def make_package(tmp_path, function=FUNCTION, layer=LAYER):
    """deployment.zip and layer-deployment.zip as `chalice package` writes them, side by side."""
    return make_zip(tmp_path / "deployment.zip", function), make_zip(tmp_path / "layer-deployment.zip", layer)


def test_the_app_in_the_function_zip_and_its_libraries_in_the_layer_pass(tmp_path):
    assert check_package(*make_package(tmp_path)) == []
    # a layer may also put its packages straight under python/
    assert check_package(*make_package(tmp_path, layer=[f"python/{n}" for n in LIBRARIES])) == []


def test_a_missing_zip_or_not_a_zip_is_refused(tmp_path):
    function, layer = make_package(tmp_path)
    assert "does not exist" in check_package(function, tmp_path / "none.zip")[0]
    layer.write_text("not a zip")
    assert check_package(function, layer) == [f"{layer} is not a zip file"]


@pytest.mark.parametrize("package", ["moto", "pytest", "cfnlint", "boto3"])
def test_development_packages_are_in_neither_zip(tmp_path, package):
    function, layer = make_package(tmp_path, layer=[*LAYER, f"{SITE}{package}/__init__.py", SITE + "pytest-9.2.0.dist-info/METADATA"])
    (problem,) = check_package(function, layer)
    assert str(layer) in problem and "test or development packages" in problem and package in problem
    function, layer = make_package(tmp_path, function=[*FUNCTION, f"{package}/__init__.py"])
    (problem,) = check_package(function, layer)
    assert str(function) in problem and package in problem


@pytest.mark.parametrize("folder", ["devserver", "tools", "infra", "tests"])
def test_the_projects_own_tools_never_reach_the_function_zip(tmp_path, folder):
    (problem,) = check_package(*make_package(tmp_path, function=[*FUNCTION, f"{folder}/__init__.py"]))
    assert f"test or development packages: {folder}" in problem


def test_the_function_zip_has_the_app(tmp_path):
    for needed in ("app.py", "chalicelib", "chalice"):
        function, layer = make_package(tmp_path, function=[n for n in FUNCTION if n.split("/")[0] != needed])
        assert check_package(function, layer) == [f"{function} has no {needed}"]


def test_the_layer_holds_what_the_app_and_the_pages_need(tmp_path):
    for package in cp.LAYER_REQUIRED:
        function, layer = make_package(tmp_path, layer=[n for n in LAYER if not n.startswith(SITE + package + "/")])
        assert check_package(function, layer) == [f"{layer} has no {package}"]
    # in the function zip instead, or outside the layer's python/, they cannot be imported
    function, layer = make_package(tmp_path, function=[*FUNCTION, *LIBRARIES], layer=[f"lib/{n}" for n in LIBRARIES])
    problems = check_package(function, layer)
    assert f"{layer} has no pynamodb" in problems and any("outside python/" in p for p in problems)
    function, layer = make_package(tmp_path, layer=[n for n in LAYER if "/templates/" not in n])
    (problem,) = check_package(function, layer)
    assert "govuk_frontend_jinja without its templates" in problem


def test_a_dependencys_stray_test_file_in_the_layer_is_not_our_test_suite(tmp_path):
    """govuk-frontend-jinja 4.1.0's wheel installs its Flask test app as tests/utils/app.py."""
    record = {SITE + "govuk_frontend_jinja-4.1.0.dist-info/RECORD": "govuk_frontend_jinja/__init__.py,sha256=x,1\ntests/utils/app.py,sha256=y,2\n"}
    function = make_zip(tmp_path / "deployment.zip", FUNCTION)
    layer = make_zip(tmp_path / "layer-deployment.zip", [*LAYER, SITE + "tests/utils/app.py"], record)
    assert check_package(function, layer) == []
    # but a test file no RECORD of those wheels owns is refused
    other = {SITE + "somewheel-1.0.dist-info/RECORD": "tests/utils/app.py,sha256=y,2\n"}
    layer = make_zip(tmp_path / "layer-deployment.zip", [*LAYER, SITE + "tests/utils/app.py"], other)
    assert "test or development packages: tests" in check_package(function, layer)[0]


def test_the_function_zip_must_stay_within_20_mib(tmp_path, monkeypatch):
    assert cp.MAX_FUNCTION_ZIP_BYTES == 20_971_520
    function, layer = make_package(tmp_path)
    monkeypatch.setattr(cp, "MAX_FUNCTION_ZIP_BYTES", function.stat().st_size - 1)
    (problem,) = check_package(function, layer)
    assert str(function) in problem and f"over its {function.stat().st_size - 1:,}-byte limit" in problem and "belong in the layer" in problem
    monkeypatch.setattr(cp, "MAX_FUNCTION_ZIP_BYTES", function.stat().st_size)
    assert check_package(function, layer) == []


def test_the_function_and_its_layer_must_unzip_within_lambdas_250_mib(tmp_path, monkeypatch):
    assert cp.MAX_UNZIPPED_BYTES == 262_144_000
    function = make_zip(tmp_path / "deployment.zip", FUNCTION[1:], {"app.py": "0" * 6_000})
    layer = make_zip(tmp_path / "layer-deployment.zip", LAYER, {SITE + "botocore/data.json": "0" * 6_000})
    monkeypatch.setattr(cp, "MAX_UNZIPPED_BYTES", 11_999)  # each is under it, not both together
    (problem,) = check_package(function, layer)
    assert "unzip to" in problem and "a function and its layers" in problem
    monkeypatch.setattr(cp, "MAX_UNZIPPED_BYTES", 12_000)
    assert check_package(function, layer) == []


def template(layer="ManagedLayer", runtime="python3.11", code="./deployment.zip", content="./layer-deployment.zip"):
    function = {"CodeUri": code, "Runtime": runtime, "Layers": [{"Ref": layer}]}
    return {
        "Resources": {
            "ManagedLayer": {"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": content}},
            "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": function},
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        }
    }


def test_every_function_of_the_template_runs_the_zip_with_the_layer(tmp_path):
    function, layer = make_package(tmp_path)
    assert check_package(function, layer, template(), tmp_path) == []
    (problem,) = check_package(function, layer, template(layer="SomeOtherLayer"), tmp_path)
    assert "APIHandler does not use the layer ManagedLayer" in problem
    (problem,) = check_package(function, layer, template(runtime="python3.12"), tmp_path)
    assert "runs python3.12" in problem and "built for python3.11" in problem
    (problem,) = check_package(function, layer, template(content="./other.zip"), tmp_path)
    assert "the layer ManagedLayer's code is './other.zip'" in problem
    (problem,) = check_package(function, layer, template(code="./layer-deployment.zip"), tmp_path)
    assert "the function APIHandler's code is './layer-deployment.zip'" in problem
    no_layer = template()
    del no_layer["Resources"]["ManagedLayer"]
    (problem,) = check_package(function, layer, no_layer, tmp_path)
    assert "has no AWS::Serverless::LayerVersion: set automatic_layer" in problem


def test_one_size_line_per_zip(tmp_path):
    function, layer = make_package(tmp_path)
    function_line, layer_line = size_lines(function, layer)
    size = function.stat().st_size
    assert function_line.startswith(f"{function} (function): {size:,} bytes (")
    assert f"{20_971_520 - size:,} bytes under its 20,971,520-byte limit" in function_line
    assert layer_line.startswith(f"{layer} (layer): {layer.stat().st_size:,} bytes (")
    assert "under Lambda's 262,144,000-byte limit" in layer_line and "unzipped" in layer_line
    assert "\n" not in function_line + layer_line
