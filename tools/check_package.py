"""`make package`'s checks of the two zips `chalice package` builds (run through `python -m
tools.check_stage STAGE --template build/STAGE/sam.json --zip build/STAGE/deployment.zip --layer
build/STAGE/layer-deployment.zip`).

.chalice/config.json sets `automatic_layer`, so Chalice splits the code in two: the function zip
(deployment.zip: app.py, chalicelib/ and Chalice's small runtime package, shared by every
function) and a Lambda layer (layer-deployment.zip: requirements.txt's packages under
python/lib/pythonX.Y/site-packages/, which Lambda puts on sys.path from /opt), which every
function of the template references (`Layers: [{"Ref": "ManagedLayer"}]`).

The checks: the function zip is at most 20 MiB, and the function and its layer unzip to at most
Lambda's 250 MiB; neither holds a test or development tool; the function zip has the app and the
layer the libraries without which it cannot start or render a page (the pages' Jinja macros are
package data of govuk_frontend_jinja), for the Python the functions run; and the template's
functions use that code and that layer. `size_lines` gives one line per zip."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_FUNCTION_ZIP_BYTES = 20 * 1024 * 1024  # our own target, under Lambda's 50 MiB for a direct upload
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024  # Lambda's limit for the unzipped function and its layers
# Test and development tools: none of them may reach either zip (Chalice adds only its small
# runtime package, chalice/app.py and chalice/__init__.py, itself).
FORBIDDEN_TOP_LEVEL = frozenset(
    {"moto", "pytest", "_pytest", "pluggy", "standardwebhooks", "cfnlint", "click", "werkzeug", "responses", "tests", "devserver", "tools", "infra", "flask", "docker", "boto3", "s3transfer"}
)
# Runtime dependencies whose wheels are known to install stray files at the top level (see _stray_files).
STRAY_FILE_OWNERS = frozenset({"govuk_frontend_jinja"})
FUNCTION_REQUIRED = ("app.py", "chalicelib", "chalice")
LAYER_REQUIRED = ("pynamodb", "jinja2", "markupsafe", "govuk_frontend_jinja")
PAGE_MACROS = "govuk_frontend_jinja/templates/"
# Where a layer's Python packages go: Lambda adds /opt/python and its site-packages to sys.path.
LAYER_PREFIX = re.compile(r"python/(?:lib/python(?P<version>\d+\.\d+)/site-packages/)?")
SAM_FUNCTION = "AWS::Serverless::Function"
SAM_LAYER = "AWS::Serverless::LayerVersion"


@dataclass(frozen=True)
class Archive:
    path: Path
    size: int  # bytes, zipped
    unzipped: int
    names: tuple[str, ...]  # as importable: a layer's relative to its site-packages
    members: tuple[str, ...]  # each of `names` as the zip spells it
    outside: tuple[str, ...] = ()  # a layer's files outside python/, which nothing can import
    pythons: frozenset[str] = frozenset()  # a layer's pythonX.Y site-packages

    @property
    def top(self) -> set[str]:
        return {name.split("/", 1)[0] for name in self.names}


def read_archive(path: Path, layer: bool = False) -> Archive:
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path} does not exist")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except zipfile.BadZipFile:
        raise ValueError(f"{path} is not a zip file") from None
    names, members, outside, pythons = [], [], [], set()
    for info in infos:
        match = LAYER_PREFIX.match(info.filename) if layer else None
        if layer and match is None:
            outside.append(info.filename)
            continue
        names.append(info.filename[match.end():] if match else info.filename)
        members.append(info.filename)
        if match and match["version"]:
            pythons.add(match["version"])
    unzipped = sum(info.file_size for info in infos)
    return Archive(path, path.stat().st_size, unzipped, tuple(names), tuple(members), tuple(outside), frozenset(pythons))


def check_package(function_zip: Path, layer_zip: Path, template: dict | None = None, template_dir: Path | None = None) -> list[str]:
    """What is wrong with the function zip and its layer (and, given the packaged template, with
    the functions' references to them); empty if nothing."""
    try:
        function = read_archive(function_zip)
        layer = read_archive(layer_zip, layer=True)
    except ValueError as e:
        return [str(e)]
    problems = []
    if function.size > MAX_FUNCTION_ZIP_BYTES:
        problems.append(
            f"{function.path} is {function.size:,} bytes ({function.size / 2**20:.1f} MiB), over its "
            f"{MAX_FUNCTION_ZIP_BYTES:,}-byte limit: third-party packages belong in the layer"
        )
    unzipped = function.unzipped + layer.unzipped
    if unzipped > MAX_UNZIPPED_BYTES:
        problems.append(
            f"{function.path} and {layer.path} unzip to {unzipped / 2**20:.1f} MiB, over Lambda's "
            f"{MAX_UNZIPPED_BYTES / 2**20:.0f} MiB for a function and its layers"
        )
    for archive, required in ((function, FUNCTION_REQUIRED), (layer, LAYER_REQUIRED)):
        problems.extend(_contents_problems(archive, required))
    if layer.outside:
        problems.append(f"{layer.path} has files outside python/, which the functions cannot import: {', '.join(layer.outside[:3])}")
    if template is not None:
        problems.extend(_template_problems(template, template_dir, function, layer))
    return problems


def _contents_problems(archive: Archive, required: tuple[str, ...]) -> Iterator[str]:
    strays = _stray_files(archive)
    packages = {
        name.split("-", 1)[0].lower() if name.endswith((".dist-info", ".egg-info")) else name.removesuffix(".py").lower()
        for name in {name.split("/", 1)[0] for name in archive.names if name not in strays}
    }
    unwanted = sorted(packages & FORBIDDEN_TOP_LEVEL)
    if unwanted:
        yield f"{archive.path} contains test or development packages: {', '.join(unwanted)}"
    top = archive.top
    for needed in required:
        if needed not in top:
            yield f"{archive.path} has no {needed}"
    if "govuk_frontend_jinja" in top and not any(n.startswith(PAGE_MACROS) and n.endswith(".html") for n in archive.names):
        yield f"{archive.path} has govuk_frontend_jinja without its templates ({PAGE_MACROS}...): the pages could not render"


def _stray_files(archive: Archive) -> set[str]:
    """Files a runtime dependency's wheel installs outside its own package, as its RECORD lists
    them: govuk-frontend-jinja 4.1.0 ships its Flask test app as tests/utils/app.py. Dead code
    (never imported), not a test suite of ours, so it does not count as `tests`."""
    names = set(archive.names)
    strays = set()
    with zipfile.ZipFile(archive.path) as z:
        for member, name in zip(archive.members, archive.names):
            if name.split("-", 1)[0].lower() in STRAY_FILE_OWNERS and name.endswith(".dist-info/RECORD"):
                listed = {line.split(",", 1)[0] for line in z.read(member).decode("utf-8").splitlines()}
                strays |= {n for n in listed if n in names and n.split("/", 1)[0] in FORBIDDEN_TOP_LEVEL}
    return strays


def _template_problems(template: dict, template_dir: Path | None, function: Archive, layer: Archive) -> Iterator[str]:
    """Every function of the template runs the function zip with the layer, on the layer's Python."""
    resources = template.get("Resources") or {}
    layers = {name: r.get("Properties") or {} for name, r in resources.items() if r.get("Type") == SAM_LAYER}
    if not layers:
        yield f"the template has no {SAM_LAYER}: set automatic_layer in .chalice/config.json (the functions' libraries are in {layer.path.name})"
    for name, properties in sorted(layers.items()):
        yield from _uri_problems(template_dir, f"the layer {name}", properties.get("ContentUri"), layer.path)
    for name, resource in sorted(resources.items()):
        if resource.get("Type") != SAM_FUNCTION:
            continue
        properties = resource.get("Properties") or {}
        yield from _uri_problems(template_dir, f"the function {name}", properties.get("CodeUri"), function.path)
        used = {item.get("Ref") for item in properties.get("Layers") or [] if isinstance(item, dict)}
        if layers and not used & set(layers):
            yield f"the function {name} does not use the layer {', '.join(sorted(layers))}: it could not import its libraries"
        runtime = str(properties.get("Runtime", ""))
        if layer.pythons and runtime not in {f"python{version}" for version in layer.pythons}:
            yield f"the function {name} runs {runtime or 'no runtime'}, but {layer.path} is built for python{', python'.join(sorted(layer.pythons))}"


def _uri_problems(template_dir: Path | None, what: str, uri, expected: Path) -> Iterator[str]:
    if template_dir is None or not isinstance(uri, str):
        return
    path = template_dir / uri
    if not path.exists() or not path.samefile(expected):
        yield f"{what}'s code is {uri!r}, not {expected} (`aws cloudformation package` uploads what the template names)"


def size_lines(function_zip: Path, layer_zip: Path) -> list[str]:
    """One line per zip: its size, its headroom under its limit, and its size unzipped."""
    function, layer = read_archive(function_zip), read_archive(layer_zip, layer=True)
    unzipped = function.unzipped + layer.unzipped
    return [
        (
            f"{function.path} (function): {function.size:,} bytes ({function.size / 2**20:.2f} MiB), "
            f"{MAX_FUNCTION_ZIP_BYTES - function.size:,} bytes under its {MAX_FUNCTION_ZIP_BYTES:,}-byte limit; "
            f"{function.unzipped:,} bytes ({function.unzipped / 2**20:.1f} MiB) unzipped."
        ),
        (
            f"{layer.path} (layer): {layer.size:,} bytes ({layer.size / 2**20:.2f} MiB); "
            f"{layer.unzipped:,} bytes ({layer.unzipped / 2**20:.1f} MiB) unzipped, with the function "
            f"{unzipped:,} bytes, {MAX_UNZIPPED_BYTES - unzipped:,} under Lambda's {MAX_UNZIPPED_BYTES:,}-byte limit."
        ),
    ]
