"""The tornado swings each parameter over its plausible range and shows the top fifteen."""

from __future__ import annotations

import json

import pandas as pd

from afsim.studies import tornado
from afsim.world.parameters import parameter_specs
from conftest import SCENARIOS, result_dir


def test_tornado_swings_plausible_ranges_keeps_all_and_prints_the_top_fifteen(invoke, tmp_path):
    out = invoke("tornado", SCENARIOS / "intel_sharing.yaml", "-n", 10, "--out", tmp_path / "t", "-q")
    assert out.exit_code == 0, out.output
    folder = result_dir(tmp_path / "t")
    table = pd.read_csv(folder / "tornado.csv")
    specs = {s.path: s for s in parameter_specs()}
    assert set(table["parameter"]) == set(specs)  # the CSV keeps every parameter
    for _, row in table.iterrows():
        s = specs[row["parameter"]]
        assert (row["low"], row["high"]) == s.plausible and row["range_reason"] == s.plausible_reason
    narrowed = [p for p, s in specs.items() if s.plausible != (s.lo, s.hi)]
    assert narrowed  # plausible ranges are not the valid ones
    printed = [line for line in out.stdout.splitlines() if line.split() and line.split()[0] in specs]
    assert len(printed) == tornado.TOP == 15
    assert f"{len(specs) - 15} more in tornado.csv" in out.stdout
    assert "plausible" in json.loads((folder / "manifest.json").read_text())["range"]
