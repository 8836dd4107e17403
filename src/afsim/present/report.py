"""A self-contained HTML report of a result set of any kind: summary, numbers, figures, evidence, provenance.

One file that opens offline and can be mailed, archived or printed as a memo.  Each kind of result
set has a *context builder* here (registered with :func:`context_for`) that turns the stored results
into plain values, and a template ``present/templates/<kind>.html.j2`` (jinja2, autoescaped) that
lays them out on the shared page ``base.html.j2``: the plain-language summary (``present/summary``),
contents, sections, print stylesheet and the few lines of script that toggle series in the
interactive charts.  Adding a kind is one template plus one builder.  Nothing is loaded from the
network and no absolute path is written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from afsim.engine.stats import HEADLINE
from afsim.errors import InputError
from afsim.present import provenance, summary
from afsim.present import report_parts as parts
from afsim.present.figures.calibration import TOP_RANGES, acceptance_figure, ranges_figure, rejections_figure
from afsim.present.figures.run import effects_by_reading_figure, forest_figure, killed_difference_figure, series_figure
from afsim.present.figures.style import outcome_label, outcome_unit, parameter_label
from afsim.present.figures.sweep import sensitivity_figure, sweep_figures, sweep_outcomes
from afsim.present.figures.tornado import TOP_PARAMETERS, top_swings, tornado_figure
from afsim.present.figures.verdicts import verdict_figure
from afsim.present.figures.worlds import boxes_figure, share_figure, spread_figure
from afsim.present.tables import format_number
from afsim.results.resultset import ResultSet
from afsim.studies.earned import conditions_text

TEMPLATES = Path(__file__).resolve().parent / "templates"
POINT_ROWS = 200  # sweeps: points shown in the table (all are in points.parquet and the CSV download)
Context = dict[str, Any]
BUILDERS: dict[str, Callable[[ResultSet], Context]] = {}


def context_for(kind: str) -> Callable[[Callable[[ResultSet], Context]], Callable[[ResultSet], Context]]:
    """Register the context builder of one kind of result set (its template is ``templates/<kind>.html.j2``)."""
    def register(build: Callable[[ResultSet], Context]) -> Callable[[ResultSet], Context]:
        BUILDERS[kind] = build
        return build

    return register


def _common(rs: ResultSet, keys: list[str]) -> Context:
    manifest = rs["manifest"]
    return {"manifest": manifest, "status": manifest.get("status"), "failed": manifest.get("failed_replications"),
            "provenance": parts.provenance_table(manifest, keys), "versions": parts.versions_table(manifest),
            "names": provenance.arm_names(manifest)}


def _with_not_modelled(context: Context, cited: list[str]) -> Context:
    context["not_modelled"] = parts.not_modelled(cited)
    return context


# -- paired runs and their variants ----------------------------------------------------------------

@context_for("paired-run")
def run_context(rs: ResultSet) -> Context:
    manifest = rs["manifest"]
    names = provenance.arm_names(manifest)
    comparison = rs["comparison"]
    outcomes = parts.headline(comparison)
    arguments = parts.with_argue_verdicts(parts.arguments_for(manifest.get("scenario_file") or "", comparison),
                                          parts.companion(rs.path, "argue"))
    across = parts.companion(rs.path, "across-beliefs", manifest.get("scenario_sha256"))
    cost = parts.cost_per_death_averted(comparison, rs.get("replications"))
    found = provenance.changes(manifest)
    context = _common(rs, ["afsim_result", "status", "scenario", "baseline", "scenario_file", "scenario_sha256",
                           "seed", "random_scheme", "replications", "replications_done", "failed_replications",
                           "horizon_months", "chunk_size", "series", "precision", "beliefs", "started",
                           "finished", "stopped_because", "events"])
    context.update(
        title=f"{names['scenario']} vs {names['baseline']}",
        subtitle=f"afsim paired run · {manifest.get('replications_done') or manifest.get('replications')} paired "
                 f"replications (common random numbers) · {manifest.get('horizon_months')} months · reading "
                 f"{manifest.get('beliefs') or 'default'}",
        summary=summary.run_summary(rs, arguments, cost, across),
        comparison=parts.comparison_table(comparison),
        chart=parts.effect_chart(parts.outcome_rows(outcomes), [f"{names['scenario']} vs {names['baseline']}"],
                                 parts.comparison_points(comparison, f"{names['scenario']} vs {names['baseline']}",
                                                         outcomes)),
        figures=[parts.figure(series_figure(rs), "Monthly series (counts and costs as running totals) with the "
                              "paired difference below each panel."),
                 parts.figure(killed_difference_figure(rs), "Paired differences in total killed per target, "
                              "replication by replication."),
                 parts.figure(forest_figure(rs), "The effects as a static figure (for slides).")],
        arguments=arguments, cost=cost, evidence=parts.evidence(found),
        scenario_file=parts.portable(manifest.get("scenario_file") or ""),
        scenario_text=manifest.get("scenario_text") or "")
    return _with_not_modelled(context, [c for ch in found for c in ch.claims])


@context_for("across-beliefs")
def across_context(rs: ResultSet) -> Context:
    manifest = rs["manifest"]
    readings = [str(r) for r in manifest.get("readings") or []]
    runs = rs["runs"]
    first = runs[0]["manifest"] if runs else manifest
    names = provenance.arm_names(first)
    outcomes = parts.headline(runs[0]["comparison"]) if runs else []
    points: dict[tuple[str, str], dict[str, Any]] = {}
    for reading, run in zip(readings, runs, strict=False):
        points.update(parts.comparison_points(run["comparison"], reading, outcomes))
    across = rs.get("across") or []
    rows = [[r["reading"], r["outcome"], r["unit"], format_number(float(r["baseline_mean"])),
             format_number(float(r["scenario_mean"])), parts.ci_text(r["difference"], r["ci_low"], r["ci_high"]),
             parts.judge(r) if "better" in r else "", r.get("n", "")] for r in across]
    costs = [(reading, parts.cost_per_death_averted(run["comparison"], run.get("replications")))
             for reading, run in zip(readings, runs, strict=False)]
    context = _common(rs, ["afsim_result", "status", "scenario", "baseline", "readings", "replications", "seed",
                           "series", "started", "finished"])
    found = provenance.changes(first)
    context.update(
        title=f"{manifest.get('scenario') or names['scenario']} under every reading of the evidence",
        subtitle=f"the same paired run under {len(readings)} readings · {manifest.get('replications') or ''} "
                 "paired replications each",
        summary=summary.across_summary(rs, across),
        chart=parts.effect_chart(parts.outcome_rows(outcomes), readings, points),
        table=parts.table(["reading", "outcome", "unit", "baseline", "scenario", "difference [95% CI]", "judged",
                           "n"], rows, "effects_by_reading", numeric={3, 4, 5, 7}, raw=across),
        figures=[parts.figure(effects_by_reading_figure(rs), "Paired effects under each reading, "
                              "in each outcome's units, with 95% CIs (static, for slides).")],
        readings=[{"name": r, "arguments": parts.arguments_for(run["manifest"].get("scenario_file") or "",
                                                               run["comparison"])}
                  for r, run in zip(readings, runs, strict=False)],
        costs=[{"reading": r, **c} for r, c in costs if c is not None],
        evidence=parts.evidence(found))
    return _with_not_modelled(context, [c for ch in found for c in ch.claims])


@context_for("credence-ensemble")
def credence_context(rs: ResultSet) -> Context:
    manifest = rs["manifest"]
    names = provenance.arm_names(manifest)
    comparison = rs["comparison"]
    outcomes = parts.headline(comparison)
    conditional = rs.get("conditional") or []
    series = ["mixture"]
    points = parts.comparison_points(comparison, "mixture", outcomes)
    for r in conditional:
        name = f"{r['dispute']} = {r['side']}"
        if r["outcome"] not in outcomes:
            continue
        if name not in series:
            series.append(name)
        points[(r["outcome"], name)] = {
            "value": float(r["effect"]), "lo": float(r["ci_low"]), "hi": float(r["ci_high"]), "judged": "",
            "hover": f"{name} (credence {float(r['credence']):g}, n={r['n']}): {outcome_label(r['outcome'])}: "
                     f"{parts.ci_text(r['effect'], r['ci_low'], r['ci_high'])} {outcome_unit(r['outcome'])}"}
    rows = [[r["dispute"], r["side"], f"{float(r['credence']):g}", r["outcome"], r["n"],
             "" if r.get("flip_credence_in_first_side") is None else format_number(r["flip_credence_in_first_side"]),
             parts.ci_text(r["effect"], r["ci_low"], r["ci_high"])] for r in conditional]
    credences = [{"dispute": d, "sides": ", ".join(f"{s} {p:g}" for s, p in sides.items())}
                 for d, sides in (manifest.get("credences") or {}).items() if isinstance(sides, dict)]
    found = provenance.changes(manifest)
    cost = parts.cost_per_death_averted(comparison, rs.get("replications"))
    context = _common(rs, ["afsim_result", "status", "scenario", "baseline", "credences", "replications", "seed",
                           "started", "finished"])
    context.update(
        title=f"{names['scenario']}: credence-weighted ensemble",
        subtitle=f"each replication draws the side of every dispute in proportion to its credence · "
                 f"{manifest.get('replications')} paired replications",
        summary=summary.credence_summary(rs, conditional, manifest), credences=credences,
        comparison=parts.comparison_table(comparison),
        chart=parts.effect_chart(parts.outcome_rows(outcomes), series, points),
        conditional=parts.table(["dispute", "side", "credence", "outcome", "n", "flip credence (first side)",
                                 "effect [95% CI]"], rows, "conditional", numeric={2, 4, 5, 6}, raw=conditional),
        arguments=parts.arguments_for(manifest.get("scenario_file") or "", comparison), cost=cost,
        evidence=parts.evidence(found))
    return _with_not_modelled(context, [c for ch in found for c in ch.claims])


# -- sweeps and tornados ---------------------------------------------------------------------------

@context_for("sweep")
def sweep_context(rs: ResultSet) -> Context:
    manifest = rs["manifest"]
    names = provenance.arm_names(manifest)
    points = rs["points"]
    params = [v["path"] for v in manifest.get("vary") or [] if v["path"] in points.columns]
    outcomes = sweep_outcomes(rs)
    rows = [[int(r["point"]) if "point" in r else "", *(format_number(float(r[p])) for p in params),
             int(r["n"]) if "n" in r else "",
             *(parts.ci_text(r[f"{o}:effect"], r[f"{o}:effect_lo"], r[f"{o}:effect_hi"]) for o in outcomes)]
            for _, r in points.head(POINT_ROWS).iterrows()]
    header = ["point", *params, "n", *(f"{o}: effect [95% CI]" for o in outcomes)]
    sensitivity = rs.get("sensitivity") or {}
    sens_table = None
    if sensitivity.get("results"):
        f = format_number
        morris = sensitivity.get("method") == "morris"
        keys = ["mu_star", "mu_star_conf", "sigma"] if morris else ["S1", "S1_conf", "ST", "ST_conf"]
        sens_table = parts.table(["outcome", "target", "parameter", *(k.replace("mu_star", "μ*").replace("sigma", "σ")
                                                                      for k in keys)],
                                 [[r["outcome"], r["target"], r["parameter"], *(f(r[k]) for k in keys)]
                                  for r in sensitivity["results"]], "sensitivity",
                                 numeric=set(range(3, 3 + len(keys))), raw=sensitivity["results"])
    varied = provenance.varied(manifest)
    design = manifest.get("design") or {}
    context = _common(rs, ["afsim_result", "status", "name", "scenario", "baseline", "design", "replications",
                           "seed", "points", "outcomes", "started", "finished"])
    context.update(
        title=f"Sweep {manifest.get('name') or ''}: {names['scenario']} vs {names['baseline']}".replace("  ", " "),
        subtitle=f"{design.get('method', '?')} design · {manifest.get('points', len(points))} points · "
                 f"{manifest.get('replications')} paired replications per point",
        summary=summary.sweep_summary(rs, outcomes, params),
        figures=[parts.figure(fig, "Paired effect per point: a line with its CI band for one parameter, a "
                              "trend line and colour for the second parameter otherwise.") for fig in sweep_figures(rs)]
        + [parts.figure(sensitivity_figure(rs), "Global sensitivity indices with confidence intervals.")],
        sensitivity=sens_table,
        points=parts.table(header, rows, "points", numeric=set(range(len(header))),
                           raw=points.to_dict("records")),
        points_note=f"First {POINT_ROWS} of {len(points)} points; all are in the CSV download and points.parquet."
        if len(points) > POINT_ROWS else "",
        evidence=parts.evidence(varied))
    return _with_not_modelled(context, [c for ch in varied for c in ch.claims])


@context_for("tornado")
def tornado_context(rs: ResultSet) -> Context:
    manifest = rs["manifest"]
    names = provenance.arm_names(manifest)
    outcome = manifest.get("outcome", "")
    frame = rs["tornado"]
    top = top_swings(frame)
    base = float(frame["base_effect"].iloc[0]) if len(frame) else float("nan")
    rows = [[r["parameter"], format_number(float(r["low"])), format_number(float(r["high"])),
             parts.ci_text(r["effect_low"], r["effect_low_lo"], r["effect_low_hi"]),
             parts.ci_text(r["effect_high"], r["effect_high_lo"], r["effect_high_hi"]),
             format_number(float(r["swing"])), str(r.get("claims") or "").replace(";", ", ")]
            for _, r in frame.iterrows()]
    points, params = {}, []
    for _, r in top.iterrows():
        params.append((r["parameter"], parameter_label(r["parameter"])))
        for side in ("low", "high"):
            points[(r["parameter"], f"at its {side} end")] = {
                "value": float(r[f"effect_{side}"]) - base, "lo": float(r[f"effect_{side}_lo"]) - base,
                "hi": float(r[f"effect_{side}_hi"]) - base, "judged": "",
                "hover": f"{r['parameter']} = {r[side]:g}: effect {parts.ci_text(r[f'effect_{side}'], r[f'effect_{side}_lo'], r[f'effect_{side}_hi'])} "  # noqa: E501
                         f"{outcome_unit(outcome)} (base {format_number(base)})"}
    changes = []
    for _, r in frame.iterrows():
        claims, assumption, spec = provenance.parameter_provenance(r["parameter"])
        listed = tuple(c for c in str(r.get("claims") or "").split(";") if c and c != "nan")
        unit = f" {spec.unit}" if spec is not None else ""
        changes.append(provenance.Change("varied", r["parameter"], "tornado", f"{r['low']:g} to {r['high']:g}{unit}",
                                         listed or claims, assumption))
    context = _common(rs, ["afsim_result", "status", "scenario", "baseline", "outcome", "replications", "seed",
                           "started", "finished"])
    context.update(
        title=f"Tornado: {names['scenario']} vs {names['baseline']} on {outcome_label(outcome)}",
        subtitle=f"one parameter at a time, at its low and high value · base effect {format_number(base)} "
                 f"{outcome_unit(outcome)} · {manifest.get('replications')} paired replications per setting",
        summary=summary.tornado_summary(rs, top), top=TOP_PARAMETERS,
        chart=parts.effect_chart(params, ["at its low end", "at its high end"], points, shared_scale=True),
        figures=[parts.figure(tornado_figure(rs), f"The {TOP_PARAMETERS} largest swings, coloured by whether "
                              "the effect gets better or worse.")],
        table=parts.table(["parameter", "low", "high", "effect at low [95% CI]", "effect at high [95% CI]", "swing",
                           "claims"], rows, "tornado", numeric={1, 2, 3, 4, 5}, raw=frame.to_dict("records")),
        evidence=parts.evidence(changes))
    return _with_not_modelled(context, [c for ch in changes for c in ch.claims])


# -- arguments --------------------------------------------------------------------------------------

@context_for("argue")
def argue_context(rs: ResultSet) -> Context:
    from afsim.studies.arguments import load_arguments

    manifest, verdicts = rs["manifest"], rs["verdicts"]
    judged = verdicts.drop_duplicates(["argument", "reading"])
    readings = list(dict.fromkeys(judged["reading"]))
    matrix = []
    known = load_arguments()
    for argument, group in judged.groupby("argument", sort=False):
        cells = dict(zip(group["reading"], group["verdict"], strict=True))
        a = known.get(argument)
        matrix.append({"argument": argument, "text": a.argument if a else "", "mechanisms": list(a.mechanisms) if a
                       else [], "claims": list(a.claims) if a else [],
                       "source_title": parts.source_title(a.source) if a else "",
                       "cells": [cells.get(r, "") for r in readings]})
    records = verdicts.to_dict("records")
    tests = [[r["argument"], r["reading"], r["outcome"], r["claimed"], r["outcome_verdict"],
              parts.ci_text(r["effect"], r["ci_low"], r["ci_high"])] for r in records]
    points = {}
    rows = []
    for r in records:
        key = f"{r['argument']}:{r['outcome']}"
        if key not in [k for k, _ in rows]:
            rows.append((key, f"{r['argument']}: {outcome_label(r['outcome'])}"))
        points[(key, r["reading"])] = {
            "value": float(r["effect"]), "lo": float(r["ci_low"]), "hi": float(r["ci_high"]),
            "judged": {"supported": "better", "reversed": "worse"}.get(r["outcome_verdict"], ""),
            "hover": f"{r['reading']}: {r['argument']} claims {r['claimed']}: "
                     f"{parts.ci_text(r['effect'], r['ci_low'], r['ci_high'])} → {r['outcome_verdict']}"}
    cited = [c for m in matrix for c in m["claims"]]
    context = _common(rs, ["afsim_result", "status", "arguments", "readings", "replications", "seed", "flip",
                           "flip_replications", "started", "finished"])
    context.update(
        title="The sources' arguments judged under the readings of the evidence",
        subtitle=f"{len(matrix)} arguments · {len(readings)} readings · {manifest.get('replications')} paired "
                 "replications per test",
        summary=summary.argue_summary(rs), readings=readings, matrix=matrix,
        verdict_csv=parts.table(["argument", "source", "reading", "verdict"],
                                judged[["argument", "source", "reading", "verdict"]].to_numpy().tolist(), "verdicts"),
        chart=parts.effect_chart(rows, readings, points),
        figures=[parts.figure(verdict_figure(rs), "Verdict of each argument under each reading (static).")],
        tests=parts.table(["argument", "reading", "outcome", "claimed", "outcome verdict", "effect [95% CI]"], tests,
                          "tests", numeric={5}, raw=records),
        flips=parts.portable(rs.get("flips")) or [], screening=_screening(rs.get("screening")),
        worlds=_earned(rs),
        claims=[parts.claim_card(c) for c in dict.fromkeys(cited)])
    return _with_not_modelled(context, cited)


def _screening(screening: Any) -> dict[str, Any] | None:
    """argue --screen: each argument's top five Morris parameters (the whole ranking is in screening.csv)."""
    if screening is None:
        return None
    top = screening[(screening["method"] == "morris") & ~screening["inert"].astype(bool) & (screening["rank"] <= 5)]
    return parts.table(["argument", "rank", "parameter", "mu*", "sigma", "plausible range"],
                       [[r["argument"], int(r["rank"]), r["parameter"], format_number(float(r["mu_star"])),
                         format_number(float(r["sigma"])), f"{r['low']:g} to {r['high']:g}"]
                        for _, r in top.iterrows()], "screening", numeric={1, 3, 4}, raw=top.to_dict("records"))


# -- entry point --------------------------------------------------------------------------------------

def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = format_number
    return env

def _earned(rs: ResultSet) -> Context | None:
    """The earned verdicts, if argue judged in plausible worlds: shares, bars, PRIM boxes, their conditions."""
    if not (conditions := rs.get("conditions")):
        return None
    rows = [[c["argument"], c["reading"], c["worlds"], f"{c['share']:.0%}", c["verdict"]] for c in conditions]
    figures = [parts.figure(share_figure(rs), "Share of each reading's plausible worlds where each argument holds."),
               parts.figure(boxes_figure(rs), "PRIM boxes: where each 'depends' fails.")]
    return {"table": parts.table(["argument", "reading", "worlds", "share that holds", "earned verdict"], rows,
                                 "earned", numeric={2, 3}), "figures": [f for f in figures if f],
            "conditions": conditions_text(conditions)}


@context_for("worlds")
def worlds_context(rs: ResultSet) -> Context:
    manifest, f, spread = rs["manifest"], format_number, rs["across_worlds"]
    outcomes, found = [o for o in spread["outcome"] if o in HEADLINE], provenance.changes(manifest)
    rows = [[r["outcome"], r["unit"], f(r["worlds_median"]), f"{f(r['worlds_p5'])} .. {f(r['worlds_p95'])}",
             parts.share_text(r["share_of_worlds_better"]), f"± {f(r['noise_half_width'])}"]
            for _, r in spread.iterrows()]
    context = _common(rs, ["afsim_result", "status", "beliefs", "ensemble", "worlds", "replications", "started",
                           "finished"])
    context.update(
        title=f"{manifest.get('scenario_path')} across {manifest.get('worlds')} plausible worlds",
        subtitle=f"{manifest.get('replications')} paired replications in each world · reading "
                 f"{manifest.get('beliefs') or 'default'}",
        summary=summary.worlds_summary(rs),
        table=parts.table(["outcome", "unit", "median over worlds", "5% .. 95% of worlds", "share of worlds better",
                           "noise (one world's 95% CI)"], rows, "across_worlds", numeric={2, 4},
                          raw=spread.to_dict("records")),
        figures=[parts.figure(spread_figure(rs), "Spread across worlds beside one world's noise CI.")],
        chart=parts.effect_chart(parts.outcome_rows(outcomes), list(WORLD_SERIES), _world_points(spread, outcomes)),
        arguments=parts.arguments_for(manifest.get("scenario_path") or "", None), evidence=parts.evidence(found))
    return _with_not_modelled(context, [c for ch in found for c in ch.claims])


WORLD_SERIES = ("across worlds (5-95%)", "noise (one world's 95% CI)")


def _world_points(spread: Any, outcomes: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """The interactive chart's two series per outcome: the spread across worlds and one world's noise."""
    points = {}
    for _, r in spread[spread["outcome"].isin(outcomes)].iterrows():
        median, half, label = float(r["worlds_median"]), float(r["noise_half_width"]), outcome_label(r["outcome"])
        points[(r["outcome"], WORLD_SERIES[0])] = {
            "value": median, "lo": float(r["worlds_p5"]), "hi": float(r["worlds_p95"]), "judged": "",
            "hover": f"{label}: median {format_number(median)}, 5-95% of worlds {format_number(r['worlds_p5'])} to "
                     f"{format_number(r['worlds_p95'])}; better in "
                     f"{parts.share_text(r['share_of_worlds_better'])} of worlds"}
        points[(r["outcome"], WORLD_SERIES[1])] = {
            "value": median, "lo": median - half, "hi": median + half, "judged": "",
            "hover": f"{label}: one world's 95% CI is +/- {format_number(half)} (simulation noise)"}
    return points


@context_for("calibration")
def calibration_context(rs: ResultSet) -> Context:
    stored, design = rs["summary"], rs["design"]["design"]
    samples = sum(s["samples"] for s in stored["strata"].values())
    context = _common(rs, ["afsim_result", "status", "design", "fingerprint", "started", "finished"])
    context.update(parts.calibration_tables(stored, TOP_RANGES))
    context.update(
        title="Plausible worlds: which samples reproduce the declared patterns",
        subtitle=f"afsim calibrate · {len(stored['strata'])} strata · {samples:,} samples of "
                 f"{len(design['parameters'])} parameters · {len(rs['ensemble']):,} accepted worlds",
        summary=summary.calibration_summary(rs), design=parts.table(
            ["setting", "value"], [[k, "none" if v is None else ", ".join(map(str, v)) if isinstance(v, list) else v]
                                   for k, v in design.items() if k not in ("parameters", "patterns")], "design"),
        figures=[parts.figure(acceptance_figure(rs), "Share of each stratum's samples that reproduce every pattern."),
                 parts.figure(rejections_figure(rs), "Samples each pattern rejected, as a share of all samples."),
                 parts.figure(ranges_figure(rs), "Accepted against sampled range for the parameters the patterns "
                              "constrain most.")])
    return _with_not_modelled(context, [card["id"] for card in context["evidence"]["cited"]])


def render_report(path: str | Path) -> str:
    """The HTML text of a result set's report (drawn from the stored results only)."""
    rs = ResultSet.load(path)
    if rs.kind not in BUILDERS:
        raise InputError(str(path), f"no report for a {rs.kind} result set (known: {', '.join(BUILDERS)})")
    context = BUILDERS[rs.kind](rs)
    context.update(kind=rs.kind, result_name=Path(path).resolve().name)
    return _environment().get_template(f"{rs.kind}.html.j2").render(**context)


def write_report(path: str | Path, out: str | Path | None = None) -> Path:
    """Write one self-contained HTML report (default ``<result set>/report.html``); return its path."""
    text = render_report(path)
    target = Path(out) if out is not None else Path(path) / "report.html"
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError("--out", f"cannot write the report to {target}: {exc.strerror or exc}") from None
    return target
