"""The shipped plausible-worlds ensemble (src/afsim/data/ensemble/): its size, its worlds, its guard, its prefix."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from afsim.errors import InputError
from afsim.studies import calibrate as cal
from afsim.studies import ensemble as worlds
from afsim.world.beliefs import readings
from afsim.world.parameters import spec

RECORDED = json.loads((worlds.SHIPPED / "design.json").read_text(encoding="utf-8"))
DESIGN = worlds.Design(**{k: RECORDED["design"][k] for k in ("seed", "samples", "replications",
                                                             "mechanism_replications", "cutoff", "mechanism_cutoff",
                                                             "accepted", "block")},
                       strata=tuple(RECORDED["design"]["strata"]))


def test_every_stratum_ships_at_least_200_plausible_worlds():
    assert worlds.strata() == cal.strata()
    for stratum in worlds.strata():
        frame = worlds.load_ensemble(stratum)
        assert len(frame) >= 200, stratum
        assert list(frame.columns) == ["world", *cal.sampled_parameters()]
        assert frame.world.is_unique and (frame.world >= 0).all()
        for path in cal.sampled_parameters():
            low, high = spec(path).plausible
            assert frame[path].between(low, high).all(), (stratum, path)
        sides = readings()[stratum].overrides() if stratum != "default" else {}
        for path, value in sides.items():  # a reading's worlds take its sides' values
            assert (frame[path] == value).all(), (stratum, path)


def test_the_design_and_its_outcome_are_recorded():
    design, summary = RECORDED["design"], RECORDED["summary"]
    assert design["seed"] == DESIGN.seed and design["parameters"] == list(cal.sampled_parameters())
    assert design["patterns"] == cal.pattern_columns()
    for stratum in design["strata"]:
        counts = summary["strata"][stratum]
        assert counts["accepted"] == len(worlds.load_ensemble(stratum)) and 0 < counts["rate"] < 1
    # the patterns constrain something: some pattern rejects a real share of the samples
    assert max(max(r.values()) / summary["strata"][s]["samples"] for s, r in summary["rejected_by"].items()) > 0.2
    assert summary["seconds"] > 0


def test_a_prefix_of_the_shipped_ensemble_regenerates_exactly():
    first = 300
    unit = cal.hypercube(DESIGN.samples, DESIGN.seed)
    for stratum in ("default", "haven"):
        samples = cal.stratum_values(unit, stratum)[:first]
        reproduced, _, _ = worlds.judge(DESIGN, samples, 0, workers=1)
        shipped = worlds.load_ensemble(stratum)
        shipped = shipped[shipped.world < first]
        assert np.flatnonzero(worlds.accepted_of(reproduced)).tolist() == shipped.world.tolist()
        assert np.array_equal(samples[shipped.world], shipped[list(cal.sampled_parameters())].to_numpy())


def test_a_stale_ensemble_is_refused_with_the_command_that_regenerates_it(tmp_path, monkeypatch):
    copy = tmp_path / "ensemble"
    shutil.copytree(worlds.SHIPPED, copy)
    recorded = json.loads((copy / "design.json").read_text(encoding="utf-8"))
    recorded["fingerprint"]["patterns.yaml"] = "0" * 16
    (copy / "design.json").write_text(json.dumps(recorded), encoding="utf-8")
    with pytest.raises(InputError) as err:
        worlds.load_ensemble(path=copy)
    assert "patterns.yaml changed" in str(err.value) and "afsim calibrate --ship" in str(err.value)
    fresh = worlds.fingerprint()
    monkeypatch.setattr(worlds, "fingerprint", lambda: {**fresh, "model source": "edited"})
    with pytest.raises(InputError, match="the ensemble is stale: model source changed"):
        worlds.load_ensemble()
    with pytest.raises(InputError, match="no ensemble here"):
        worlds.load_ensemble(path=tmp_path)


def test_an_unknown_stratum_is_named():
    with pytest.raises(InputError) as err:
        worlds.load_ensemble("kremlin_hawks")
    assert err.value.hint == "kremlin_hawk"
