"""`make cost` turns DynamoDB requests into request units as DynamoDB bills them."""

import importlib.util

from tests.infra.conftest import ROOT

spec = importlib.util.spec_from_file_location("infra_cost", ROOT / "infra" / "cost.py")
cost = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cost)


def test_reads_are_per_4_kb_and_half_when_eventually_consistent():
    small = {"Item": {"pk": {"S": "x"}}}
    assert cost.request_units("GetItem", {"ConsistentRead": True}, small) == (1, 0)
    assert cost.request_units("GetItem", {}, small) == (0.5, 0)
    big = {"Items": [{"v": {"S": "x" * 5000}}]}
    assert cost.request_units("Query", {"ConsistentRead": True}, big) == (2, 0)


def test_transactional_writes_cost_two_units_per_kb_of_each_item():
    params = {"TransactItems": [{"Put": {"Item": {"v": {"S": "x" * 1500}}}}, {"ConditionCheck": {"Key": {"pk": {"S": "a"}}}}]}
    assert cost.request_units("TransactWriteItems", params, {}) == (0, 2 * 2 + 2 * 1)
    assert cost.request_units("PutItem", {"Item": {"v": {"S": "x"}}}, {}) == (0, 1)


def test_a_thousand_calls_add_up():
    calls = [("dynamodb", "GetItem", 1.0, 0.0), ("dynamodb", "TransactWriteItems", 0.0, 4.0), ("kms", "Decrypt", 0, 0)]
    c = cost.cost_per_thousand(calls)
    p = cost.PRICES_USD
    assert c["DynamoDB"] == 1000 * (p["dynamodb_read_unit"] + 4 * p["dynamodb_write_unit"])
    assert c["KMS"] == 1000 * p["kms_request"]
    assert c["total"] == c["DynamoDB"] + c["API Gateway"] + c["Lambda"] + c["KMS"]
