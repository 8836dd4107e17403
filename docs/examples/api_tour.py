# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # afsim from Python: run, compare readings, plot, explore
#
# A tour of the Python API (docs/api.md). Open it as a notebook with jupytext
# (`jupytext --to notebook docs/examples/api_tour.py`) or run it as a script from the repository
# root: `python docs/examples/api_tour.py`. CI runs it with few replications; raise
# `AFSIM_EXAMPLE_REPLICATIONS` for numbers worth reading.

# %%
import os

import numpy as np
import pandas as pd

import afsim

N = int(os.environ.get("AFSIM_EXAMPLE_REPLICATIONS", "20"))  # replications per arm
OUT = os.environ.get("AFSIM_EXAMPLE_OUT")  # None: each result set goes to a new temporary folder
pd.set_option("display.width", 120)
HEADLINE = ["killed_russia", "killed_iran", "attacks_total", "trust_us_russia_final"]

# %% [markdown]
# ## 1. Run a scenario against its baseline
#
# `afsim.run` runs the scenario and its baseline with common random numbers, exactly as
# `afsim run` does, and returns a `Result`: the paired comparison is `result.table`, a pandas
# DataFrame equal to the `comparison.csv` the CLI writes.

# %%
result = afsim.run("scenarios/intel_sharing.yaml", replications=N, seed=1, workers=1, out=OUT)
print(result)
result.table.set_index("outcome").loc[HEADLINE, ["unit", "baseline_mean", "difference", "ci_low", "ci_high"]]

# %% [markdown]
# ## 2. Compare readings of the evidence
#
# The sources disagree; a reading picks sides in their disputes (`afsim beliefs`). The same
# scenario under three readings, with the same seed:

# %%
effects = {}
for reading in ["default", "arms_accepted", "kremlin_hawk"]:
    run = afsim.run("scenarios/intel_sharing.yaml", replications=N, seed=1, beliefs=reading, workers=1, out=OUT)
    effects[reading] = run.table.set_index("outcome")["difference"]
by_reading = pd.DataFrame(effects).loc[HEADLINE]
print(by_reading.round(3))

# %% [markdown]
# ## 3. Plot
#
# `result.plot()` draws afsim's own figures (as `afsim plot`); `result.report()` writes the
# HTML report. The tables are plain pandas, so any plot of your own is a few lines:

# %%
figures = result.plot()
print("figures:", ", ".join(p.name for p in figures))
ax = by_reading.loc[["killed_russia", "killed_iran"]].T.plot.barh(figsize=(6, 3))
ax.axvline(0, color="grey", linewidth=0.8)
ax.set_xlabel("effect of intel sharing (people killed, scenario - baseline)")
ax.figure.tight_layout()

# %% [markdown]
# ## 4. An exploratory experiment, EMA-Workbench style
#
# Policy levers crossed with uncertainties: each uncertainty sample is a parameter setting for
# *both* arms (`set=`), each policy a scenario given as a mapping against the default world.
# The same loop drives afsim from EMA Workbench's `Model` with this function as its body.

# %%
POLICIES = {"duty_to_warn": "duty_to_warn", "routine": "routine"}
UNCERTAINTIES = {"russia.influence_weight": (0.2, 0.7), "taliban.warning_uptake": (0.2, 0.6)}
rng = np.random.default_rng(7)
samples = [{name: float(rng.uniform(lo, hi)) for name, (lo, hi) in UNCERTAINTIES.items()} for _ in range(3)]


def experiment(policy: str, world: dict[str, float]) -> float:
    """Effect on killed_russia of one policy in one sampled world (both arms share the world)."""
    scenario = {"name": f"sharing_{policy}", "horizon_months": 60, "replications": N, "seed": 3,
                "baseline": "default", "levers": [{"lever": "us.sharing.russia", "value": policy}]}
    return afsim.run(scenario, set=world, workers=1, out=OUT).table.set_index("outcome").loc["killed_russia",
                                                                                              "difference"]


rows = [{"policy": policy, **world, "killed_russia_effect": experiment(value, world)}
        for policy, value in POLICIES.items() for world in samples]
experiments = pd.DataFrame(rows)
print(experiments.round(3))

# %% [markdown]
# A policy is *robust* here if it does not raise Russian deaths in any sampled world
# (the default world's duty-to-warn is the baseline, so its effect is exactly 0).

# %%
for policy, group in experiments.groupby("policy"):
    share = float((group["killed_russia_effect"] <= 0).mean())
    print(f"{policy}: robust in {share:.0%} of {len(group)} sampled worlds")
