"""The merged template, built by Chalice's own packager exactly as `chalice package --stage S
--merge-template infra/template.json` builds it, but without the zips (the function's and its
layer's, .chalice/config.json setting automatic_layer): building the layer downloads Lambda
wheels from PyPI (a minute and the network), which `make package` does instead."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRA_TEMPLATE = ROOT / "infra" / "template.json"
STAGES = ("dev", "prod")


def build_merged_template(stage: str, outdir: Path) -> dict:
    from chalice.cli.factory import CLIFactory
    from chalice.deploy import packager

    fake_zip = outdir / "fake-deployment.zip"
    fake_zip.write_bytes(b"")
    packagers = (packager.LambdaDeploymentPackager, packager.AppOnlyDeploymentPackager, packager.LayerDeploymentPackager)
    originals = [cls.__dict__["create_deployment_package"] for cls in packagers]
    for cls in packagers:
        cls.create_deployment_package = lambda self, project_dir, python_version: str(fake_zip)
    try:
        factory = CLIFactory(project_dir=str(ROOT))
        config = factory.create_config_obj(chalice_stage_name=stage)
        packager = factory.create_app_packager(
            config, factory.create_package_options(), "cloudformation", "json", merge_template=str(INFRA_TEMPLATE)
        )
        out = outdir / stage
        packager.package_app(config, str(out), stage)
    finally:
        for cls, original in zip(packagers, originals):
            cls.create_deployment_package = original
    return json.loads((out / "sam.json").read_text())


@pytest.fixture(scope="session")
def merged_templates(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("package")
    return {stage: build_merged_template(stage, outdir) for stage in STAGES}
