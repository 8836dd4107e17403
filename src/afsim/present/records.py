"""The ``--json`` output of run, argue, analyze and claims: one JSON object for scripts.

Schema ``afsim/1`` (README, "Scripting with --json"): every object has ``schema``, ``kind`` and, for
commands that write a result set, ``result_set`` (its folder).  The rows carry exactly the columns
of the result set's stored tables (comparison.csv, verdicts.csv, sensitivity.json), with the same
numbers; a missing number (NaN) is ``null``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

SCHEMA = "afsim/1"


def _plain(value: Any) -> Any:
    """JSON-ready: NaN and infinities become null, numpy scalars Python numbers, tuples lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(kind: str, **fields: Any) -> str:
    """One ``afsim/1`` object as indented JSON text."""
    return json.dumps(_plain({"schema": SCHEMA, "kind": kind, **fields}), indent=2, ensure_ascii=False)


def report_json(report: Any) -> str:
    """A finished job's report as JSON (run, across-beliefs, credence ensemble, argue)."""
    from afsim.results.runs import AcrossReport, RunReport
    from afsim.studies.arguments import ArgueReport
    from afsim.studies.credence import CredenceReport

    where = {"result_set": str(report.path)}
    if isinstance(report, RunReport):
        return dumps("run", scenario=report.scenario, baseline=report.baseline, beliefs=report.beliefs,
                     replications=report.replications, status=report.status, **where,
                     differences=[list(d) for d in report.differences],
                     comparison=[r.as_dict() for r in report.rows])
    if isinstance(report, AcrossReport):
        return dumps("across-beliefs", scenario=report.scenario, baseline=report.baseline, status=report.status,
                     **where, by_reading={name: [r.as_dict() for r in rows]
                                          for name, rows in report.by_reading.items()})
    if isinstance(report, CredenceReport):
        return dumps("credence-ensemble", scenario=report.scenario, baseline=report.baseline,
                     replications=report.replications, **where, comparison=[r.as_dict() for r in report.rows],
                     conditional=report.conditional)
    if isinstance(report, ArgueReport):
        return dumps("argue", readings=report.readings, **where,
                     arguments=[{"id": a.id, "source": a.source[:3], "argument": a.argument} for a in report.arguments],
                     verdicts=report.rows, flips=report.flips)
    raise TypeError(f"no JSON form for {type(report).__name__}")


def sensitivity_json(sweep_dir: str, method: str, results: list[dict[str, Any]]) -> str:
    """``afsim analyze --json``: the indices exactly as stored in the sweep's sensitivity.json."""
    return dumps("sensitivity", method=method, result_set=str(sweep_dir), indices=results)


def claims_json(claims: list[Any], reasons: dict[str, str | None] | None = None) -> str:
    """``afsim claims --json``: every matching claim in full; with ``reasons``, why it is not modelled."""
    rows = []
    for c in claims:
        row = asdict(c)
        if reasons is not None:
            row["not_modelled"] = reasons.get(c.id)
        rows.append(row)
    return dumps("claims", claims=rows)
