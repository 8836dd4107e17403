"""Scenario files: strict YAML loading, the schema, and what a scenario compares with what.

Loading is strict because a silently ignored typo changes a policy conclusion: unknown keys,
duplicate keys (PyYAML keeps the last one), aliases, YAML 1.1 number forms, wrong types and
out-of-range values are all errors naming the file, the line and the key path -- all of a file's
errors at once.  Reading and YAML parsing live in :mod:`afsim.world.inputs`; this module holds
the schema and follows a scenario's baseline chain.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple

from afsim.errors import InputError, closest
from afsim.world.inputs import Lines, Problems, located, parse_yaml, problems_of, read_input
from afsim.world.levers import EVENTS, LEVERS, Event, LeverSetting, check_lever_value
from afsim.world.limits import MAX_REPLICATIONS
from afsim.world.parameters import Parameters, is_number

if TYPE_CHECKING:
    from afsim.world.levers import Policy

DEFAULT_BASELINE = "default"
MAX_HORIZON = 1200


class Key(NamedTuple):
    """One key of the scenario schema: its type, whether required, its default and range."""

    kind: str  # "int", "number", "bool", "str", "name", "mapping", "list", "int_or_null", "any"
    required: bool = False
    default: Any = None
    lo: float | None = None
    hi: float | None = None


LEVER_KEYS = {"lever": Key("str", required=True), "value": Key("any", required=True),
              "from_month": Key("int", default=0, lo=0), "until_month": Key("int_or_null", lo=1)}
EVENT_KEYS = {"event": Key("str", required=True), "month": Key("int", required=True, lo=0)}
SCENARIO_KEYS = {
    "name": Key("name", required=True),
    "description": Key("str", default=""),
    "horizon_months": Key("int", default=120, lo=1, hi=MAX_HORIZON),
    "replications": Key("int", default=1000, lo=2, hi=MAX_REPLICATIONS),
    "seed": Key("int", default=20250101, lo=0, hi=2**63 - 1),
    "baseline": Key("str", default=DEFAULT_BASELINE),
    "beliefs": Key("str", default="default"),
    "parameters": Key("mapping", default={}),
    "levers": Key("list", default=[]),
    "events": Key("list", default=[]),
}
"""The scenario schema (README, "Scenario format")."""

_EXPECTED = {"int": "an integer", "number": "a number", "bool": "true or false", "str": "a string",
             "mapping": "a mapping",
             "list": "a list", "int_or_null": "an integer or null",
             "name": "a name of letters, digits, _ and - (at most 80 characters)"}


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "any":
        return True
    if kind == "int_or_null" and value is None:
        return True
    if kind in ("int", "int_or_null"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return is_number(value)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "name":
        return (isinstance(value, str) and 0 < len(value) <= 80
                and all(c.isascii() and (c.isalnum() or c in "_-") for c in value))
    return isinstance(value, {"str": str, "mapping": dict, "list": list}[kind])


def bound(value: float) -> str:
    """A schema bound as the user would write it: 9223372036854775807, not 9.22337e+18."""
    return str(value) if isinstance(value, int) else f"{value:g}"


def check_keys(raw: Any, schema: dict[str, Key], loc: tuple, where: Any,
               problems: Problems | None = None) -> dict[str, Any]:
    """Validate one mapping against a schema; return it with defaults filled in.

    ``where(loc)`` turns a key path into a located description for the error message.  With
    ``problems`` every error is collected (a bad key gets its default) instead of the first raised.
    """
    def fail(error: InputError) -> None:
        if problems is None:
            raise error
        problems.add(error)

    if not isinstance(raw, dict):
        fail(InputError(where(loc), f"expected a mapping with keys {', '.join(schema)}, got {raw!r}"))
        raw = {}
    for key in raw:
        if key not in schema:
            fail(InputError(where((*loc, key)), f"unknown key; allowed keys: {', '.join(schema)}",
                            hint=closest(str(key), schema)))
    out = {}
    for key, spec in schema.items():
        out[key] = spec.default
        if key not in raw:
            if spec.required:
                fail(InputError(where((*loc, key)), "required key is missing"))
            continue
        value = raw[key]
        if not _type_ok(spec.kind, value):
            fail(InputError(where((*loc, key)), f"expected {_EXPECTED.get(spec.kind, spec.kind)}, got {value!r}"))
        elif value is not None and spec.lo is not None and value < spec.lo:
            fail(InputError(where((*loc, key)), f"expected a value of at least {bound(spec.lo)}, got {value!r}"))
        elif value is not None and spec.hi is not None and value > spec.hi:
            fail(InputError(where((*loc, key)), f"expected a value of at most {bound(spec.hi)}, got {value!r}"))
        else:
            out[key] = value
    return out


class World(NamedTuple):
    """What one arm of an experiment runs: a parameter set and a policy over time."""

    params: Parameters
    levers: tuple[LeverSetting, ...] = ()
    events: tuple[Event, ...] = ()

    def policy(self, horizon: int) -> Policy:
        from afsim.world.levers import Policy

        return Policy.compile(horizon, self.levers, self.events)


class Scenario(NamedTuple):
    name: str
    description: str
    horizon_months: int
    replications: int
    seed: int
    world: World
    baseline: World
    baseline_name: str
    overrides: dict[str, float] = {}  # noqa: RUF012 - never mutated
    beliefs: str = "default"
    path: str | None = None  # as given; os.path keeps `afsim validate` free of pathlib
    text: str = ""
    files: tuple[str, ...] = ()  # this file, then every file of its baseline chain: what its numbers depend on

    @property
    def sha256(self) -> str:
        import hashlib

        return hashlib.sha256(self.text.encode()).hexdigest()


class ScenarioFile(NamedTuple):
    """A scenario file's content after schema validation."""

    name: str
    description: str
    horizon_months: int
    replications: int
    seed: int
    baseline: str
    beliefs: str
    parameters: dict[str, Any]
    levers: list[dict[str, Any] | None]  # None: an entry with errors (only while they are collected)
    events: list[dict[str, Any] | None]


def validate_file(data: dict[str, Any], lines: dict[tuple, int], file: str,
                  problems: Problems | None = None) -> ScenarioFile:
    """Check a parsed scenario file against the schema; every error, not just the first.

    Without ``problems`` the errors are raised together; with it they are left there (and the
    returned file holds defaults where values were bad) so that later checks can add theirs.
    """
    own = problems is None
    problems = problems_of(lines, file) if problems is None else problems

    def where(loc: tuple) -> str:
        return located(lines, loc)

    def entries(key: str, schema: dict[str, Key]) -> list[dict[str, Any] | None]:
        out: list[dict[str, Any] | None] = []
        for i, raw in enumerate(top[key] or []):
            before = len(problems.errors)
            entry = check_keys(raw, schema, (key, i), where, problems)
            out.append(entry if len(problems.errors) == before else None)  # None: reported, skip later checks
        return out

    top = check_keys(data, SCENARIO_KEYS, (), where, problems)
    top["levers"], top["events"] = entries("levers", LEVER_KEYS), entries("events", EVENT_KEYS)
    top["parameters"] = top["parameters"] or {}
    if own:
        problems.raise_if_any()
    return ScenarioFile(**top)


def _world(spec: ScenarioFile, lines: dict[tuple, int], reading: dict[str, float],
           problems: Problems) -> World | None:
    """The world a validated file describes; errors are added to ``problems`` (and None returned)."""
    params = Parameters().with_overrides(reading)
    for path, value in spec.parameters.items():  # one at a time, so that each bad one is reported
        try:
            params.with_overrides({path: value}, where="parameters")
        except InputError as exc:
            problems.add(InputError(located(lines, ("parameters", path)), exc.problem, hint=exc.hint))
    horizon = spec.horizon_months
    if lines.get(("horizon_months",)) in problems.form_lines:
        horizon = MAX_HORIZON  # its value is not what the user meant: compare months with the schema's cap
    settings = []
    for i, entry in enumerate(spec.levers):
        if entry is None:
            continue
        with problems.collect():
            if entry["lever"] not in LEVERS:
                raise InputError(located(lines, ("levers", i, "lever")),
                                 f"unknown lever; known levers: {', '.join(LEVERS)}",
                                 hint=closest(str(entry["lever"]), LEVERS))
            value = check_lever_value(entry["lever"], entry["value"], located(lines, ("levers", i, "value")))
            if entry["from_month"] >= horizon:
                raise InputError(located(lines, ("levers", i, "from_month")),
                                 f"expected a month before horizon_months ({horizon})")
            if entry["until_month"] is not None and entry["until_month"] <= entry["from_month"]:
                raise InputError(located(lines, ("levers", i, "until_month")),
                                 f"expected a month after from_month ({entry['from_month']})")
            settings.append(LeverSetting(entry["lever"], value, entry["from_month"], entry["until_month"]))
    events = []
    for i, entry in enumerate(spec.events):
        if entry is None:
            continue
        with problems.collect():
            if entry["event"] not in EVENTS:
                raise InputError(located(lines, ("events", i, "event")),
                                 f"unknown event; known events: {', '.join(EVENTS)}",
                                 hint=closest(str(entry["event"]), EVENTS))
            if entry["month"] >= horizon:
                raise InputError(located(lines, ("events", i, "month")),
                                 f"expected a month before horizon_months ({horizon})")
            events.append(Event(entry["event"], entry["month"]))
    if problems:
        return None
    params = params.with_overrides(spec.parameters, where="parameters")
    return World(params, tuple(settings), tuple(events))


def _checked(path: str, text: str, beliefs: str | None, implied: dict[str, float] | None
             ) -> tuple[ScenarioFile, Lines, World, Any]:
    """Parse and check one scenario file completely; raise all its errors together."""
    from afsim.world.beliefs import reading

    data, lines = parse_yaml(text, path, defer=True)
    problems = problems_of(lines, path)
    spec = validate_file(data, lines, path, problems)
    chosen = None
    if beliefs is not None:
        chosen = reading(beliefs, "--beliefs")
    else:
        with problems.collect():
            chosen = reading(spec.beliefs, located(lines, ("beliefs",))) if isinstance(spec.beliefs, str) else None
    if implied is None:
        implied = chosen.overrides() if chosen is not None else {}
    world = _world(spec, lines, implied, problems)
    problems.raise_if_any()
    return spec, lines, world, chosen


def load_scenario(path: str | os.PathLike[str], beliefs: str | None = None,
                  implied: dict[str, float] | None = None) -> Scenario:
    """Load and fully validate a scenario file and its whole baseline chain.

    ``beliefs`` (a reading's name) overrides the file's ``beliefs:``; the reading's parameter
    values apply to both arms, under each file's own ``parameters:``.  ``implied`` gives such
    values directly (one draw of the credence-weighted ensemble).

    A baseline is another scenario file, and the baseline arm is that file's own world (its
    parameters, levers and events).  Its own ``baseline:`` matters only when it is run itself,
    but the chain it starts is followed to the end all the same: every file in it is validated,
    a cycle is refused, and ``files`` lists them all, since a change to any of them is a change
    to what this scenario names as its comparison.
    """
    path = os.fspath(path)
    text = read_input(path)
    spec, lines, world, chosen = _checked(path, text, beliefs, implied)
    implied = chosen.overrides() if implied is None else implied
    files = [os.path.realpath(path)]
    shown = [path]
    baseline, baseline_name = World(Parameters().with_overrides(implied)), "default world"
    current, current_lines, current_path = spec, lines, path
    while current.baseline != DEFAULT_BASELINE:
        where = located(current_lines, ("baseline",))
        if "\0" in current.baseline:
            raise InputError(where, "a file name cannot contain a NUL byte", file=current_path)
        base_path = os.path.normpath(os.path.join(os.path.dirname(current_path), current.baseline))
        real = os.path.realpath(base_path)
        if real == os.path.realpath(current_path):
            raise InputError(where, "a scenario cannot be its own baseline", file=current_path)
        if real in files:
            cycle = " -> ".join([*shown, base_path])
            raise InputError(where, f"the baseline chain is a cycle: {cycle}; end it with 'baseline: default'",
                             file=current_path)
        if not os.path.exists(base_path):
            raise InputError(where, f"expected '{DEFAULT_BASELINE}' or a scenario file; {base_path} not found",
                             file=current_path)
        base_spec, base_lines, base_world, _ = _checked(base_path, read_input(base_path), None, implied)
        if len(files) == 1:
            baseline, baseline_name = base_world, base_spec.name
        files.append(real)
        shown.append(base_path)
        current, current_lines, current_path = base_spec, base_lines, base_path
    return Scenario(
        name=spec.name,
        description=spec.description.strip(),
        horizon_months=spec.horizon_months,
        replications=spec.replications,
        seed=spec.seed,
        world=world,
        baseline=baseline,
        baseline_name=baseline_name,
        overrides=dict(spec.parameters),
        path=path,
        text=text,
        beliefs=chosen.name,
        files=tuple(files),
    )
