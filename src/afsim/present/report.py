"""A self-contained HTML report of a result set: numbers, plots, evidence and provenance in one file.

One file that opens offline and can be mailed or archived: the comparison table, the plots
(embedded PNGs drawn from the stored results), what the scenario changed with the verbatim
quotes and sources that back each change, the scenario file as run, and everything needed to
reproduce the run.  Nothing is loaded from the network; all text is escaped.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from afsim.errors import InputError
from afsim.model.outcomes import OUTCOMES
from afsim.present import provenance
from afsim.present.figures.run import (
    compare_runs_figure,
    forest_figure,
    killed_distribution_figure,
    series_figure,
    verdict,
)
from afsim.present.figures.style import outcome_unit, pyplot
from afsim.present.figures.sweep import sensitivity_figure, sweep_figures, sweep_outcomes
from afsim.present.figures.tornado import tornado_figure
from afsim.present.figures.verdicts import verdict_figure
from afsim.present.figures.worlds import boxes_figure, share_figure, spread_figure
from afsim.present.tables import format_number
from afsim.results.resultset import ResultSet
from afsim.studies.earned import conditions_text
from afsim.world.claims import load_claims, source_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

POINT_ROWS = 200  # sweeps: points shown in the table (all are in points.parquet)

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1200px;
       padding: 0 1rem; color: #1d2433; line-height: 1.45; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 2px solid #dde3ea; padding-bottom: .2rem; margin-top: 2.2rem; }
.sub { color: #556; margin-top: 0; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #d5dbe3; padding: .28rem .55rem; text-align: left; vertical-align: top; }
th { background: #eef2f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.better td.diff { color: #1a7f37; font-weight: 600; } tr.worse td.diff { color: #b42318; font-weight: 600; }
figure { margin: 1rem 0 1.6rem; } figure img { max-width: 100%; border: 1px solid #e3e7ec; }
figcaption { color: #556; font-size: .85rem; }
pre { background: #f6f8fa; border: 1px solid #e3e7ec; padding: .8rem; overflow-x: auto; font-size: .85rem; }
blockquote { margin: .4rem 0 .4rem 0; padding: .4rem .8rem; border-left: 4px solid #9fb3c8; background: #f7f9fb; }
.claim { margin: 1rem 0; } .claim h3 { margin: 0 0 .2rem; font-size: 1rem; }
.meta { color: #556; font-size: .85rem; } .warn { background: #fff4e5; border: 1px solid #f0b35a; padding: .6rem; }
code { background: #f0f3f6; padding: 0 .2rem; border-radius: 3px; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def figure_png(fig: Figure, dpi: int = 100) -> str:
    """A figure as a base64 PNG data URI; the figure is closed, so nothing is left in memory."""
    plt = pyplot()
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure_html(fig: Figure | None, caption: str) -> str:
    if fig is None:
        return ""
    title = fig._suptitle.get_text() if fig._suptitle is not None else caption
    return (f'<figure><img src="{figure_png(fig)}" alt="{_e(title)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _table(header: list[str], rows: list[list[Any]], *, numeric: set[int] | None = None,
           row_classes: list[str] | None = None, cell_classes: dict[int, str] | None = None) -> str:
    numeric = numeric or set()
    cell_classes = cell_classes or {}
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in header), "</tr></thead><tbody>"]
    for i, row in enumerate(rows):
        cls = f' class="{_e(row_classes[i])}"' if row_classes and row_classes[i] else ""
        out.append(f"<tr{cls}>")
        for j, cell in enumerate(row):
            classes = " ".join(c for c in ("num" if j in numeric else "", cell_classes.get(j, "")) if c)
            out.append(f'<td class="{classes}">{_e(cell)}</td>' if classes else f"<td>{_e(cell)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _share(x: Any) -> str:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return "-"
    return "-" if value != value else f"{100 * value:.0f}%"


def _ci(mean: Any, lo: Any, hi: Any) -> str:
    f = format_number
    return f"{f(float(mean))} [{f(float(lo))}, {f(float(hi))}]"


# -- evidence ---------------------------------------------------------------------------------

def _source_title(name: str) -> str:
    try:
        first = source_text(name).strip().splitlines()[0].strip()
    except (OSError, IndexError):
        return ""
    return first[:160]


def _claims_section(changes: list[provenance.Change]) -> str:
    """The changes with their claims or assumptions, then every cited claim with its verbatim quote."""
    registry = load_claims()
    rows = []
    for c in changes:
        support = ", ".join(c.claims) if c.claims else ""
        if c.assumption:
            support = f"{support}; assumption: {c.assumption}" if support else f"assumption: {c.assumption}"
        rows.append([c.kind, c.name, c.arm, c.setting, support or "no claim recorded"])
    parts = [_table(["kind", "name", "arm", "setting", "claims / assumption"], rows) if rows
             else "<p>Nothing differs from the default world.</p>"]
    cited = list(dict.fromkeys(cid for c in changes for cid in c.claims))
    contesting = [cid for c in cited if c in registry for cid in registry[c].contested_by if cid not in cited]
    for heading, ids in (("Claims behind these changes", cited), ("Claims that contest them", contesting)):
        if not ids:
            continue
        parts.append(f"<h3>{_e(heading)}</h3>")
        for cid in dict.fromkeys(ids):
            claim = registry.get(cid)
            if claim is None:
                parts.append(f'<div class="claim"><h3>{_e(cid)}</h3><p class="warn">Not in the claims registry.</p>'
                             "</div>")
                continue
            title = _source_title(claim.source)
            source = f"{claim.source}" + (f" — “{title}”" if title else "")
            contested = f"; contested by {', '.join(claim.contested_by)}" if claim.contested_by else ""
            informs = "; ".join(f"{i.parameter}: {i.supports}" for i in claim.informs)
            parts.append(
                f'<div class="claim" id="{_e(cid)}"><h3>{_e(cid)}</h3>'
                f"<blockquote>{_e(claim.quote)}</blockquote>"
                f'<div class="meta">source: {_e(source)}<br>evidence: {_e(claim.evidence)}{_e(contested)}<br>'
                f"asserts: {_e(claim.asserts)}" + (f"<br>informs: {_e(informs)}" if informs else "") + "</div></div>")
    return "".join(parts)


SHOWN_ELSEWHERE = {"versions", "parameters", "levers", "scenario_text", "vary", "updated"}


def portable(value: Any) -> Any:
    """``value`` with every absolute path cut to its file name: a report is mailed, not tied to one machine."""
    if isinstance(value, str) and os.path.isabs(value) and len(value) > 1:
        return os.path.basename(value.rstrip(os.sep)) or value
    if isinstance(value, dict):
        return {portable(k): portable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [portable(v) for v in value]
    return value


def _provenance(manifest: dict[str, Any], keys: list[str]) -> str:
    """The manifest's record of how the result set was made: the given keys first, then any others."""
    rows = []
    rest = [k for k in manifest if k not in keys and k not in SHOWN_ELSEWHERE]
    for key in [*keys, *rest]:
        if key not in manifest:
            continue
        value = portable(manifest[key])
        if isinstance(value, dict | list):
            value = json.dumps(value, sort_keys=False)
        rows.append([key, "" if value is None else value])
    versions = manifest.get("versions")
    out = _table(["field", "value"], rows)
    if isinstance(versions, dict):
        out += "<h3>Package versions</h3>" + _table(["package", "version"], [[k, v] for k, v in versions.items()])
    return out


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_e(title)}</title>"
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _status_note(manifest: dict[str, Any]) -> str:
    if manifest.get("status") == "complete":
        return ""
    failed = manifest.get("failed_replications")
    return (f'<p class="warn">This result set is <b>{_e(manifest.get("status"))}</b>'
            + (f": {_e(failed)} replications failed" if failed else "") + ".</p>")


# -- paired runs --------------------------------------------------------------------------------

def _description(manifest: dict[str, Any]) -> str:
    try:
        data = yaml.safe_load(manifest.get("scenario_text") or "") or {}
    except yaml.YAMLError:
        return ""
    return str(data.get("description") or "").strip() if isinstance(data, dict) else ""


def _comparison_table(comparison: Any) -> str:
    rows, classes = [], []
    f = format_number
    for _, r in comparison.iterrows():
        outcome = OUTCOMES.get(r["outcome"])
        rows.append([r["outcome"], outcome.meaning if outcome else "", r["unit"], f(float(r["baseline_mean"])),
                     f(float(r["scenario_mean"])), _ci(r["difference"], r["ci_low"], r["ci_high"]),
                     _share(r["share_better"]), _share(r["share_worse"]), int(r["n"])])
        classes.append(verdict(r))
    return _table(["outcome", "meaning", "unit", "baseline", "scenario", "difference [95% CI]", "better", "worse",
                   "n"], rows, numeric={3, 4, 5, 6, 7, 8}, row_classes=classes, cell_classes={5: "diff"})


def _paired_run_body(rs: dict[str, Any]) -> tuple[str, list[str]]:
    manifest = rs["manifest"]
    names = provenance.arm_names(manifest)
    title = f"{names['scenario']} vs {names['baseline']}"
    n = manifest.get("replications_done") or manifest.get("replications")
    description = _description(manifest)
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">afsim paired run · scenario <b>{_e(names["scenario"])}</b> · baseline '
        f'<b>{_e(names["baseline"])}</b> · {_e(n)} paired replications (common random numbers) · '
        f'{_e(manifest.get("horizon_months"))} months</p>',
        _status_note(manifest),
        f"<p>{_e(description)}</p>" if description else "",
        "<h2>Paired comparison</h2>",
        "<p class=\"meta\">difference = scenario − baseline, mean over replications with a 95% paired t "
        "interval; better/worse = share of replications in which the scenario did strictly better/worse. "
        "Green: the interval lies on the better side; red: on the worse side.</p>",
        _comparison_table(rs["comparison"]),
        "<h2>Plots</h2>",
        _figure_html(forest_figure(rs), "Paired effects in % of the baseline mean, with 95% CIs; "
                     "absolute differences on the right."),
        _figure_html(series_figure(rs), "Monthly series (counts and costs as running totals): mean with "
                     "the middle 50% and 90% of replications."),
        _figure_html(killed_distribution_figure(rs), "Total killed per target over the horizon, "
                     "distribution over replications."),
        "<h2>What the scenario changes, and the evidence</h2>",
        _claims_section(provenance.changes(manifest)),
        "<h2>Scenario file as run</h2>",
        f"<p class=\"meta\">{_e(portable(manifest.get('scenario_file') or ''))}</p>",
        f"<pre>{_e(manifest.get('scenario_text') or '')}</pre>",
        "<h2>Provenance</h2>",
        _provenance(manifest, ["afsim_result", "status", "scenario", "baseline", "scenario_file", "scenario_sha256",
                               "seed", "random_scheme", "replications", "replications_done", "failed_replications",
                               "horizon_months", "chunk_size", "series", "precision", "beliefs", "started",
                               "finished", "stopped_because", "events"]),
    ]
    return title, body


# -- sweeps and tornados ------------------------------------------------------------------------

def _points_table(rs: dict[str, Any]) -> str:
    points = rs["points"]
    params = [v["path"] for v in rs["manifest"].get("vary") or [] if v["path"] in points.columns]
    outcomes = sweep_outcomes(rs)
    rows = []
    for _, r in points.head(POINT_ROWS).iterrows():
        rows.append([int(r["point"]) if "point" in r else "", *(format_number(float(r[p])) for p in params),
                     int(r["n"]) if "n" in r else "",
                     *(_ci(r[f"{o}:effect"], r[f"{o}:effect_lo"], r[f"{o}:effect_hi"]) for o in outcomes)])
    note = (f"<p class=\"meta\">First {POINT_ROWS} of {len(points)} points; all are in points.parquet.</p>"
            if len(points) > POINT_ROWS else "")
    header = ["point", *params, "n", *(f"{o}: effect [95% CI]" for o in outcomes)]
    return note + _table(header, rows, numeric=set(range(len(header))))


def _sensitivity_table(rs: dict[str, Any]) -> str:
    sensitivity = rs.get("sensitivity")
    if not sensitivity or not sensitivity.get("results"):
        return ""
    f = format_number
    if sensitivity.get("method") == "morris":
        header = ["outcome", "target", "parameter", "μ*", "μ* conf", "σ"]
        rows = [[r["outcome"], r["target"], r["parameter"], f(r["mu_star"]), f(r["mu_star_conf"]), f(r["sigma"])]
                for r in sensitivity["results"]]
    else:
        header = ["outcome", "target", "parameter", "S1", "S1 conf", "ST", "ST conf"]
        rows = [[r["outcome"], r["target"], r["parameter"], f(r["S1"]), f(r["S1_conf"]), f(r["ST"]), f(r["ST_conf"])]
                for r in sensitivity["results"]]
    return "<h2>Sensitivity indices</h2>" + _table(header, rows, numeric={3, 4, 5, 6})


def _sweep_body(rs: dict[str, Any]) -> tuple[str, list[str]]:
    manifest = rs["manifest"]
    names = provenance.arm_names(manifest)
    design = manifest.get("design") or {}
    title = f"Sweep {manifest.get('name') or ''}: {names['scenario']} vs {names['baseline']}".replace("  ", " ")
    figures = [_figure_html(fig, "Paired effect per point with its 95% CI.") for fig in sweep_figures(rs)]
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">{_e(design.get("method", "?"))} design · {_e(manifest.get("points", len(rs["points"])))} '
        f'points · {_e(manifest.get("replications"))} paired replications per point</p>',
        _status_note(manifest),
        "<h2>Varied parameters and the evidence</h2>",
        _claims_section(provenance.varied(manifest)),
        "<h2>Plots</h2>", *figures,
        _figure_html(sensitivity_figure(rs), "Global sensitivity indices with confidence intervals."),
        _sensitivity_table(rs),
        "<h2>Points</h2>", _points_table(rs),
        "<h2>Provenance</h2>",
        _provenance(manifest, ["afsim_result", "status", "name", "scenario", "baseline", "design", "replications",
                               "seed", "points", "outcomes", "started", "finished"]),
    ]
    return title, body


def _tornado_body(rs: dict[str, Any]) -> tuple[str, list[str]]:
    manifest = rs["manifest"]
    names = provenance.arm_names(manifest)
    outcome = manifest.get("outcome", "")
    title = f"Tornado: {names['scenario']} vs {names['baseline']} on {outcome}"
    frame = rs["tornado"]
    rows = [[r["parameter"], format_number(float(r["low"])), format_number(float(r["high"])),
             _ci(r["effect_low"], r["effect_low_lo"], r["effect_low_hi"]),
             _ci(r["effect_high"], r["effect_high_lo"], r["effect_high_hi"]),
             format_number(float(r["swing"])), str(r.get("claims") or "").replace(";", ", ")]
            for _, r in frame.iterrows()]
    changes = []
    for _, r in frame.iterrows():
        claims, assumption, spec = provenance.parameter_provenance(r["parameter"])
        listed = tuple(c for c in str(r.get("claims") or "").split(";") if c and c != "nan")
        unit = f" {spec.unit}" if spec is not None else ""
        changes.append(provenance.Change("varied", r["parameter"], "tornado", f"{r['low']:g} to {r['high']:g}{unit}",
                                    listed or claims, assumption))
    base = float(frame["base_effect"].iloc[0]) if len(frame) else float("nan")
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">one parameter at a time, at its low and high value · base effect '
        f'{_e(format_number(base))} {_e(outcome_unit(outcome))} · '
        f'{_e(manifest.get("replications"))} paired replications per setting</p>',
        _status_note(manifest),
        "<h2>Plot</h2>",
        _figure_html(tornado_figure(rs), "Effect at each parameter's low and high value, sorted by swing."),
        "<h2>Swings</h2>",
        _table(["parameter", "low", "high", "effect at low [95% CI]", "effect at high [95% CI]", "swing", "claims"],
               rows, numeric={1, 2, 3, 4, 5}),
        "<h2>Parameters and the evidence</h2>",
        _claims_section(changes),
        "<h2>Provenance</h2>",
        _provenance(manifest, ["afsim_result", "status", "scenario", "baseline", "outcome", "replications", "seed",
                               "started", "finished"]),
    ]
    return title, body


# -- arguments, readings, credences -------------------------------------------------------------

def _records_table(records: list[dict[str, Any]], columns: list[str], effect: tuple[str, str, str]) -> str:
    """Rows of stored records: the named columns as they are, then the effect with its 95% CI."""
    rows = [[*(portable(r.get(c, "")) for c in columns), _ci(*(r[k] for k in effect))] for r in records]
    return _table([*columns, "effect [95% CI]"], rows, numeric={len(columns)})


def _worlds_html(rs: dict[str, Any]) -> list[str]:
    """The earned verdicts, if argue judged in plausible worlds: shares, bars, PRIM boxes, their conditions."""
    if not (conditions := rs.get("conditions")):
        return []
    rows = [[c["argument"], c["reading"], c["worlds"], f"{c['share']:.0%}", c["verdict"]] for c in conditions]
    return ["<h2>Across plausible worlds</h2>", _table(["argument", "reading", "worlds", "share that holds",
                                                        "earned verdict"], rows),
            _figure_html(share_figure(rs), "Share of each reading's plausible worlds where each argument holds."),
            _figure_html(boxes, "PRIM boxes: where each 'depends' fails.") if (boxes := boxes_figure(rs)) else "",
            f"<pre>{_e(conditions_text(conditions))}</pre>"]


def _argue_body(rs: dict[str, Any]) -> tuple[str, list[str]]:
    manifest, verdicts = rs["manifest"], rs["verdicts"]
    title = "Arguments judged under the readings of the evidence"
    judged = verdicts.drop_duplicates(["argument", "reading"])
    flips = rs.get("flips")
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">{_e(len(manifest.get("arguments") or []))} arguments · '
        f'{_e(len(manifest.get("readings") or []))} readings · {_e(manifest.get("replications"))} paired '
        "replications per test</p>",
        _status_note(manifest),
        "<h2>Verdicts</h2>",
        _table(["argument", "source", "reading", "verdict"],
               [[r["argument"], r["source"], r["reading"], r["verdict"]] for _, r in judged.iterrows()]),
        "<h2>Plot</h2>",
        _figure_html(verdict_figure(rs), "Verdict of each argument under each reading."),
        "<h2>The tests behind each verdict</h2>",
        "<p class=\"meta\">effect = scenario − baseline with its 95% paired interval; an outcome supports the "
        "argument when the interval lies on the claimed side.</p>",
        _records_table(verdicts.to_dict("records"), ["argument", "reading", "outcome", "claimed", "outcome_verdict"],
                       ("effect", "ci_low", "ci_high")),
        *_worlds_html(rs),
        "<h2>Where verdicts flip</h2>" if flips else "",
        f"<pre>{_e(json.dumps(portable(flips), indent=1))}</pre>" if flips else "",
        "<h2>Provenance</h2>",
        _provenance(manifest, ["afsim_result", "status", "arguments", "readings", "replications", "seed", "flip",
                               "flip_replications", "started", "finished"]),
    ]
    return title, body


def _across_body(rs: dict[str, Any]) -> tuple[str, list[str]]:
    manifest, across = rs["manifest"], rs.get("across") or []
    title = f"{manifest.get('scenario')} under every reading of the evidence"
    n = manifest.get("replications") or "the scenario's"
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">the same paired run under {_e(len(manifest.get("readings") or []))} readings · '
        f"{_e(n)} paired replications each</p>",
        _status_note(manifest),
        "<h2>Plot</h2>",
        _figure_html(compare_runs_figure(rs["runs"]), "Paired effects under each reading, with 95% CIs."),
        "<h2>Effects by reading</h2>",
        _records_table(across, ["reading", "outcome", "unit", "baseline_mean", "scenario_mean", "n"],
                       ("difference", "ci_low", "ci_high")),
        "<h2>Provenance</h2>",
        _provenance(manifest, ["afsim_result", "status", "scenario", "baseline", "readings", "replications", "seed",
                               "series", "started", "finished"]),
    ]
    return title, body


def _credence_body(rs: dict[str, Any]) -> tuple[str, list[str]]:
    manifest, conditional = rs["manifest"], rs.get("conditional") or []
    title = f"{manifest.get('scenario')}: credence-weighted ensemble"
    credences = "; ".join(f"{d}: " + ", ".join(f"{s} {p:g}" for s, p in sides.items())
                          for d, sides in (manifest.get("credences") or {}).items() if isinstance(sides, dict))
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">each replication draws the side of every dispute in proportion to its credence · '
        f'{_e(manifest.get("replications"))} paired replications</p>',
        _status_note(manifest),
        f"<p>Credences: {_e(credences)}</p>" if credences else "",
        "<h2>Mixture: the paired comparison over all replications</h2>",
        _comparison_table(rs["comparison"]),
        "<h2>Effect conditional on each side</h2>",
        "<p class=\"meta\">the replications that drew the side; flip = the credence in the first side at which "
        "the mixture's effect would change sign, where there is one.</p>",
        _records_table(conditional, ["dispute", "side", "credence", "outcome", "n", "flip_credence_in_first_side"],
                       ("effect", "ci_low", "ci_high")),
        "<h2>Provenance</h2>",
        _provenance(manifest, ["afsim_result", "status", "scenario", "baseline", "credences", "replications", "seed",
                               "started", "finished"]),
    ]
    return title, body


def _worlds_body(rs: dict[str, Any]) -> tuple[str, list[str]]:
    manifest, f, spread = rs["manifest"], format_number, rs["across_worlds"]
    title = f"{manifest.get('scenario_path')} across {manifest.get('worlds')} plausible worlds"
    rows = [[r["outcome"], r["unit"], f(r["worlds_median"]), f"{f(r['worlds_p5'])} .. {f(r['worlds_p95'])}",
             f(r["share_of_worlds_better"]), f"± {f(r['noise_half_width'])}"] for _, r in spread.iterrows()]
    return title, [f"<h1>{_e(title)}</h1>", _status_note(manifest), "<h2>Effect across worlds beside the noise</h2>",
                   _table(["outcome", "unit", "median over worlds", "5% .. 95% of worlds", "share of worlds better",
                           "noise (one world's 95% CI)"], rows),
                   _figure_html(spread_figure(rs), "Spread across worlds (blue) beside one world's noise CI (grey)."),
                   "<h2>Provenance</h2>", _provenance(manifest, ["afsim_result", "status", "beliefs", "ensemble",
                                                                 "worlds", "replications", "started", "finished"])]


# -- entry point --------------------------------------------------------------------------------

def render_report(path: str | Path) -> str:
    """The HTML text of a result set's report (drawn from the stored results only)."""
    rs = ResultSet.load(path)
    build = {"paired-run": _paired_run_body, "sweep": _sweep_body, "tornado": _tornado_body, "argue": _argue_body,
             "across-beliefs": _across_body, "credence-ensemble": _credence_body, "worlds": _worlds_body}[rs.kind]
    title, body = build(rs)
    body.append(f'<p class="meta">Report written by afsim from the result set {_e(Path(path).resolve().name)}.</p>')
    return _page(title, [b for b in body if b])


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
