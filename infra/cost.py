"""`make cost`: what 1,000 assessments and 1,000 scorecard reads cost on AWS at on-demand prices,
from the requests the app really makes (measured here over moto with `make bench`'s seeding,
tools/workload.py).

Each measured call's DynamoDB requests are turned into request units from the sizes of the items
sent and returned: a strongly consistent read of up to 4 KB is 1 read unit (transactional: 2), a
write of up to 1 KB is 1 write unit (transactional: 2 per item); for the items a transaction
updates, deletes or checks, the key and values sent stand for the item's size (a lower bound).
Sizes are the JSON of the attribute values, close to DynamoDB's own count. KMS requests are
counted too (an integration's secret is opened per webhook delivery, not per assessment).

PRICES ARE TO BE CHECKED before quoting: eu-west-2 (London) list prices as the author read them
(DynamoDB on-demand after the November 2024 reduction), retrieved 2026-11-26 from the URLs below."""

import json
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGION = "eu-west-2"
PRICES_USD = {  # per unit; TO BE CHECKED
    "dynamodb_write_unit": 0.7425 / 1e6,  # https://aws.amazon.com/dynamodb/pricing/on-demand/
    "dynamodb_read_unit": 0.1485 / 1e6,  # same page
    "api_gateway_request": 3.70 / 1e6,  # REST API, first 333 million: https://aws.amazon.com/api-gateway/pricing/
    "lambda_request": 0.20 / 1e6,  # https://aws.amazon.com/lambda/pricing/
    "lambda_gb_second": 0.0000166667,  # x86, first 6 billion GB-s: same page
    "kms_request": 0.03 / 10_000,  # https://aws.amazon.com/kms/pricing/
}
LAMBDA_MEMORY_GB = 1.0  # the prod stage's lambda_memory_size (1024 MB)
ASSUMED_LAMBDA_SECONDS = 0.15  # warm, per call, an assumption: measure on AWS (Lambda's Duration metric)
SERVICES = 10  # the organisation read: 10 services of 2-3 components and an assessment each


def _size(value) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def request_units(operation: str, params: dict, response: dict) -> tuple[float, float]:
    """(read units, write units) of one DynamoDB request."""
    if operation == "GetItem":
        units = max(1, math.ceil(_size(response.get("Item", {})) / 4096))
        return (units if params.get("ConsistentRead") else units / 2), 0.0
    if operation == "Query":
        units = max(1, math.ceil(sum(_size(i) for i in response.get("Items", [])) / 4096))
        return (units if params.get("ConsistentRead") else units / 2), 0.0
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        sent = params.get("Item") or {**params.get("Key", {}), **params.get("ExpressionAttributeValues", {})}
        return 0.0, max(1, math.ceil(_size(sent) / 1024))
    if operation == "TransactWriteItems":
        write = 0
        for item in params.get("TransactItems", []):
            (kind, detail), = item.items()
            sent = detail.get("Item") or {**detail.get("Key", {}), **detail.get("ExpressionAttributeValues", {})}
            write += 2 * max(1, math.ceil(_size(sent) / 1024))
        return 0.0, float(write)
    if operation == "BatchGetItem":
        items = [i for table in response.get("Responses", {}).values() for i in table]
        return float(sum(max(1, math.ceil(_size(i) / 4096)) for i in items)), 0.0
    return 0.0, 0.0


class Meter:
    def __init__(self):
        self.calls: list[tuple[str, str, float, float]] | None = None

    def install(self) -> None:
        import botocore.client

        original = botocore.client.BaseClient._make_api_call
        meter = self

        def _make_api_call(client, operation, params):
            response = original(client, operation, params)
            service = client.meta.service_model.service_name
            if meter.calls is not None and service in ("dynamodb", "kms"):
                read, write = request_units(operation, params, response) if service == "dynamodb" else (0.0, 0.0)
                meter.calls.append((service, operation, read, write))
            return response

        botocore.client.BaseClient._make_api_call = _make_api_call


def measure() -> dict[str, list]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools import workload

    workload.use_fake_aws_and_local_identity()
    meter = Meter()
    meter.install()
    with workload.app_over_moto() as (_, http, seeding):
        org = "cost-borough"
        service = workload.seed_org(seeding, org, SERVICES)[0]
        measured = {}
        calls = {
            "submit an assessment": ("POST", f"/orgs/{org}/services/{service}/assessments", workload.answers_body(7)),
            "read the service scorecard": ("GET", f"/orgs/{org}/services/{service}/scorecard", None),
            f"read the organisation scorecard ({SERVICES} services)": ("GET", f"/orgs/{org}/scorecard", None),
        }
        for name, (method, path, payload) in calls.items():
            headers = {**workload.authorization(path), **({"Content-Type": "application/json"} if payload else {})}
            meter.calls = []
            response = http.request(method, path, headers=headers, body=json.dumps(payload).encode() if payload else b"")
            measured[name] = meter.calls
            meter.calls = None
            if response.status_code >= 400:
                raise SystemExit(f"{name}: {method} {path} answered {response.status_code}: {response.body[:300]!r}")
    return measured


def cost_per_thousand(calls: list) -> dict[str, float]:
    read = sum(c[2] for c in calls)
    write = sum(c[3] for c in calls)
    kms = sum(1 for c in calls if c[0] == "kms")
    p = PRICES_USD
    parts = {
        "DynamoDB": 1000 * (read * p["dynamodb_read_unit"] + write * p["dynamodb_write_unit"]),
        "API Gateway": 1000 * p["api_gateway_request"],
        "Lambda": 1000 * (p["lambda_request"] + LAMBDA_MEMORY_GB * ASSUMED_LAMBDA_SECONDS * p["lambda_gb_second"]),
        "KMS": 1000 * kms * p["kms_request"],
    }
    return {"read units": read, "write units": write, **parts, "total": sum(parts.values())}


def main() -> int:
    measured = measure()
    print(f"Cost per 1,000 calls, {REGION} on-demand list prices in USD (TO BE CHECKED; see infra/cost.py for sources)")
    print(f"Lambda: {LAMBDA_MEMORY_GB:g} GB for an assumed {ASSUMED_LAMBDA_SECONDS * 1000:.0f} ms per call; excludes free tiers, storage, backups (PITR), logs and data transfer\n")
    header = f"{'call':<48} {'requests per call':<44} {'RRU':>5} {'WRU':>5} {'DynamoDB':>9} {'API GW':>7} {'Lambda':>7} {'KMS':>6} {'total $':>8}"
    print(header)
    print("-" * len(header))
    for name, calls in measured.items():
        ops = Counter(op for _, op, _, _ in calls)
        text = ", ".join(f"{n} x {op}" if n > 1 else op for op, n in ops.items()) or "-"
        c = cost_per_thousand(calls)
        print(
            f"{name:<48} {text:<44} {c['read units']:>5g} {c['write units']:>5g} {c['DynamoDB']:>9.4f} "
            f"{c['API Gateway']:>7.4f} {c['Lambda']:>7.4f} {c['KMS']:>6.4f} {c['total']:>8.4f}"
        )
    print("\nRRU/WRU: DynamoDB request units per call (sizes from the items sent and returned).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
