"""``afsim diff A B``: why the numbers of two result sets differ.

Compares what their manifests record (parameters per arm, levers and events, reading, evidence,
seed and sample size, engine, the SHA-256 of every input file, of afsim's data and of each
computing source file, package versions) and their outcomes (each effect and its 95% CI), then
says which input differences can explain the outcomes that moved beyond noise, the most
far-reaching first.  A result set written by an older afsim is read as far as it records
inputs (what it lacks is said), or refused with the reason when this afsim cannot read it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import afsim
from afsim.errors import InputError
from afsim.results.manifest import changes
from afsim.results.resultset import ResultSet

EFFECTS = {"paired-run": ("comparison", ("outcome",), "difference", None),
           "credence-ensemble": ("comparison", ("outcome",), "difference", None),
           "across-beliefs": ("across", ("reading", "outcome"), "difference", None),
           "argue": ("verdicts", ("argument", "reading", "outcome"), "effect", "outcome_verdict")}
"""Kind -> (its table of effects, the columns naming a row, the effect column, a verdict column)."""

NOT_INPUTS = {"status", "started", "updated", "finished", "resume", "unfinished_chunks", "replications_done",
              "failed_replications", "chunks_done", "stopped_because", "scenario_file", "scenario_text", "inputs",
              "versions", "afsim_result", "chunk_size", "series", "scenarios", "scenario_sha256"}
"""Manifest fields that record how a job went or where, never what determines its numbers."""

REACH = ("code", "data", "evidence", "reading", "parameter", "policy", "scenario", "engine", "packages", "noise")
"""Kinds of input difference, the most far-reaching first (model source can move anything; a seed only noise)."""


@dataclass
class InputChange:
    reach: str  # one of REACH
    text: str
    parameters: list[str] = field(default_factory=list)  # the parameter changes it brings about

    def __str__(self) -> str:
        return self.text + (f" (sets {', '.join(self.parameters)})" if self.parameters else "")


@dataclass
class OutcomeChange:
    row: str  # the outcome (with its reading / argument)
    a: tuple[float, float, float]  # effect, CI low, CI high
    b: tuple[float, float, float]
    verdicts: tuple[str, str] | None = None

    @property
    def shift(self) -> float:
        return self.b[0] - self.a[0]

    @property
    def beyond_noise(self) -> bool:
        """The effects differ by more than their 95% half-widths combined (independent draws; conservative
        when both share a seed)."""
        noise = math.hypot((self.a[2] - self.a[1]) / 2, (self.b[2] - self.b[1]) / 2)
        return abs(self.shift) > noise or (self.verdicts is not None and self.verdicts[0] != self.verdicts[1])


@dataclass
class ResultDiff:
    a: Path
    b: Path
    kind: str
    inputs: list[InputChange] = field(default_factory=list)
    outcomes: list[OutcomeChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def explanation(self) -> list[str]:
        """Which input differences explain the outcomes that moved, in plain words."""
        moved = [o for o in self.outcomes if o.beyond_noise]
        reaches = [r for r in REACH if any(c.reach == r for c in self.inputs)]
        real = [r for r in reaches if r != "noise"]
        if not self.inputs:
            return ["No recorded input differs." + (
                f" Yet {len(moved)} outcome(s) moved beyond noise: an input afsim does not record, or a bug; "
                "report it with both manifests." if moved else " The outcomes agree within noise, as they should.")]
        if not moved:
            return [f"No outcome moved beyond noise; the input differences ({', '.join(reaches)}) change nothing "
                    "a 95% CI can tell apart." if self.outcomes else "No outcome is in both to compare."]
        names = ", ".join(o.row for o in moved[:6]) + (" ..." if len(moved) > 6 else "")
        if not real:
            return [f"{len(moved)} outcome(s) moved beyond noise ({names}) although only the seed or sample size "
                    "differs: at 95% confidence about one effect in 20 does so by chance."]
        lines = [f"{len(moved)} outcome(s) moved beyond noise ({names}). What explains it, the most far-reaching "
                 "first:"]
        lines += [f"  - {c}" for c in self.inputs if c.reach != "noise"]
        if "code" in real or "data" in real:
            lines.append("  (afsim's model source or shipped data differs: that alone can move every outcome)")
        return lines


def _open(path: str | Path) -> ResultSet:
    """Read a result set, or refuse it saying which afsim wrote it and why this one cannot read it."""
    from afsim.results.folder import ResultFolder

    try:
        return ResultSet.load(path)
    except InputError as exc:
        try:
            info = ResultFolder.existing(path).read_manifest()
        except InputError:
            raise exc from None
        writer = info.get("versions", {}).get("afsim")
        if writer == afsim.__version__:
            raise  # this afsim's own: the reader's message says it all
        who = f"afsim {writer}" if writer else "an older afsim (it records no version)"
        raise InputError(str(path), f"written by {who} in a form this afsim ({afsim.__version__}) cannot read "
                         f"({exc.problem}); rerun it with this afsim to compare") from None


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): value}


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


REACH_OF = {"levers": "policy", "events": "policy", "readings": "reading", "seed": "noise", "replications": "noise",
            "precision": "noise", "random_scheme": "noise", "engine": "engine", "settings": "parameter"}
"""A manifest field's kind of input (any other: the scenario's, e.g. horizon_months)."""


def _reach(key: str) -> str:
    return REACH_OF.get(key.split(".", 1)[0], "scenario")


def _evidence(record: dict[str, Any] | None) -> str:
    return f"{record['path']} ({len(record['claims'])} claims)" if record else "none"


def _reading_sets(manifest: dict[str, Any]) -> set[str]:
    """The parameters a manifest's reading sets: as its evidence folder recorded them, or as this afsim knows it."""
    from afsim.world import beliefs

    name, evidence = manifest.get("beliefs"), manifest.get("evidence") or {}
    if isinstance(evidence.get("readings"), dict) and name in evidence["readings"]:
        return set(evidence["readings"][name])
    return set(beliefs.readings()[name].overrides()) if name in beliefs.readings() else set()


def manifest_changes(a: dict[str, Any], b: dict[str, Any]) -> list[InputChange]:
    """Every difference of what determines the numbers, from two manifests (B's value after A's); each
    parameter change is put to the input that brings it about (evidence, reading, --set), if any."""
    out = []
    ea, eb = a.get("evidence"), b.get("evidence")
    files = (a.get("inputs") or {}).get("evidence", {}), (b.get("inputs") or {}).get("evidence", {})
    evidence = None
    if files[0] != files[1] or ({k: v for k, v in (ea or {}).items() if k != "path"}
                                != {k: v for k, v in (eb or {}).items() if k != "path"}):
        evidence = InputChange("evidence", f"evidence: {_evidence(ea)} -> {_evidence(eb)}"
                               + ("; its files differ" if ea and eb and files[0] != files[1] else ""))
        out.append(evidence)
    reading = None
    if a.get("beliefs") != b.get("beliefs"):
        reading = InputChange("reading", f"reading: {a.get('beliefs')} -> {b.get('beliefs')}")
        out.append(reading)
    fa, fb = (_flat({k: v for k, v in m.items() if k not in NOT_INPUTS | {"evidence", "beliefs", "parameters"}})
              for m in (a, b))
    for key in sorted({*fa, *fb}):
        if fa.get(key) != fb.get(key):
            out.append(InputChange(_reach(key), f"{key}: {_shown(fa.get(key, '(not recorded)'))} -> "
                                                f"{_shown(fb.get(key, '(not recorded)'))}"))
    by_evidence = {*(ea or {}).get("parameters", {}), *(eb or {}).get("parameters", {})}
    by_setting = {*(a.get("settings") or {}), *(b.get("settings") or {})}
    by_reading = _reading_sets(a) | _reading_sets(b)
    pa, pb = (m.get("parameters") or {} for m in (a, b))
    alone: dict[str, list[str]] = {}
    for arm in ("scenario", "baseline"):
        va, vb = pa.get(arm, {}), pb.get(arm, {})
        for path in [p for p in va if p in vb and va[p] != vb[p]]:
            alone.setdefault(f"{path} {_shown(va[path])} -> {_shown(vb[path])}", []).append(arm)
    for text, arms in alone.items():
        path = text.split()[0]
        cause = (evidence if evidence and path in by_evidence else reading if reading and path in by_reading
                 else None)
        if cause is not None:
            cause.parameters.append(text)
        elif path not in by_setting or not any(c.text.startswith("settings") for c in out):
            out.append(InputChange("parameter", f"parameter {text} ({'both arms' if len(arms) == 2 else arms[0]})"))
    ia, ib = a.get("inputs"), b.get("inputs")
    if ia is not None and ib is not None:
        for text in changes({**ia, "evidence": {}}, {**ib, "evidence": {}}):
            reach = ("code" if text.startswith("source of") else "data" if text.startswith("data file")
                     else "packages" if text.split()[0] in {*ia.get("packages", {}), *ib.get("packages", {})}
                     else "scenario" if text.endswith(("changed", "input")) and not text.startswith(("--set", "engine"))
                     else None)
            if reach:
                out.append(InputChange(reach, text))
    va, vb = a.get("versions", {}), b.get("versions", {})
    out += [InputChange("packages", f"{name} {va.get(name, '(not recorded)')} -> {vb.get(name, '(not recorded)')}")
            for name in ("afsim", "python") if va.get(name) != vb.get(name)]
    return sorted(out, key=lambda c: REACH.index(c.reach))


def outcome_changes(a: ResultSet, b: ResultSet) -> list[OutcomeChange]:
    """Each effect in A and in B, matched by outcome (and reading, argument)."""
    import pandas as pd

    table, keys, effect, verdict = EFFECTS[a.kind]
    ta, tb = (pd.DataFrame(getattr(rs, table)) for rs in (a, b))
    if "reading" in keys and ta["reading"].nunique() == tb["reading"].nunique() == 1:
        keys = tuple(k for k in keys if k != "reading")  # one reading against another: match the rest
    merged = ta.merge(tb, on=list(keys), suffixes=("_a", "_b"))
    return [OutcomeChange(" / ".join(str(row[k]) for k in reversed(keys)),
                          (row[f"{effect}_a"], row["ci_low_a"], row["ci_high_a"]),
                          (row[f"{effect}_b"], row["ci_low_b"], row["ci_high_b"]),
                          (row[f"{verdict}_a"], row[f"{verdict}_b"]) if verdict else None)
            for _, row in merged.iterrows()]


def diff_result_sets(path_a: str | Path, path_b: str | Path) -> ResultDiff:
    """Compare two result sets of one kind: inputs, outcomes and what explains the change."""
    a, b = _open(path_a), _open(path_b)
    if a.kind != b.kind:
        raise InputError(str(path_b), f"is a {b.kind} result set and {path_a} a {a.kind}: compare two of one kind")
    out = ResultDiff(a.path, b.path, a.kind, manifest_changes(a.manifest, b.manifest))
    for label, rs in (("A", a), ("B", b)):
        info = rs.manifest
        writer = info.get("versions", {}).get("afsim", "an older version (none recorded)")
        if "inputs" not in info:
            out.notes.append(f"{label} was written by afsim {writer}, which recorded no input hashes: changes of "
                             "files, afsim's data and source, and evidence cannot be seen")
        if rs.kind == "paired-run" and "parameters" not in info:
            out.notes.append(f"{label} records no parameter values (afsim {writer}): parameters are not compared")
    if a.kind in EFFECTS:
        out.outcomes = outcome_changes(a, b)
    else:
        out.notes.append(f"outcomes of {a.kind} result sets are not compared, only their inputs")
    return out


def diff_text(diff: ResultDiff) -> str:
    """``afsim diff`` as printed: inputs, outcomes, explanation."""
    lines = [f"A: {diff.a}", f"B: {diff.b}", "", "Inputs that differ (A -> B):"]
    lines += [f"  [{c.reach}] {c}" for c in diff.inputs] or ["  none"]
    lines += [f"note: {n}" for n in diff.notes]
    if diff.outcomes:
        width = max(len(o.row) for o in diff.outcomes)
        lines += ["", "Effects (scenario - baseline) with 95% CI; * moved beyond noise:",
                  f"  {'':{width}}  {'A':>28}  {'B':>28}  {'change':>10}"]
        for o in diff.outcomes:
            a, b = (f"{x[0]:.4g} [{x[1]:.4g}, {x[2]:.4g}]" for x in (o.a, o.b))
            verdicts = f"  {o.verdicts[0]} -> {o.verdicts[1]}" if o.verdicts and o.verdicts[0] != o.verdicts[1] else ""
            lines.append(f"{'*' if o.beyond_noise else ' '} {o.row:{width}}  {a:>28}  {b:>28}  {o.shift:>+10.4g}"
                         f"{verdicts}")
    return "\n".join([*lines, "", *diff.explanation()])
