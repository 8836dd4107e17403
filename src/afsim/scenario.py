"""Scenario files: strict YAML loading, the schema, and what a scenario compares with what.

Loading is strict because a silently ignored typo changes a policy conclusion: unknown keys,
duplicate keys (PyYAML keeps the last one), aliases, wrong types and out-of-range values are
all errors naming the file, the line and the key path.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from yaml.events import AliasEvent

from afsim.errors import InputError
from afsim.levers import EVENTS, LEVERS, Event, LeverSetting, Policy, check_lever_value
from afsim.parameters import Parameters

DEFAULT_BASELINE = "default"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LeverEntry(_Strict):
    lever: str
    value: Any
    from_month: int = Field(0, ge=0)
    until_month: int | None = Field(None, ge=1)


class EventEntry(_Strict):
    event: str
    month: int = Field(ge=0)


class ScenarioFile(_Strict):
    """The schema of a scenario file (see README, "Scenario format")."""

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=80)
    description: str = ""
    horizon_months: int = Field(120, ge=1, le=1200)
    replications: int = Field(1000, ge=2, le=10_000_000)
    seed: int = Field(20250101, ge=0, le=2**63 - 1)
    baseline: str = DEFAULT_BASELINE
    parameters: dict[str, float] = Field(default_factory=dict)
    levers: list[LeverEntry] = Field(default_factory=list)
    events: list[EventEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class World:
    """What one arm of an experiment runs: a parameter set and a policy over time."""

    params: Parameters
    levers: tuple[LeverSetting, ...] = ()
    events: tuple[Event, ...] = ()

    def policy(self, horizon: int) -> Policy:
        return Policy.compile(horizon, self.levers, self.events)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    horizon_months: int
    replications: int
    seed: int
    world: World
    baseline: World
    baseline_name: str
    overrides: dict[str, float] = field(default_factory=dict)
    path: Path | None = None
    text: str = ""

    @property
    def sha256(self) -> str:
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


def _pydantic_problem(err: dict[str, Any], model: type[BaseModel]) -> tuple[str, str | None]:
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        owner = model
        for part in err["loc"][:-1]:
            if isinstance(part, str) and part in owner.model_fields:
                ann = owner.model_fields[part].annotation
                inner = getattr(ann, "__args__", (ann,))[0]
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    owner = inner
        match = difflib.get_close_matches(str(err["loc"][-1]), list(owner.model_fields), n=1, cutoff=0.5)
        return f"unknown key; allowed keys: {', '.join(owner.model_fields)}", (match[0] if match else None)
    if kind == "missing":
        return "required key is missing", None
    expected = {
        "int_type": "an integer", "float_type": "a number", "string_type": "a string",
        "list_type": "a list", "dict_type": "a mapping", "bool_type": "true or false",
    }.get(kind)
    if expected:
        return f"expected {expected}, got {value!r}", None
    return f"{err['msg'].lower()}, got {value!r}", None


def parse_yaml(text: str, file: str) -> tuple[dict[str, Any], dict[tuple, int]]:
    """Parse strictly; return the mapping and a key-path -> line map."""
    try:
        node = yaml.compose(text, Loader=_StrictLoader)
        if node is None:
            raise InputError("(top level)", "the file is empty; expected a mapping with at least 'name'", file=file)
        data = yaml.load(text, Loader=_StrictLoader)
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


def validate_file(data: dict[str, Any], lines: dict[tuple, int], file: str) -> ScenarioFile:
    try:
        spec = ScenarioFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        problem, hint = _pydantic_problem(err, ScenarioFile)
        raise InputError(_located(lines, tuple(err["loc"])), problem, hint=hint, file=file) from None
    return spec


def _world(spec: ScenarioFile, lines: dict[tuple, int], file: str) -> World:
    try:
        params = Parameters().with_overrides(spec.parameters, where="parameters")
    except InputError as exc:
        loc = ("parameters", exc.where.removeprefix("parameters."))
        raise InputError(_located(lines, loc), exc.problem, hint=exc.hint, file=file) from None
    settings = []
    for i, entry in enumerate(spec.levers):
        where = _located(lines, ("levers", i, "lever"))
        if entry.lever not in LEVERS:
            match = difflib.get_close_matches(entry.lever, list(LEVERS), n=1, cutoff=0.5)
            raise InputError(where, f"unknown lever; known levers: {', '.join(LEVERS)}",
                             hint=match[0] if match else None, file=file)
        try:
            value = check_lever_value(entry.lever, entry.value, _located(lines, ("levers", i, "value")))
        except InputError as exc:
            raise exc.in_file(file) from None
        if entry.from_month >= spec.horizon_months:
            raise InputError(_located(lines, ("levers", i, "from_month")),
                             f"expected a month before horizon_months ({spec.horizon_months})", file=file)
        if entry.until_month is not None and entry.until_month <= entry.from_month:
            raise InputError(_located(lines, ("levers", i, "until_month")),
                             f"expected a month after from_month ({entry.from_month})", file=file)
        settings.append(LeverSetting(entry.lever, value, entry.from_month, entry.until_month))
    events = []
    for i, entry in enumerate(spec.events):
        if entry.event not in EVENTS:
            match = difflib.get_close_matches(entry.event, list(EVENTS), n=1, cutoff=0.5)
            raise InputError(_located(lines, ("events", i, "event")),
                             f"unknown event; known events: {', '.join(EVENTS)}",
                             hint=match[0] if match else None, file=file)
        if entry.month >= spec.horizon_months:
            raise InputError(_located(lines, ("events", i, "month")),
                             f"expected a month before horizon_months ({spec.horizon_months})", file=file)
        events.append(Event(entry.event, entry.month))
    return World(params, tuple(settings), tuple(events))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("(file)", "file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("(file)", "expected a YAML file, got a directory", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("(file)", f"cannot read: {exc}", file=str(path)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load and fully validate a scenario file and its baseline."""
    path = Path(path)
    text = _read(path)
    data, lines = parse_yaml(text, str(path))
    spec = validate_file(data, lines, str(path))
    world = _world(spec, lines, str(path))
    if spec.baseline == DEFAULT_BASELINE:
        baseline, baseline_name = World(Parameters()), "default world"
    else:
        base_path = (path.parent / spec.baseline).resolve()
        if base_path == path.resolve():
            raise InputError(_located(lines, ("baseline",)), "a scenario cannot be its own baseline", file=str(path))
        if not base_path.is_file():
            raise InputError(_located(lines, ("baseline",)),
                             f"expected '{DEFAULT_BASELINE}' or a scenario file; {base_path} not found",
                             file=str(path))
        base_text = _read(base_path)
        base_data, base_lines = parse_yaml(base_text, str(base_path))
        base_spec = validate_file(base_data, base_lines, str(base_path))
        baseline, baseline_name = _world(base_spec, base_lines, str(base_path)), base_spec.name
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
    )
