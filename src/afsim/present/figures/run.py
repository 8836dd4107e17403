"""Figures of a paired run: effects with CIs, monthly series, killed per target, several runs side by side."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from afsim.model.outcomes import OUTCOMES
from afsim.present.figures.style import (
    BASELINE_COLOUR,
    BETTER_COLOUR,
    EFFECT_COLOUR,
    JUDGED_MARKER,
    NEGLIGIBLE_SHARE,
    NEUTRAL_COLOUR,
    OKABE_ITO,
    SCENARIO_COLOUR,
    WORSE_COLOUR,
    finish,
    judge_effect,
    outcome_label,
    outcome_unit,
    percent,
    pyplot,
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


def _paired_monthly_difference(result_set: dict[str, Any], variable: str, cumulative: bool) -> pd.DataFrame:
    """Per month: mean paired difference (scenario − baseline, replication by replication) and its 95% t CI.

    From the full series; from a stored summary only the difference of the means (no interval).
    """
    import pandas as pd
    from scipy import stats

    bands = monthly_bands(result_set, variable, cumulative=cumulative)
    if "series" not in result_set:
        wide = bands.pivot(index="month", columns="arm", values="mean")
        diff = (wide.get("scenario") - wide.get("baseline")) if {"scenario", "baseline"} <= set(wide) else None
        if diff is None:
            return pd.DataFrame(columns=["month", "mean", "lo", "hi"])
        return pd.DataFrame({"month": wide.index, "mean": diff.to_numpy(), "lo": np.nan, "hi": np.nan})
    frame = result_set["series"][["arm", "replication", "month", variable]].astype({"arm": str})
    wide = frame.pivot_table(index=["replication", "month"], columns="arm", values=variable).dropna()
    wide = wide.reset_index().sort_values(["replication", "month"])
    wide["d"] = wide["scenario"] - wide["baseline"]
    if cumulative:
        wide["d"] = wide.groupby("replication")["d"].cumsum()
    grouped = wide.groupby("month")["d"]
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    return pd.DataFrame({"month": mean.index, "mean": mean.to_numpy(), "lo": (mean - half).to_numpy(),
                         "hi": (mean + half).to_numpy()})


def series_figure(result_set: dict[str, Any]) -> Figure | None:
    """Headline monthly series: each arm's mean (scenario with its 50%/90% bands, baseline dashed with its
    90% range as dotted lines, so no two bands blend), and below each a panel of the paired difference
    with its 95% CI, where a small effect that the levels hide is visible.

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
    cols = 4
    rows = -(-len(variables) // cols)
    fig = plt.figure(figsize=(17, 4.6 * rows + 1.8))
    fig.set_label("series")
    grid = fig.add_gridspec(rows, cols, hspace=0.35)
    policy_months = _policy_months(manifest)
    for k, variable in enumerate(variables):
        pair = grid[divmod(k, cols)].subgridspec(2, 1, height_ratios=[2.2, 1], hspace=0.08)
        ax = fig.add_subplot(pair[0])
        ax_diff = fig.add_subplot(pair[1], sharex=ax)
        title, unit = SERIES_PANELS[variable]
        flow = variable in FLOWS
        bands = monthly_bands(result_set, variable, cumulative=flow)
        for arm in ("scenario", "baseline"):
            b = bands[bands["arm"] == arm]
            if b.empty:
                continue
            month = b["month"].to_numpy()
            if arm == "scenario":
                if b["q05"].notna().any():
                    ax.fill_between(month, b["q05"], b["q95"], color=SCENARIO_COLOUR, alpha=0.12, linewidth=0)
                    ax.fill_between(month, b["q25"], b["q75"], color=SCENARIO_COLOUR, alpha=0.28, linewidth=0)
                ax.plot(month, b["mean"].to_numpy(), color=SCENARIO_COLOUR, linewidth=1.6, label=names[arm], gid=arm)
            else:
                if b["q05"].notna().any():
                    for q in ("q05", "q95"):
                        ax.plot(month, b[q].to_numpy(), color=BASELINE_COLOUR, linewidth=0.8, linestyle=":")
                ax.plot(month, b["mean"].to_numpy(), color=BASELINE_COLOUR, linewidth=1.4, linestyle="--",
                        label=names[arm], gid=arm)
        diff = _paired_monthly_difference(result_set, variable, flow)
        if len(diff):
            if diff["lo"].notna().any():
                ax_diff.fill_between(diff["month"], diff["lo"], diff["hi"], color=EFFECT_COLOUR, alpha=0.25,
                                     linewidth=0)
            ax_diff.plot(diff["month"], diff["mean"], color=EFFECT_COLOUR, linewidth=1.3, gid="difference")
        ax_diff.axhline(0, color="#555555", linewidth=0.8)
        for a in (ax, ax_diff):
            for m in policy_months:
                a.axvline(m, color="#888888", linestyle=":", linewidth=1)
            a.grid(alpha=0.3)
            a.margins(x=0)
        ax.set_gid(variable)
        ax_diff.set_gid(f"{variable}:difference")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit)
        ax.tick_params(labelbottom=False)
        ax_diff.set_ylabel(f"difference ({unit})", fontsize=8)
        ax_diff.set_xlabel("month")
    n = manifest.get("replications_done") or manifest.get("replications")
    full = "series" in result_set
    handles = [
        Line2D([], [], color=SCENARIO_COLOUR, linewidth=1.6, label=f"{names['scenario']} (mean)"),
        Patch(facecolor=SCENARIO_COLOUR, alpha=0.28 + 0.12, linewidth=0, label=f"{names['scenario']}: middle 50%"),
        Patch(facecolor=SCENARIO_COLOUR, alpha=0.12, linewidth=0, label=f"{names['scenario']}: middle 90%"),
        Line2D([], [], color=BASELINE_COLOUR, linewidth=1.4, linestyle="--", label=f"{names['baseline']} (mean)"),
        Line2D([], [], color=BASELINE_COLOUR, linewidth=0.8, linestyle=":", label=f"{names['baseline']}: middle 90%"),
        Line2D([], [], color=EFFECT_COLOUR, linewidth=1.3,
               label="paired difference" + (" (95% CI shaded)" if full else " of the means")),
    ]
    if policy_months:
        handles.append(Line2D([], [], color="#888888", linestyle=":", label="lever or event starts/ends"))
    fig.legend(handles=handles, loc="upper center", ncol=4, bbox_to_anchor=(0.5, 0.965), frameon=False, fontsize=9)
    if full:
        source, note = "full series", ""
    else:
        source = "stored per-month summary"
        note = ("Running totals show means only: a per-month summary has no quantiles of running totals "
                "(store them with --series full).")
    return finish(fig, f"{names['scenario']} vs {names['baseline']}: monthly series "
                  f"({n} paired replications, {source})", caption(result_set, note), top_legend=True)


def verdict(row: Any) -> str:
    """'better', 'worse', 'negligible' or '' for a comparison row (see :func:`judge_effect`)."""
    return judge_effect(row.get("better"), float(row["difference"]), float(row["ci_low"]), float(row["ci_high"]),
                        float(row["baseline_mean"]))


def headline_rows(comparison: pd.DataFrame, outcomes: Iterable[str] | None = None) -> pd.DataFrame:
    """The comparison rows to draw: the headline outcomes, or the given ones in the given order."""
    if outcomes is None:
        return comparison[[bool(OUTCOMES[o].headline) if o in OUTCOMES else True
                           for o in comparison["outcome"]]].reset_index(drop=True)
    wanted = [o for o in outcomes if o in set(comparison["outcome"])]
    return comparison.set_index("outcome").loc[wanted].reset_index()


def _percent(row: Any) -> str:
    base = float(row["baseline_mean"])
    if not base or base != base:
        return ""
    return f"{percent(float(row['difference']) / abs(base))} of baseline"


def effect_rows_figure(series: Sequence[tuple[str, pd.DataFrame]], title: str, caption_text: str, *,
                       legend_title: str, annotate: bool) -> Figure:
    """One panel per outcome, each on its own axis in the outcome's units, symmetric about zero and wide
    enough for every interval (nothing clipped).  One series (a run): one row per outcome, the marker's
    colour and shape its judgement.  Several (runs, readings): a grid of panels with one line per series,
    colour naming the series, shape the judgement."""
    from matplotlib.lines import Line2D

    plt = pyplot()
    shown = list(dict.fromkeys(o for _, frame in series for o in frame["outcome"]))
    single = len(series) == 1
    cols = 1 if single else min(4, max(len(shown), 1))
    rows = -(-max(len(shown), 1) // cols)
    panel = 0.9 if single else 0.17 * len(series) + 0.9
    fig, axes = plt.subplots(rows, cols, figsize=(14 if single else 4.2 * cols + 1.5, panel * rows + 2.8),
                             squeeze=False, sharey=not single)
    colours = OKABE_ITO
    for ax, outcome in zip(axes.flat, shown, strict=False):
        reach = 0.0
        for i, (name, frame) in enumerate(series):
            rows_of = frame[frame["outcome"] == outcome]
            if rows_of.empty:
                continue
            row = rows_of.iloc[0]
            d, lo, hi = (float(row[k]) for k in ("difference", "ci_low", "ci_high"))
            reach = max(reach, *(abs(v) for v in (d, lo, hi) if v == v))
            judged = verdict(row)
            colour = ({"better": BETTER_COLOUR, "worse": WORSE_COLOUR}.get(judged, NEUTRAL_COLOUR) if single
                      else colours[i % len(colours)])
            xerr = [[max(d - lo, 0) if lo == lo else 0], [max(hi - d, 0) if hi == hi else 0]]
            bars = ax.errorbar([d], [-i], xerr=xerr, fmt=JUDGED_MARKER[judged], color=colour, capsize=2.5,
                               markersize=6 if single else 5, label=name,
                               markerfacecolor=colour if single or i < len(colours) else "white")
            bars.lines[0].set_gid(f"series{i}")
            if annotate:
                f = format_number
                note = f"{f(d)} [{f(lo)}, {f(hi)}]  {_percent(row)}" + (f"  ({judged})" if judged else "")
                ax.annotate(note, (1.01, 0.5), xycoords="axes fraction", fontsize=8, va="center", color=colour)
        reach = reach * 1.15 or 1.0
        ax.set_xlim(-reach, reach)
        ax.set_ylim(-len(series) + 0.4, 0.6)
        ax.axvline(0, color="#555555", linewidth=1)
        ax.set_gid(outcome)
        label = with_unit(outcome_label(outcome), outcome_unit(outcome))
        if single:
            ax.set_yticks([])
            ax.set_ylabel(textwrap.fill(label, 40), rotation=0, ha="right", va="center", fontsize=9)
        else:
            ax.set_title(textwrap.fill(label, 44), fontsize=8)
            ax.set_yticks(-np.arange(len(series)), [name for name, _ in series], fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel(f"effect ({outcome_unit(outcome) or 'units of the outcome'})", fontsize=7, labelpad=1)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(shown):]:
        ax.remove()
    last = list(axes.flat)[len(shown) - 1] if shown else axes.flat[0]
    if single:
        last.set_xlabel("paired effect (scenario − baseline) in each outcome's own unit, 95% CI; each row has its own "
                        "scale, symmetric about zero", fontsize=9)
    judged_handles = [
        Line2D([], [], color=BETTER_COLOUR if single else "#333333", marker="o", linestyle="none",
               label="better (CI excludes 0)"),
        Line2D([], [], color=WORSE_COLOUR if single else "#333333", marker="X", linestyle="none",
               label="worse (CI excludes 0)"),
        Line2D([], [], color=NEUTRAL_COLOUR if single else "#333333", marker="s", linestyle="none",
               label=f"negligible (within ±{NEGLIGIBLE_SHARE:.0%} of baseline)"),
        Line2D([], [], color=NEUTRAL_COLOUR if single else "#333333", marker="D", linestyle="none",
               label="uncertain or no direction")]
    handles = judged_handles if single else [
        *(Line2D([], [], color=colours[i % len(colours)], marker="o", linestyle="none", label=name,
                 markerfacecolor=colours[i % len(colours)] if i < len(colours) else "white")
          for i, (name, _) in enumerate(series)), *judged_handles]
    height = fig.get_figheight()
    ncol = min(len(handles), 7)
    legend_rows = -(-len(handles) // ncol)
    fig.legend(handles=handles, loc="upper center", ncol=ncol, bbox_to_anchor=(0.5, 1 - 0.5 / height),
               frameon=False, fontsize=8, title=legend_title, title_fontsize=8)
    fig = finish(fig, title, caption_text, top_legend=True)
    longest = max((len(name) for name, _ in series), default=10)
    fig.subplots_adjust(left=0.27 if single else min(0.35, (0.3 + 0.06 * longest) / fig.get_figwidth()),
                        right=0.74 if annotate else 0.98,
                        top=1 - (0.95 + 0.2 * legend_rows + (0 if single else 0.3)) / height)
    return fig


def forest_figure(result_set: dict[str, Any], outcomes: Iterable[str] | None = None) -> Figure:
    """Paired effects of the headline outcomes in their own units, with 95% CIs, judged better/worse."""
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    rows = headline_rows(result_set["comparison"], outcomes)
    n = manifest.get("replications_done") or manifest.get("replications")
    fig = effect_rows_figure([(f"{names['scenario']} vs {names['baseline']}", rows)],
                             f"Effects of {names['scenario']} vs {names['baseline']} ({n} paired replications)",
                             caption(result_set), annotate=True,
                             legend_title=f"scenario: {names['scenario']}; baseline: {names['baseline']}")
    fig.set_label("effects")
    return fig


def paired_differences(result_set: dict[str, Any], outcome: str) -> np.ndarray:
    """Scenario − baseline per replication (common random numbers pair them by replication index)."""
    reps = result_set["replications"].astype({"arm": str})
    wide = reps.pivot_table(index="replication", columns="arm", values=outcome).dropna()
    return (wide["scenario"] - wide["baseline"]).to_numpy(float)


def killed_difference_figure(result_set: dict[str, Any]) -> Figure:
    """Histograms of the paired differences in total killed per target: what the comparison's CI summarises."""
    plt = pyplot()
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    reps = result_set["replications"]
    comparison = result_set["comparison"].set_index("outcome")
    targets = [t for t in KILLED_TARGETS if t in reps.columns]
    cols = 3
    rows = -(-len(targets) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(15, 3.6 * rows + 1.6), squeeze=False)
    fig.set_label("killed_differences")
    for ax, outcome in zip(axes.flat, targets, strict=False):
        diffs = paired_differences(result_set, outcome)
        ax.hist(diffs, bins=min(40, max(10, diffs.size // 10)), color=EFFECT_COLOUR, alpha=0.75, gid="differences")
        ax.axvline(0, color="#555555", linewidth=1)
        if diffs.size:
            mean = float(diffs.mean())
            ax.axvline(mean, color=BASELINE_COLOUR, linestyle="--", linewidth=1.4, gid="mean",
                       label=f"mean {format_number(mean)}")
            if outcome in comparison.index:
                row = comparison.loc[outcome]
                ax.axvspan(float(row["ci_low"]), float(row["ci_high"]), color=OKABE_ITO[1], alpha=0.35,
                           label=f"95% CI [{format_number(row['ci_low'])}, {format_number(row['ci_high'])}]")
            lower, higher = (diffs < 0).mean(), (diffs > 0).mean()
            ax.text(0.02, 0.95, f"fewer killed in {lower:.0%}\nmore in {higher:.0%}\nequal in {1 - lower - higher:.0%}",
                    transform=ax.transAxes, fontsize=8, va="top")
        ax.set_gid(outcome)
        ax.set_title(outcome_label(outcome), fontsize=10)
        ax.set_xlabel(f"difference, {names['scenario']} − {names['baseline']} ({outcome_unit(outcome)})")
        ax.set_ylabel("replications")
        ax.legend(fontsize=8, loc="upper right", title=f"{names['scenario']} − {names['baseline']}", title_fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(targets):]:
        ax.remove()
    n = manifest.get("replications_done") or manifest.get("replications")
    return finish(fig, f"Killed per target over {manifest.get('horizon_months', '?')} months: paired differences, "
                  f"{names['scenario']} − {names['baseline']} ({n} pairs)", caption(result_set))


def compare_runs_figure(result_sets: Sequence[dict[str, Any]], outcomes: Iterable[str] | None = None,
                        labels: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Effects of several paired runs side by side in each outcome's units, one marker and colour per run;
    ``labels`` name the runs in the legend (an across-beliefs set passes its readings)."""
    names = labels or [" vs ".join(arm_names(rs["manifest"]).values()) for rs in result_sets]
    series = [(name, headline_rows(rs["comparison"], outcomes)) for name, rs in zip(names, result_sets, strict=True)]
    parts = []
    for name, rs in zip(names, result_sets, strict=True):
        text = caption({**rs, "kind": "paired-run"})
        parts.append(f"{name}: {text.removeprefix('Changed: ')}")
    fig = effect_rows_figure(series, title or f"Effects side by side: {len(result_sets)} paired runs",
                             "Changed — " + " | ".join(parts) + ".", annotate=False,
                             legend_title="each run: scenario − its baseline; panels in each outcome's units, "
                                          "symmetric about zero; 95% CIs")
    fig.set_label("compare_effects")
    return fig


def effects_by_reading_figure(result_set: dict[str, Any]) -> Figure:
    """An across-beliefs set's runs side by side, named by the reading each was made under."""
    runs = result_set["runs"]
    names = [str(run["manifest"].get("beliefs") or "default") for run in runs]
    scenario = scenario_name(runs[0]["manifest"]) if runs else "scenario"
    return compare_runs_figure(runs, labels=names, title=f"{scenario}: effects under {len(runs)} readings of the "
                               "evidence")


SIDES_SHOWN = 3  # disputes whose sides are drawn next to the mixture: those whose sides differ most


def effects_by_side_figure(result_set: dict[str, Any]) -> Figure:
    """A credence ensemble: the mixture's effects next to the effects in the replications that drew each side
    of the disputes whose sides differ most."""
    import pandas as pd

    comparison = result_set["comparison"]
    shown = headline_rows(comparison)
    conditional = pd.DataFrame(result_set.get("conditional") or [])
    series = [("mixture (all replications)", shown)]
    if len(conditional):
        conditional = conditional[conditional["outcome"].isin(set(shown["outcome"]))]
        base = shown.set_index("outcome")
        spread = conditional.groupby(["dispute", "outcome"])["effect"].agg(lambda e: e.max() - e.min())
        relative = spread / base["baseline_mean"].abs().reindex(spread.index.get_level_values("outcome")).to_numpy()
        disputes = relative.groupby(level="dispute").max().sort_values(ascending=False).index[:SIDES_SHOWN]
        for dispute in disputes:
            for side, rows in conditional[conditional["dispute"] == dispute].groupby("side", sort=False):
                frame = rows.rename(columns={"effect": "difference"}).merge(
                    base[["baseline_mean", "better", "unit"]].reset_index(), on="outcome")
                series.append((f"{dispute} = {side} ({float(rows['credence'].iloc[0]):g})", frame))
    names = arm_names(result_set["manifest"])
    fig = effect_rows_figure(series, f"{names['scenario']} vs {names['baseline']}: credence-weighted mixture and "
                             "the disputes' sides", caption(result_set, "Each side: the replications that drew it."),
                             annotate=False, legend_title="scenario − baseline; panels in each outcome's units, "
                                                          "symmetric about zero; 95% CIs")
    fig.set_label("effects_by_side")
    return fig
