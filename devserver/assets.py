"""The static files the web pages use (GOV.UK Frontend's CSS, JavaScript, fonts and images, and
the tracker's own small stylesheet, chalicelib/web/static/app.css): one list, served by the
local server under /assets and uploaded by `make deploy` to the stack's S3 bucket under the key
prefix `assets/`.

The compiled CSS refers to its fonts and images by the absolute paths /assets/fonts/... and
/assets/images/..., so wherever they are served, they are served at a host's root under /assets.

`python -m devserver.assets stage OUT_DIR` copies them to OUT_DIR/assets/...;
`python -m devserver.assets types` prints each file extension with its content type (for the
upload, so that S3 serves the same types as the local server)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path, PurePosixPath

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ROOT = PROJECT_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
# Ours, from the repository (GOV.UK Frontend's built files never are): served as /assets/app.css.
APP_STYLESHEET = PROJECT_DIR / "chalicelib" / "web" / "static" / "app.css"
ASSET_PREFIX = "/assets"

CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
# The files at the root of GOV.UK Frontend's dist/govuk/ (not the source maps, the ES modules or
# the Sass), and the folders of dist/govuk/assets/ whose files the CSS and manifest refer to.
TOP_LEVEL_FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")
ASSET_FOLDERS = ("fonts", "images")
MANIFEST = "manifest.json"


class AssetsMissing(FileNotFoundError):
    """GOV.UK Frontend is not installed (or not completely) where the assets are looked for."""


def asset_files(root: Path = DEFAULT_ROOT) -> dict[str, Path]:
    """URL path (/assets/...) -> file, for every static file the pages use.

    Flat names only: the fonts and images one level down, nothing deeper, no source maps and no
    file of a type `content_type` does not know."""
    root = Path(root)
    if not root.is_dir():
        raise AssetsMissing(f"GOV.UK Frontend is not installed (no folder {root}): run `make frontend` (npm ci, Node.js 20 or newer).")
    required = [root / name for name in TOP_LEVEL_FILES] + [root / "assets" / MANIFEST]
    required += [root / "assets" / folder for folder in ASSET_FOLDERS]
    missing = [path for path in required if not path.exists()]
    if missing:
        names = ", ".join(str(path) for path in missing)
        raise AssetsMissing(
            f"GOV.UK Frontend is incomplete (missing {names}): run `make frontend` (npm ci, Node.js 20 or newer)."
        )
    files = {f"{ASSET_PREFIX}/{name}": root / name for name in TOP_LEVEL_FILES}
    files[f"{ASSET_PREFIX}/{MANIFEST}"] = root / "assets" / MANIFEST
    files[f"{ASSET_PREFIX}/{APP_STYLESHEET.name}"] = APP_STYLESHEET
    for folder in ASSET_FOLDERS:
        for path in sorted((root / "assets" / folder).iterdir()):
            if path.is_file() and path.suffix.lower() in CONTENT_TYPES:
                files[f"{ASSET_PREFIX}/{folder}/{path.name}"] = path
    return files


def content_type(url_path: str) -> str:
    """The Content-Type of an asset by its name's extension (application/octet-stream if unknown)."""
    return CONTENT_TYPES.get(PurePosixPath(url_path).suffix.lower(), "application/octet-stream")


def stage(out_dir: Path, root: Path = DEFAULT_ROOT) -> dict[str, Path]:
    """Copy the assets to out_dir/assets/... (replacing what is there); returns URL path -> copy.

    The copies get new modification times on purpose: npm's files all carry the same old one,
    and `aws s3 sync` uploads a file of unchanged size only when it is newer than the object."""
    files = asset_files(root)
    target = Path(out_dir) / ASSET_PREFIX.strip("/")
    if target.exists():
        shutil.rmtree(target)  # a file dropped by a GOV.UK Frontend upgrade must not linger
    copies = {}
    for url_path, source in files.items():
        copy = Path(out_dir) / url_path.lstrip("/")
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        copies[url_path] = copy
    return copies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devserver.assets", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    staging = commands.add_parser("stage", help="copy the assets to OUT_DIR/assets/...")
    staging.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    staging.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="GOV.UK Frontend's dist/govuk folder")
    commands.add_parser("types", help="print each file extension (without the dot) and its content type")
    args = parser.parse_args(argv)
    if args.command == "types":
        for extension, kind in CONTENT_TYPES.items():
            print(extension.lstrip("."), kind, sep="\t")
        return 0
    try:
        copies = stage(args.out_dir, args.root)
    except AssetsMissing as e:
        print(e, file=sys.stderr)
        return 1
    print(f"{len(copies)} assets staged in {Path(args.out_dir) / ASSET_PREFIX.strip('/')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
