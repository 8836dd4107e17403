"""Text tables: the comparison, effects across readings, verdicts, tornadoes, sweeps.

Library functions return numbers (comparisons, rows, frames); these functions turn them into
the plain-text tables the CLI prints and the result sets keep as ``.txt`` files.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

from afsim.engine.stats import HEADLINE, Comparison
from afsim.present import records
from afsim.present.columns import FILE_WIDTH, blocks, fill, fits, layout, table, terminal_width, wrap
from afsim.results.runs import AcrossReport, RunReport
from afsim.studies.arguments import NOT_SUPPORTED, REVERSED, SUPPORTED, ArgueReport, Argument
from afsim.studies.credence import CredenceReport
from afsim.studies.earned import conditions_text
from afsim.studies.sweep import SweepReport, SweepSpec, analyze_sweep
from afsim.studies.tornado import TOP, TornadoReport
from afsim.studies.worlds import WorldsReport

Report = RunReport | AcrossReport | CredenceReport | SweepReport | TornadoReport | ArgueReport | WorldsReport


def printed(report: Report, workers: int = 1, executor: str = "local", as_json: bool = False, **_: object) -> str:
    """What a command prints when its job is done: its tables at the terminal's width, then where the
    result set is (``as_json``: one JSON object instead, :mod:`afsim.present.records`)."""
    if as_json:
        return records.report_json(report)
    width = terminal_width()
    if isinstance(report, RunReport):
        reading = f"reading of the evidence: {report.beliefs} (afsim beliefs)\n" if report.beliefs != "default" else ""
        return reading + run_text(report, width) + "\n" + run_footer(report, workers, executor)
    if isinstance(report, AcrossReport):
        text = across_text(report, width)
    elif isinstance(report, CredenceReport):
        shown = format_conditional([r for r in report.conditional if r["outcome"] in SHOWN_OUTCOMES], width)
        text = f"{credence_text(report, width)}\n{fill('drawn: ' + report.drawn, width)}\n{shown}"
    elif isinstance(report, SweepReport):
        text = effect_table(report.spec, report.points, width=width)
        if report.sensitivity:
            text += "\n" + ranking_text(report.sensitivity, report.spec.method, width=width)
    elif isinstance(report, TornadoReport):
        text = format_tornado(report.table, report.outcome, width=width)
    elif isinstance(report, WorldsReport):
        text = worlds_text(report, width)
    else:
        text = verdicts_text(report, width, conditions=False)
        if report.judged:
            text += "\n\n" + fill("where each 'depends' fails (PRIM boxes, claims, value of information):", width) \
                + f"\n{report.path / 'conditions.txt'}"  # the path whole, so it can be copied
    return f"{text}\nresults: {report.path}"


def run_footer(report: RunReport, workers: int, executor: str) -> str:
    """What follows a run's table: why it stopped (precision runs) and where its results are."""
    stopped = f"stopped: {report.stopped_because}\n" if report.stopped_because else ""
    return stopped + f"results: {report.path}  ({report.seconds:.1f} s, {workers} worker(s), {executor})"


def run_text(report: RunReport, width: int = FILE_WIDTH) -> str:
    """A finished run's comparison table (printed, and kept as comparison.txt)."""
    return format_table(report.rows, report.scenario, report.baseline, report.replications, report.differences,
                        width)


def across_text(report: AcrossReport, width: int = FILE_WIDTH) -> str:
    """Effects under each reading side by side, or one block per outcome when that is too wide (printed, and
    kept as across_beliefs.txt)."""
    return arms_differ(report.differences, width) + format_across(report.by_reading, report.scenario,
                                                                   report.baseline, width)


SHOWN_OUTCOMES = HEADLINE[:7]  # the credence ensemble's conditional table shows these


def credence_text(report: CredenceReport, width: int = FILE_WIDTH) -> str:
    """The credence-weighted mixture's comparison table (printed, and kept as comparison.txt)."""
    return format_table(report.rows, f"{report.scenario} (credence-weighted ensemble)", report.baseline,
                        report.replications, report.differences, width)


def verdicts_text(report: ArgueReport, width: int = FILE_WIDTH, conditions: bool = True) -> str:
    """Verdicts, the verdict matrix, the shares of worlds (and their conditions), any flip points and screening
    (kept as verdicts.txt; printed without the conditions, which conditions.txt holds)."""
    text = (format_verdicts(report.arguments, report.readings, report.rows, width) + "\n\n"
            + format_verdict_matrix(report.arguments, report.readings, report.rows, width))
    if report.judged:
        text += "\n\n" + format_world_matrix(report.arguments, report.readings, report.judged, width)
        text += ("\n\n" + conditions_text(report.judged)) if conditions else ""
    lines = [line for part in (report.flip_text, report.screen_text) if part for line in ("", *part.splitlines())]
    indents = [line[:len(line) - len(line.lstrip())] for line in lines]
    return text + "".join("\n" + fill(line.strip(), width, i, i + "    ")
                          for line, i in zip(lines, indents, strict=True))


def format_world_matrix(arguments: list[Argument], readings: list[str], judged: list[dict[str, Any]],
                        width: int = FILE_WIDTH) -> str:
    """Share of each reading's plausible worlds in which each argument holds, and the earned verdict."""
    cell = {(j["argument"], j["reading"]): j for j in judged}
    n = max(j["worlds"] for j in judged)
    title = wrap(f"Across plausible worlds: share of worlds where the argument holds on its mean effect (up to {n} "
                 "worlds per reading; holds >= 90%, fails <= 10%, else depends)", width)
    body = [[a.id, *((f"{c['share']:.1%} {c['verdict']}" if (c := cell.get((a.id, r))) else "-") for r in readings)]
            for a in arguments]
    if fits(["argument", *readings], body, width):
        return "\n".join([*title, *table(["argument", *readings], body, width)])
    numbered = [str(i) for i in range(1, len(readings) + 1)]
    short = [[row[0], *(c.replace(" depends", " ?").replace(" holds", " +").replace(" fails", " !") for c in row[1:])]
             for row in body]
    legend = ", ".join(f"{i} {r}" for i, r in enumerate(readings, 1))
    return "\n".join([*title, *table(["argument", *numbered], short, width),
                      *wrap(f"+ holds, ? depends, ! fails; readings: {legend}", width)])


def worlds_text(report: WorldsReport, width: int = FILE_WIDTH) -> str:
    """``afsim run --worlds``: the effect across plausible worlds next to the simulation noise."""
    body = []
    for r in (r for r in report.rows if r["outcome"] in HEADLINE):
        better = "" if math.isnan(r["share_of_worlds_better"]) else f"{r['share_of_worlds_better']:.0%}"
        body.append([r["outcome"], format_number(r["worlds_median"]),
                     f"{format_number(r['worlds_p5'])}..{format_number(r['worlds_p95'])}", better,
                     format_number(r["noise_half_width"])])
    return "\n".join([
        *wrap(f"{report.scenario} vs {report.baseline} in {report.worlds} plausible worlds ({report.stratum} "
              f"stratum), {report.replications} replications per world and arm", width),
        *table(["outcome", "across worlds: median", "5%..95% of worlds", "worlds better", "noise: +/- 95% CI"], body,
               width, right={1, 2, 3, 4}, wrap_columns=[1, 2, 3, 4]), "",
        *wrap("across worlds: what we do not know about the world (the plausible parameter values and model "
              "structure); more replications do not shrink it. noise: half-width of one world's 95% CI, typical "
              "over worlds; what more replications would shrink. 'worlds better': share of worlds where the "
              "scenario does better on that outcome.", width)])


RENDERS = {"run": run_text, "across": across_text, "credence": credence_text, "worlds": worlds_text}


def _effect(row: dict[str, Any]) -> str:
    return effect_text(row["effect"], row["ci_low"], row["ci_high"])


def effect_text(effect: float, low: float, high: float) -> str:
    """'effect [low, high]': each to three significant digits, so a small effect whose CI excludes zero never
    reads as '-0.000 [-0.000, -0.000]'."""
    return f"{format_number(effect)} [{format_number(low)}, {format_number(high)}]"


def _sign(x: float) -> float:
    return math.copysign(1.0, x)


def format_number(x: float) -> str:
    """Numbers as the tables print them: thousands separators from 100, else three significant digits."""
    if x is None or math.isnan(x):
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:#.3g}"


def arms_differ(differences: Sequence[tuple[str, float, float]], width: int = FILE_WIDTH) -> str:
    """A line saying in which parameters the arms differ ('' when only levers and events tell them apart)."""
    if not differences:
        return ""
    shown = "; ".join(f"{path} (scenario {ours:g}, baseline {theirs:g})"
                      for path, ours, theirs in differences)
    return fill(f"arms differ in parameters: {shown}", width) + "\n"


def format_table(rows: list[Comparison], scenario: str, baseline: str, replications: int,
                 differences: Sequence[tuple[str, float, float]] = (), width: int = FILE_WIDTH) -> str:
    """The comparison as a plain-text table for a terminal or a file (differences: Scenario.differences());
    where that is too wide, each outcome's name and unit stand on a line above its numbers."""
    header = ["outcome", "unit", "baseline", "scenario", "difference [95% CI]", "better", "worse"]
    body = [[r.outcome, r.unit, format_number(r.baseline_mean), format_number(r.scenario_mean),
             effect_text(r.difference, r.ci_low, r.ci_high),
             "-" if math.isnan(r.share_better) else f"{r.share_better:.0%}",
             "-" if math.isnan(r.share_worse) else f"{r.share_worse:.0%}"] for r in rows]
    laid = layout(header, body, width, right={2, 3, 5, 6}) if fits(header, body, width) else None
    if laid is None:  # names above numbers
        laid = layout(header[2:], [b[2:] for b in body], width - 4, right={0, 1, 3, 4}, wrap_columns=[2])
        if laid is not None:
            head, numbers = laid
            laid = (["outcome (unit)", *("    " + h for h in head)],
                    [[f"{b[0]} ({b[1]})", *("    " + text for text in lines)]
                     for b, lines in zip(body, numbers, strict=True)])
    title = fill(f"{scenario} vs {baseline}: {replications} paired replications (common random numbers)", width)
    notes = fill("difference = scenario - baseline, mean over replications with 95% t interval; better/worse = "
                 "share of replications in which the scenario did better/worse", width)
    differ = arms_differ(differences, width).rstrip("\n")
    if laid is None:
        return "\n".join([title, notes, *([differ] if differ else []), *blocks(header, body, width)])
    line = "-" * min(width, max(len(text) for text in [*laid[0], *(t for row in laid[1] for t in row)]))
    return "\n".join([title, notes, *([differ] if differ else []), line, *laid[0], line,
                      *(text for row in laid[1] for text in row), line])


def sign_flag(rows: list[Comparison]) -> str:
    """'REVERSES' if two readings' CIs exclude zero on opposite sides; 'sign differs' if only estimates do."""
    above = any(r.ci_low > 0 for r in rows)
    below = any(r.ci_high < 0 for r in rows)
    if above and below:
        return "REVERSES"
    signs = {_sign(r.difference) for r in rows if r.difference and not math.isnan(r.difference)}
    return "sign differs" if len(signs) > 1 else ""


def format_across(by_reading: dict[str, list[Comparison]], scenario: str, baseline: str,
                  width: int = FILE_WIDTH) -> str:
    """Paired effects of one scenario under each reading, side by side (or one block per outcome), with sign
    flags."""
    names = list(by_reading)
    outcomes = [r.outcome for r in next(iter(by_reading.values()))]
    body = []
    for i, outcome in enumerate(outcomes):
        rows = [by_reading[n][i] for n in names]
        body.append([outcome, *(effect_text(r.difference, r.ci_low, r.ci_high) for r in rows), sign_flag(rows)])
    title = fill(f"{scenario} vs {baseline} under each reading of the evidence: paired effect (scenario - "
                 "baseline) with 95% CI", width)
    legend = fill("flag: REVERSES = CIs exclude zero on opposite sides; sign differs = point estimates do", width)
    return "\n".join([title, legend, *table(["outcome", *names, "flag"], body, width, wrap_columns=())])


def format_tornado(table_: Any, outcome: str, top: int = TOP, width: int = FILE_WIDTH) -> str:
    """The tornado's ranking: each parameter's swing of the effect, and the effect at its low and high end."""
    if not len(table_):
        return "no parameters"
    head = fill(f"effect on {outcome} (scenario - baseline) with each parameter at the low / high end of its "
                f"plausible range; top {min(top, len(table_))} by swing; "
                f"base effect {format_number(table_['base_effect'].iloc[0])}", width)
    body = [[r["parameter"] + (" [contested]" if r["contested"] else ""), format_number(r["swing"]),
             f"{r['low']:g} -> {format_number(r['effect_low'])}", f"{r['high']:g} -> {format_number(r['effect_high'])}"]
            for _, r in table_.head(top).iterrows()]
    more = [f"... {len(table_) - top} more in tornado.csv"] if len(table_) > top else []
    return "\n".join([head, *table(["parameter", "swing", "low -> effect", "high -> effect"], body, width,
                                    right={1}, wrap_columns=[0]), *more])


VERDICT_MARKS = {SUPPORTED: "as claimed", NOT_SUPPORTED: "unclear", REVERSED: "OPPOSITE"}


def format_verdicts(arguments: list[Argument], readings: list[str], rows: list[dict], width: int = FILE_WIDTH) -> str:
    """Per argument, one row (or, when too wide, one block) per reading: each claimed outcome's effect and
    whether it lies as claimed, then the verdict."""
    index = {(r["argument"], r["reading"], r["outcome"]): r for r in rows}
    out = wrap(f"Verdicts under each reading of the evidence (paired effect, 95% CI; {SUPPORTED} / "
               f"{NOT_SUPPORTED} / {REVERSED})", width)
    for a in arguments:
        out += ["", *wrap(f"{a.id} ({a.source[:3]}): {a.argument}", width)]
        body = [[r, *(f"{_effect(index[(a.id, r, t.outcome)])} "
                      f"{VERDICT_MARKS[index[(a.id, r, t.outcome)]['outcome_verdict']]}" for t in a.outcomes),
                 index[(a.id, r, a.outcomes[0].outcome)]["verdict"].upper()] for r in readings]
        out += table(["reading", *(t.describe() for t in a.outcomes), "VERDICT"], body, width, wrap_columns=())
    out += ["", *wrap("as claimed: the CI lies on the claimed side of the threshold; unclear: the CI includes it; "
                      "OPPOSITE: the CI lies on the other side", width)]
    return "\n".join(out)


def format_verdict_matrix(arguments: list[Argument], readings: list[str], rows: list[dict],
                          width: int = FILE_WIDTH) -> str:
    """One line per argument, one column per reading: the verdict at a glance (readings numbered where their
    names do not fit)."""
    short = {SUPPORTED: "supported", NOT_SUPPORTED: "not supp.", REVERSED: "REVERSED"}
    verdict = {(r["argument"], r["reading"]): r["verdict"] for r in rows}
    body = [[a.id, a.source[:3], *(short[verdict[(a.id, r)]] for r in readings)] for a in arguments]
    header = ["argument", "src", *readings]
    if fits(header, body, width):
        return "\n".join(["Verdict matrix", *table(header, body, width)])
    letter = {SUPPORTED: "+", NOT_SUPPORTED: "?", REVERSED: "!"}
    body = [[a.id, a.source[:3], *(letter[verdict[(a.id, r)]] for r in readings)] for a in arguments]
    legend = ", ".join(f"{i} {r}" for i, r in enumerate(readings, 1))
    return "\n".join(["Verdict matrix (+ supported, ? not supported, ! REVERSED)",
                      *table(["argument", "src", *(str(i) for i in range(1, len(readings) + 1))], body, width),
                      *wrap(f"readings: {legend}", width)])


def format_conditional(rows: list[dict[str, Any]], width: int = FILE_WIDTH) -> str:
    """The credence ensemble's effect conditional on each side of each dispute."""
    out = wrap("Effect conditional on each side of each dispute (replications that drew it); where the two sides' "
               "CIs lie on opposite sides of zero, 'flips at' is the credence in the first side at which the "
               "mixture's mean effect changes sign:", width)
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        by_key.setdefault((r["dispute"], r["outcome"]), []).append(r)
    for dispute in dict.fromkeys(d for d, _ in by_key):
        (a, b), *_ = [v for (d, _), v in by_key.items() if d == dispute]
        out += wrap(f"{dispute}: {a['side']} ({a['credence']:.2f}) vs {b['side']} ({b['credence']:.2f})", width)
        body = [[outcome, f"{_effect(x)} (n={x['n']})", f"{_effect(y)} (n={y['n']})",
                 "" if x["flip_credence_in_first_side"] is None else f"{x['flip_credence_in_first_side']:.2f}"]
                for (d, outcome), (x, y) in by_key.items() if d == dispute]
        out += table(["outcome", a["side"], b["side"], "flips at"], body, width, rule=False, wrap_columns=[0])
    return "\n".join(out)


def analysis_text(sweep_dir: str, as_json: bool = False) -> str:
    """``afsim analyze``: compute and store a sweep's sensitivity indices; their ranking (or JSON)."""
    method, results, parameters = analyze_sweep(sweep_dir)
    if as_json:
        return records.sensitivity_json(sweep_dir, method, results)
    return ranking_text(results, method, top=parameters, width=terminal_width()) + (
        f"\nwritten: {os.path.join(sweep_dir, 'sensitivity.json')}")


def ranking_text(results: list[dict[str, Any]], method: str, top: int = 8, width: int = FILE_WIDTH) -> str:
    """Plain-text ranking of parameters per outcome and target."""
    key = "ST" if method == "sobol" else "mu_star"
    lines = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in results:
        groups.setdefault((entry["outcome"], entry["target"]), []).append(entry)
    for (outcome, target), entries in groups.items():
        lines += wrap(f"{outcome} ({'paired effect' if target == 'effect' else 'scenario mean'}), ranked by {key}:",
                      width)
        ranked = sorted(entries, key=lambda e: -e[key])[:top]
        if method == "sobol":
            header = ["parameter", "ST", "± ST", "S1", "± S1"]
            body = [[e["parameter"], f"{e['ST']:.3f}", f"{e['ST_conf']:.3f}", f"{e['S1']:.3f}", f"{e['S1_conf']:.3f}"]
                    for e in ranked]
        else:
            header = ["parameter", "mu*", "± mu*", "sigma"]
            body = [[e["parameter"], f"{e['mu_star']:.3g}", f"{e['mu_star_conf']:.3g}", f"{e['sigma']:.3g}"]
                    for e in ranked]
        lines += table(header, body, width, right=set(range(1, len(header))), wrap_columns=[0], rule=False)
    return "\n".join(lines)


def effect_table(spec: SweepSpec, points: Any, max_rows: int = 30, width: int = FILE_WIDTH) -> str:
    """A short text table of the paired effect at each point (first outcomes)."""
    names = [f.path for f in spec.factors]
    shown = list(spec.outcomes)[:3]
    header = [*names, *(f"{o} effect [95% CI]" for o in shown)]
    body = [[*(f"{row[n]:.4g}" for n in names),
             *(effect_text(row[f"{o}:effect"], row[f"{o}:effect_lo"], row[f"{o}:effect_hi"]) for o in shown)]
            for _, row in points.head(max_rows).iterrows()]
    out = table(header, body, width, rule=False)
    if len(points) > max_rows:
        out.append(f"... {len(points) - max_rows} more points in points.parquet")
    return "\n".join(out)
