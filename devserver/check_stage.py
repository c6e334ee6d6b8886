"""`python -m devserver.check_stage STAGE [CONFIG]` (run by `make package`): refuse to package a
stage whose sign-in settings would not be safe on AWS.

A stage must name its identity provider (OIDC_ISSUER and OIDC_AUDIENCE) over https://, not a
local address, and must not mention the local development key. The settings are read as Chalice
merges them: the global `environment_variables`, then the stage's, then each Lambda function's
in that stage. The deployed function refuses the same things at run time; this catches them
before anything is built."""

from __future__ import annotations

import ipaddress
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from chalicelib.adapters.oidc import DEV_KEY_ID_PREFIX

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONFIG_FILE = PROJECT_DIR / ".chalice" / "config.json"
API_HANDLER = "api_handler"
DEV_KEY_FILE_NAME = "dev-signing-key.pem"
LOCAL_HOST_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
HELP = 'See "Sign-in" in README.md for the settings of Amazon Cognito and Microsoft Entra ID.'


def stage_environments(config: dict, stage: str) -> dict[str, dict[str, str]]:
    """The environment variables of each Lambda function of `stage`, merged as Chalice does."""
    stages = config.get("stages") or {}
    if stage not in stages:
        known = ", ".join(sorted(stages)) or "none"
        raise KeyError(f"stage {stage!r} is not in the configuration (stages: {known})")
    stage_config = stages[stage] or {}
    base = {**(config.get("environment_variables") or {}), **(stage_config.get("environment_variables") or {})}
    functions = stage_config.get("lambda_functions") or {}
    names = [API_HANDLER, *sorted(name for name in functions if name != API_HANDLER)]
    environments = {}
    for name in names:
        own = (functions.get(name) or {}).get("environment_variables") or {}
        environments[name] = {key: str(value) for key, value in {**base, **own}.items()}
    return environments


def check(config: dict, stage: str) -> list[str]:
    """What is wrong with `stage` of `config` (a parsed .chalice/config.json); empty if nothing."""
    try:
        environments = stage_environments(config, stage)
    except KeyError as e:
        return [str(e.args[0])]
    problems: list[str] = []
    for function, env in environments.items():
        where = "" if function == API_HANDLER else f" (Lambda function {function})"
        for name in ("OIDC_ISSUER", "OIDC_AUDIENCE"):
            # The API needs both; another function (a schedule, say) checks no tokens.
            if function == API_HANDLER and not env.get(name, "").strip():
                problems.append(f"{name} is not set: the API would refuse every request.")
        for name in ("OIDC_ISSUER", "OIDC_JWKS_URL"):
            value = env.get(name, "").strip()
            if value:
                problems.extend(f"{name}{where} {reason}" for reason in _url_problems(value))
    stage_config = (config.get("stages") or {}).get(stage) or {}
    global_config = {k: v for k, v in config.items() if k != "stages"}
    for path, value in [*_strings(global_config, ""), *_strings(stage_config, f"stages.{stage}")]:
        if DEV_KEY_ID_PREFIX in value or DEV_KEY_FILE_NAME in value:
            problems.append(f"{path} names the local development key ({value!r}); only the local server may trust it.")
    return list(dict.fromkeys(problems))


def check_file(config_path: Path, stage: str) -> list[str]:
    try:
        config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{config_path} does not exist"]
    except ValueError as e:
        return [f"{config_path} is not valid JSON ({e})"]
    if not isinstance(config, dict):
        return [f"{config_path} is not a JSON object"]
    return check(config, stage)


def _url_problems(url: str) -> Iterator[str]:
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        yield f"is {url!r}: it must be an https:// URL (a deployed function refuses http://)."
    host = (parts.hostname or "").lower()
    if not host:
        yield f"is {url!r}: it has no host."
    elif _is_local(host):
        yield f"is {url!r}: it points at this machine, where the local development server runs."


def _is_local(host: str) -> bool:
    if host in LOCAL_HOST_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _strings(value, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield from _strings(key, child)
            yield from _strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not 1 <= len(argv) <= 2:
        print("usage: python -m devserver.check_stage STAGE [CONFIG_FILE]", file=sys.stderr)
        return 2
    stage = argv[0]
    config_path = Path(argv[1]) if len(argv) == 2 else CONFIG_FILE
    problems = check_file(config_path, stage)
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        print(f"Refusing to package stage {stage!r} ({config_path}):\n{lines}\n{HELP}", file=sys.stderr)
        return 1
    print(f"Stage {stage!r}: sign-in settings look right.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
