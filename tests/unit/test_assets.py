"""The one list of static files (devserver.assets), served locally and uploaded by `make deploy`."""

from pathlib import Path

import pytest

from devserver import assets
from devserver.assets import ASSET_PREFIX, AssetsMissing, asset_files, content_type, main, stage


@pytest.fixture
def dist(tmp_path) -> Path:
    """A fake node_modules/govuk-frontend/dist/govuk with what the pages use and what they do not."""
    root = tmp_path / "govuk"
    files = {
        "govuk-frontend.min.css": "@charset \"UTF-8\";body{font-family:url(/assets/fonts/bold.woff2)}",
        "govuk-frontend.min.css.map": "{}",
        "govuk-frontend.min.js": "const version='6.3.0';",
        "govuk-frontend.min.js.map": "{}",
        "all.bundle.js": "",
        "index.scss": "",
        "components/button/button.mjs": "",
        "assets/manifest.json": '{"icons": []}',
        "assets/fonts/bold-b542beb274-v2.woff2": "w2",
        "assets/fonts/bold-affa96571d-v2.woff": "w1",
        "assets/fonts/bold.woff2.map": "{}",
        "assets/images/favicon.ico": "ico",
        "assets/images/govuk-crest.svg": "<svg/>",
        "assets/images/govuk-icon-180.png": "png",
        "assets/images/nested/deeper.png": "png",
        "assets/images/README": "not an asset",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_mapping_is_flat_and_has_only_what_the_pages_use(dist):
    files = asset_files(dist)
    assert sorted(files) == [
        "/assets/app.css",
        "/assets/fonts/bold-affa96571d-v2.woff",
        "/assets/fonts/bold-b542beb274-v2.woff2",
        "/assets/govuk-frontend.min.css",
        "/assets/govuk-frontend.min.js",
        "/assets/images/favicon.ico",
        "/assets/images/govuk-crest.svg",
        "/assets/images/govuk-icon-180.png",
        "/assets/manifest.json",
    ]
    assert files["/assets/govuk-frontend.min.css"] == dist / "govuk-frontend.min.css"
    assert files["/assets/app.css"] == assets.APP_STYLESHEET  # ours, from the repository
    assert files["/assets/fonts/bold-affa96571d-v2.woff"] == dist / "assets" / "fonts" / "bold-affa96571d-v2.woff"
    assert all(url.startswith(ASSET_PREFIX + "/") and ".map" not in url for url in files)
    assert all(url.count("/") <= 3 for url in files)  # /assets/<folder>/<name> at most


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/assets/govuk-frontend.min.css", "text/css"),
        ("/assets/govuk-frontend.min.js", "text/javascript"),
        ("/assets/manifest.json", "application/json"),
        ("/assets/fonts/bold-b542beb274-v2.woff2", "font/woff2"),
        ("/assets/fonts/BOLD.WOFF", "font/woff"),
        ("/assets/images/govuk-crest.svg", "image/svg+xml"),
        ("/assets/images/govuk-icon-180.png", "image/png"),
        ("/assets/images/favicon.ico", "image/x-icon"),
        ("/assets/whatever.bin", "application/octet-stream"),
    ],
)
def test_content_types(url, expected):
    assert content_type(url).split(";")[0] == expected


def test_every_listed_file_has_a_known_content_type(dist):
    assert all(content_type(url) != "application/octet-stream" for url in asset_files(dist))


def test_a_missing_install_says_to_run_make_frontend(tmp_path, dist):
    with pytest.raises(AssetsMissing, match=r"run `make frontend`"):
        asset_files(tmp_path / "nowhere")
    (dist / "govuk-frontend.min.js").unlink()
    with pytest.raises(AssetsMissing, match=r"govuk-frontend\.min\.js.*run `make frontend`"):
        asset_files(dist)
    assert issubclass(AssetsMissing, FileNotFoundError)


def test_stage_copies_them_under_assets_and_drops_stale_files(dist, tmp_path):
    out = tmp_path / "static"
    (out / "assets" / "fonts").mkdir(parents=True)
    (out / "assets" / "fonts" / "old-v1.woff2").write_text("from an older release")
    copies = stage(out, dist)
    staged = sorted("/" + str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert staged == sorted(asset_files(dist)) == sorted(copies)
    assert (out / "assets" / "govuk-frontend.min.css").read_text() == (dist / "govuk-frontend.min.css").read_text()
    assert (out / "assets" / "images" / "govuk-crest.svg").read_text() == "<svg/>"


def test_the_command_line_stages_and_fails_clearly(dist, tmp_path, capsys):
    assert main(["stage", str(tmp_path / "out"), "--root", str(dist)]) == 0
    assert (tmp_path / "out" / "assets" / "manifest.json").exists()
    assert main(["stage", str(tmp_path / "out2"), "--root", str(tmp_path / "nowhere")]) == 1
    assert "make frontend" in capsys.readouterr().err
    assert main(["types"]) == 0
    lines = dict(line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert lines["woff2"] == "font/woff2" and lines["css"].startswith("text/css")


def test_the_default_root_is_the_npm_install_of_govuk_frontend():
    assert assets.DEFAULT_ROOT == assets.PROJECT_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
    if assets.DEFAULT_ROOT.is_dir():  # after `make frontend`: the real files are all there
        files = asset_files()
        assert "/assets/govuk-frontend.min.css" in files and any(u.startswith("/assets/fonts/") for u in files)
    assert assets.APP_STYLESHEET.is_file() and assets.APP_STYLESHEET.suffix == ".css"
