"""Figures of a sweep: the effect against the varied parameters, and global sensitivity indices."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from afsim.present.figures.style import (
    BASELINE_COLOUR,
    EFFECT_COLOUR,
    OKABE_ITO,
    SCENARIO_COLOUR,
    finish,
    outcome_label,
    outcome_unit,
    parameter_label,
    pyplot,
    with_unit,
)
from afsim.present.provenance import arm_names, caption
from afsim.present.tables import format_number

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

def sweep_outcomes(result_set: dict[str, Any]) -> list[str]:
    """The outcomes a sweep stored effects for, in the order it lists them."""
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
        title = f"{outcome_label(outcome)}: {names['scenario']} vs {names['baseline']} across a {method or ''} sweep " \
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
            ax_eff.set_ylabel(with_unit(f"effect on {outcome_label(outcome)}", unit))
            ax_eff.set_title("Paired effect", fontsize=10)
            for arm, colour in (("baseline", BASELINE_COLOUR), ("scenario", SCENARIO_COLOUR)):
                mean = points[f"{outcome}:{arm}_mean"].to_numpy(float)[order]
                if arm == "scenario":
                    ax_mean.fill_between(xs, points[f"{outcome}:scenario_lo"].to_numpy(float)[order],
                                         points[f"{outcome}:scenario_hi"].to_numpy(float)[order],
                                         color=colour, alpha=0.2, linewidth=0, label=f"{names[arm]} 95% CI")
                ax_mean.plot(xs, mean, "o-", color=colour, markersize=3, label=names[arm], gid=arm)
            ax_mean.set_ylabel(with_unit(outcome_label(outcome), unit))
            ax_mean.set_title("Means per arm", fontsize=10)
            for ax in (ax_eff, ax_mean):
                ax.set_xlabel(parameter_label(x))
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
            bar.set_label(with_unit(f"{effect_label} on {outcome_label(outcome)}", unit))
            ax.set_xlabel(parameter_label(x))
            ax.set_ylabel(parameter_label(y))
            ax.legend(handles=[], title=f"colour: paired effect = {names['scenario']} − {names['baseline']}",
                      title_fontsize=9, loc="lower center",
                      bbox_to_anchor=(0.5, 1.0), frameon=False)
        else:
            fig = _scatter_panels(plt, points, params, eff, outcome, effect_label)
        fig.set_label(f"sweep_{outcome}")
        figures.append(finish(fig, title, cap))
    return figures


def trend(xs: Any, ys: Any, bins: int = 8) -> tuple[Any, Any]:
    """A trend through a scatter: the mean of y in ``bins`` equal-count bins of x (no model assumed)."""
    order = np.argsort(xs, kind="stable")
    groups = [g for g in np.array_split(order, min(bins, max(len(xs) // 3, 1))) if g.size]
    return np.array([xs[g].mean() for g in groups]), np.array([ys[g].mean() for g in groups])


def _scatter_panels(plt: Any, points: pd.DataFrame, params: list[str], eff: Any, outcome: str,
                    effect_label: str) -> Figure:
    """One panel per varied parameter: the effect per point (no per-point whiskers: with many points they
    hide the pattern; the CIs are in the table), coloured by the parameter that explains most of what is
    left, with a binned-mean trend line."""
    cols = min(3, max(len(params), 1))
    rows = -(-max(len(params), 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.4 * cols, 4.2 * rows + 1.8), squeeze=False)
    unit = outcome_unit(outcome)
    for ax, x in zip(axes.flat, params, strict=False):
        xs = points[x].to_numpy(float)
        others = [p for p in params if p != x]
        residual = eff - np.polyval(np.polyfit(xs, eff, 1), xs) if np.ptp(xs) > 0 else eff
        colour_by = max(others, key=lambda p: abs(_correlation(points[p].to_numpy(float), residual)))
        dots = ax.scatter(xs, eff, c=points[colour_by].to_numpy(float), cmap="cividis", s=16, edgecolors="none",
                          gid="effect", label=effect_label)
        bar = fig.colorbar(dots, ax=ax, pad=0.01)
        bar.set_label(f"colour: {parameter_label(colour_by)}", fontsize=8)
        tx, ty = trend(xs, eff)
        ax.plot(tx, ty, color=OKABE_ITO[5], linewidth=2, gid="trend", label="trend (mean in bins of x)")
        ax.axhline(0, color="#555555", linewidth=1)
        ax.set_xlabel(parameter_label(x))
        ax.set_ylabel(with_unit(f"effect on {outcome_label(outcome)}", unit), fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    for ax in list(axes.flat)[len(params):]:
        ax.remove()
    return fig


def _correlation(a: Any, b: Any) -> float:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _edges(centres: Any) -> Any:
    """Cell edges around sorted grid centres (for a heatmap whose cells sit on the grid values)."""
    c = np.asarray(centres, float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def sensitivity_figure(result_set: dict[str, Any]) -> Figure | None:
    """Global sensitivity indices per outcome: Sobol S1/ST or Morris mu*/sigma, with confidence bars."""
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
                ("sigma", None, "σ (interaction / non-linearity)", OKABE_ITO[1]))
    else:
        bars = (("S1", "S1_conf", "S1 (first order)", EFFECT_COLOUR), ("ST", "ST_conf", "ST (total)", OKABE_ITO[1]))
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
        ax.set_title(f"{outcome_label(outcome)}: {what}", fontsize=9)
        if method == "morris":
            ax.set_xlabel(with_unit("elementary effect", unit))
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
    return finish(fig, f"Sensitivity: {pretty} ({manifest.get('name') or names['scenario']})",
                   caption({**result_set, "kind": "sweep"}), top_legend=True)
