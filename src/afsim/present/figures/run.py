"""Figures of a paired run: effects with CIs, monthly series, killed per target, several runs side by side."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from afsim.model.outcomes import OUTCOMES
from afsim.present.figures.style import (
    BASELINE_COLOUR,
    BETTER_COLOUR,
    EFFECT_COLOUR,
    SCENARIO_COLOUR,
    WORSE_COLOUR,
    finish,
    outcome_unit,
    pyplot,
    symlog_percent,
    with_unit,
)
from afsim.present.provenance import arm_names, caption, scenario_name
from afsim.present.tables import format_number

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

# Monthly series shown in the series figure: variable -> (panel title, unit).  Flows (counts and
# costs per month) are drawn as running totals: a month's count of rare attacks is mostly 0 or 1,
# while the running total reads directly against the whole-horizon outcomes in the comparison.
SERIES_PANELS: dict[str, tuple[str, str]] = {
    "killed_russia": ("Killed in Russia, running total", "people"),
    "killed_iran": ("Killed in Iran, running total", "people"),
    "killed_afghanistan": ("Killed in Afghanistan, running total", "people"),
    "killed_pakistan": ("Killed in Pakistan, running total", "people"),
    "attacks_russia": ("Attacks on Russia, running total", "attacks"),
    "attacks_iran": ("Attacks on Iran, running total", "attacks"),
    "foiled_us": ("Plots foiled by a US warning, running total", "plots"),
    "us_cost": ("US programme cost, running total", "US$ million"),
    "isisk_strength": ("ISIS-K strength", "fighters"),
    "taliban_ct_capacity": ("Taliban CT capacity", "index 0-1"),
    "trust_us_russia": ("US-Russia trust", "index 0-1"),
    "trust_us_iran": ("US-Iran trust", "index 0-1"),
}
FLOWS = ("killed_russia", "killed_iran", "killed_afghanistan", "killed_pakistan", "attacks_russia", "attacks_iran",
         "foiled_us", "us_cost")
KILLED_TARGETS = ("killed_russia", "killed_iran", "killed_afghanistan", "killed_pakistan", "killed_west",
                  "killed_total")


def monthly_bands(result_set: dict[str, Any], variable: str, *, cumulative: bool = False) -> pd.DataFrame:
    """Per arm and month: mean and 5/25/75/95% quantiles of a series variable (or of its running total).

    Computed from the full series when it was stored, else read from the stored summary.  A
    summary holds quantiles of single months only, so running totals from a summary have their
    mean (exact: a sum of means) and no quantiles (NaN).
    """
    import pandas as pd

    columns = ["arm", "month", "mean", "q05", "q25", "q75", "q95"]
    if "series" in result_set:
        frame = result_set["series"][["arm", "replication", "month", variable]].astype({"arm": str})
        if cumulative:
            frame = frame.sort_values(["arm", "replication", "month"])
            frame[variable] = frame.groupby(["arm", "replication"])[variable].cumsum()
        grouped = frame.groupby(["arm", "month"])[variable]
        out = grouped.mean().rename("mean").to_frame()
        quantiles = grouped.quantile([0.05, 0.25, 0.75, 0.95]).unstack()
        quantiles.columns = ["q05", "q25", "q75", "q95"]
        out = out.join(quantiles).reset_index()
    elif "series_summary" in result_set:
        summary = result_set["series_summary"]
        out = summary[summary["variable"].astype(str) == variable][columns].astype({"arm": str})
        out = out.sort_values(["arm", "month"]).reset_index(drop=True)
        if cumulative:
            out["mean"] = out.groupby("arm")["mean"].cumsum()
            out[["q05", "q25", "q75", "q95"]] = np.nan
    else:
        return pd.DataFrame(columns=columns)
    return out[columns].sort_values(["arm", "month"]).reset_index(drop=True)


def _series_variables(result_set: dict[str, Any]) -> list[str]:
    if "series" in result_set:
        present = set(result_set["series"].columns)
    elif "series_summary" in result_set:
        present = set(result_set["series_summary"]["variable"].astype(str).unique())
    else:
        present = set()
    return [v for v in SERIES_PANELS if v in present]


def _policy_months(manifest: dict[str, Any]) -> list[int]:
    months = set()
    for arm in ("scenario", "baseline"):
        for lever in (manifest.get("levers") or {}).get(arm, []):
            months.update(m for m in (lever.get("from_month"), lever.get("until_month")) if m)
        for event in (manifest.get("events") or {}).get(arm, []):
            months.add(event["month"])
    return sorted(months)


def series_figure(result_set: dict[str, Any]) -> Figure | None:
    """Headline monthly series, baseline vs scenario: mean line with 50% and 90% bands.

    Returns None when the run stored no series (``--series none``).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    variables = _series_variables(result_set)
    if not variables:
        return None
    plt = pyplot()
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    colours = {"scenario": SCENARIO_COLOUR, "baseline": BASELINE_COLOUR}
    cols = 4
    rows = -(-len(variables) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(16, 3.3 * rows + 1.6), squeeze=False)
    fig.set_label("series")
    policy_months = _policy_months(manifest)
    for ax, variable in zip(axes.flat, variables, strict=False):
        title, unit = SERIES_PANELS[variable]
        bands = monthly_bands(result_set, variable, cumulative=variable in FLOWS)
        for arm in ("scenario", "baseline"):  # baseline on top, dashed: visible where the arms agree
            b = bands[bands["arm"] == arm]
            if b.empty:
                continue
            month = b["month"].to_numpy()
            colour = colours[arm]
            if b["q05"].notna().any():
                ax.fill_between(month, b["q05"], b["q95"], color=colour, alpha=0.10, linewidth=0)
                ax.fill_between(month, b["q25"], b["q75"], color=colour, alpha=0.22, linewidth=0)
            ax.plot(month, b["mean"].to_numpy(), color=colour, linewidth=1.6, label=names[arm], gid=arm,
                    linestyle="--" if arm == "baseline" else "-")
        for m in policy_months:
            ax.axvline(m, color="#888888", linestyle=":", linewidth=1)
        ax.set_gid(variable)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("month")
        ax.set_ylabel(unit)
        ax.margins(x=0)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(variables):]:
        ax.remove()
    handles = [
        Line2D([], [], color=SCENARIO_COLOUR, linewidth=1.6, label=f"{names['scenario']} (mean)"),
        Line2D([], [], color=BASELINE_COLOUR, linewidth=1.6, linestyle="--", label=f"{names['baseline']} (mean)"),
        Patch(color="#777777", alpha=0.4, label="50% of replications"),
        Patch(color="#777777", alpha=0.15, label="90% of replications"),
    ]
    if policy_months:
        handles.append(Line2D([], [], color="#888888", linestyle=":", label="lever or event starts/ends"))
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), bbox_to_anchor=(0.5, 0.955),
               frameon=False, fontsize=9)
    n = manifest.get("replications_done") or manifest.get("replications")
    if "series" in result_set:
        source, note = "full series", ""
    else:
        source = "stored per-month summary"
        note = ("Running totals show means only: a per-month summary has no quantiles of running totals "
                "(store them with --series full).")
    return finish(fig, f"{names['scenario']} vs {names['baseline']}: monthly series "
                   f"({n} paired replications, {source})", caption(result_set, note), top_legend=True)


def relative_effects(comparison: pd.DataFrame, outcomes: Iterable[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Paired effects in % of the baseline mean, with CI; and the outcomes that cannot be scaled.

    Outcomes have different units, so they share an axis only as relative effects.  An outcome
    whose baseline mean is 0 or missing has no relative effect; it is returned in the second list.
    """
    frame = comparison.copy()
    if outcomes is None:
        frame = frame[[bool(OUTCOMES[o].headline) if o in OUTCOMES else True for o in frame["outcome"]]]
    else:
        wanted = list(outcomes)
        frame = frame[frame["outcome"].isin(wanted)]
        frame = frame.set_index("outcome").loc[[o for o in wanted if o in set(frame["outcome"])]].reset_index()
    base = frame["baseline_mean"].astype(float)
    ok = base.notna() & (base != 0) & np.isfinite(base)
    skipped = frame.loc[~ok, "outcome"].tolist()
    frame = frame[ok].copy()
    scale = 100.0 / frame["baseline_mean"].abs()
    frame["relative"] = frame["difference"] * scale
    frame["relative_lo"] = frame["ci_low"] * scale
    frame["relative_hi"] = frame["ci_high"] * scale
    return frame.reset_index(drop=True), skipped


def verdict(row: Any) -> str:
    """'better', 'worse' or '' when the CI excludes zero in the outcome's better direction."""
    better = row.get("better")
    lo, hi = row["ci_low"], row["ci_high"]
    if not isinstance(better, str) or math.isnan(lo) or math.isnan(hi):
        return ""
    if lo > 0 or hi < 0:
        up = lo > 0
        return "better" if up == (better == "higher") else "worse"
    return ""


def _errorbar_xerr(frame: pd.DataFrame) -> Any:
    x = frame["relative"].to_numpy(float)
    lo = np.nan_to_num(x - frame["relative_lo"].to_numpy(float))
    hi = np.nan_to_num(frame["relative_hi"].to_numpy(float) - x)
    return np.vstack([np.clip(lo, 0, None), np.clip(hi, 0, None)])


def forest_figure(result_set: dict[str, Any], outcomes: Iterable[str] | None = None) -> Figure:
    """Paired effects of the headline outcomes, in % of baseline, with 95% CIs and absolute values."""
    from matplotlib.transforms import blended_transform_factory

    plt = pyplot()
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    frame, skipped = relative_effects(result_set["comparison"], outcomes)
    fig, ax = plt.subplots(figsize=(13, 0.42 * max(len(frame), 3) + 2.4))
    fig.set_label("effects")
    y = np.arange(len(frame))[::-1]
    ax.axvline(0, color="#555555", linewidth=1)
    bars = ax.errorbar(frame["relative"].to_numpy(float), y, xerr=_errorbar_xerr(frame), fmt="o",
                       color=EFFECT_COLOUR, ecolor=EFFECT_COLOUR, capsize=3, markersize=5,
                       label=f"{names['scenario']} vs {names['baseline']}")
    bars.lines[0].set_gid("effects")
    ax.set_yticks(y, [f"{o} ({u})" for o, u in zip(frame["outcome"], frame["unit"], strict=True)])
    symlog_percent(ax)
    ax.margins(x=0.06)
    ax.set_xlabel(f"paired effect, {names['scenario']} − {names['baseline']}, in % of the baseline mean "
                  "(95% CI; symmetric log scale)")
    ax.set_ylim(-0.7, len(frame) - 0.3)
    ax.grid(axis="x", alpha=0.3)
    text_at = blended_transform_factory(ax.transAxes, ax.transData)
    ax.text(1.02, len(frame) - 0.45, "difference [95% CI]   baseline → scenario", transform=text_at,
            fontsize=8, fontweight="bold", va="bottom")
    for yi, (_, row) in zip(y, frame.iterrows(), strict=True):
        judged = verdict(row)
        colour = {"better": BETTER_COLOUR, "worse": WORSE_COLOUR}.get(judged, "#333333")
        f = format_number
        label = (f"{f(row['difference'])} [{f(row['ci_low'])}, {f(row['ci_high'])}]   "
                 f"{f(row['baseline_mean'])} → {f(row['scenario_mean'])}" + (f"  ({judged})" if judged else ""))
        ax.text(1.02, yi, label, transform=text_at, fontsize=8, va="center", color=colour)
    ax.legend(loc="lower left", fontsize=9, title=f"scenario: {names['scenario']}; baseline: {names['baseline']}",
              title_fontsize=8)
    extra = ("Not shown (baseline mean 0 or undefined, so no relative effect): " + ", ".join(skipped) + "."
             if skipped else "")
    n = manifest.get("replications_done") or manifest.get("replications")
    fig = finish(fig, f"Effects of {names['scenario']} vs {names['baseline']} ({n} paired replications)",
                  caption(result_set, extra))
    fig.subplots_adjust(right=0.62)
    return fig


def killed_distribution_figure(result_set: dict[str, Any]) -> Figure:
    """Distributions over replications of the total killed per target, baseline vs scenario."""
    plt = pyplot()
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    reps = result_set["replications"]
    arms = {arm: reps[reps["arm"].astype(str) == arm] for arm in ("baseline", "scenario")}
    targets = [t for t in KILLED_TARGETS if t in reps.columns]
    cols = 3
    rows = -(-len(targets) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(15, 3.6 * rows + 1.4), squeeze=False)
    fig.set_label("killed_distributions")
    for ax, outcome in zip(axes.flat, targets, strict=False):
        values = {arm: frame[outcome].dropna().to_numpy(float) for arm, frame in arms.items()}
        both = np.concatenate(list(values.values()))
        bins = np.histogram_bin_edges(both, bins=30) if both.size else 10
        for arm, colour in (("baseline", BASELINE_COLOUR), ("scenario", SCENARIO_COLOUR)):
            v = values[arm]
            ax.hist(v, bins=bins, histtype="stepfilled", alpha=0.25, color=colour)
            ax.hist(v, bins=bins, histtype="step", color=colour, linewidth=1.3, label=names[arm])
            if v.size:
                ax.axvline(v.mean(), color=colour, linestyle="--", linewidth=1.2, gid=f"{arm}_mean",
                           label=f"{names[arm]} mean {format_number(v.mean())}")
        ax.set_gid(outcome)
        target = outcome.removeprefix("killed_")
        ax.set_title("Killed, all targets" if target == "total" else f"Killed in {target.capitalize()}",
                     fontsize=10)
        ax.set_xlabel(with_unit(f"{outcome}, whole horizon", outcome_unit(outcome)))
        ax.set_ylabel("replications")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(targets):]:
        ax.remove()
    n = manifest.get("replications_done") or manifest.get("replications")
    return finish(fig, f"Killed per target over {manifest.get('horizon_months', '?')} months: "
                   f"{names['scenario']} vs {names['baseline']} ({n} replications each)", caption(result_set))


def compare_runs_figure(result_sets: Sequence[dict[str, Any]], outcomes: Iterable[str] | None = None) -> Figure:
    """Relative effects of several paired runs side by side, one marker and colour per run."""
    plt = pyplot()
    per_run = [relative_effects(rs["comparison"], outcomes) for rs in result_sets]
    shown = [o for o in (list(outcomes) if outcomes is not None else OUTCOMES)
             if any(o in set(frame["outcome"]) for frame, _ in per_run)]
    fig, ax = plt.subplots(figsize=(12, 0.5 * max(len(shown), 3) + 0.25 * len(result_sets) + 2.6))
    fig.set_label("compare_effects")
    ax.axvline(0, color="#555555", linewidth=1)
    markers = "osD^vP*X"
    colours = plt.get_cmap("tab10").colors
    spread = 0.7 / max(len(result_sets), 1)
    base_y = {o: len(shown) - 1 - i for i, o in enumerate(shown)}
    for i, (rs, (frame, _)) in enumerate(zip(result_sets, per_run, strict=True)):
        names = arm_names(rs["manifest"])
        frame = frame[frame["outcome"].isin(shown)]
        offset = (i - (len(result_sets) - 1) / 2) * spread
        y = np.array([base_y[o] for o in frame["outcome"]]) - offset
        bars = ax.errorbar(frame["relative"].to_numpy(float), y, xerr=_errorbar_xerr(frame),
                           fmt=markers[i % len(markers)], color=colours[i % len(colours)], capsize=2.5, markersize=5,
                           label=f"{names['scenario']} vs {names['baseline']}")
        bars.lines[0].set_gid(f"run{i}")
    ax.set_yticks([base_y[o] for o in shown], [with_unit(o, outcome_unit(o)) for o in shown])
    for y in range(len(shown) - 1):
        ax.axhline(y + 0.5, color="#dddddd", linewidth=0.6)
    symlog_percent(ax)
    ax.set_xlabel("paired effect, scenario − its baseline, in % of the baseline mean (95% CI; symmetric log scale)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, title="scenario vs baseline")
    skipped = sorted({o for _, s in per_run for o in s})
    parts = []
    for rs in result_sets:
        text = caption({**rs, "kind": "paired-run"})
        parts.append(f"{scenario_name(rs['manifest'])}: {text.removeprefix('Changed: ')}")
    extra = (" Not shown (baseline mean 0 or undefined): " + ", ".join(skipped) + ".") if skipped else ""
    return finish(fig, f"Effects side by side: {len(result_sets)} paired runs",
                   "Changed — " + " | ".join(parts) + "." + extra)
