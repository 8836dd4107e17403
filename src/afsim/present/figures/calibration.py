"""A calibration (``afsim calibrate``): acceptance per stratum, what each pattern rejects, what the patterns constrain.

Every number comes from the result set's ``summary.json`` (and the accepted worlds of
``ensemble.parquet``), so a bar's height is the stored number it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from afsim.present.figures.style import NEUTRAL_COLOUR, OKABE_ITO, WORSE_COLOUR, finish, parameter_label, pyplot
from afsim.present.tables import format_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ACCEPTED_COLOUR, TARGET_COLOUR, MECHANISM_COLOUR = OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[3]
CONSTRAINED_COLOUR = WORSE_COLOUR
TOP_RANGES = 12  # parameters in the range chart: the ones whose accepted values differ most from their samples


def share_label(share: float) -> str:
    """A share as a percentage that never reads 0% when something was counted: '65%', '0.16%', '0%'."""
    return f"{share:.0%}" if share == 0 or share >= 0.01 else f"{100 * share:.2g}%"


def rejections(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Per pattern, pooled over the strata: samples it rejected, samples it judged, and its share of all samples
    (mechanism patterns judge only the targets' survivors), most rejecting first."""
    total = sum(s["samples"] for s in summary["strata"].values())
    pooled: dict[str, list[int]] = {}
    for stratum, rejected in summary["rejected_by"].items():
        for pattern, n in rejected.items():
            counts = pooled.setdefault(pattern, [0, 0])
            counts[0] += n
            counts[1] += summary["judged_by"][stratum][pattern]
    rows = [{"pattern": p, "kind": "mechanism" if ":" in p else "target", "rejected": n, "judged": judged,
             "samples": total, "share_of_samples": n / total if total else 0.0} for p, (n, judged) in pooled.items()]
    return sorted(rows, key=lambda r: -r["rejected"])


def ranked_ranges(summary: dict[str, Any]) -> list[str]:
    """Parameters with an accepted range, those whose accepted values differ most from the samples (KS p) first."""
    ranges = summary["ranges"]
    return sorted((p for p, r in ranges.items() if r.get("accepted")), key=lambda p: ranges[p]["ks_p"])


def _samples_note(summary: dict[str, Any]) -> str:
    strata = summary["strata"]
    return f"{sum(s['samples'] for s in strata.values()):,} samples in {len(strata)} strata"


def acceptance_figure(result_set: dict[str, Any]) -> Figure:
    """Bars: the share of each stratum's samples that reproduce every pattern."""
    strata = result_set["summary"]["strata"]
    names = list(strata)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 2.2 + 0.32 * len(names)), label="acceptance")
    rates = [float(strata[n]["rate"]) for n in names]
    ax.barh(range(len(names)), rates, height=0.6, color=ACCEPTED_COLOUR, gid="acceptance")
    reach = max([*rates, 0.01]) * 1.35
    for y, name in enumerate(names):
        s = strata[name]
        ax.text(rates[y] + reach * 0.01, y, f"{s['rate']:.1%} ({s['accepted']:,} of {s['samples']:,})", va="center",
                fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, reach)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}" if reach > 0.05 else f"{v:.1%}")
    ax.set_xlabel("accepted worlds (share of the stratum's samples that reproduce every pattern)")
    ax.set_ylabel("stratum")
    return finish(fig, "Acceptance per stratum",
                  f"{_samples_note(result_set['summary'])}. A stratum takes blocks of samples until it has the "
                  "accepted worlds it asked for (or the hypercube ends): 'default' mixes the disputes' sides by "
                  "credence, every other stratum fixes the sides its reading names.")


def rejections_figure(result_set: dict[str, Any]) -> Figure:
    """Bars: the share of all samples each pattern rejected, targets and mechanism patterns told apart."""
    from matplotlib.patches import Patch

    rows = rejections(result_set["summary"])
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 2.4 + 0.3 * len(rows)), label="rejections")
    shares = [r["share_of_samples"] for r in rows]
    colours = [MECHANISM_COLOUR if r["kind"] == "mechanism" else TARGET_COLOUR for r in rows]
    ax.barh(range(len(rows)), shares, height=0.6, color=colours, gid="rejections")
    reach = max([*shares, 0.01]) * 1.45
    for y, r in enumerate(rows):
        label = f"{share_label(r['share_of_samples'])} ({r['rejected']:,} of {r['judged']:,} judged)"
        ax.text(shares[y] + reach * 0.01, y, label, va="center", fontsize=7)
    ax.set_yticks(range(len(rows)), [r["pattern"] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, reach)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("samples rejected (share of all samples, every stratum)")
    ax.legend(handles=[Patch(color=TARGET_COLOUR, label="calibration target"),
                       Patch(color=MECHANISM_COLOUR, label="mechanism pattern (judges the targets' survivors)")],
              loc="lower right", fontsize=8)
    return finish(fig, "What each pattern rejects",
                  f"{_samples_note(result_set['summary'])}. A sample can fail several patterns, so the bars add up "
                  "to more than the rejected samples. Mechanism patterns run only on the samples that reproduce "
                  "every calibration target, so their bars are small by construction: read their 'of judged'.")


def ranges_figure(result_set: dict[str, Any], top: int = TOP_RANGES) -> Figure | None:
    """Dot-range chart: per parameter, the accepted worlds' 5-95% range and median against the plausible range
    it was sampled from (scaled to 0..1), with each accepted world as a tick; the most constrained first."""
    summary = result_set["summary"]
    shown = ranked_ranges(summary)[:top]
    if not shown:
        return None
    ranges, stratum = summary["ranges"], summary.get("ranges_stratum", "default")
    ensemble = result_set.get("ensemble")
    worlds = ensemble[ensemble["stratum"] == stratum] if ensemble is not None else None
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(11, 2.4 + 0.42 * len(shown)), label="accepted_ranges")
    for y, path in enumerate(shown):
        r = ranges[path]
        low, high = r["plausible"]
        span = (high - low) or 1.0
        q05, q50, q95 = ((v - low) / span for v in r["accepted"])
        colour = CONSTRAINED_COLOUR if r["constrained"] else ACCEPTED_COLOUR
        ax.plot([0, 1], [y, y], color="#cccccc", linewidth=7, solid_capstyle="butt", gid="sampled")
        ax.plot([q05, q95], [y, y], color=colour, linewidth=4, solid_capstyle="butt", gid="accepted")
        if worlds is not None and path in worlds:
            ax.plot((worlds[path] - low) / span, [y + 0.28] * len(worlds), "|", color=NEUTRAL_COLOUR, markersize=5)
        ax.plot(q50, y, "o", color="black", markersize=4)
    ax.set_yticks(range(len(shown)), [parameter_label(p) for p in shown], fontsize=7)
    ax.set_ylim(len(shown) - 0.4, -0.6)
    numbers = ax.twinx()  # the real numbers at the right, as tick labels so the layout leaves room for them
    numbers.set_ylim(ax.get_ylim())
    f = format_number
    numbers.set_yticks(range(len(shown)), [f"{f(ranges[p]['accepted'][0])} to {f(ranges[p]['accepted'][2])} of "
                                           f"{ranges[p]['plausible'][0]:g} to {ranges[p]['plausible'][1]:g} (p "
                                           f"{ranges[p]['ks_p']:.2g})" for p in shown], fontsize=7)
    numbers.tick_params(length=0)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_xlabel("position in the plausible range sampled (each row scaled to its own range, at its right)")
    from matplotlib.lines import Line2D

    ax.legend(handles=[Line2D([], [], color="#cccccc", linewidth=7, label="sampled (plausible range)"),
                       Line2D([], [], color=ACCEPTED_COLOUR, linewidth=4, label="accepted 5-95%, wide"),
                       Line2D([], [], color=CONSTRAINED_COLOUR, linewidth=4, label="accepted 5-95%, constrained"),
                       Line2D([], [], color=NEUTRAL_COLOUR, marker="|", linestyle="", label="one accepted world")],
              loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4, fontsize=7, frameon=False)
    narrow = sum(1 for r in ranges.values() if r.get("constrained"))
    return finish(fig, f"What the patterns constrain: accepted vs sampled range ({stratum} stratum)",
                  f"The {len(shown)} parameters whose accepted values differ most from the samples (smallest "
                  f"Kolmogorov-Smirnov p, at the right with the accepted 5-95% and the plausible range); "
                  f"{narrow} of {len(ranges)} sampled parameters are constrained (p < 0.001, "
                  "vermillion). Black dot: the accepted median; ticks: the accepted worlds.")
