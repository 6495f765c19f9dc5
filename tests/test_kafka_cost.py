"""The cost of a guarantee (`modelcheck.kafka.cost`): requests per event along the shortest fault-free run
that delivers every event, found by exploration, and shown in the reports."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from modelcheck.cli import main
from modelcheck.kafka.cost import cost_of
from modelcheck.spec import expand, load_spec

SPECS = Path(__file__).resolve().parents[1] / "specs"


def _costs(spec: str) -> dict:
    return {point.label: cost_of(point.config)[0] for point in expand(load_spec(SPECS / spec))}


def test_exactly_once_costs_more_than_at_least_once_which_costs_what_at_most_once_does():
    costs = list(_costs("delivery-semantics.yaml").values())
    at_most, at_least, exactly = costs
    assert at_most.requests_per_event == at_least.requests_per_event < exactly.requests_per_event
    transaction = dict(exactly.by_kind)
    assert transaction["EndTxn"] == 1 and transaction["TxnOffsetCommit"] == 1
    # transaction.version 2 (the default): no AddOffsetsToTxn; the output partition's leader and the group
    # coordinator each have their partition added (KIP-890 part 2)
    assert "AddOffsetsToTxn" not in transaction and transaction["AddPartitionsToTxn"] == 2
    assert transaction["WriteTxnMarkers"] == 2          # the output partition and the group's offsets
    assert "OffsetCommit" not in transaction              # the offsets go through the transaction
    assert dict(at_least.by_kind)["OffsetCommit"] == 1
    assert not {"EndTxn", "WriteTxnMarkers"} & set(dict(at_least.by_kind))
    for cost in costs:
        assert cost.requests == sum(count for _kind, count in cost.by_kind) and cost.events == 2


def test_a_transactional_producer_pays_for_its_transaction_per_run():
    plain = cost_of(next(iter(expand(load_spec(SPECS / "consumer-commit-after-process.yaml")))).config)[0]
    (transactional,) = [cost for label, cost in _costs("transaction-read-committed.yaml").items()
                        if "read_committed" in label]
    extra = dict(transactional.by_kind)
    assert transactional.requests > plain.requests
    assert extra["InitProducerId"] == extra["AddPartitionsToTxn"] == extra["EndTxn"] == 1


def test_no_cost_where_no_run_delivers_every_event():
    (stuck,) = [cost for label, cost in _costs("consumer-auto-offset-reset.yaml").items() if label.endswith("none")]
    assert stuck is None


def test_the_reports_carry_the_cost():
    runner = CliRunner()
    result = runner.invoke(main, ["explore", str(SPECS / "delivery-semantics.yaml"), "--format", "json"])
    document = json.loads(result.stdout)
    costs = [config["cost"]["requests_per_event"] for config in document["configs"]]
    assert costs[0] == costs[1] < costs[2]
    text = runner.invoke(main, ["explore", str(SPECS / "delivery-semantics.yaml")]).stdout
    assert "requests/event" in text and "cost: 5.5 requests per event" in text


def test_a_search_that_spent_the_whole_time_limit_leaves_no_time_for_the_cost():
    """Regression: the cost's search got a time limit of 0 when the run's own search had used it all,
    which the engine refuses; the run now ends bounded, without a cost, and says why in the JSON."""
    result = CliRunner().invoke(main, ["explore", str(SPECS / "transaction-version-hanging.yaml"),
                                       "--time-limit", "0.05", "--format", "json"])
    assert result.exit_code == 3, result.stderr
    stopped = [config for config in json.loads(result.stdout)["configs"]
               if config["stats"]["stopped_by"] == "time_limit"]
    assert stopped
    for config in stopped:
        assert "cost" not in config and config["cost_incomplete"] == "time_limit"
