"""Provenance of a result set: what it changed or varied, and the claims (or assumptions) behind each.

Figures put it in their captions and the HTML report in its evidence section, so a number is
never shown without what produced it.  Reads only a result set's manifest and the parameter,
lever and event tables; draws nothing.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import yaml

from afsim.world.levers import EVENTS, LEVERS
from afsim.world.parameters import ParameterSpec
from afsim.world.parameters import spec as parameter_spec

CLAIM_ID = re.compile(r"C\d{3}-[a-z0-9-]+")


class Change(NamedTuple):
    """One thing a result set changed or varied, with the claims (or assumption) behind it."""

    kind: str  # "lever", "event", "parameter" or "varied"
    name: str
    arm: str  # "scenario", "baseline", "both" or "sweep"
    setting: str  # human-readable value, e.g. "routine from month 6"
    claims: tuple[str, ...]
    assumption: str | None = None


def _months(start: int | None, until: int | None) -> str:
    start = start or 0
    if until is None:
        return f"from month {start}" if start else "all months"
    return f"months {start}-{until - 1}"


def parameter_provenance(path: str) -> tuple[tuple[str, ...], str | None, ParameterSpec | None]:
    """A parameter's claims, assumption and spec; empty for a path the table does not know."""
    try:
        s = parameter_spec(path)
    except KeyError:
        return (), None, None
    return s.claims, s.assumption, s


def with_levers(manifest: dict[str, Any]) -> dict[str, Any]:
    """A manifest that records no levers (a credence ensemble's) with the scenario arm's levers and events read
    from the scenario file it stores, so its report says what changed; the baseline arm's are not stored."""
    if "levers" in manifest or not manifest.get("scenario_text"):
        return manifest
    try:
        scenario = yaml.safe_load(manifest["scenario_text"]) or {}
    except yaml.YAMLError:
        return manifest
    levers = [{"lever": lv.get("lever"), "value": lv.get("value"), "from_month": lv.get("from_month"),
               "until_month": lv.get("until_month")} for lv in scenario.get("levers") or [] if isinstance(lv, dict)]
    events = [e for e in scenario.get("events") or [] if isinstance(e, dict) and "event" in e and "month" in e]
    return {**manifest, "levers": {"scenario": levers, "baseline": []}, "events": {"scenario": events, "baseline": []}}


def changes(manifest: dict[str, Any]) -> list[Change]:
    """Levers, events and parameters of a paired run that differ from the default world.

    Parameters set to the same value in both arms are listed once (arm 'both'): they shape the
    comparison without being what it is about.
    """
    manifest = with_levers(manifest)
    out: list[Change] = []
    settings: dict[str, list[Change]] = {}
    for arm in ("scenario", "baseline"):
        found = settings.setdefault(arm, [])
        for lever in (manifest.get("levers") or {}).get(arm, []):
            spec = LEVERS.get(lever["lever"])
            value = lever["value"]
            value = f"{value:g}" if isinstance(value, float) else str(value).lower()
            found.append(Change("lever", lever["lever"], arm,
                                f"{value} {_months(lever.get('from_month'), lever.get('until_month'))}",
                                spec.claims if spec else (), spec.assumption if spec else None))
        for event in (manifest.get("events") or {}).get(arm, []):
            meaning = EVENTS.get(event["event"], "")
            found.append(Change("event", event["event"], arm, f"month {event['month']}",
                                tuple(dict.fromkeys(CLAIM_ID.findall(meaning)))))
    # a setting both arms share is listed once, after what tells them apart
    key = lambda c: (c.kind, c.name, c.setting)  # noqa: E731
    shared = {key(c) for c in settings["scenario"]} & {key(c) for c in settings["baseline"]}
    out += [c for arm in ("scenario", "baseline") for c in settings[arm] if key(c) not in shared]
    out += [c._replace(arm="both") for c in settings["scenario"] if key(c) in shared]
    params = manifest.get("parameters") or {}
    scen, base = params.get("scenario") or {}, params.get("baseline") or {}
    for path in dict.fromkeys([*scen, *base]):
        claims, assumption, s = parameter_provenance(path)
        default = s.default if s is not None else None
        values = {arm: p.get(path) for arm, p in (("scenario", scen), ("baseline", base))}
        changed = {arm: v for arm, v in values.items() if v is not None and v != default}
        if not changed:
            continue
        unit = f" {s.unit}" if s is not None else ""
        shown = f" (default {default:g})" if default is not None else ""
        if len(changed) == 2 and values["scenario"] == values["baseline"]:
            out.append(Change("parameter", path, "both", f"{values['scenario']:g}{unit}{shown}", claims, assumption))
            continue
        for arm, value in changed.items():
            out.append(Change("parameter", path, arm, f"{value:g}{unit}{shown}", claims, assumption))
    return out


def varied(manifest: dict[str, Any]) -> list[Change]:
    """The parameters a sweep varied, with their ranges and the claims the sweep recorded."""
    out = []
    for v in manifest.get("vary") or []:
        claims, assumption, s = parameter_provenance(v["path"])
        unit = f" {s.unit}" if s is not None else ""
        if v.get("values"):
            setting = "values " + ", ".join(f"{x:g}" for x in v["values"]) + unit
        else:
            setting = f"{v.get('lo', float('nan')):g} to {v.get('hi', float('nan')):g}{unit}"
        if v.get("dummy"):
            setting += " (dummy: no effect by construction)"
        out.append(Change("varied", v["path"], "sweep", setting, tuple(v.get("claims") or claims), assumption))
    return out


def _claims_text(change: Change) -> str:
    if change.claims:
        return "[" + ", ".join(change.claims) + "]"
    return "[assumption]" if change.assumption else "[no claim]"


def caption(result_set: dict[str, Any], extra: str = "") -> str:
    """One caption line (wrapped later) naming what was changed or varied and its source claims."""
    manifest = result_set["manifest"]
    kind = result_set.get("kind") or manifest.get("afsim_result", "paired-run")
    if kind == "sweep":
        parts = [f"{c.name} {c.setting} {_claims_text(c)}" for c in varied(manifest)]
        text = "Varied: " + ("; ".join(parts) if parts else "nothing recorded")
    elif kind == "tornado":
        frame = result_set.get("tornado")
        parts = []
        if frame is not None:
            for _, row in frame.iterrows():
                ids = [c for c in str(row.get("claims") or "").split(";") if c and c != "nan"]
                parts.append(f"{row['parameter']} [{', '.join(ids) or 'assumption'}]")
        text = "Parameters swung: " + ("; ".join(parts) if parts else "none")
    else:
        found = changes(manifest)
        arm_name = {"scenario": scenario_name(manifest), "baseline": baseline_name(manifest), "both": "both arms"}
        parts = [f"{c.kind} {c.name} = {c.setting} ({arm_name.get(c.arm, c.arm)}) {_claims_text(c)}"
                 for c in found]
        text = "Changed: " + ("; ".join(parts) if parts else "nothing (scenario equals the default world)")
    return f"{text}. {extra}".strip() if extra else text


def scenario_name(manifest: dict[str, Any]) -> str:
    """The scenario's name as a result set records it."""
    return str(manifest.get("scenario") or manifest.get("name") or "scenario")


def baseline_name(manifest: dict[str, Any]) -> str:
    return str(manifest.get("baseline") or "baseline")


def arm_names(manifest: dict[str, Any]) -> dict[str, str]:
    """Legend names of the two arms of a paired comparison."""
    return {"scenario": scenario_name(manifest), "baseline": baseline_name(manifest)}
