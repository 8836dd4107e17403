"""Scenario files: strict YAML loading, the schema, and what a scenario compares with what.

Loading is strict because a silently ignored typo changes a policy conclusion: unknown keys,
duplicate keys (PyYAML keeps the last one), aliases, wrong types and out-of-range values are
all errors naming the file, the line and the key path.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml
from yaml.events import AliasEvent

from afsim.errors import InputError, closest
from afsim.world.levers import EVENTS, LEVERS, Event, LeverSetting, check_lever_value
from afsim.world.parameters import Parameters, is_number

if TYPE_CHECKING:
    from afsim.world.levers import Policy

DEFAULT_BASELINE = "default"


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
    "horizon_months": Key("int", default=120, lo=1, hi=1200),
    "replications": Key("int", default=1000, lo=2, hi=10_000_000),
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


def check_keys(raw: Any, schema: dict[str, Key], loc: tuple, where: Any) -> dict[str, Any]:
    """Validate one mapping against a schema; return it with defaults filled in.

    ``where(loc)`` turns a key path into a located description for the error message.
    """
    if not isinstance(raw, dict):
        raise InputError(where(loc), f"expected a mapping with keys {', '.join(schema)}, got {raw!r}")
    for key in raw:
        if key not in schema:
            raise InputError(where((*loc, key)), f"unknown key; allowed keys: {', '.join(schema)}",
                             hint=closest(str(key), schema))
    out = {}
    for key, spec in schema.items():
        if key not in raw:
            if spec.required:
                raise InputError(where((*loc, key)), "required key is missing")
            out[key] = spec.default
            continue
        value = raw[key]
        if not _type_ok(spec.kind, value):
            raise InputError(where((*loc, key)), f"expected {_EXPECTED.get(spec.kind, spec.kind)}, got {value!r}")
        if value is not None and spec.lo is not None and value < spec.lo:
            raise InputError(where((*loc, key)), f"expected a value of at least {spec.lo:g}, got {value!r}")
        if value is not None and spec.hi is not None and value > spec.hi:
            raise InputError(where((*loc, key)), f"expected a value of at most {spec.hi:g}, got {value!r}")
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


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases and duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark
            raise InputError(f"line {mark.line + 1}", "YAML aliases (*name) are not allowed in scenario files")
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise InputError(f"line {line}: {key}", f"duplicate key (first given at line {seen[key]})")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _lines(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map each key path to the line it starts on, for error messages."""
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _lines(value, (*path, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)
    return out


def _dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _check_duplicates(node: yaml.Node) -> None:
    """Refuse duplicate keys anywhere in a composed document (PyYAML would keep the last one)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if key.value in seen:
                raise InputError(f"line {line}: {key.value}", f"duplicate key (first given at line {seen[key.value]})")
            seen[key.value] = line
            _check_duplicates(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicates(item)


def _parse_fast(text: str) -> tuple[Any, Any]:
    """libyaml's C parser (about 10x faster than the pure-Python one): aliases and duplicate keys
    are checked on its events and nodes."""
    loader_class = yaml.CSafeLoader
    for event in yaml.parse(text, Loader=loader_class):
        if isinstance(event, AliasEvent):
            raise InputError(f"line {event.start_mark.line + 1}",
                             "YAML aliases (*name) are not allowed in scenario files")
    node = yaml.compose(text, Loader=loader_class)
    if node is None:
        return None, None
    _check_duplicates(node)
    loader = loader_class(text)
    try:
        return node, loader.construct_document(node)
    finally:
        loader.dispose()


def _parse_portable(text: str) -> tuple[Any, Any]:
    node = yaml.compose(text, Loader=_StrictLoader)
    if node is None:
        return None, None
    return node, yaml.load(text, Loader=_StrictLoader)  # _StrictLoader subclasses yaml.SafeLoader


def parse_yaml(text: str, file: str) -> tuple[dict[str, Any], dict[tuple, int]]:
    """Parse strictly; return the mapping and a key-path -> line map."""
    try:
        node, data = (_parse_fast if hasattr(yaml, "CSafeLoader") else _parse_portable)(text)
        if node is None:
            raise InputError("(top level)", "the file is empty; expected a mapping with at least 'name'", file=file)
    except InputError as exc:
        raise exc.in_file(file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(top level)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(where, f"malformed YAML: {problem}", file=file) from None
    if not isinstance(data, dict):
        raise InputError("(top level)", f"expected a mapping of keys, got {type(data).__name__}", file=file)
    return data, _lines(node)


def _located(lines: dict[tuple, int], loc: tuple) -> str:
    for i in range(len(loc), -1, -1):
        if loc[:i] in lines:
            return f"line {lines[loc[:i]]}: {_dotted(loc)}"
    return _dotted(loc)


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
    levers: list[dict[str, Any]]
    events: list[dict[str, Any]]


def validate_file(data: dict[str, Any], lines: dict[tuple, int], file: str) -> ScenarioFile:
    def where(loc: tuple) -> str:
        return _located(lines, loc)

    try:
        top = check_keys(data, SCENARIO_KEYS, (), where)
        levers = [check_keys(x, LEVER_KEYS, ("levers", i), where) for i, x in enumerate(top["levers"])]
        events = [check_keys(x, EVENT_KEYS, ("events", i), where) for i, x in enumerate(top["events"])]
    except InputError as exc:
        raise exc.in_file(file) from None
    return ScenarioFile(**{**top, "levers": levers, "events": events})


def _world(spec: ScenarioFile, lines: dict[tuple, int], file: str, reading: dict[str, float]) -> World:
    try:
        params = Parameters().with_overrides(reading).with_overrides(spec.parameters, where="parameters")
    except InputError as exc:
        loc = ("parameters", exc.where.removeprefix("parameters."))
        raise InputError(_located(lines, loc), exc.problem, hint=exc.hint, file=file) from None
    settings = []
    for i, entry in enumerate(spec.levers):
        where = _located(lines, ("levers", i, "lever"))
        if entry["lever"] not in LEVERS:
            match = closest(entry["lever"], LEVERS)
            raise InputError(where, f"unknown lever; known levers: {', '.join(LEVERS)}",
                             hint=match, file=file)
        try:
            value = check_lever_value(entry["lever"], entry["value"], _located(lines, ("levers", i, "value")))
        except InputError as exc:
            raise exc.in_file(file) from None
        if entry["from_month"] >= spec.horizon_months:
            raise InputError(_located(lines, ("levers", i, "from_month")),
                             f"expected a month before horizon_months ({spec.horizon_months})", file=file)
        if entry["until_month"] is not None and entry["until_month"] <= entry["from_month"]:
            raise InputError(_located(lines, ("levers", i, "until_month")),
                             f"expected a month after from_month ({entry['from_month']})", file=file)
        settings.append(LeverSetting(entry["lever"], value, entry["from_month"], entry["until_month"]))
    events = []
    for i, entry in enumerate(spec.events):
        if entry["event"] not in EVENTS:
            match = closest(entry["event"], EVENTS)
            raise InputError(_located(lines, ("events", i, "event")),
                             f"unknown event; known events: {', '.join(EVENTS)}",
                             hint=match, file=file)
        if entry["month"] >= spec.horizon_months:
            raise InputError(_located(lines, ("events", i, "month")),
                             f"expected a month before horizon_months ({spec.horizon_months})", file=file)
        events.append(Event(entry["event"], entry["month"]))
    return World(params, tuple(settings), tuple(events))


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise InputError("(file)", "file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("(file)", "expected a YAML file, got a directory", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("(file)", f"cannot read: {exc}", file=str(path)) from None


def load_scenario(path: str | os.PathLike[str], beliefs: str | None = None,
                  implied: dict[str, float] | None = None) -> Scenario:
    """Load and fully validate a scenario file and its baseline.

    ``beliefs`` (a reading's name) overrides the file's ``beliefs:``; the reading's parameter
    values apply to both arms, under each file's own ``parameters:``.  ``implied`` gives such
    values directly (one draw of the credence-weighted ensemble).
    """
    from afsim.world.beliefs import reading

    path = os.fspath(path)
    text = _read(path)
    data, lines = parse_yaml(text, path)
    spec = validate_file(data, lines, path)
    if beliefs is None:
        try:
            chosen = reading(spec.beliefs, _located(lines, ("beliefs",)))
        except InputError as exc:
            raise exc.in_file(path) from None
    else:
        chosen = reading(beliefs, "--beliefs")
    implied = chosen.overrides() if implied is None else implied
    world = _world(spec, lines, path, implied)
    files = (os.path.realpath(path),)
    if spec.baseline == DEFAULT_BASELINE:
        baseline, baseline_name = World(Parameters().with_overrides(implied)), "default world"
    else:
        base_path = os.path.realpath(os.path.join(os.path.dirname(path), spec.baseline))
        if base_path == os.path.realpath(path):
            raise InputError(_located(lines, ("baseline",)), "a scenario cannot be its own baseline", file=path)
        if not os.path.isfile(base_path):
            raise InputError(_located(lines, ("baseline",)),
                             f"expected '{DEFAULT_BASELINE}' or a scenario file; {base_path} not found",
                             file=path)
        base_text = _read(base_path)
        base_data, base_lines = parse_yaml(base_text, base_path)
        base_spec = validate_file(base_data, base_lines, base_path)
        baseline, baseline_name = _world(base_spec, base_lines, base_path, implied), base_spec.name
        files += (base_path,)
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
        files=files,
    )

