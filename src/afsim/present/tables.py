"""Text tables: the comparison, effects across readings, verdicts, tornadoes, sweeps.

Library functions return numbers (comparisons, rows, frames); these functions turn them into
the plain-text tables the CLI prints and the result sets keep as ``.txt`` files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from afsim.engine.stats import HEADLINE, Comparison
from afsim.results.runs import AcrossReport, RunReport
from afsim.studies.arguments import NOT_SUPPORTED, REVERSED, SUPPORTED, ArgueReport, Argument
from afsim.studies.credence import CredenceReport
from afsim.studies.earned import conditions_text
from afsim.studies.sweep import SweepReport, SweepSpec
from afsim.studies.tornado import TornadoReport
from afsim.studies.worlds import WorldsReport

Report = RunReport | AcrossReport | CredenceReport | SweepReport | TornadoReport | ArgueReport | WorldsReport


def printed(report: Report, workers: int = 1, executor: str = "local", **_: object) -> str:
    """What a command prints when its job is done: its tables, then where the result set is."""
    if isinstance(report, RunReport):
        reading = f"reading of the evidence: {report.beliefs} (afsim beliefs)\n" if report.beliefs != "default" else ""
        return reading + run_text(report) + "\n" + run_footer(report, workers, executor)
    if isinstance(report, AcrossReport):
        text = across_text(report)
    elif isinstance(report, CredenceReport):
        shown = format_conditional([r for r in report.conditional if r["outcome"] in SHOWN_OUTCOMES])
        text = f"{credence_text(report)}\ndrawn: {report.drawn}\n{shown}"
    elif isinstance(report, SweepReport):
        text = effect_table(report.spec, report.points)
        if report.sensitivity:
            text += "\n" + ranking_text(report.sensitivity, report.spec.method)
    elif isinstance(report, TornadoReport):
        text = format_tornado(report.table, report.outcome)
    elif isinstance(report, WorldsReport):
        text = worlds_text(report)
    else:
        text = verdicts_text(report, conditions=False)
        if report.judged:
            text += f"\n\nwhere each 'depends' fails (PRIM boxes, claims, value of information): " \
                    f"{report.path / 'conditions.txt'}"
    return f"{text}\nresults: {report.path}"


def run_footer(report: RunReport, workers: int, executor: str) -> str:
    """What follows a run's table: why it stopped (precision runs) and where its results are."""
    stopped = f"stopped: {report.stopped_because}\n" if report.stopped_because else ""
    return stopped + f"results: {report.path}  ({report.seconds:.1f} s, {workers} worker(s), {executor})"


def run_text(report: RunReport) -> str:
    """A finished run's comparison table (printed, and kept as comparison.txt)."""
    return format_table(report.rows, report.scenario, report.baseline, report.replications, report.differences)


def across_text(report: AcrossReport) -> str:
    """Effects under each reading side by side (printed, and kept as across_beliefs.txt)."""
    return arms_differ(report.differences) + format_across(report.by_reading, report.scenario, report.baseline)


SHOWN_OUTCOMES = HEADLINE[:7]  # the credence ensemble's conditional table shows these


def credence_text(report: CredenceReport) -> str:
    """The credence-weighted mixture's comparison table (printed, and kept as comparison.txt)."""
    return format_table(report.rows, f"{report.scenario} (credence-weighted ensemble)", report.baseline,
                        report.replications, report.differences)


def verdicts_text(report: ArgueReport, conditions: bool = True) -> str:
    """Verdicts, the verdict matrix, the shares of worlds (and their conditions) and any flip points
    (kept as verdicts.txt; printed without the conditions, which conditions.txt holds)."""
    text = (format_verdicts(report.arguments, report.readings, report.rows) + "\n\n"
            + format_verdict_matrix(report.arguments, report.readings, report.rows))
    if report.judged:
        text += "\n\n" + format_world_matrix(report.arguments, report.readings, report.judged)
        text += ("\n\n" + conditions_text(report.judged)) if conditions else ""
    return text + ("\n\n" + report.flip_text if report.flip_text else "")


def format_world_matrix(arguments: list[Argument], readings: list[str], judged: list[dict[str, Any]]) -> str:
    """Share of each reading's plausible worlds in which each argument holds, and the earned verdict."""
    cell = {(j["argument"], j["reading"]): j for j in judged}
    width = max(16, *(len(r) + 1 for r in readings))
    head = "argument".ljust(27) + "".join(r.ljust(width) for r in readings)
    n = max(j["worlds"] for j in judged)
    lines = [f"Across plausible worlds: share of worlds where the argument holds on its mean effect (up to {n} "
             "worlds per reading; holds >= 90%, fails <= 10%, else depends)", head, "-" * len(head)]
    for a in arguments:
        cells = [cell.get((a.id, r)) for r in readings]
        lines.append(a.id.ljust(27) + "".join((f"{c['share']:.1%} {c['verdict']}" if c else "-").ljust(width)
                                              for c in cells))
    return "\n".join(lines)


def worlds_text(report: WorldsReport) -> str:
    """``afsim run --worlds``: the effect across plausible worlds next to the simulation noise."""
    head = (f"{'outcome':26s} {'across worlds: median':>22s} {'5%..95% of worlds':>24s} {'worlds better':>14s} "
            f"{'noise: +/- 95% CI':>18s}")
    lines = [f"{report.scenario} vs {report.baseline} in {report.worlds} plausible worlds ({report.stratum} stratum), "
             f"{report.replications} replications per world and arm", head, "-" * len(head)]
    for r in (r for r in report.rows if r["outcome"] in HEADLINE):
        better = "" if math.isnan(r["share_of_worlds_better"]) else f"{r['share_of_worlds_better']:.0%}"
        spread = f"{format_number(r['worlds_p5'])}..{format_number(r['worlds_p95'])}"
        lines.append(f"{r['outcome']:26s} {format_number(r['worlds_median']):>22s} {spread:>24s} {better:>14s} "
                     f"{format_number(r['noise_half_width']):>18s}")
    lines += ["", "across worlds: what we do not know about the world (the plausible parameter values and model",
              "structure); more replications do not shrink it. noise: half-width of one world's 95% CI, typical over",
              "worlds; what more replications would shrink. 'worlds better': share of worlds where the scenario",
              "does better on that outcome."]
    return "\n".join(lines)


RENDERS = {"run": run_text, "across": across_text, "credence": credence_text, "worlds": worlds_text}


def _effect(row: dict[str, Any]) -> str:
    return f"{format_number(row['effect'])} [{format_number(row['ci_low'])}, {format_number(row['ci_high'])}]"


def _sign(x: float) -> float:
    return math.copysign(1.0, x)

def format_number(x: float) -> str:
    """Numbers as the comparison table prints them: few digits, thousands separators."""
    if x is None or math.isnan(x):
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def arms_differ(differences: Sequence[tuple[str, float, float]]) -> str:
    """A line saying in which parameters the arms differ ('' when only levers and events tell them apart)."""
    if not differences:
        return ""
    shown = "; ".join(f"{path} (scenario {ours:g}, baseline {theirs:g})"
                      for path, ours, theirs in differences)
    return f"arms differ in parameters: {shown}\n"


def format_table(rows: list[Comparison], scenario: str, baseline: str, replications: int,
                 differences: Sequence[tuple[str, float, float]] = ()) -> str:
    """The comparison as a plain-text table for a terminal or a file (differences: Scenario.differences())."""
    header = ("outcome", "unit", "baseline", "scenario", "difference [95% CI]", "better", "worse")
    body = []
    for r in rows:
        ci = f"{format_number(r.difference)} [{format_number(r.ci_low)}, {format_number(r.ci_high)}]"
        better = "-" if math.isnan(r.share_better) else f"{r.share_better:.0%}"
        worse = "-" if math.isnan(r.share_worse) else f"{r.share_worse:.0%}"
        body.append((r.outcome, r.unit, format_number(r.baseline_mean), format_number(r.scenario_mean), ci,
                     better, worse))
    widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]
    right = {2, 3, 5, 6}

    def line(row: tuple[str, ...]) -> str:
        cells = zip(row, widths, strict=True)
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(cells))

    title = (f"{scenario} vs {baseline}: {replications} paired replications (common random numbers)\n"
             "difference = scenario - baseline, mean over replications with 95% t interval; "
             "better/worse = share of replications in which the scenario did better/worse\n"
             + arms_differ(differences)).rstrip("\n")
    rule = "-" * len(line(header))
    return "\n".join([title, rule, line(header), rule, *(line(b) for b in body), rule])


def sign_flag(rows: list[Comparison]) -> str:
    """'REVERSES' if two readings' CIs exclude zero on opposite sides; 'sign differs' if only estimates do."""
    above = any(r.ci_low > 0 for r in rows)
    below = any(r.ci_high < 0 for r in rows)
    if above and below:
        return "REVERSES"
    signs = {_sign(r.difference) for r in rows if r.difference and not math.isnan(r.difference)}
    return "sign differs" if len(signs) > 1 else ""


def format_across(by_reading: dict[str, list[Comparison]], scenario: str, baseline: str) -> str:
    """Paired effects of one scenario under each reading, side by side, with sign flags."""
    names = list(by_reading)
    outcomes = [r.outcome for r in next(iter(by_reading.values()))]
    header = ["outcome", *names, "flag"]
    body = []
    for i, outcome in enumerate(outcomes):
        rows = [by_reading[n][i] for n in names]
        cells = [f"{format_number(r.difference)} [{format_number(r.ci_low)}, {format_number(r.ci_high)}]" for r in rows]
        body.append([outcome, *cells, sign_flag(rows)])
    widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in (header, *body)]
    title = (f"{scenario} vs {baseline} under each reading of the evidence: paired effect (scenario - baseline) "
             "with 95% CI\nflag: REVERSES = CIs exclude zero on opposite sides; sign differs = point estimates do")
    rule = "-" * len(lines[0])
    return "\n".join([title, rule, lines[0], rule, *lines[1:], rule])


def format_tornado(table: Any, outcome: str, top: int = 20) -> str:
    lines = [f"effect on {outcome} (scenario - baseline) with each parameter at its low / high end; "
             f"base effect {table['base_effect'].iloc[0]:.3g}" if len(table) else "no parameters"]
    for _, r in table.head(top).iterrows():
        flag = " [contested]" if r["contested"] else ""
        lines.append(f"  {r['parameter']:40s} swing {r['swing']:9.3g}   low {r['low']:g} -> {r['effect_low']:9.3g}"
                     f"   high {r['high']:g} -> {r['effect_high']:9.3g}{flag}")
    if len(table) > top:
        lines.append(f"  ... {len(table) - top} more in tornado.csv")
    return "\n".join(lines)


def format_verdicts(arguments: list[Argument], readings: list[str], rows: list[dict]) -> str:
    index = {(r["argument"], r["reading"], r["outcome"]): r for r in rows}
    width = max(27, *(len(r) + 2 for r in readings))
    out = [f"Verdicts under each reading of the evidence (paired effect, 95% CI; {SUPPORTED} / {NOT_SUPPORTED} / "
           f"{REVERSED})"]
    for a in arguments:
        out.append("")
        out.append(f"{a.id} ({a.source[:3]}): {a.argument}")
        out.append("  " + "claimed".ljust(44) + "".join(r.ljust(width) for r in readings))
        for t in a.outcomes:
            cells = []
            for r in readings:
                row = index[(a.id, r, t.outcome)]
                mark = {SUPPORTED: "+", NOT_SUPPORTED: "?", REVERSED: "!"}[row["outcome_verdict"]]
                cells.append(f"{mark} {_effect(row)}"
                             .ljust(width))
            out.append("  " + t.describe()[:43].ljust(44) + "".join(cells))
        verdicts = [index[(a.id, r, a.outcomes[0].outcome)]["verdict"] for r in readings]
        out.append("  " + "VERDICT".ljust(44) + "".join(v.upper().ljust(width) for v in verdicts))
    out.append("")
    out.append("+ as claimed   ? CI includes the threshold   ! CI on the opposite side")
    return "\n".join(out)


def format_verdict_matrix(arguments: list[Argument], readings: list[str], rows: list[dict]) -> str:
    """One line per argument, one column per reading: the verdict at a glance."""
    short = {SUPPORTED: "supported", NOT_SUPPORTED: "not supp.", REVERSED: "REVERSED"}
    verdict = {(r["argument"], r["reading"]): r["verdict"] for r in rows}
    width = max(11, *(len(r) + 1 for r in readings))
    head = "argument".ljust(27) + "src  " + "".join(r.ljust(width) for r in readings)
    lines = ["Verdict matrix", head, "-" * len(head)]
    for a in arguments:
        cells = "".join(short[verdict[(a.id, r)]].ljust(width) for r in readings)
        lines.append(a.id.ljust(27) + a.source[:3].ljust(5) + cells)
    return "\n".join(lines)


def format_conditional(rows: list[dict[str, Any]]) -> str:
    out = ["Effect conditional on each side of each dispute (replications that drew it); where the two sides'",
           "CIs lie on opposite sides of zero, 'flips at' is the credence in the first side at which the",
           "mixture's mean effect changes sign:"]
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        by_key.setdefault((r["dispute"], r["outcome"]), []).append(r)
    current = None
    for (dispute, outcome), (a, b) in by_key.items():
        if dispute != current:
            out.append(f"  {dispute}: {a['side']} ({a['credence']:.2f}) vs {b['side']} ({b['credence']:.2f})")
            current = dispute
        flip = a["flip_credence_in_first_side"]
        out.append(f"    {outcome:26s} {_effect(a)} (n={a['n']})  vs  {_effect(b)} (n={b['n']})"
                   + (f"   flips at {flip:.2f}" if flip is not None else ""))
    return "\n".join(out)


def ranking_text(results: list[dict[str, Any]], method: str, top: int = 8) -> str:
    """Plain-text ranking of parameters per outcome and target."""
    key = "ST" if method == "sobol" else "mu_star"
    lines = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in results:
        groups.setdefault((entry["outcome"], entry["target"]), []).append(entry)
    for (outcome, target), entries in groups.items():
        lines.append(f"{outcome} ({'paired effect' if target == 'effect' else 'scenario mean'}), ranked by {key}:")
        for e in sorted(entries, key=lambda e: -e[key])[:top]:
            if method == "sobol":
                lines.append(f"  {e['parameter']:40s} ST {e['ST']:6.3f} ± {e['ST_conf']:.3f}   "
                             f"S1 {e['S1']:6.3f} ± {e['S1_conf']:.3f}")
            else:
                lines.append(f"  {e['parameter']:40s} mu* {e['mu_star']:9.3g} ± {e['mu_star_conf']:.3g}   "
                             f"sigma {e['sigma']:.3g}")
    return "\n".join(lines)


def effect_table(spec: SweepSpec, points: Any, max_rows: int = 30) -> str:
    """A short text table of the paired effect at each point (first outcomes)."""
    names = [f.path for f in spec.factors]
    shown = list(spec.outcomes)[:3]
    header = [*names, *(f"{o} effect [95% CI]" for o in shown)]
    body = []
    for _, row in points.head(max_rows).iterrows():
        cells = [f"{row[n]:.4g}" for n in names]
        cells += [f"{row[f'{o}:effect']:.3g} [{row[f'{o}:effect_lo']:.3g}, {row[f'{o}:effect_hi']:.3g}]"
                  for o in shown]
        body.append(cells)
    widths = [max(len(r[i]) for r in (header, *body)) for i in range(len(header))]
    out = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in (header, *body)]
    if len(points) > max_rows:
        out.append(f"... {len(points) - max_rows} more points in points.parquet")
    return "\n".join(out)
