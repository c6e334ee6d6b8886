"""`python -m tools.check_stage STAGE [CONFIG]` (run by `make package`): refuse to package a
stage whose sign-in settings would not be safe on AWS.

`make package` runs it twice: before building, on .chalice/config.json with `--merge-template
infra/template.json` (a setting that template gives the API function counts as set: it is
checked in the second run), and after, on the packaged template with `--template
build/STAGE/sam.json`, whose functions' environment is resolved as CloudFormation would with the
parameters' defaults (or `--parameter NAME=VALUE`, as given to the deploy), so that the
Cognito-backed default passes and an http:// or local issuer, or the development key, does not.
`--zip build/STAGE/deployment.zip --layer build/STAGE/layer-deployment.zip` also checks the
function's zip and its layer (tools/check_package.py: sizes, no test or dev tools, the packages
the pages need, the template's functions using both) and prints their sizes.

A stage must name its identity provider (OIDC_ISSUER and OIDC_AUDIENCE) over https://, not a
local address, and must not mention the local development key. The settings are read as Chalice
merges them: the global `environment_variables`, then the stage's, then each Lambda function's
in that stage. The deployed function refuses the same things at run time; this catches them
before anything is built.

The pages under /app need more of the API function: OIDC_CLIENT_ID (their OAuth client),
APP_BASE_URL (empty, or the https:// base URL their callback is registered under) and ASSET_URL
(the https:// home of GOV.UK Frontend's files); the packaged template must set all three, and
OIDC_CLIENT_SECRET may come only from a NoEcho stack parameter, never from the repository."""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from chalicelib.adapters.oidc import DEV_KEY_ID_PREFIX
from devserver.identity import KEY_FILE_NAME as DEV_KEY_FILE_NAME
from tools.check_package import check_package, size_lines

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONFIG_FILE = PROJECT_DIR / ".chalice" / "config.json"
API_HANDLER = "api_handler"
LOCAL_HOST_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
PARAMETER_FOR = {
    "OIDC_ISSUER": "OidcIssuer",
    "OIDC_AUDIENCE": "OidcAudience",
    "OIDC_CLIENT_ID": "OidcClientId",
    "OIDC_CLIENT_SECRET": "OidcClientSecret",
    "APP_BASE_URL": "AppBaseUrl",
}
# Set by the merge template from the stack's own resources: no parameter to give instead.
FROM_THE_STACK = {"ASSET_URL": "the stack's assets bucket"}
# What the pages need of the API function in the packaged template (APP_BASE_URL may be empty).
PAGE_VARIABLES = ("OIDC_CLIENT_ID", "APP_BASE_URL", "ASSET_URL")
SECRET = "OIDC_CLIENT_SECRET"
# Why each URL setting must be https:// when deployed.
HTTPS_BECAUSE = {
    "OIDC_ISSUER": "a deployed function refuses http://",
    "OIDC_JWKS_URL": "a deployed function refuses http://",
    "APP_BASE_URL": "the sign-in callback and the session cookie need https://; Cognito refuses an http:// callback",
    "ASSET_URL": "a page served over https:// cannot load its styles and scripts over http://",
}
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


def check(config: dict, stage: str, supplied: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with `stage` of `config` (a parsed .chalice/config.json); empty if nothing.
    `supplied`: variables the merge template sets on the API function (not "missing" here)."""
    try:
        environments = stage_environments(config, stage)
    except KeyError as e:
        return [str(e.args[0])]
    # .chalice/config.json is in the repository: a client secret there is leaked, set or not.
    problems = [
        f"{SECRET} is in the configuration{_where(function)}: a secret must never be in the repository; "
        f"give it to the deploy as the NoEcho stack parameter {PARAMETER_FOR[SECRET]} (README.md, Deploying to AWS)."
        for function, env in environments.items()
        if env.get(SECRET, "").strip()
    ]
    overridden = sorted(
        k for k in environments[API_HANDLER]
        if k in supplied and k != SECRET and (k.startswith("OIDC_") or k in PARAMETER_FOR or k in FROM_THE_STACK)
    )
    environments[API_HANDLER] = {k: v for k, v in environments[API_HANDLER].items() if k not in supplied}
    problems.extend(check_environments(environments, supplied))
    # The merge template's value wins over the config's: a provider set here would be ignored.
    for name in overridden:
        if name in FROM_THE_STACK:
            problems.append(
                f"{name} is set in the configuration, but the merge template sets it for the API function "
                f"({FROM_THE_STACK[name]}) and wins: remove it from the configuration."
            )
        else:
            problems.append(
                f"{name} is set in the configuration, but the merge template sets it for the API function and wins: "
                f"give it as a stack parameter instead (make package/deploy PARAMS=\"{PARAMETER_FOR.get(name, name)}=...\")."
            )
    stage_config = (config.get("stages") or {}).get(stage) or {}
    global_config = {k: v for k, v in config.items() if k != "stages"}
    problems.extend(_dev_key_problems([*_strings(global_config, ""), *_strings(stage_config, f"stages.{stage}")]))
    return list(dict.fromkeys(problems))


def check_environments(environments: dict[str, dict[str, str]], supplied: frozenset[str] = frozenset()) -> list[str]:
    """Sign-in problems of each function's environment (the API function is API_HANDLER)."""
    problems: list[str] = []
    for function, env in environments.items():
        where = _where(function)
        for name in ("OIDC_ISSUER", "OIDC_AUDIENCE"):
            # The API needs both; another function (a schedule, say) checks no tokens.
            if function == API_HANDLER and name not in supplied and not env.get(name, "").strip():
                problems.append(f"{name} is not set: the API would refuse every request.")
        for name in HTTPS_BECAUSE:
            value = env.get(name, "").strip()
            if value:
                problems.extend(f"{name}{where} {reason}" for reason in _url_problems(value, HTTPS_BECAUSE[name]))
        for name in ("APP_BASE_URL", "ASSET_URL"):
            value = env.get(name, "").strip()
            if value.endswith("/"):
                problems.append(f"{name}{where} is {value!r}: give it without the trailing slash (paths are appended to it).")
    return problems


def _where(function: str) -> str:
    return "" if function == API_HANDLER else f" (Lambda function {function})"


def check_file(config_path: Path, stage: str, supplied: frozenset[str] = frozenset()) -> list[str]:
    try:
        return check(_load_json(config_path), stage, supplied)
    except ValueError as e:
        return [str(e)]


def _url_problems(url: str, because: str = "a deployed function refuses http://") -> Iterator[str]:
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        yield f"is {url!r}: it must be an https:// URL ({because})."
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


def _dev_key_problems(strings: Iterable[tuple[str, str]]) -> list[str]:
    """Each (path, string) that names the local development key (its key id or its file)."""
    return [
        f"{path} names the local development key ({value!r}); only the local server may trust it."
        for path, value in strings
        if DEV_KEY_ID_PREFIX in value or DEV_KEY_FILE_NAME in value
    ]


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


# The packaged template ---------------------------------------------------------------------------

SAM_FUNCTION = "AWS::Serverless::Function"
CHALICE_API_FUNCTION = "APIHandler"  # Chalice's logical id of the API handler in its SAM template
PSEUDO_PARAMETERS = {
    "AWS::Region": "eu-west-2",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
}


class Unresolved(str):
    """A value only known when the stack is created (a resource's id or attribute): safe as a
    name, but it is not a URL anyone typed."""


def template_environments(template: dict, parameters: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    """Each Lambda function's environment in a packaged (SAM) template, resolved as CloudFormation
    would with the parameters' defaults overridden by `parameters`; keyed API_HANDLER for the API
    function and by logical id for the others."""
    resolver = _Resolver(template, _parameter_values(template, parameters))
    environments = {}
    for logical_id, variables in _function_variables(template):
        env = {}
        for key, value in variables.items():
            resolved = resolver.resolve(value)
            if resolved is not None:
                env[key] = resolved
        environments[API_HANDLER if logical_id == CHALICE_API_FUNCTION else logical_id] = env
    return environments


def resolve(template: dict, value, parameters: dict[str, str] | None = None):
    """`value` (a template value, intrinsic functions included) as CloudFormation would resolve
    it with the parameters' defaults overridden by `parameters`."""
    return _Resolver(template, _parameter_values(template, parameters)).resolve(value)


def _parameter_values(template: dict, parameters: dict[str, str] | None) -> dict[str, str]:
    """Each stack parameter's value: its default, unless `parameters` gives one."""
    values = {name: str(p.get("Default", "")) for name, p in (template.get("Parameters") or {}).items()}
    return {**values, **(parameters or {})}


def _function_variables(template: dict) -> Iterator[tuple[str, dict]]:
    """(logical id, environment variables as written) of each Lambda function, by logical id."""
    for logical_id, resource in sorted((template.get("Resources") or {}).items()):
        if resource.get("Type") == SAM_FUNCTION:
            yield logical_id, ((resource.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}


def check_template(template: dict, parameters: dict[str, str] | None = None) -> list[str]:
    """What is wrong with a packaged template's functions' sign-in settings; empty if nothing."""
    try:
        environments = template_environments(template, parameters)
    except ValueError as e:
        return [f"cannot resolve the functions' environment: {e}"]
    if API_HANDLER not in environments:
        return [f"the template has no {CHALICE_API_FUNCTION} function"]
    problems = check_environments(environments)
    api = environments[API_HANDLER]
    for name in PAGE_VARIABLES:
        if name not in api:
            problems.append(f"the {CHALICE_API_FUNCTION} function has no {name}: the pages under /app need it (infra/template.json sets it).")
    for name, consequence in (("OIDC_CLIENT_ID", "the pages could not sign anyone in"), ("ASSET_URL", "the pages would have no styles")):
        if name in api and not api[name].strip():
            problems.append(f"{name} is empty: {consequence} (see README.md, Deploying to AWS).")
    problems.extend(_secret_problems(template))
    problems.extend(_dev_key_problems(_strings(template, "")))
    return list(dict.fromkeys(problems))


def _secret_problems(template: dict) -> list[str]:
    """OIDC_CLIENT_SECRET in a function's environment must come from a NoEcho parameter (or a
    dynamic reference), so that the secret is in neither the repository nor the template."""
    parameters = template.get("Parameters") or {}

    def sources(value) -> Iterator[str]:
        if isinstance(value, str):
            if value.strip() and not value.startswith("{{resolve:"):
                yield "a literal value"
        elif isinstance(value, dict) and set(value) == {"Ref"}:
            parameter = parameters.get(value["Ref"])
            if parameter is None:
                yield f"{value['Ref']}, which is not a parameter"
            elif str(parameter.get("NoEcho", "false")).lower() != "true":
                yield f"the parameter {value['Ref']}, which is not NoEcho"
            elif str(parameter.get("Default", "")).strip():
                yield f"the parameter {value['Ref']}, which has a default value"
        elif isinstance(value, dict) and set(value) == {"Fn::If"}:
            for branch in value["Fn::If"][1:]:
                yield from sources(branch)
        else:
            yield f"{json.dumps(value)}"

    problems = []
    for logical_id, variables in _function_variables(template):
        if SECRET in variables:
            problems.extend(
                f"{SECRET} of {logical_id} comes from {source}: it must come from a NoEcho stack parameter "
                f"without a default ({PARAMETER_FOR[SECRET]})."
                for source in dict.fromkeys(sources(variables[SECRET]))
            )
    return problems


class _Resolver:
    def __init__(self, template: dict, parameters: dict[str, str]):
        self.template = template
        self.parameters = parameters
        self.resources = template.get("Resources") or {}
        self.conditions = template.get("Conditions") or {}

    def resolve(self, value):
        """A string (a list of them for a list), or None for AWS::NoValue."""
        if isinstance(value, (str, int, float, bool)):
            return str(value).lower() if isinstance(value, bool) else str(value)
        if isinstance(value, list):
            return [item for item in map(self.resolve, value) if item is not None]
        if not isinstance(value, dict) or len(value) != 1:
            raise ValueError(f"unsupported value {value!r}")
        (function, argument), = value.items()
        if function == "Ref":
            return self._ref(argument)
        if function == "Fn::GetAtt":
            name = argument if isinstance(argument, str) else ".".join(argument)
            return Unresolved(f"<{name}>")
        if function == "Fn::Sub":
            text, extra = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
            return re.sub(r"\$\{([^}!]+)\}", lambda m: self._sub(m.group(1), extra), text)
        if function == "Fn::If":
            name, then, otherwise = argument
            return self.resolve(then if self.condition(name) else otherwise)
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(self.resolve(item) or "" for item in items)
        raise ValueError(f"unsupported function {function}")

    def _ref(self, name: str):
        if name == "AWS::NoValue":
            return None
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return Unresolved(f"<{name}>")
        raise ValueError(f"Ref to unknown {name!r}")

    def _sub(self, name: str, extra: dict) -> str:
        if name in extra:
            return self.resolve(extra[name]) or ""
        if "." in name:
            return f"<{name}>"
        return self._ref(name) or ""

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise ValueError(f"unknown condition {name!r}")
        return self._evaluate(self.conditions[name])

    def _evaluate(self, expression) -> bool:
        (function, argument), = expression.items()
        if function == "Fn::Equals":
            left, right = (self.resolve(item) for item in argument)
            return left == right
        if function == "Fn::Not":
            return not self._evaluate(argument[0])
        if function == "Fn::And":
            return all(self._evaluate(item) for item in argument)
        if function == "Fn::Or":
            return any(self._evaluate(item) for item in argument)
        if function == "Condition":
            return self.condition(argument)
        raise ValueError(f"unsupported condition function {function}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m tools.check_stage", description=__doc__.split("\n")[0])
    parser.add_argument("stage")
    parser.add_argument("config", nargs="?", type=Path, default=CONFIG_FILE, help="the Chalice config (default .chalice/config.json)")
    parser.add_argument("--merge-template", type=Path, help="the template `chalice package --merge-template` will merge")
    parser.add_argument("--template", type=Path, help="check the packaged template instead of the config")
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE", help="a stack parameter as deployed")
    parser.add_argument("--zip", type=Path, help="also check the packaged function zip (with --layer)")
    parser.add_argument("--layer", type=Path, help="the packaged layer zip (Chalice's automatic_layer)")
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        return 2
    stage = args.stage
    if args.template is not None:
        where = args.template
        parameters = dict(item.split("=", 1) for item in args.parameter if "=" in item)
        parameters.setdefault("Stage", stage)
        problems = _check_template_file(args.template, parameters)
    else:
        where = args.config
        supplied: frozenset[str] = frozenset()
        if args.merge_template is not None:
            try:
                supplied = frozenset(_merge_template_api_variables(args.merge_template))
            except ValueError as e:
                print(f"Refusing to package stage {stage!r}: {e}", file=sys.stderr)
                return 1
        problems = check_file(args.config, stage, supplied)
    if (args.zip is None) != (args.layer is None):
        problems.append("--zip and --layer go together: the function zip and its layer (automatic_layer in .chalice/config.json)")
    elif args.zip is not None:
        problems.extend(_check_package(args.zip, args.layer, args.template))
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        print(f"Refusing to package stage {stage!r} ({where}):\n{lines}\n{HELP}", file=sys.stderr)
        return 1
    print(f"Stage {stage!r}: sign-in settings look right ({where}).")
    if args.zip is not None:
        print("\n".join(size_lines(args.zip, args.layer)))
    return 0


def _load_json(path: Path):
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path} does not exist") from None
    except ValueError as e:
        raise ValueError(f"{path} is not valid JSON ({e})") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a JSON object")
    return document


def _check_template_file(path: Path, parameters: dict[str, str]) -> list[str]:
    try:
        return check_template(_load_json(path), parameters)
    except ValueError as e:
        return [str(e)]


def _check_package(function_zip: Path, layer_zip: Path, template_path: Path | None) -> list[str]:
    """The zips; with the packaged template, also the functions' references to them."""
    template = None
    if template_path is not None:
        try:
            template = _load_json(template_path)
        except ValueError:
            pass  # already reported by the template's check
    return check_package(function_zip, layer_zip, template, template_path.parent if template_path else None)


def _merge_template_api_variables(path: Path) -> set[str]:
    resources = _load_json(path).get("Resources") or {}
    api = resources.get(CHALICE_API_FUNCTION) or {}
    return set((((api.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}))


if __name__ == "__main__":
    raise SystemExit(main())
