"""The README's shell walkthroughs, run as written (bash, curl, `make token`) against a local
server on a free port: the one change is that port, in each block's first line `export PORT=8000`."""

import re
import shutil
import signal
import subprocess

import pytest

from tests.local_server import ROOT, DevServer, server_environment

FIRST_LINE = re.compile(r"\Aexport PORT=8000\b")
needs = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("bash", "curl", "make", "python3", "openssl", "xxd")),
    reason="the walkthroughs need bash, curl, make, python3, openssl and xxd",
)


def shell_blocks(start: str) -> list[str]:
    """The ```sh blocks of the README from the heading `start` to the next `## ` heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(start + "\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = DevServer(tmp_path_factory.mktemp("ldd-readme"))
    yield running
    running.stop(signal.SIGKILL)


def run(server: DevServer, blocks: list[str]) -> str:
    assert FIRST_LINE.match(blocks[0]), blocks[0][:80]
    script = FIRST_LINE.sub(f"export PORT={server.port}", "\n".join(blocks), count=1)
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=ROOT, env=server_environment(server.data_dir),
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs
def test_the_five_minute_walkthrough_runs_as_written(server):
    output = run(server, shell_blocks("## Five-minute walkthrough"))
    assert 'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer realm="ldd-tracker"\n' in output
    assert (
        "\ufeffservice_id,name,department,owner_email,status,score,level,principles.P1,principles.P2,principles.P3,"
        "principles.P4,principles.P5,lock_in_risk,flag_count,top_flag,assessed_at,stale\n"
    ) in output
    assert "Only admins and service owners of 'testshire' may register services." in output
    assert '"errors": {"contract.end": ["the contract cannot end before it starts"]}' in output


@needs
def test_the_webhook_walkthrough_runs_as_written(server):
    output = run(server, shell_blocks("### Registering an integration"))
    assert "first 200 processed\nretry 200 duplicate\n" in output
    assert '{"status":"processed"' in output and '{"status":"duplicate"}' in output
