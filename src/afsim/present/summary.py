"""The plain-language summary at the top of a report, written from the stored numbers.

Each function returns (label, sentence) pairs — what changed, what it did, how sure, where it
reverses, which claims carry it — so two results with different numbers read differently, and a
sentence never states more than the numbers show: an effect is called better or worse only when
its 95% CI excludes zero and it is not negligible (:func:`afsim.present.figures.style.judge_effect`).
"""

from __future__ import annotations

from typing import Any

from afsim.present import provenance
from afsim.present.figures.style import NEGLIGIBLE_SHARE, outcome_label, percent
from afsim.present.report_parts import ci_text, headline, judge
from afsim.present.tables import format_number

Summary = list[tuple[str, str]]
SHOWN_EFFECTS = 5


def _relative(r: Any) -> float:
    base = float(r["baseline_mean"])
    return abs(float(r["difference"]) / base) if base and base == base else 0.0


def effect_phrase(r: Any) -> str:
    """'Killed in ISIS-K attacks on Russia: 120 → 108 people, −12.0 [−19.0, −5.0] (−10% of baseline)'."""
    f = format_number
    base = float(r["baseline_mean"])
    share = f" ({percent(float(r['difference']) / abs(base))} of baseline)" if base and base == base else ""
    return (f"{outcome_label(r['outcome'])}: {f(base)} → {f(float(r['scenario_mean']))} {r['unit']}, "
            f"{ci_text(r['difference'], r['ci_low'], r['ci_high'])}{share}")


def changed(manifest: dict[str, Any]) -> str:
    found = [c for c in provenance.changes(manifest) if c.arm != "both"]
    names = provenance.arm_names(manifest)
    if not found:
        return f"{names['scenario']} sets nothing that differs from {names['baseline']}."
    return (f"{names['scenario']} differs from {names['baseline']} in: "
            + "; ".join(f"{c.kind} {c.name} = {c.setting}" for c in found) + ".")


def carried_by(manifest: dict[str, Any]) -> str:
    found = [c for c in provenance.changes(manifest) if c.arm != "both"]
    claims = list(dict.fromkeys(cid for c in found for cid in c.claims))
    assumptions = [c.name for c in found if c.assumption and not c.claims]
    text = ("The change rests on " + ", ".join(claims)) if claims else "No source claim is recorded for the change"
    if assumptions:
        text += "; modelling assumptions (no claim): " + ", ".join(assumptions)
    return text + " (quotes under “What the scenario changes”)."


def comparison_effects(comparison: Any, n: Any) -> tuple[str, str]:
    """'What it did' and 'How sure' for one paired comparison table."""
    rows = [r for _, r in comparison.iterrows() if r["outcome"] in set(headline(comparison))]
    judged = [(judge(r), r) for r in rows]
    moved = sorted([(v, r) for v, r in judged if v in ("better", "worse")], key=lambda vr: -_relative(vr[1]))
    if moved:
        did = "; ".join(f"{effect_phrase(r)}, {v}" for v, r in moved[:SHOWN_EFFECTS])
        if len(moved) > SHOWN_EFFECTS:
            did += f"; and {len(moved) - SHOWN_EFFECTS} more (table below)"
        did += "."
    else:
        did = "No headline outcome moved beyond the noise of the replications."
    counts = {k: sum(v == k for v, _ in judged) for k in ("better", "worse", "negligible", "")}
    sure = (f"{n} paired replications (common random numbers); 95% paired t intervals. Of {len(rows)} headline "
            f"outcomes {counts['better']} are better and {counts['worse']} worse (interval excludes zero, effect at "
            f"least {NEGLIGIBLE_SHARE:.0%} of the baseline), {counts['negligible']} negligible, and "
            f"{counts['']} uncertain or without a better direction.")
    return did, sure


def run_summary(rs: dict[str, Any], arguments: list[dict[str, Any]], cost: dict[str, Any] | None,
                across: tuple[str, Any] | None = None) -> Summary:
    """A paired run's summary; ``across`` = (name, result) of an across-beliefs result of the same scenario
    file beside it, whose readings say how far the run's direction holds."""
    manifest = rs["manifest"]
    n = manifest.get("replications_done") or manifest.get("replications")
    did, sure = comparison_effects(rs["comparison"], n)
    reading = manifest.get("beliefs") or "default"
    if across is None:
        sure += (f" Under one reading of the evidence ({reading}); no across-beliefs result of this scenario "
                 "beside it: `afsim run --across-beliefs` shows where it reverses.")
        reverses = "Not known: run across the readings of the evidence to see."
    else:
        name, result = across
        holds, flips = by_reading(result)
        sure += (f" Across the {len(result['manifest'].get('readings') or [])} readings of the across-beliefs "
                 f"result {name}: " + ("; ".join(holds[:SHOWN_EFFECTS]) if holds else "nothing moves beyond noise")
                 + ".")
        reverses = ("; ".join(flips) + ".") if flips else (
            f"No headline outcome is better under one reading and worse under another ({name}).")
    out = [("What changed", changed(manifest)), ("What it did", did), ("How sure", sure),
           ("Where it reverses", reverses), ("Which claims carry it", carried_by(manifest))]
    if arguments:
        out.append(("The sources' arguments", "; ".join(
            f"{a['id']}: {a['verdict'] or 'not judged'}" for a in arguments) + " on this run" + "".join(
            f"; {a['id']} across readings: {a['across']}" for a in arguments if a.get("across")) + "."))
    if cost and cost["ratio"]:
        out.append(("Cost per death averted", f"{cost['ratio']} {cost['cost_unit']} per death averted "
                                              f"({cost['averted']} deaths averted)."))
    return out


def by_reading(rs: dict[str, Any]) -> tuple[list[str], list[str]]:
    """For an across-beliefs result: the headline outcomes that hold one direction under the readings
    (with their range), and those better under some readings but worse under others."""
    readings = list(rs["manifest"].get("readings") or [])
    by_outcome: dict[str, list[tuple[str, str, Any]]] = {}
    for reading, run in zip(readings, rs["runs"], strict=False):
        for _, r in run["comparison"].iterrows():
            if r["outcome"] in set(headline(run["comparison"])):
                by_outcome.setdefault(r["outcome"], []).append((reading, judge(r), r))
    holds, reverses = [], []
    for outcome, entries in by_outcome.items():
        verdicts = {v for _, v, _ in entries if v in ("better", "worse")}
        low = min(float(r["difference"]) for _, _, r in entries)
        high = max(float(r["difference"]) for _, _, r in entries)
        if len(verdicts) == 2:
            worse = [f"{name} ({ci_text(r['difference'], r['ci_low'], r['ci_high'])})"
                     for name, v, r in entries if v == "worse"]
            better = [name for name, v, _ in entries if v == "better"]
            reverses.append(f"{outcome_label(outcome)} is better under {len(better)} readings but worse under "
                            + ", ".join(worse))
        elif verdicts:
            (v,) = verdicts
            count = sum(e[1] == v for e in entries)
            holds.append(f"{outcome_label(outcome)} {v} under {count} of {len(entries)} readings "
                         f"(effect {format_number(low)} to {format_number(high)})")
    return holds, reverses


def across_summary(rs: dict[str, Any], across: list[dict[str, Any]]) -> Summary:
    """Per headline outcome: in how many readings it is better or worse, and where it reverses."""
    manifest = rs["manifest"]
    readings = list(manifest.get("readings") or [])
    first = rs["runs"][0]["manifest"] if rs["runs"] else manifest
    holds, reverses = by_reading(rs)
    n = manifest.get("replications") or first.get("replications")
    did = ("; ".join(holds) + ".") if holds else "No headline outcome moved beyond noise under any reading."
    return [("What changed", changed(first) + f" Run under {len(readings)} readings of the evidence: "
             + ", ".join(readings) + "."),
            ("What it did", did),
            ("How sure", f"{n} paired replications per reading; each reading's 95% CI is in the table below."),
            ("Where it reverses", ("; ".join(reverses) + ".") if reverses
             else "No headline outcome is better under one reading and worse under another."),
            ("Which claims carry it", carried_by(first))]


def credence_summary(rs: dict[str, Any], conditional: list[dict[str, Any]], manifest: dict[str, Any]) -> Summary:
    did, sure = comparison_effects(rs["comparison"], manifest.get("replications"))
    flips = [r for r in conditional if r.get("flip_credence_in_first_side") not in (None, "")
             and r.get("flip_credence_in_first_side") == r.get("flip_credence_in_first_side")]
    spreads = {}
    for r in conditional:
        spreads.setdefault((r["dispute"], r["outcome"]), []).append(float(r["effect"]))
    biggest = sorted(spreads.items(), key=lambda kv: -(max(kv[1]) - min(kv[1])))[:3]
    depends = "; ".join(f"{outcome_label(o)} ranges {format_number(min(v))} to {format_number(max(v))} between "
                        f"the sides of {d}" for (d, o), v in biggest)
    rev = ("; ".join(f"{r['outcome']} under {r['dispute']}: the mixture's effect changes sign at credence "
                     f"{float(r['flip_credence_in_first_side']):.2f} in the first side" for r in flips[:5]) + ".") \
        if flips else "No mixture effect changes sign within the credence range of any dispute."
    return [("What changed", changed(manifest) + " Every replication draws each dispute's side in proportion to "
             "its credence."), ("What it did", did), ("How sure", sure + (f" Side matters most: {depends}."
                                                                         if depends else "")),
            ("Where it reverses", rev), ("Which claims carry it", carried_by(manifest))]


def sweep_summary(rs: dict[str, Any], outcomes: list[str], params: list[str]) -> Summary:
    import numpy as np

    points = rs["points"]
    did = []
    for o in outcomes:
        eff, lo, hi = (points[f"{o}:{k}"].to_numpy(float) for k in ("effect", "effect_lo", "effect_hi"))
        strongest = ""
        if params and len(points) > 2:
            corr = {p: abs(np.corrcoef(points[p].to_numpy(float), eff)[0, 1]) for p in params
                    if np.std(points[p].to_numpy(float)) > 0 and np.std(eff) > 0}
            if corr:
                p = max(corr, key=corr.get)
                strongest = f"; it follows {p} most closely (|r| = {corr[p]:.2f})"
        did.append(f"{outcome_label(o)}: effect {format_number(np.nanmin(eff))} to {format_number(np.nanmax(eff))} "
                   f"across {len(points)} points; below zero at {int((hi < 0).sum())} points, above at "
                   f"{int((lo > 0).sum())}{strongest}")
    both = [o for o in outcomes if (points[f"{o}:effect_hi"] < 0).any() and (points[f"{o}:effect_lo"] > 0).any()]
    return [("What changed", f"{len(params)} parameters varied: " + ", ".join(params) + "."),
            ("What it did", "; ".join(did) + "."),
            ("How sure", f"{rs['manifest'].get('replications')} paired replications per point; a point counts as "
                         "below or above zero when its 95% CI excludes zero."),
            ("Where it reverses", ("The effect changes sign inside the swept range for: "
                                   + ", ".join(outcome_label(o) for o in both) + ".") if both
             else "No outcome's effect is significantly positive at one point and negative at another."),
            ("Which claims carry it", "The varied parameters' claims are quoted under “Varied parameters”.")]


def tornado_summary(rs: dict[str, Any], top: Any) -> Summary:
    frame = rs["tornado"]
    manifest = rs["manifest"]
    base = float(frame["base_effect"].iloc[0]) if len(frame) else float("nan")
    outcome = manifest.get("outcome", "")
    lead = "; ".join(f"{r['parameter']} ({format_number(float(r['effect_low']))} at {r['low']:g} to "
                     f"{format_number(float(r['effect_high']))} at {r['high']:g})" for _, r in top.head(3).iterrows())
    flips = [r["parameter"] for _, r in frame.iterrows()
             if (r["effect_low_hi"] < 0 < r["effect_high_lo"]) or (r["effect_high_hi"] < 0 < r["effect_low_lo"])
             or (base < 0 and min(r["effect_low_lo"], r["effect_high_lo"]) > 0)
             or (base > 0 and max(r["effect_low_hi"], r["effect_high_hi"]) < 0)]
    zero = int((frame["swing"] == 0).sum())
    return [("What changed", f"{len(frame)} parameters, one at a time, set to the low and high end of their range "
                             f"in both arms of {provenance.scenario_name(manifest)}."),
            ("What it did", f"Base effect on {outcome_label(outcome)}: {format_number(base)}. Largest swings: "
                            f"{lead}. {zero} parameters do not move it at all."),
            ("How sure", f"{manifest.get('replications')} paired replications per setting, 95% CIs in the table."),
            ("Where it reverses", ("The effect's sign reverses (CI beyond zero) at an end of: " + ", ".join(flips)
                                   + ".") if flips else "No single parameter's range reverses the effect's sign."),
            ("Which claims carry it", "Each parameter's claims are quoted under “Parameters and the evidence”.")]


def argue_summary(rs: dict[str, Any]) -> Summary:
    judged = rs["verdicts"].drop_duplicates(["argument", "reading"])
    counts = judged["verdict"].value_counts().to_dict()
    robust, split = [], []
    for argument, group in judged.groupby("argument", sort=False):
        kinds = set(group["verdict"])
        if len(kinds) == 1:
            robust.append(f"{argument} {next(iter(kinds))} under every reading")
        else:
            under = {v: ", ".join(group.loc[group["verdict"] == v, "reading"]) for v in sorted(kinds)}
            split.append(f"{argument}: " + ", ".join(f"{v} under {r}" for v, r in under.items()))
    return [("What was judged", f"{judged['argument'].nunique()} arguments of the sources, each under "
                                f"{judged['reading'].nunique()} readings of the evidence."),
            ("What it found", ", ".join(f"{counts.get(k, 0)} {k}" for k in ("supported", "not supported", "reversed"))
             + " (argument × reading cells)."),
            ("Robust", ("; ".join(robust) + ".") if robust else "No argument has one verdict under every reading."),
            ("Where it reverses", ("; ".join(split) + ".") if split else "No verdict depends on the reading."),
            ("How sure", f"{rs['manifest'].get('replications')} paired replications per test; an outcome supports "
                         "its argument when its 95% CI lies on the claimed side.")]


def worlds_summary(rs: dict[str, Any]) -> Summary:
    """run --worlds: the effect across plausible worlds beside one world's noise, from the stored table."""
    manifest, spread = rs["manifest"], rs["across_worlds"]
    lines = [f"{outcome_label(r['outcome'])}: median {format_number(float(r['worlds_median']))} "
             f"(5-95% of worlds {format_number(float(r['worlds_p5']))} to {format_number(float(r['worlds_p95']))}; "
             f"better in {float(r['share_of_worlds_better']):.0%} of worlds)" for _, r in spread.head(4).iterrows()]
    split = [outcome_label(r["outcome"]) for _, r in spread.iterrows()
             if float(r["worlds_p5"]) < 0 < float(r["worlds_p95"])]
    return [("What changed", f"{provenance.scenario_name(manifest)} against its baseline in each of "
                             f"{manifest.get('worlds')} plausible worlds."),
            ("What it did", "; ".join(lines) + "."),
            ("How sure", f"{manifest.get('replications')} paired replications per world: the noise column is one "
                         "world's 95% CI; the 5-95% range is what the plausible worlds disagree on."),
            ("Where it reverses", ("The worlds disagree on the sign of: " + ", ".join(split) + ".") if split
             else "Every outcome's effect keeps its sign across the middle 90% of worlds."),
            ("Which claims carry it", "Each parameter's plausible range and its reason: `afsim params`.")]


def calibration_summary(rs: dict[str, Any]) -> Summary:
    """afsim calibrate: what was sampled, how much was accepted, what rejects most, what the patterns constrain."""
    from afsim.present.figures.calibration import ranked_ranges, rejections

    stored, design = rs["summary"], rs["design"]["design"]
    strata, ranges = stored["strata"], stored["ranges"]
    samples, accepted = sum(s["samples"] for s in strata.values()), sum(s["accepted"] for s in strata.values())
    targets = [p for p in design["patterns"] if ":" not in p]
    rule = ("rejection ABC (each target's statistic in its band)" if design.get("cutoff") is None
            else f"history matching (implausibility at most {design['cutoff']:g} standard errors)")
    rates = sorted(strata.items(), key=lambda kv: kv[1]["rate"])
    top = rejections(stored)[:3]
    narrow = [p for p in ranked_ranges(stored) if ranges[p]["constrained"]]
    wide = sum(1 for r in ranges.values() if r["constrained"] is False)
    f, share = format_number, accepted / max(samples, 1)
    kept = strata[stored["ranges_stratum"]]["accepted"]
    shown = narrow[:5] or ranked_ranges(stored)[:3]
    spans = "; ".join(f"{p} {f(ranges[p]['accepted'][0])} to {f(ranges[p]['accepted'][2])} of "
                      f"{ranges[p]['plausible'][0]:g} to {ranges[p]['plausible'][1]:g}" for p in shown)
    constrain = (f"{len(narrow)} of {len(ranges)} parameters are constrained in the {stored['ranges_stratum']} "
                 f"stratum (accepted values differ from the samples, KS p < 0.001), most: {spans}; {wide} stay "
                 "wide." if narrow else
                 f"No parameter is constrained in the {stored['ranges_stratum']} stratum (KS p < 0.001): all "
                 f"{wide} with accepted worlds stay wide; closest to it (smallest KS p): {spans}." if shown else
                 "Too few accepted worlds to tell what the patterns constrain.")
    return [("What was sampled", f"{len(design['parameters'])} parameters over their plausible ranges (one Latin "
                                 f"hypercube, seed {design['seed']}): {samples:,} samples in {len(strata)} strata, "
                                 f"each judged on {len(targets)} calibration targets by {rule} over "
                                 f"{design['replications']} replications, and the survivors on "
                                 f"{len(design['patterns']) - len(targets)} mechanism contrasts over "
                                 f"{design['mechanism_replications']} replications per arm."),
            ("Acceptance", f"{accepted:,} of {samples:,} samples reproduce every pattern ({share:.1%}); by stratum "
                           f"from {rates[0][1]['rate']:.1%} ({rates[0][0]}) to {rates[-1][1]['rate']:.1%} "
                           f"({rates[-1][0]}), asking for {design['accepted']} accepted worlds each."),
            ("How sure", f"The ranges rest on the {kept} accepted worlds of the {stored['ranges_stratum']} stratum and "
                         "its samples; each judgement on the replications named above (a pattern's Monte Carlo noise "
                         "can accept or reject a world near its band)."),
            ("What rejects most", "; ".join(f"{r['pattern']} rejects {r['rejected']:,} of {r['judged']:,} samples it "
                                            f"judged ({r['rejected'] / max(r['judged'], 1):.0%})" for r in top) + "."),
            ("What the patterns constrain", constrain)]
