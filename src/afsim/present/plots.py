"""Plots of stored result sets: paired runs, sweeps and tornado analyses.

Plots read what a run wrote and never run a simulation, so a figure always shows the numbers
in the result set it names.  Each plot type has a function returning a matplotlib Figure (so
tests and the HTML report can use it in memory); :func:`plot_result_sets` draws everything an
analyst needs and writes the files.  Every figure carries a title, axis labels with units, a
legend naming the scenario and its baseline, and a caption naming what was changed or varied
and the source claims behind it — a figure lifted into a slide still says where it came from.

The Agg backend is forced before pyplot is imported: plotting must work on a server without a
display, and must not open windows.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from afsim.errors import InputError
from afsim.results.resultset import ResultSet

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

KINDS = ("paired-run", "sweep", "tornado", "argue", "across-beliefs")
FORMATS = ("png", "svg", "pdf")
READABLE_STATUS = ("complete", "partial")

SCENARIO_COLOUR = "#c0392b"
BASELINE_COLOUR = "#2c3e50"
EFFECT_COLOUR = "#1f77b4"
BETTER_COLOUR = "#1a7f37"
WORSE_COLOUR = "#b42318"

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
CLAIM_ID = re.compile(r"C\d{3}-[a-z0-9-]+")


# -- loading ------------------------------------------------------------------------------------

def detect(path: str | Path) -> str:
    """Which kind of result set a folder holds; refuses an unfinished one, so no plot shows half a run."""
    kind = ResultSet.kind_of(path)
    if kind not in KINDS:
        raise InputError(str(path), f"cannot plot a {kind} result set (expected one of {', '.join(KINDS)})")
    return kind


def load(path: str | Path) -> ResultSet:
    """Read a finished result set of a kind that can be plotted (see :class:`ResultSet`)."""
    detect(path)
    return ResultSet.load(path)


# -- provenance: what was changed, and which claims back it ------------------------------------

class Change(NamedTuple):
    """One thing a result set changed or varied, with the claims (or assumption) behind it."""

    kind: str  # "lever", "event", "parameter" or "varied"
    name: str
    arm: str  # "scenario", "baseline", "both" or "sweep"
    setting: str  # human-readable value, e.g. "routine from month 6"
    claims: tuple[str, ...]
    assumption: str | None = None


def _months(start: int | None, until: int | None) -> str:
    start = start or 0
    if until is None:
        return f"from month {start}" if start else "all months"
    return f"months {start}-{until - 1}"


def parameter_provenance(path: str) -> tuple[tuple[str, ...], str | None, Any]:
    from afsim.world.parameters import spec

    try:
        s = spec(path)
    except KeyError:
        return (), None, None
    return s.claims, s.assumption, s


def changes(manifest: dict[str, Any]) -> list[Change]:
    """Levers, events and parameters of a paired run that differ from the default world.

    Parameters set to the same value in both arms are listed once (arm 'both'): they shape the
    comparison without being what it is about.
    """
    from afsim.world.levers import EVENTS, LEVERS

    out: list[Change] = []
    settings: dict[str, list[Change]] = {}
    for arm in ("scenario", "baseline"):
        found = settings.setdefault(arm, [])
        for lever in (manifest.get("levers") or {}).get(arm, []):
            spec = LEVERS.get(lever["lever"])
            value = lever["value"]
            value = f"{value:g}" if isinstance(value, float) else str(value).lower()
            found.append(Change("lever", lever["lever"], arm,
                                f"{value} {_months(lever.get('from_month'), lever.get('until_month'))}",
                                spec.claims if spec else (), spec.assumption if spec else None))
        for event in (manifest.get("events") or {}).get(arm, []):
            meaning = EVENTS.get(event["event"], "")
            found.append(Change("event", event["event"], arm, f"month {event['month']}",
                                tuple(dict.fromkeys(CLAIM_ID.findall(meaning)))))
    # a setting both arms share is listed once, after what tells them apart
    key = lambda c: (c.kind, c.name, c.setting)  # noqa: E731
    shared = {key(c) for c in settings["scenario"]} & {key(c) for c in settings["baseline"]}
    out += [c for arm in ("scenario", "baseline") for c in settings[arm] if key(c) not in shared]
    out += [c._replace(arm="both") for c in settings["scenario"] if key(c) in shared]
    params = manifest.get("parameters") or {}
    scen, base = params.get("scenario") or {}, params.get("baseline") or {}
    for path in dict.fromkeys([*scen, *base]):
        claims, assumption, s = parameter_provenance(path)
        default = s.default if s is not None else None
        values = {arm: p.get(path) for arm, p in (("scenario", scen), ("baseline", base))}
        changed = {arm: v for arm, v in values.items() if v is not None and v != default}
        if not changed:
            continue
        unit = f" {s.unit}" if s is not None else ""
        shown = f" (default {default:g})" if default is not None else ""
        if len(changed) == 2 and values["scenario"] == values["baseline"]:
            out.append(Change("parameter", path, "both", f"{values['scenario']:g}{unit}{shown}", claims, assumption))
            continue
        for arm, value in changed.items():
            out.append(Change("parameter", path, arm, f"{value:g}{unit}{shown}", claims, assumption))
    return out


def varied(manifest: dict[str, Any]) -> list[Change]:
    """The parameters a sweep varied, with their ranges and the claims the sweep recorded."""
    out = []
    for v in manifest.get("vary") or []:
        claims, assumption, s = parameter_provenance(v["path"])
        unit = f" {s.unit}" if s is not None else ""
        if v.get("values"):
            setting = "values " + ", ".join(f"{x:g}" for x in v["values"]) + unit
        else:
            setting = f"{v.get('lo', float('nan')):g} to {v.get('hi', float('nan')):g}{unit}"
        if v.get("dummy"):
            setting += " (dummy: no effect by construction)"
        out.append(Change("varied", v["path"], "sweep", setting, tuple(v.get("claims") or claims), assumption))
    return out


def _claims_text(change: Change) -> str:
    if change.claims:
        return "[" + ", ".join(change.claims) + "]"
    return "[assumption]" if change.assumption else "[no claim]"


def caption(result_set: dict[str, Any], extra: str = "") -> str:
    """One caption line (wrapped later) naming what was changed or varied and its source claims."""
    manifest = result_set["manifest"]
    kind = result_set.get("kind") or manifest.get("afsim_result", "paired-run")
    if kind == "sweep":
        parts = [f"{c.name} {c.setting} {_claims_text(c)}" for c in varied(manifest)]
        text = "Varied: " + ("; ".join(parts) if parts else "nothing recorded")
    elif kind == "tornado":
        frame = result_set.get("tornado")
        parts = []
        if frame is not None:
            for _, row in frame.iterrows():
                ids = [c for c in str(row.get("claims") or "").split(";") if c and c != "nan"]
                parts.append(f"{row['parameter']} [{', '.join(ids) or 'assumption'}]")
        text = "Parameters swung: " + ("; ".join(parts) if parts else "none")
    else:
        found = changes(manifest)
        arm_name = {"scenario": _scenario(manifest), "baseline": _baseline(manifest), "both": "both arms"}
        parts = [f"{c.kind} {c.name} = {c.setting} ({arm_name.get(c.arm, c.arm)}) {_claims_text(c)}"
                 for c in found]
        text = "Changed: " + ("; ".join(parts) if parts else "nothing (scenario equals the default world)")
    return f"{text}. {extra}".strip() if extra else text


# -- figure helpers -----------------------------------------------------------------------------

def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _scenario(manifest: dict[str, Any]) -> str:
    return str(manifest.get("scenario") or manifest.get("name") or "scenario")


def _baseline(manifest: dict[str, Any]) -> str:
    return str(manifest.get("baseline") or "baseline")


def arm_names(manifest: dict[str, Any]) -> dict[str, str]:
    return {"scenario": _scenario(manifest), "baseline": _baseline(manifest)}


def outcome_unit(name: str) -> str:
    from afsim.model.outcomes import OUTCOMES

    outcome = OUTCOMES.get(name)
    return outcome.unit if outcome else ""


def _parameter_label(path: str) -> str:
    _, _, s = parameter_provenance(path)
    return f"{path} ({s.unit})" if s is not None and s.unit else path


def _with_unit(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def _finish(fig: Figure, title: str, caption_text: str, *, top_legend: bool = False) -> Figure:
    """Title on top, wrapped caption at the bottom, and a layout that leaves room for both."""
    width_in, height_in = fig.get_size_inches()
    chars = max(60, int(width_in * 72 / 4.6))  # ~4.6 pt per character at 8 pt
    lines = textwrap.wrap(caption_text, chars) or [""]
    if len(lines) > 6:
        lines = [*lines[:5], lines[5][: chars - 30] + " … (full list in the HTML report)"]
    line_h = 8 * 1.35 / (height_in * 72)
    bottom = 0.015 + line_h * len(lines) + 0.01
    fig.text(0.01, 0.012, "\n".join(lines), fontsize=8, ha="left", va="bottom", color="#333333",
             linespacing=1.35)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    title_h = 0.06 * 6 / height_in
    top = 1 - title_h - (0.04 * 6 / height_in if top_legend else 0)
    fig.tight_layout(rect=(0, bottom, 1, top))
    return fig


def _symlog_percent(ax: Axes) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.set_xscale("symlog", linthresh=1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:+g}%" if x else "0"))


def format_number(x: float) -> str:
    """Numbers as the comparison table prints them (one formatter for tables, plots and reports)."""
    from afsim.present.tables import format_number as table_number

    return table_number(x)


# -- paired runs --------------------------------------------------------------------------------

def monthly_bands(result_set: dict[str, Any], variable: str, *, cumulative: bool = False) -> pd.DataFrame:
    """Per arm and month: mean and 5/25/75/95% quantiles of a series variable (or of its running total).

    Computed from the full series when it was stored, else read from the stored summary.  A
    summary holds quantiles of single months only, so running totals from a summary have their
    mean (exact: a sum of means) and no quantiles (NaN).
    """
    import numpy as np
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
    return _finish(fig, f"{names['scenario']} vs {names['baseline']}: monthly series "
                   f"({n} paired replications, {source})", caption(result_set, note), top_legend=True)


def relative_effects(comparison: pd.DataFrame, outcomes: Iterable[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Paired effects in % of the baseline mean, with CI; and the outcomes that cannot be scaled.

    Outcomes have different units, so they share an axis only as relative effects.  An outcome
    whose baseline mean is 0 or missing has no relative effect; it is returned in the second list.
    """
    import numpy as np

    from afsim.model.outcomes import OUTCOMES

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
    import math

    better = row.get("better")
    lo, hi = row["ci_low"], row["ci_high"]
    if not isinstance(better, str) or math.isnan(lo) or math.isnan(hi):
        return ""
    if lo > 0 or hi < 0:
        up = lo > 0
        return "better" if up == (better == "higher") else "worse"
    return ""


def _errorbar_xerr(frame: pd.DataFrame) -> Any:
    import numpy as np

    x = frame["relative"].to_numpy(float)
    lo = np.nan_to_num(x - frame["relative_lo"].to_numpy(float))
    hi = np.nan_to_num(frame["relative_hi"].to_numpy(float) - x)
    return np.vstack([np.clip(lo, 0, None), np.clip(hi, 0, None)])


def forest_figure(result_set: dict[str, Any], outcomes: Iterable[str] | None = None) -> Figure:
    """Paired effects of the headline outcomes, in % of baseline, with 95% CIs and absolute values."""
    import numpy as np
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
    _symlog_percent(ax)
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
    fig = _finish(fig, f"Effects of {names['scenario']} vs {names['baseline']} ({n} paired replications)",
                  caption(result_set, extra))
    fig.subplots_adjust(right=0.62)
    return fig


def killed_distribution_figure(result_set: dict[str, Any]) -> Figure:
    """Distributions over replications of the total killed per target, baseline vs scenario."""
    import numpy as np

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
        ax.set_xlabel(_with_unit(f"{outcome}, whole horizon", outcome_unit(outcome)))
        ax.set_ylabel("replications")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(targets):]:
        ax.remove()
    n = manifest.get("replications_done") or manifest.get("replications")
    return _finish(fig, f"Killed per target over {manifest.get('horizon_months', '?')} months: "
                   f"{names['scenario']} vs {names['baseline']} ({n} replications each)", caption(result_set))


def compare_runs_figure(result_sets: Sequence[dict[str, Any]], outcomes: Iterable[str] | None = None) -> Figure:
    """Relative effects of several paired runs side by side, one marker and colour per run."""
    import numpy as np

    from afsim.model.outcomes import OUTCOMES

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
    ax.set_yticks([base_y[o] for o in shown], [_with_unit(o, outcome_unit(o)) for o in shown])
    for y in range(len(shown) - 1):
        ax.axhline(y + 0.5, color="#dddddd", linewidth=0.6)
    _symlog_percent(ax)
    ax.set_xlabel("paired effect, scenario − its baseline, in % of the baseline mean (95% CI; symmetric log scale)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, title="scenario vs baseline")
    skipped = sorted({o for _, s in per_run for o in s})
    parts = []
    for rs in result_sets:
        text = caption({**rs, "kind": "paired-run"})
        parts.append(f"{_scenario(rs['manifest'])}: {text.removeprefix('Changed: ')}")
    extra = (" Not shown (baseline mean 0 or undefined): " + ", ".join(skipped) + ".") if skipped else ""
    return _finish(fig, f"Effects side by side: {len(result_sets)} paired runs",
                   "Changed — " + " | ".join(parts) + "." + extra)


# -- sweeps -------------------------------------------------------------------------------------

def sweep_outcomes(result_set: dict[str, Any]) -> list[str]:
    points = result_set["points"]
    listed = result_set["manifest"].get("outcomes") or sorted(
        {c.split(":", 1)[0] for c in points.columns if c.endswith(":effect")})
    return [o for o in listed if f"{o}:effect" in points.columns]


def _is_grid(points: pd.DataFrame, x: str, y: str, method: str | None) -> bool:
    if method != "grid":
        return False
    nx, ny = points[x].nunique(), points[y].nunique()
    return nx * ny == len(points) and not points.duplicated([x, y]).any()


def sweep_figures(result_set: dict[str, Any], outcomes: Iterable[str] | None = None) -> list[Figure]:
    """One figure per outcome: the scenario's effect (and its mean) against the varied parameters.

    One parameter: lines with CI bands; two: a heatmap (grid designs) or a coloured scatter;
    more: one scatter panel per parameter.  Figure labels are file stems ``sweep_<outcome>``.
    """
    import numpy as np
    from matplotlib.colors import Normalize

    plt = pyplot()
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    points = result_set["points"]
    params = [v["path"] for v in manifest.get("vary") or [] if v["path"] in points.columns]
    method = (manifest.get("design") or {}).get("method")
    cap = caption({**result_set, "kind": "sweep"})
    effect_label = f"effect: {names['scenario']} − {names['baseline']}"
    figures = []
    for outcome in outcomes or sweep_outcomes(result_set):
        unit = outcome_unit(outcome)
        eff, lo, hi = (points[f"{outcome}:{k}"].to_numpy(float) for k in ("effect", "effect_lo", "effect_hi"))
        title = f"{outcome}: {names['scenario']} vs {names['baseline']} across a {method or ''} sweep " \
                f"of {len(points)} points"
        if len(params) == 1:
            x = params[0]
            order = np.argsort(points[x].to_numpy(float), kind="stable")
            xs = points[x].to_numpy(float)[order]
            fig, (ax_eff, ax_mean) = plt.subplots(1, 2, figsize=(13, 5.2))
            ax_eff.fill_between(xs, lo[order], hi[order], color=EFFECT_COLOUR, alpha=0.2, linewidth=0,
                                label="95% CI")
            ax_eff.plot(xs, eff[order], "o-", color=EFFECT_COLOUR, markersize=3, label=effect_label, gid="effect")
            ax_eff.axhline(0, color="#555555", linewidth=1)
            ax_eff.set_ylabel(_with_unit(f"effect on {outcome}", unit))
            ax_eff.set_title("Paired effect", fontsize=10)
            for arm, colour in (("baseline", BASELINE_COLOUR), ("scenario", SCENARIO_COLOUR)):
                mean = points[f"{outcome}:{arm}_mean"].to_numpy(float)[order]
                if arm == "scenario":
                    ax_mean.fill_between(xs, points[f"{outcome}:scenario_lo"].to_numpy(float)[order],
                                         points[f"{outcome}:scenario_hi"].to_numpy(float)[order],
                                         color=colour, alpha=0.2, linewidth=0, label=f"{names[arm]} 95% CI")
                ax_mean.plot(xs, mean, "o-", color=colour, markersize=3, label=names[arm], gid=arm)
            ax_mean.set_ylabel(_with_unit(outcome, unit))
            ax_mean.set_title("Means per arm", fontsize=10)
            for ax in (ax_eff, ax_mean):
                ax.set_xlabel(_parameter_label(x))
                ax.grid(alpha=0.3)
                ax.legend(fontsize=8)
        elif len(params) == 2:
            x, y = params
            fig, ax = plt.subplots(figsize=(10, 7))
            finite = eff[np.isfinite(eff)]
            reach = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
            norm = Normalize(-reach, reach)  # symmetric: white means no effect, shade means size
            cmap = "RdBu_r"
            if _is_grid(points, x, y, method):
                table = points.pivot(index=y, columns=x, values=f"{outcome}:effect").sort_index().sort_index(axis=1)
                mesh = ax.pcolormesh(_edges(table.columns.to_numpy(float)), _edges(table.index.to_numpy(float)),
                                     table.to_numpy(float), cmap=cmap, norm=norm, shading="flat", gid="effect")
                if table.size <= 100:
                    for (j, i), value in np.ndenumerate(table.to_numpy(float)):
                        ink = "white" if abs(value) > 0.6 * reach else "black"
                        ax.text(table.columns[i], table.index[j], format_number(value), ha="center", va="center",
                                fontsize=8, color=ink)
            else:
                mesh = ax.scatter(points[x], points[y], c=eff, cmap=cmap, norm=norm, s=28, edgecolors="#333333",
                                  linewidths=0.3, gid="effect")
            bar = fig.colorbar(mesh, ax=ax)
            bar.set_label(_with_unit(f"{effect_label} on {outcome}", unit))
            ax.set_xlabel(_parameter_label(x))
            ax.set_ylabel(_parameter_label(y))
            ax.legend(handles=[], title=f"colour: paired effect = {names['scenario']} − {names['baseline']}",
                      title_fontsize=9, loc="lower center",
                      bbox_to_anchor=(0.5, 1.0), frameon=False)
        else:
            cols = min(3, max(len(params), 1))
            rows = -(-max(len(params), 1) // cols)
            fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 4 * rows + 1.5), squeeze=False)
            for ax, x in zip(axes.flat, params, strict=False):
                xs = points[x].to_numpy(float)
                bars = ax.errorbar(xs, eff, yerr=np.vstack([np.clip(eff - lo, 0, None), np.clip(hi - eff, 0, None)]),
                                   fmt="o", color=EFFECT_COLOUR, ecolor="#bbbbbb", elinewidth=0.8, markersize=3,
                                   label=effect_label)
                bars.lines[0].set_gid("effect")
                ax.axhline(0, color="#555555", linewidth=1)
                ax.set_xlabel(_parameter_label(x))
                ax.set_ylabel(_with_unit(f"effect on {outcome}", unit))
                ax.grid(alpha=0.3)
                ax.legend(fontsize=8)
            for ax in list(axes.flat)[len(params):]:
                ax.remove()
        fig.set_label(f"sweep_{outcome}")
        figures.append(_finish(fig, title, cap))
    return figures


def _edges(centres: Any) -> Any:
    """Cell edges around sorted grid centres (for a heatmap whose cells sit on the grid values)."""
    import numpy as np

    c = np.asarray(centres, float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def sensitivity_figure(result_set: dict[str, Any]) -> Figure | None:
    """Global sensitivity indices per outcome: Sobol S1/ST or Morris mu*/sigma, with confidence bars."""
    import math

    import numpy as np
    import pandas as pd

    sensitivity = result_set.get("sensitivity")
    if not sensitivity or not sensitivity.get("results"):
        return None
    plt = pyplot()
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    method = sensitivity.get("method", "sobol")
    results = pd.DataFrame(sensitivity["results"])
    groups = list(results.groupby(["outcome", "target"], sort=False))
    params = list(dict.fromkeys(results["parameter"]))
    cols = min(3, math.ceil(math.sqrt(len(groups))))
    rows = -(-len(groups) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.6 * cols, (0.35 * len(params) + 1.6) * rows + 1.6),
                             squeeze=False)
    fig.set_label("sensitivity")
    if method == "morris":
        bars = (("mu_star", "mu_star_conf", "μ* (mean |elementary effect|)", EFFECT_COLOUR),
                ("sigma", None, "σ (interaction / non-linearity)", "#ff7f0e"))
    else:
        bars = (("S1", "S1_conf", "S1 (first order)", EFFECT_COLOUR), ("ST", "ST_conf", "ST (total)", "#ff7f0e"))
    for ax, ((outcome, target), frame) in zip(axes.flat, groups, strict=False):
        frame = frame.set_index("parameter").reindex(params)
        y = np.arange(len(params))[::-1]
        height = 0.38
        for k, (col, conf, label, colour) in enumerate(bars):
            values = frame[col].to_numpy(float)
            err = frame[conf].to_numpy(float) if conf and conf in frame else None
            ax.barh(y + (0.5 - k) * height, values, height=height, xerr=err, color=colour, alpha=0.85,
                    error_kw={"elinewidth": 0.8, "capsize": 2}, label=label, gid=col)
        ax.set_yticks(y, params, fontsize=8)
        unit = outcome_unit(outcome)
        what = (f"effect ({names['scenario']} − {names['baseline']})" if target == "effect"
                else f"{target} mean ({names['scenario']})" if target == "scenario" else str(target))
        ax.set_title(f"{outcome}: {what}", fontsize=9)
        if method == "morris":
            ax.set_xlabel(_with_unit("elementary effect", unit))
        else:
            ax.set_xlabel("share of output variance (index 0-1)")
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(groups):]:
        ax.remove()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), bbox_to_anchor=(0.5, 0.955), frameon=False,
               fontsize=9, title=f"scenario: {names['scenario']}; baseline: {names['baseline']}", title_fontsize=8)
    pretty = "Morris elementary effects" if method == "morris" else "Sobol indices"
    return _finish(fig, f"Sensitivity: {pretty} ({manifest.get('name') or names['scenario']})",
                   caption({**result_set, "kind": "sweep"}), top_legend=True)


# -- tornado ------------------------------------------------------------------------------------

def tornado_figure(result_set: dict[str, Any]) -> Figure:
    """One bar per parameter from its effect at the low value to its effect at the high value."""
    import numpy as np
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = pyplot()
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    frame = result_set["tornado"].sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    outcome = manifest.get("outcome", "")
    unit = outcome_unit(outcome)
    fig, ax = plt.subplots(figsize=(12, 0.45 * max(len(frame), 3) + 2.6))
    fig.set_label("tornado")
    y = np.arange(len(frame))[::-1]
    low, high = frame["effect_low"].to_numpy(float), frame["effect_high"].to_numpy(float)
    colours = [EFFECT_COLOUR if h >= lo else "#ff7f0e" for lo, h in zip(low, high, strict=True)]
    ax.barh(y, high - low, left=low, height=0.6, color=colours, alpha=0.85, gid="swing")
    for side, values in (("low", low), ("high", high)):
        err_lo = np.clip(values - frame[f"effect_{side}_lo"].to_numpy(float), 0, None)
        err_hi = np.clip(frame[f"effect_{side}_hi"].to_numpy(float) - values, 0, None)
        ax.errorbar(values, y, xerr=np.nan_to_num(np.vstack([err_lo, err_hi])), fmt="none", ecolor="#333333",
                    elinewidth=0.8, capsize=2)
    base = float(frame["base_effect"].iloc[0]) if len(frame) else 0.0
    ax.axvline(base, color="#333333", linestyle="--", linewidth=1.2)
    ends = np.concatenate([low, high, frame[["effect_low_lo", "effect_low_hi", "effect_high_lo",
                                             "effect_high_hi"]].to_numpy(float).ravel(), [base]])
    span = float(np.nanmax(ends) - np.nanmin(ends)) if len(frame) else 1.0
    pad = 0.012 * (span or 1.0)
    for yi, (_, row) in zip(y, frame.iterrows(), strict=True):
        # label each end beyond its CI whisker, on the outer side of the bar
        sides = sorted(("low", "high"), key=lambda side: row[f"effect_{side}"])
        for side, outer in zip(sides, (-1, 1), strict=True):
            whisker = np.nanmax if outer > 0 else np.nanmin
            at = whisker([row[f"effect_{side}"], row[f"effect_{side}_lo"], row[f"effect_{side}_hi"]])
            ax.text(at + outer * pad, yi, f"{row[side]:g}", ha="left" if outer > 0 else "right", va="center",
                    fontsize=8)
    ax.set_yticks(y, [_parameter_label(p) for p in frame["parameter"]], fontsize=9)
    ax.set_xlabel(_with_unit(f"effect on {outcome}: {names['scenario']} − {names['baseline']}", unit))
    ax.grid(axis="x", alpha=0.3)
    ax.margins(x=0.08)
    handles = [Patch(color=EFFECT_COLOUR, alpha=0.85, label="effect rises with the parameter"),
               Patch(color="#ff7f0e", alpha=0.85, label="effect falls with the parameter"),
               Line2D([], [], color="#333333", linestyle="--", label=f"base effect {format_number(base)}"),
               Line2D([], [], color="#333333", marker="|", linestyle="none", label="95% CI at each end")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              title=f"scenario: {names['scenario']}\nbaseline: {names['baseline']}", title_fontsize=8)
    return _finish(fig, f"Tornado: what moves the effect of {names['scenario']} vs {names['baseline']} "
                   f"on {outcome}", caption({**result_set, "kind": "tornado"},
                                            "Bar ends are labelled with the parameter's low and high values."))


VERDICT_CODES = {"supported": 1, "not supported": 0, "reversed": -1}


def verdict_figure(result_set: dict[str, Any]) -> Figure:
    """The verdict matrix of `afsim argue`: arguments x readings, coloured by verdict."""
    import numpy as np
    from matplotlib.colors import ListedColormap

    plt = pyplot()
    verdicts = result_set["verdicts"].groupby(["argument", "reading"], sort=False)["verdict"].first().reset_index()
    arguments = list(dict.fromkeys(verdicts["argument"]))
    readings = list(dict.fromkeys(verdicts["reading"]))
    grid = np.full((len(arguments), len(readings)), np.nan)
    for _, row in verdicts.iterrows():
        grid[arguments.index(row["argument"]), readings.index(row["reading"])] = VERDICT_CODES[row["verdict"]]
    fig, ax = plt.subplots(figsize=(5 + 1.1 * len(readings), 3 + 0.55 * len(arguments)), label="verdicts")
    ax.imshow(grid, cmap=ListedColormap(["#d7301f", "#bdbdbd", "#1a9850"]), vmin=-1, vmax=1, aspect="auto")
    for i in range(len(arguments)):
        for j in range(len(readings)):
            label = {1: "supported", 0: "not\nsupported", -1: "REVERSED"}[int(grid[i, j])]
            ax.text(j, i, label, ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(readings)), readings, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(arguments)), arguments, fontsize=8)
    ax.set_xlabel("reading of the evidence (afsim beliefs)")
    ax.set_ylabel("argument (data/arguments.yaml)")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="#1a9850", label="supported"), Patch(color="#bdbdbd", label="not supported"),
                       Patch(color="#d7301f", label="reversed")], loc="upper left", bbox_to_anchor=(1.01, 1),
              fontsize=8)
    n = result_set["manifest"].get("replications")
    return _finish(fig, f"Verdicts of the sources' arguments under each reading ({n} replications per arm)",
                   "Each argument's scenario vs its baseline, paired; verdict from the 95% CIs of its outcomes "
                   "(afsim explain ARGUMENT gives the claims behind each).")


# -- writing ------------------------------------------------------------------------------------

def figures_for(result_set: dict[str, Any]) -> list[Figure]:
    """Every figure for one result set, in reading order."""
    kind = result_set.get("kind") or result_set["manifest"].get("afsim_result", "paired-run")
    if kind == "paired-run":
        figures = [forest_figure(result_set), series_figure(result_set), killed_distribution_figure(result_set)]
    elif kind == "sweep":
        figures = [*sweep_figures(result_set), sensitivity_figure(result_set)]
    elif kind == "argue":
        figures = [verdict_figure(result_set)]
    elif kind == "across-beliefs":
        fig = compare_runs_figure(result_set["runs"])
        fig.set_label("effects_by_reading")
        figures = [fig]
    else:
        figures = [tornado_figure(result_set)]
    return [f for f in figures if f is not None]


def save(fig: Figure, path: Path) -> Path:
    """Write a figure and close it, so a long sweep of figures does not accumulate memory."""
    plt = pyplot()
    try:
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return path


def plot_result_sets(paths: Sequence[str | Path], fmt: str = "png", out: str | Path | None = None) -> list[Path]:
    """Draw every plot for the given result sets; return the files written.

    Files go to ``<first result set>/plots/`` unless ``out`` is given.  With several result sets
    each one's files are prefixed with its name, and paired runs are also drawn side by side
    (``compare_effects``).
    """
    if fmt not in FORMATS:
        raise InputError("--format", f"expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if not paths:
        raise InputError("paths", "no result set given")
    for p in paths:
        detect(p)  # refuse before writing anything
    result_sets = [load(p) for p in paths]
    folder = Path(out) if out is not None else Path(paths[0]) / "plots"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("--out", f"cannot write plots to {folder}: {exc.strerror or exc}") from None
    written: list[Path] = []
    plt = pyplot()
    prefixes = _prefixes(result_sets) if len(result_sets) > 1 else [""]
    for rs, prefix in zip(result_sets, prefixes, strict=True):
        figures = figures_for(rs)
        try:
            for fig in figures:
                written.append(save(fig, folder / f"{prefix}{fig.get_label()}.{fmt}"))
        finally:
            for fig in figures:
                plt.close(fig)
    paired = [rs for rs in result_sets if rs["kind"] == "paired-run"]
    if len(paired) > 1:
        written.append(save(compare_runs_figure(paired), folder / f"compare_effects.{fmt}"))
    return written


def _prefixes(result_sets: Sequence[dict[str, Any]]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for rs in result_sets:
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", str(rs["manifest"].get("name") or _scenario(rs["manifest"])))
        seen[name] = seen.get(name, 0) + 1
        out.append(f"{name}-" if seen[name] == 1 else f"{name}{seen[name]}-")
    return out
