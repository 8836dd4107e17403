"""Scenario files: strict YAML loading, the schema, and what a scenario compares with what.

Loading is strict because a silently ignored typo changes a policy conclusion: unknown keys,
duplicate keys (PyYAML keeps the last one), aliases, YAML 1.1 number forms, wrong types and
out-of-range values are all errors naming the file, the line and the key path -- all of a file's
errors at once.  Reading and YAML parsing live in :mod:`afsim.world.inputs`; this module holds
the schema and follows a scenario's baseline chain.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from afsim.errors import InputError, closest
from afsim.world.inputs import InputErrors, Lines, Problems, located, parse_yaml, problems_of, read_input
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
    "scenario_parameters": Key("mapping", default={}),
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
    overrides: dict[str, float] = {}  # noqa: RUF012 - never mutated; the file's parameters: (both arms)
    beliefs: str = "default"
    path: str | None = None  # as given; os.path keeps `afsim validate` free of pathlib
    text: str = ""
    files: tuple[str, ...] = ()  # this file, then every file of its baseline chain: what its numbers depend on
    settings: dict[str, float] = {}  # noqa: RUF012 - never mutated; `afsim run --set PATH=VALUE` (both arms)

    @property
    def sha256(self) -> str:
        import hashlib

        return hashlib.sha256(self.text.encode()).hexdigest()

    def differences(self) -> list[tuple[str, float, float]]:
        """Parameters whose values differ between the arms: (path, scenario's, baseline's).

        Levers and events are what a comparison is meant to compare; any other difference between
        the arms (``scenario_parameters:``, a baseline's own) is printed with the table so that it
        cannot pass unseen.
        """
        ours, theirs = self.world.params.flat(), self.baseline.params.flat()
        return [(path, ours[path], theirs[path]) for path in ours if ours[path] != theirs[path]]


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
    scenario_parameters: dict[str, Any]
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
    top["scenario_parameters"] = top["scenario_parameters"] or {}
    if own:
        problems.raise_if_any()
    return ScenarioFile(**top)


def _world(spec: ScenarioFile, lines: dict[tuple, int], problems: Problems) -> World | None:
    """The levers and events a validated file describes (its parameters checked, not yet applied).

    Errors are added to ``problems`` (and None returned).  Which parameter values an arm runs
    with depends on the whole chain and the command line: :func:`load_scenario` sets them.
    """
    for key in ("parameters", "scenario_parameters"):
        for path, value in getattr(spec, key).items():  # one at a time, so that each bad one is reported
            try:
                Parameters().with_overrides({path: value}, where=key)
            except InputError as exc:
                problems.add(InputError(located(lines, (key, path)), exc.problem, hint=exc.hint))
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
    return World(Parameters(), tuple(settings), tuple(events))


def _checked(path: str, text: str, beliefs: str | None) -> tuple[ScenarioFile, Lines, World, Any]:
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
    world = _world(spec, lines, problems)
    problems.raise_if_any()
    return spec, lines, world, chosen


SET_FORM = "PATH=VALUE, e.g. russia.threat_response=0"


def parse_settings(items: Iterable[str]) -> dict[str, float]:
    """``--set PATH=VALUE`` options as parameter values, each checked against its range."""
    out: dict[str, float] = {}
    for item in items:
        path, equals, text = (part.strip() for part in item.partition("="))
        if not equals or not path or not text:
            raise InputError(f"--set {item}", f"expected {SET_FORM}")
        where = f"--set {path}"
        if path in out:
            raise InputError(where, "given twice; give each parameter once")
        try:
            value = float(text)
        except ValueError:
            raise InputError(where, f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise InputError(where, f"expected a finite number, got {text!r}")
        try:
            Parameters().with_overrides({path: value})
        except InputError as exc:
            raise InputError(where, exc.problem, hint=exc.hint) from None
        out[path] = value
    return out


MAPPING = "scenario"
"""What a scenario given as a mapping (``afsim.run({...})``) is called in error messages."""


def scenario_text(mapping: Mapping[str, Any]) -> str:
    """A scenario mapping as the YAML afsim reads (numpy numbers as plain ones), recorded like a file's text."""
    import yaml

    def plain(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value.item() if hasattr(value, "item") and not isinstance(value, str | bytes) else value

    try:
        return yaml.safe_dump(plain(mapping), sort_keys=False, allow_unicode=True)
    except yaml.YAMLError as exc:
        raise InputError(MAPPING, f"expected plain values (numbers, text, lists, mappings): {exc}") from None


def _keyed(exc: InputError) -> InputError:
    """A mapping's errors by key path alone: their line numbers are those of afsim's own YAML form of it."""
    errors = [InputError(re.sub(r"^line \d+(: )?", "", e.where) or "(top level)", e.problem, hint=e.hint, file=e.file)
              for e in (exc.errors if isinstance(exc, InputErrors) else [exc])]
    return InputErrors(errors) if len(errors) > 1 else errors[0]


def load_scenario(path: str | os.PathLike[str] | Mapping[str, Any], beliefs: str | None = None,
                  implied: dict[str, float] | None = None, settings: Mapping[str, float] | None = None,
                  baseline: str | None = None) -> Scenario:
    """Load and fully validate a scenario file and its whole baseline chain.

    Both arms run in one world; only levers, events and ``scenario_parameters:`` tell them apart.
    Parameter values, lowest precedence first: the table's defaults; the reading (``beliefs``, a
    reading's name, overrides the file's ``beliefs:``; ``implied`` gives such values directly, as
    one draw of the credence-weighted ensemble); the ``parameters:`` of the baseline chain, the
    farthest file first; this file's ``parameters:``; ``settings`` (``afsim run --set``); and
    last, on one arm only, that arm's file's ``scenario_parameters:``.

    ``path`` may also be a mapping in the scenario format: its errors name key paths (no lines), a
    baseline file it names is relative to the working folder, and it is no input file (``files``).

    A baseline is another scenario file (``baseline`` replaces the file's ``baseline:``, relative
    to the working folder), and the baseline arm takes its levers, events and
    ``scenario_parameters:``.  Its own ``baseline:`` chain is followed to the end: every file in
    it is validated, a cycle is refused, and ``files`` lists them all.
    """
    mapping = isinstance(path, Mapping)
    text = scenario_text(path) if mapping else read_input(path)
    path = MAPPING if mapping else os.fspath(path)
    try:
        spec, lines, world, chosen = _checked(path, text, beliefs)
    except InputError as exc:
        if not mapping:
            raise
        raise _keyed(exc) from None
    implied = chosen.overrides() if implied is None else implied
    files = [os.path.realpath(path)]
    shown = [path]
    chain: list[tuple[ScenarioFile, World]] = []  # the baseline chain, nearest first
    current, current_lines, current_path = spec, lines, path
    if baseline is not None:
        current = spec._replace(baseline=baseline)
        current_lines, current_path = {}, "baseline"  # relative to the working folder
    while current.baseline != DEFAULT_BASELINE:
        where = located(current_lines, ("baseline",))
        if "\0" in current.baseline:
            raise InputError(where, "a file name cannot contain a NUL byte", file=current_path)
        base_path = os.path.normpath(os.path.join(os.path.dirname(current_path), current.baseline))
        real = os.path.realpath(base_path)
        if real == os.path.realpath(current_path):
            raise InputError(where, "a scenario cannot be its own baseline", file=current_path)
        if real in files:
            cycle = " -> ".join([*shown, shown[files.index(real)]])  # each file by the one name first seen
            raise InputError(where, f"the baseline chain is a cycle: {cycle}; end it with 'baseline: default'",
                             file=current_path)
        if not os.path.exists(base_path):
            raise InputError(where, f"expected '{DEFAULT_BASELINE}' or a scenario file; {base_path} not found",
                             file=current_path)
        base_spec, base_lines, base_world, _ = _checked(base_path, read_input(base_path), None)
        chain.append((base_spec, base_world))
        files.append(real)
        shown.append(base_path)
        current, current_lines, current_path = base_spec, base_lines, base_path
    shared = Parameters().with_overrides(implied)
    for file, _ in reversed(chain):
        shared = shared.with_overrides(file.parameters)
    shared = shared.with_overrides(spec.parameters).with_overrides(settings or {}, where="--set")
    base_spec, base_world = chain[0] if chain else (None, World(Parameters()))
    return Scenario(
        name=spec.name,
        description=spec.description.strip(),
        horizon_months=spec.horizon_months,
        replications=spec.replications,
        seed=spec.seed,
        world=world._replace(params=shared.with_overrides(spec.scenario_parameters, where="scenario_parameters")),
        baseline=base_world._replace(params=shared.with_overrides(
            base_spec.scenario_parameters if base_spec else {}, where="scenario_parameters")),
        baseline_name=base_spec.name if base_spec else "default world",
        overrides=dict(spec.parameters),
        path=None if mapping else path,
        text=text,
        beliefs=chosen.name,
        files=tuple(files[1:] if mapping else files),
        settings=dict(settings or {}),
    )
