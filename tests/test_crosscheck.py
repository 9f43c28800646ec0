"""Tests of the pieces the pipeline uses to combine and check counts: summing shard records
(linregions.regions.sum_shards) and recounting with the other method (linregions.crosscheck)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import random_network
from linregions import count_regions
from linregions.crosscheck import cross_check
from linregions.regions import sum_shards


def _net():
    return random_network(np.random.default_rng(7), 3, (5, 4))


def test_shard_records_sum_to_the_full_count():
    # Proves the summing rule's arithmetic against an independent unsharded count, and that the
    # sum is complete exactly when every shard is.
    net = _net()
    full = count_regions(net, -1, 1, method="lp")
    parts = [count_regions(net, -1, 1, method="lp", shard=(i, 3)).to_dict() for i in range(3)]
    total = sum_shards(list(reversed(parts)))  # order does not matter
    assert total["regions"] == full.regions > 20 and total["complete"] and total["status"] == "complete"
    assert total["shards"] == 3 and total["shard"] == [0, 1]
    assert total["lps"] == sum(p["lps"] for p in parts)
    names = set(full.diagnostics)  # the lp kernel's counters add up over shards too
    assert names and set(total["diagnostics"]) == names
    assert all(total["diagnostics"][k] == sum(p["diagnostics"][k] for p in parts) for k in names)
    assert full.path == "lp-x" and total["diagnostics"]["x_lps"] > 0  # 3 inputs < 5 units: sides by x-space LPs
    parts[1] = dict(parts[1], complete=False, status="time_limit", regions=parts[1]["regions"] - 1)
    stopped = sum_shards(parts)
    assert not stopped["complete"] and stopped["status"] == "time_limit"
    assert stopped["regions"] == full.regions - 1


def test_shard_records_that_do_not_fit_are_refused():
    net = _net()
    parts = [count_regions(net, -1, 1, method="lp", shard=(i, 3)).to_dict() for i in range(3)]
    with pytest.raises(ValueError, match="not 0..2 of 3"):
        sum_shards(parts[:2])
    with pytest.raises(ValueError, match="not 0..2 of 3"):
        sum_shards([parts[0], parts[0], parts[2]])
    with pytest.raises(ValueError, match="disagree on eps"):
        sum_shards([parts[0], dict(parts[1], eps=1e-7), parts[2]])


def test_crosscheck_agrees_pattern_by_pattern_and_catches_a_wrong_count():
    # Proves the check compares whole pattern sets (lp against the MILP) and that it can fail:
    # a record claiming one region more is reported as a disagreement.
    net = _net()
    primary = count_regions(net, -1, 1, method="lp").to_dict()
    ok = cross_check(net, primary, "milp")
    assert ok["agree"] and ok["compared"] == "patterns" and ok["regions"] == primary["regions"]
    wrong = cross_check(net, dict(primary, regions=primary["regions"] + 1), "milp")
    assert wrong["agree"] is False


def test_crosscheck_of_large_counts_and_of_stopped_checks():
    # Above patterns_below only counts are compared; a check stopped by its time limit is a
    # lower bound, which agrees when it does not exceed the count; a stopped count is skipped.
    net = _net()
    primary = count_regions(net, -1, 1, method="lp").to_dict()
    counts = cross_check(net, primary, "brute", patterns_below=0)
    assert counts["compared"] == "counts" and counts["agree"]
    stopped = cross_check(net, primary, "milp", time_limit=1e-9, patterns_below=0)
    assert not stopped["complete"] and stopped["compared"] == "lower bound" and stopped["agree"]
    assert cross_check(net, dict(primary, complete=False, status="time_limit"), "milp")["agree"] is None
    with pytest.raises(ValueError, match="method of the count itself"):
        cross_check(net, primary, "lp")
