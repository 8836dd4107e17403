"""The pieces every report is made of, as plain values for the templates (``present/templates``).

Each function turns stored numbers or registry entries into dicts and lists a template lays out:
tables with their CSV download, embedded figures, the evidence behind what a run changed, the
arguments that a run bears on, what the model leaves out, the provenance.  No HTML is written
here (the templates escape everything they are given); only the interactive effect chart's
coordinates are computed, because a template should not do geometry.
"""

from __future__ import annotations

import base64
import csv
import io
import math
import os
from functools import cache
from typing import TYPE_CHECKING, Any

import yaml

from afsim.model.outcomes import OUTCOMES
from afsim.present import provenance
from afsim.present.figures.style import judge_effect, outcome_label, outcome_unit, percent, pyplot
from afsim.present.tables import format_number
from afsim.world.claims import DATA, SOURCES, load_claims

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SHOWN_ELSEWHERE = {"versions", "parameters", "levers", "scenario_text", "vary", "updated"}


def ci_text(mean: Any, lo: Any, hi: Any) -> str:
    f = format_number
    return f"{f(float(mean))} [{f(float(lo))}, {f(float(hi))}]"


def share_text(x: Any) -> str:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return "-"
    return "-" if value != value else f"{100 * value:.0f}%"


def portable(value: Any) -> Any:
    """``value`` with every absolute path cut to its file name: a report is mailed, not tied to one machine."""
    if isinstance(value, str) and os.path.isabs(value) and len(value) > 1:
        return os.path.basename(value.rstrip(os.sep)) or value
    if isinstance(value, dict):
        return {portable(k): portable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [portable(v) for v in value]
    return value


# -- tables and figures -------------------------------------------------------------------------

def table(header: list[str], rows: list[list[Any]], name: str, *, numeric: set[int] | None = None,
          row_classes: list[str] | None = None, raw: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A table for the ``table`` macro, with its CSV download (``raw`` records, full precision, if given)."""
    buffer = io.StringIO()
    if raw:
        writer = csv.DictWriter(buffer, fieldnames=list(raw[0]), lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: portable(v) for k, v in r.items()} for r in raw)
    else:
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(buffer.getvalue().encode()).decode("ascii")
    return {"header": header, "rows": rows, "numeric": numeric or set(), "classes": row_classes or [""] * len(rows),
            "csv": href, "csv_name": f"{name}.csv"}


def figure(fig: Figure | None, caption: str, dpi: int = 100) -> dict[str, str] | None:
    """A figure as an embedded PNG (base64 data URI) with its caption; the figure is closed."""
    if fig is None:
        return None
    plt = pyplot()
    buffer = io.BytesIO()
    title = fig._suptitle.get_text() if fig._suptitle is not None else caption
    try:
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return {"src": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), "alt": title,
            "caption": caption}


def comparison_table(comparison: Any, name: str = "comparison") -> dict[str, Any]:
    rows, classes = [], []
    f = format_number
    for _, r in comparison.iterrows():
        rows.append([r["outcome"], outcome_label(r["outcome"]), r["unit"], f(float(r["baseline_mean"])),
                     f(float(r["scenario_mean"])), ci_text(r["difference"], r["ci_low"], r["ci_high"]),
                     share_text(r["share_better"]), share_text(r["share_worse"]), int(r["n"])])
        classes.append(judge(r))
    return table(["outcome", "meaning", "unit", "baseline", "scenario", "difference [95% CI]", "better", "worse",
                  "n"], rows, name, numeric={3, 4, 5, 6, 7, 8}, row_classes=classes,
                 raw=comparison.to_dict("records"))


def judge(row: Any) -> str:
    return judge_effect(row.get("better"), float(row["difference"]), float(row["ci_low"]), float(row["ci_high"]),
                        float(row["baseline_mean"]))


# -- the interactive effect chart ------------------------------------------------------------------

CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT, SERIES_GAP = 1000, 330, 14, 12
LABEL_CHARS = 52  # longer labels are cut at a word; the full label is the row's hover text


def effect_chart(rows: list[tuple[str, str]], series: list[str], points: dict[tuple[str, str], dict[str, Any]],
                 *, shared_scale: bool = False) -> dict[str, Any]:
    """Coordinates of an inline-SVG effect chart: one band per row (an outcome), each with its own scale
    symmetric about zero (or one scale for all rows when they share a unit, as a tornado's do), one dot and
    CI line per series (a reading, a side, a parameter end).

    ``points[(row, series)]`` holds value, lo, hi, judged, and hover text.  Each series gets a CSS class
    so the report's checkboxes can hide it; each dot carries an SVG ``<title>`` shown on hover.
    """
    plot_width = CHART_WIDTH - LABEL_WIDTH - 20
    band = ROW_HEIGHT * max(len(series), 1) + SERIES_GAP
    out_rows = []

    def reach_of(keys: list[str]) -> float:
        values = [abs(v) for key in keys for s in series if (key, s) in points
                  for v in (points[(key, s)]["value"], points[(key, s)]["lo"], points[(key, s)]["hi"]) if v == v]
        return (max(values) if values else 0.0) * 1.1 or 1.0

    common = reach_of([key for key, _ in rows]) if shared_scale else None
    for i, (key, label) in enumerate(rows):
        reach = common or reach_of([key])
        top = i * band
        centre = LABEL_WIDTH + plot_width / 2

        def x(v: float, reach: float = reach, centre: float = centre) -> float:
            return round(centre + (v / reach) * plot_width / 2, 1)

        dots = []
        for j, s in enumerate(series):
            p = points.get((key, s))
            if p is None or p["value"] != p["value"]:
                continue
            y = top + SERIES_GAP / 2 + ROW_HEIGHT * (j + 0.5)
            lo = p["lo"] if p["lo"] == p["lo"] else p["value"]
            hi = p["hi"] if p["hi"] == p["hi"] else p["value"]
            dots.append({"series": j, "x": x(p["value"]), "x1": x(lo), "x2": x(hi), "y": round(y, 1),
                         "judged": p.get("judged") or "none", "hover": p["hover"]})
        short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rsplit(" ", 1)[0] + "…"
        out_rows.append({"label": short, "full_label": label, "y": top + band / 2, "top": top, "bottom": top + band,
                         "dots": dots,
                         "ticks": [{"x": x(v), "text": format_number(v)} for v in (-reach / 1.1, reach / 1.1)]})
    return {"shared": shared_scale, "width": CHART_WIDTH, "height": band * len(rows) + 24,
            "zero": LABEL_WIDTH + plot_width / 2, "label_width": LABEL_WIDTH, "rows": out_rows, "series": series,
            "axis_y": band * len(rows) + 14}


def comparison_points(comparison: Any, name: str, outcomes: list[str] | None = None
                      ) -> dict[tuple[str, str], dict[str, Any]]:
    """Chart points for one comparison table (one series called ``name``)."""
    out = {}
    for _, r in comparison.iterrows():
        if outcomes is not None and r["outcome"] not in outcomes:
            continue
        base = float(r["baseline_mean"])
        share = f" ({percent(float(r['difference']) / abs(base))} of baseline)" if base and base == base else ""
        judged = judge(r)
        out[(r["outcome"], name)] = {
            "value": float(r["difference"]), "lo": float(r["ci_low"]), "hi": float(r["ci_high"]), "judged": judged,
            "hover": f"{name}: {outcome_label(r['outcome'])}: {ci_text(r['difference'], r['ci_low'], r['ci_high'])} "
                     f"{r['unit']}{share}" + (f", {judged}" if judged else "")}
    return out


def outcome_rows(outcomes: list[str]) -> list[tuple[str, str]]:
    return [(o, f"{outcome_label(o)} ({outcome_unit(o)})" if outcome_unit(o) else outcome_label(o))
            for o in outcomes]


def headline(comparison: Any) -> list[str]:
    return [o for o in comparison["outcome"] if o in OUTCOMES and OUTCOMES[o].headline]


# -- evidence -----------------------------------------------------------------------------------

@cache
def source_index() -> dict[str, dict[str, str]]:
    """The sources' metadata (``data/sources/index.yaml``): title, author, date, note."""
    with open(SOURCES / "index.yaml", encoding="utf-8") as f:
        return {str(k): {kk: str(vv) for kk, vv in v.items()} for k, v in yaml.safe_load(f).items()}


def source_title(name: str) -> str:
    """'Title' — author, date, from the index; the file name when the index does not know it."""
    entry = source_index().get(name)
    if entry is None:
        return name
    return f"“{entry['title']}” — {entry.get('author', '')}, {entry.get('date', '')}".strip(", ")


def claim_card(cid: str) -> dict[str, Any]:
    claim = load_claims().get(cid)
    if claim is None:
        return {"id": cid, "missing": True}
    return {"id": cid, "missing": False, "quote": claim.quote, "source": claim.source,
            "source_title": source_title(claim.source),
            "evidence": claim.evidence, "contested_by": list(claim.contested_by), "asserts": claim.asserts,
            "informs": "; ".join(f"{i.parameter}: {i.supports}" for i in claim.informs)}


def evidence(changes: list[provenance.Change]) -> dict[str, Any]:
    """The changes with their claims or assumptions, every cited claim and every claim contesting one."""
    registry = load_claims()
    rows = []
    for c in changes:
        support = ", ".join(c.claims)
        if c.assumption:
            support = f"{support}; assumption: {c.assumption}" if support else f"assumption: {c.assumption}"
        rows.append([c.kind, c.name, c.arm, c.setting, support or "no claim recorded"])
    cited = list(dict.fromkeys(cid for c in changes for cid in c.claims))
    contesting = list(dict.fromkeys(cid for c in cited if c in registry for cid in registry[c].contested_by
                                    if cid not in cited))
    return {"changes": table(["kind", "name", "arm", "setting", "claims / assumption"], rows, "changes") if rows
            else None, "cited": [claim_card(c) for c in cited], "contesting": [claim_card(c) for c in contesting]}


@cache
def not_modelled_claims() -> dict[str, str]:
    with open(DATA / "not_modelled.yaml", encoding="utf-8") as f:
        return {str(k): " ".join(str(v).split()) for k, v in (yaml.safe_load(f) or {}).items()}


def not_modelled(cited: list[str] | None = None) -> list[dict[str, Any]]:
    """Claims the model reads nowhere, with why; those from the sources the result cites first."""
    sources = {load_claims()[c].source for c in cited or [] if c in load_claims()}
    registry = load_claims()
    items = []
    for cid, reason in not_modelled_claims().items():
        claim = registry.get(cid)
        source = claim.source if claim else ""
        items.append({"id": cid, "reason": reason, "quote": claim.quote if claim else "",
                      "source_title": source_title(source) if source else "", "near": source in sources})
    return sorted(items, key=lambda i: (not i["near"], i["id"]))


# -- arguments -----------------------------------------------------------------------------------

class _Row:
    """A comparison row as an argument's outcome test reads it."""

    def __init__(self, r: Any) -> None:
        self.ci_low, self.ci_high = float(r["ci_low"]), float(r["ci_high"])
        self.baseline_mean, self.difference = float(r["baseline_mean"]), float(r["difference"])


def arguments_for(scenario_file: str, comparison: Any | None) -> list[dict[str, Any]]:
    """The sources' arguments tested by this scenario: judged on this result's comparison where it has
    every outcome an argument names (the same test `afsim argue` applies), else their mechanisms only."""
    from afsim.studies.arguments import load_arguments

    name = os.path.basename(scenario_file or "")
    by_outcome = {r["outcome"]: r for _, r in comparison.iterrows()} if comparison is not None else {}
    out = []
    for a in load_arguments().values():
        if a.scenario != name:
            continue
        item = {"id": a.id, "source_title": source_title(a.source), "argument": a.argument, "claims": list(a.claims),
                "mechanisms": list(a.mechanisms), "note": a.note, "tests": [], "verdict": None, "readings": [],
                "argue_result": "", "across": ""}
        if all(t.outcome in by_outcome for t in a.outcomes):
            overall, each = a.verdict({t.outcome: _Row(by_outcome[t.outcome]) for t in a.outcomes})
            item["verdict"] = overall
            for t in a.outcomes:
                r = by_outcome[t.outcome]
                item["tests"].append({"claimed": t.describe(), "verdict": each[t.outcome],
                                      "effect": ci_text(r["difference"], r["ci_low"], r["ci_high"])})
        else:
            item["tests"] = [{"claimed": t.describe(), "verdict": "", "effect": ""} for t in a.outcomes]
        out.append(item)
    return out


def companion(path: Any, kind: str, scenario_sha256: str | None = None) -> tuple[str, Any] | None:
    """The newest complete result set of ``kind`` beside this one (under the same results root), of the same
    scenario file when a hash is given: a run's report borrows its readings and verdicts from it.  Returns
    its name relative to the root (never an absolute path) and the loaded result set."""
    import json
    from pathlib import Path

    from afsim.results.resultset import ResultSet

    here = Path(path).resolve()
    found = []
    for manifest in here.parent.parent.glob("*/*/manifest.json"):
        if manifest.parent == here:
            continue
        try:
            info = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if info.get("afsim_result") != kind or info.get("status") != "complete":
            continue
        if scenario_sha256 is not None and info.get("scenario_sha256") != scenario_sha256:
            continue
        found.append((str(info.get("finished") or ""), manifest.parent))
    if not found:
        return None
    folder = max(found)[1]
    return f"{folder.parent.name}/{folder.name}", ResultSet.load(folder)


def with_argue_verdicts(arguments: list[dict[str, Any]], argue: tuple[str, Any] | None) -> list[dict[str, Any]]:
    """The arguments with their verdict under each reading from an argue result, where there is one."""
    if argue is None:
        return arguments
    name, result = argue
    judged = result["verdicts"].drop_duplicates(["argument", "reading"])
    for a in arguments:
        rows = judged[judged["argument"] == a["id"]]
        a["readings"] = [{"reading": r, "verdict": v} for r, v in zip(rows["reading"], rows["verdict"], strict=True)]
        a["argue_result"] = name
        if len(rows):
            counts = rows["verdict"].value_counts()
            a["across"] = ", ".join(f"{v} under {counts[v]} of {len(rows)}" for v in counts.index) + f" ({name})"
    return arguments


# -- cost per death averted ------------------------------------------------------------------------

def paired_row(replications: Any, outcome: str) -> dict[str, Any] | None:
    """Mean paired difference and 95% t interval of one outcome, from the stored replications."""
    from scipy import stats

    if replications is None or outcome not in replications:
        return None
    wide = replications.astype({"arm": str}).pivot_table(index="replication", columns="arm", values=outcome).dropna()
    diff = (wide["scenario"] - wide["baseline"]).to_numpy(float)
    if diff.size < 2:
        return None
    mean, half = diff.mean(), stats.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / math.sqrt(diff.size)
    return {"outcome": outcome, "difference": mean, "ci_low": mean - half, "ci_high": mean + half,
            "unit": outcome_unit(outcome)}


def cost_per_death_averted(comparison: Any, replications: Any = None) -> dict[str, Any] | None:
    """US cost added per death averted (all targets), when a result has both outcomes.

    The ratio of the two mean paired differences; stated only when the deaths averted are
    distinguishable from zero (their CI lies below zero), otherwise said to be undefined.  Deaths
    are ``killed_total``, from the comparison or else from the stored replications.
    """
    rows = {r["outcome"]: r for _, r in comparison.iterrows()}
    if "killed_total" not in rows and (found := paired_row(replications, "killed_total")) is not None:
        rows["killed_total"] = found
    if "us_cost_total" not in rows or "killed_total" not in rows:
        return None
    cost, killed = rows["us_cost_total"], rows["killed_total"]
    averted = -float(killed["difference"])
    out = {"cost": ci_text(cost["difference"], cost["ci_low"], cost["ci_high"]), "cost_unit": cost["unit"],
           "averted": ci_text(averted, -float(killed["ci_high"]), -float(killed["ci_low"])), "ratio": None,
           "range": None}
    if float(killed["ci_high"]) < 0:
        ratio = float(cost["difference"]) / averted
        out["ratio"] = format_number(ratio)
        bounds = [float(cost["difference"]) / -float(killed[k]) for k in ("ci_low", "ci_high")]
        if all(math.isfinite(b) for b in bounds):
            out["range"] = f"{format_number(min(bounds))} to {format_number(max(bounds))}"
    return out


# -- provenance ----------------------------------------------------------------------------------

def provenance_table(manifest: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """The manifest's record of how the result set was made: the given keys first, then any others."""
    import json

    rows = []
    rest = [k for k in manifest if k not in keys and k not in SHOWN_ELSEWHERE]
    for key in [*keys, *rest]:
        if key not in manifest:
            continue
        value = portable(manifest[key])
        if isinstance(value, dict | list):
            value = json.dumps(value, sort_keys=False)
        rows.append([key, "" if value is None else value])
    return table(["field", "value"], rows, "provenance")


def versions_table(manifest: dict[str, Any]) -> dict[str, Any] | None:
    versions = manifest.get("versions")
    if not isinstance(versions, dict):
        return None
    return table(["package", "version"], [[k, v] for k, v in versions.items()], "versions")


# -- calibrations ----------------------------------------------------------------------------------

def calibration_tables(stored: dict[str, Any], top: int) -> dict[str, Any]:
    """afsim calibrate's summary as tables: acceptance per stratum, rejections per pattern, every parameter's
    accepted range (most constrained first); and the evidence behind the ``top`` most constrained parameters."""
    from afsim.present.figures.calibration import ranked_ranges, rejections, share_label

    f, ranges = format_number, stored["ranges"]
    strata = [{"stratum": name, **s} for name, s in stored["strata"].items()]
    pooled = rejections(stored)
    ranked = ranked_ranges(stored)
    rows = [{"parameter": p, "plausible_low": r["plausible"][0], "plausible_high": r["plausible"][1],
             **dict(zip(("accepted_p5", "accepted_median", "accepted_p95"), r["accepted"] or (None,) * 3, strict=True)),
             "width": r.get("width"), "ks_p": r.get("ks_p"), "constrained": r["constrained"]}
            for p, r in [*((p, ranges[p]) for p in ranked), *((p, r) for p, r in ranges.items() if p not in ranked)]]
    changes = []
    for p in ranked[:top]:
        claims, assumption, spec = provenance.parameter_provenance(p)
        unit = f" {spec.unit}" if spec is not None and spec.unit else ""
        changes.append(provenance.Change("varied", p, "calibration", f"accepted {f(ranges[p]['accepted'][0])} to "
                                         f"{f(ranges[p]['accepted'][2])} of {ranges[p]['plausible'][0]:g} to "
                                         f"{ranges[p]['plausible'][1]:g}{unit}", claims, assumption))
    return {
        "acceptance": table(["stratum", "samples", "accepted", "acceptance"],
                            [[s["stratum"], f"{s['samples']:,}", f"{s['accepted']:,}", f"{s['rate']:.1%}"]
                             for s in strata], "acceptance", numeric={1, 2, 3}, raw=strata),
        "rejections": table(["pattern", "kind", "rejected", "judged", "share of judged", "share of all samples"],
                            [[r["pattern"], r["kind"], f"{r['rejected']:,}", f"{r['judged']:,}",
                              share_label(r["rejected"] / max(r["judged"], 1)), share_label(r["share_of_samples"])]
                             for r in pooled], "rejections", numeric={2, 3, 4, 5}, raw=pooled),
        "ranges": table(["parameter", "plausible range", "accepted 5% .. 95%", "accepted median", "width",
                         "KS p", "constrained"],
                        [[r["parameter"], f"{r['plausible_low']:g} to {r['plausible_high']:g}",
                          "" if r["accepted_p5"] is None else f"{f(r['accepted_p5'])} .. {f(r['accepted_p95'])}",
                          "" if r["accepted_median"] is None else f(r["accepted_median"]),
                          "" if r["width"] is None else f(r["width"]), "" if r["ks_p"] is None else f"{r['ks_p']:.2g}",
                          {True: "constrained", False: "wide"}.get(r["constrained"], "too few worlds")] for r in rows],
                        "accepted_ranges", numeric={3, 4, 5}, raw=rows),
        "evidence": evidence(changes)}
