"""``afsim explain``: the chain from a quote to a parameter, a mechanism and the outcomes it moves.

Mechanisms are found in the code itself (the model functions whose source reads the parameter,
with the ODD section their docstring names), and the outcomes a parameter moves are measured,
not listed by hand: a small paired run at the low and high end of its range.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from typing import Any

from afsim.engine.scheduler import evaluate
from afsim.engine.stats import HEADLINE
from afsim.errors import InputError, closest
from afsim.studies.arguments import load_arguments
from afsim.world.beliefs import contested_parameters, disputes, readings
from afsim.world.claims import load_claims
from afsim.world.parameters import Parameters, parameter_specs, spec
from afsim.world.scenario import World


def mechanisms(path: str) -> list[tuple[str, str]]:
    """(function, first docstring line) for every model function that reads the parameter."""
    from afsim.model import agents, decisions, model, rules

    group, name = path.split(".", 1)
    found = []
    for module in (rules, decisions, agents, model):
        for qualname, fn in _functions(module):
            source = inspect.getsource(fn)
            if re.search(rf"\.{re.escape(name)}\b", source) and (f".{group}" in source or f"p.{group}" in source):
                if qualname.endswith("__init__"):
                    summary = "sets the initial state (ODD 5, Initialisation)"
                else:
                    summary = (inspect.cleandoc(fn.__doc__ or "").splitlines() or [""])[0]
                found.append((f"{module.__name__}.{qualname}", summary))
    return found


def _functions(module: Any) -> list[tuple[str, Any]]:
    out = []
    for name, obj in vars(module).items():
        obj = getattr(obj, "py_func", obj)  # a compiled rule: read its Python source
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            out.append((name, obj))
        elif inspect.isclass(obj):
            out += [(f"{name}.{m}", f) for m, f in vars(obj).items() if inspect.isfunction(f)]
    return out


def measured_outcomes(path: str, replications: int = 100) -> list[tuple[str, float, float, float]]:
    """Outcomes of the default world that move between the parameter's low and high end.

    Returns (outcome, mean at low, mean at high, difference) for outcomes whose paired
    difference has a 95% CI excluding zero.
    """
    s = spec(path)
    low = World(Parameters().with_overrides({path: s.lo}))
    high = World(Parameters().with_overrides({path: s.hi}))

    stats = evaluate([(low, high, 120, 20250101)], replications)[0]
    moved = []
    for name in HEADLINE:
        row = stats.row(name)
        if row.ci_low > 0 or row.ci_high < 0:
            moved.append((name, row.baseline_mean, row.scenario_mean, row.difference))
    return moved


def _quote(cid: str, indent: str = "    ") -> str:
    c = load_claims()[cid]
    return textwrap.fill(f"{cid} ({c.source}, {c.evidence}): \u201c{c.quote}\u201d", 100, initial_indent=indent,
                         subsequent_indent=indent + "  ")


def explain_parameter(path: str, measure: bool = True) -> str:
    s = spec(path)
    lines = [f"PARAMETER {path} = {s.default:g} {s.unit}  (range {s.lo:g} to {s.hi:g})"
             + ("  [contested]" if s.contested else ""), f"  {s.meaning}."]
    claims = load_claims()
    if s.claims:
        lines.append("QUOTES -> this parameter:")
        for cid in s.claims:
            lines.append(_quote(cid))
            for i in claims[cid].informs:
                if i.parameter == path:
                    lines.append(f"      supports: {i.supports}")
    if s.assumption:
        lines.append(textwrap.fill(f"ASSUMPTION: {s.assumption}", 100, subsequent_indent="  "))
    for d in disputes().values():
        for side in d.sides.values():
            if path in side.sets:
                lines.append(f"DISPUTE {d.name} ({d.question}): side '{side.name}' sets {side.sets[path]:g}")
    found = mechanisms(path)
    lines.append("MECHANISM (model code that reads it; see docs/ODD.md):")
    lines += [f"  {fn}: {doc}" for fn, doc in found] or ["  (no model function reads it)"]
    if measure:
        moved = measured_outcomes(path)
        lines.append(f"OUTCOMES it moves (default world, {s.lo:g} vs {s.hi:g}, 100 paired replications, 95% CI "
                     "excludes 0):")
        lines += [f"  {name}: {lo:.4g} -> {hi:.4g} ({diff:+.4g})" for name, lo, hi, diff in moved] or [
            "  none of the headline outcomes"]
    return "\n".join(lines)


def explain_claim(cid: str) -> str:
    c = load_claims()[cid]
    lines = [f"CLAIM {cid} [{c.evidence}] about {', '.join(c.actors)}", _quote(cid, "  "),
             f"  asserts: {c.asserts}"]
    if c.contested_by:
        lines.append(f"  contested by: {', '.join(c.contested_by)}")
    for d in disputes().values():
        for side in d.sides.values():
            if cid in side.claims:
                rs = [r.name for r in readings().values() if r.sides.get(d.name) == side.name]
                lines.append(f"DISPUTE {d.name}: on side '{side.name}', taken by readings {', '.join(rs) or '-'}")
    lines.append("PARAMETERS it informs -> MECHANISMS:")
    for i in c.informs:
        lines.append(f"  {i.parameter}: {i.supports}")
        lines += [f"      {fn}: {doc}" for fn, doc in mechanisms(i.parameter)]
    if not c.informs:
        lines.append("  (context only: informs no parameter)")
    cited = [a.id for a in load_arguments().values() if cid in a.claims]
    if cited:
        lines.append(f"ARGUMENTS citing it: {', '.join(cited)}")
    return "\n".join(lines)


def explain_argument(aid: str) -> str:
    a = load_arguments()[aid]
    claims = load_claims()
    lines = [f"ARGUMENT {aid} ({a.source})", textwrap.fill(a.argument, 100, initial_indent="  ",
                                                           subsequent_indent="  "), "QUOTES:"]
    lines += [_quote(cid) for cid in a.claims]
    params = sorted({i.parameter for cid in a.claims for i in claims[cid].informs})
    lines.append("PARAMETERS those claims inform -> MECHANISMS:")
    for p in params:
        lines.append(f"  {p}")
        lines += [f"      {fn}: {doc}" for fn, doc in mechanisms(p)]
    lines.append(f"TEST: scenarios/{a.scenario} against its baseline, paired; the argument holds if")
    lines += [f"  {t.describe()}" for t in a.outcomes]
    if a.note:
        lines.append(f"  note: {a.note}")
    lines.append(f"CONTESTED parameters searched by `afsim argue --flip`: {', '.join(contested_parameters())}")
    return "\n".join(lines)


def explain(name: str, measure: bool = True) -> str:
    """The chain for one name (parameter, claim or argument); an unknown name gets a did-you-mean."""
    parameters = [s.path for s in parameter_specs()]
    if name in parameters:
        return explain_parameter(name, measure)
    if name in load_claims():
        return explain_claim(name)
    if name in load_arguments():
        return explain_argument(name)
    known = [*parameters, *load_claims(), *load_arguments()]
    match = closest(name, known)
    raise InputError(f"explain {name}", "not a parameter, claim id or argument id",
                     hint=match)
