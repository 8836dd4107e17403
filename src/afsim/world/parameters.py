"""The model's behaviour parameters, grouped per actor, each with its provenance.

The table lives in ``data/parameters.yaml`` beside ``claims.yaml``: every parameter carries a
default, a valid range, a unit and meaning, and either the ids of the claims that support its
value or an explicit ``assumption`` saying why the value was chosen without textual support.
Nothing else in afsim defines a number that shapes behaviour: the model reads only a
:class:`Parameters` instance, as ``params.<group>.<name>`` (``params.isisk.attrition_rate``).

This module is the table's typed loader.  It is read once, at import, with the C YAML loader
when there is one: ``afsim validate`` imports it and must start quickly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, NoReturn

import yaml

from afsim.errors import InputError, closest

# beside claims.yaml; os.path, not pathlib or importlib.resources, keeps `afsim validate` free of their imports
TABLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "parameters.yaml")


class ParameterSpec(NamedTuple):
    """What one parameter means and where its value comes from."""

    path: str
    default: float
    lo: float
    hi: float
    unit: str
    meaning: str
    claims: tuple[str, ...]
    assumption: str | None
    contested: bool
    plausible: tuple[float, float]  # what a careful analyst would defend, inside [lo, hi]; sampled by calibrate
    plausible_reason: str  # the claims, or the assumption, that set the plausible range


class GroupSpec(NamedTuple):
    """One group of the table: whose parameters they are, and each one's spec by name."""

    name: str
    about: str
    specs: dict[str, ParameterSpec]


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- the table --------------------------------------------------------------------------------

REQUIRED = {"default": "a number", "lo": "a number", "hi": "a number", "unit": "a text", "meaning": "a text",
            "plausible": "[low, high], two numbers", "plausible_reason": "a text"}
OPTIONAL = {"claims": "a list of claim ids", "assumption": "a text", "contested": "true or false"}


def _line(root: yaml.Node, path: tuple[str, ...]) -> str:
    """The line a key path starts on in the table (for error messages)."""
    node, line = root, root.start_mark.line + 1
    for key in path:
        found = [(k, v) for k, v in node.value if k.value == key] if isinstance(node, yaml.MappingNode) else []
        if not found:
            break
        line = found[0][0].start_mark.line + 1
        node = found[0][1]
    return f"line {line}"


def _duplicate_key(node: yaml.Node, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The path of the first key given twice (YAML would silently keep the last one)."""
    if isinstance(node, yaml.MappingNode):
        keys = [k.value for k, _ in node.value]
        for key, value in node.value:
            if keys.count(key.value) > 1:
                return (*path, key.value)
            found = _duplicate_key(value, (*path, key.value))
            if found:
                return found
    return None


Fail = Callable[[tuple[str, ...], str], NoReturn]  # raises InputError at a key path: what was expected


def _spec(path: str, entry: Any, fail: Fail) -> ParameterSpec:
    """One table entry as a checked ParameterSpec; ``fail(key, expected)`` raises."""
    if not isinstance(entry, dict):
        fail((), "a mapping of " + ", ".join(REQUIRED))
    for key in entry:
        if key not in REQUIRED and key not in OPTIONAL:
            fail((key,), f"one of {', '.join([*REQUIRED, *OPTIONAL])} (unknown key)")
    for key, expected in REQUIRED.items():
        value = entry.get(key)
        if (expected == "a number" and not is_number(value)) or (expected == "a text" and not isinstance(value, str)):
            fail((key,), expected)
        if key == "plausible" and not (isinstance(value, list) and len(value) == 2 and all(map(is_number, value))):
            fail((key,), expected)
    claims, assumption, contested = entry.get("claims", []), entry.get("assumption"), entry.get("contested", False)
    if not isinstance(claims, list) or not all(isinstance(c, str) for c in claims):
        fail(("claims",), OPTIONAL["claims"])
    if assumption is not None and not (isinstance(assumption, str) and assumption.strip()):
        fail(("assumption",), OPTIONAL["assumption"])
    if not isinstance(contested, bool):
        fail(("contested",), OPTIONAL["contested"])
    if not claims and assumption is None:
        fail((), "claims or an assumption (every parameter needs a provenance)")
    if not entry["lo"] <= entry["default"] <= entry["hi"]:
        fail(("default",), f"a number in [{entry['lo']:g}, {entry['hi']:g}]")
    low, high = entry["plausible"]
    if not entry["lo"] <= low <= entry["default"] <= high <= entry["hi"]:
        fail(("plausible",), f"[low, high] with {entry['lo']:g} <= low <= default {entry['default']:g} <= high <= "
                             f"{entry['hi']:g} (inside the valid range, around the default), got [{low:g}, {high:g}]")
    if not entry["plausible_reason"].strip():
        fail(("plausible_reason",), "a text: the claims, or the assumption, that set the plausible range")
    # lo and hi are kept as written (an integer stays an integer): tornado tables print them
    return ParameterSpec(path, float(entry["default"]), entry["lo"], entry["hi"], entry["unit"], entry["meaning"],
                         tuple(claims), assumption, contested, (float(low), float(high)),
                         entry["plausible_reason"].strip())


def load_table(file: str | os.PathLike[str] = TABLE) -> dict[str, GroupSpec]:
    """Read and check the parameter table; an error names the file, line, key path and what was expected."""
    with open(file, encoding="utf-8") as stream:
        text = stream.read()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()  # parsed once: the nodes give lines for errors, then the values
        raw = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"line {mark.line + 1}" if mark else "(top level)", "not valid YAML",
                         file=str(file)) from None
    finally:
        loader.dispose()

    def fail(path: tuple[str, ...], expected: str) -> NoReturn:
        where = f"{_line(root, path)}: " if root is not None else ""
        raise InputError(f"{where}{'.'.join(path) or '(top level)'}", f"expected {expected}", file=str(file))

    duplicate = _duplicate_key(root) if root is not None else None
    if duplicate:
        fail(duplicate, "each key once (this one is given twice)")
    if not isinstance(raw, dict):
        fail((), "a mapping of group name -> {about, parameters}")
    groups = {}
    for group, body in raw.items():
        if not isinstance(body, dict) or set(body) != {"about", "parameters"}:
            fail((str(group),), "exactly the keys about and parameters")
        if not isinstance(body["parameters"], dict) or not body["parameters"]:
            fail((group, "parameters"), "a mapping of parameter name -> entry")
        specs = {}
        for name, entry in body["parameters"].items():
            if not str(name).isidentifier() or hasattr(ParameterGroup, str(name)):
                fail((group, "parameters", str(name)), "a Python identifier that names no ParameterGroup method")
            specs[name] = _spec(f"{group}.{name}", entry,
                                lambda key, expected, g=group, n=name: fail((g, "parameters", n, *key), expected))
        groups[group] = GroupSpec(group, str(body["about"]), specs)
    return groups


# -- parameter values -------------------------------------------------------------------------

class ParameterGroup:
    """One group's parameter values (``params.isisk``), immutable and checked on construction.

    Each value is a real number inside its range.  Values are plain instance attributes, so the
    model's ``params.isisk.attrition_rate`` is an ordinary attribute read.  A light hand-rolled
    class rather than a dataclass or a schema library: it keeps ``afsim validate`` quick to start.
    """

    __slots__ = ("__dict__", "group")

    group: str

    def __init__(self, group: str, values: Mapping[str, Any] | None = None):
        specs = _GROUPS[group].specs
        values = values or {}
        for name in values:
            if name not in specs:
                raise InputError(f"{group}.{name}", "unknown parameter", hint=closest(name, specs))
        object.__setattr__(self, "group", group)
        for name, spec in specs.items():
            value = values.get(name, spec.default)
            if not is_number(value) or not spec.lo <= value <= spec.hi:
                raise InputError(f"{group}.{name}", f"expected a number in [{spec.lo:g}, {spec.hi:g}] "
                                 f"({spec.unit}), got {value!r}")
            object.__setattr__(self, name, float(value))

    def __getattr__(self, name: str) -> float:
        # only reached when no parameter has this name: say which one was meant
        if name.startswith("__") or name == "group":  # (unpickling asks before the group is set)
            raise AttributeError(name)
        hint = closest(name, vars(self))
        raise AttributeError(f"no parameter {self.group}.{name}" + (f" (did you mean '{hint}'?)" if hint else ""))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"parameters are immutable; use Parameters.with_overrides({self.group}.{name}=...)")

    def __getstate__(self) -> tuple[str, dict[str, float]]:
        return self.group, dict(vars(self))

    def __setstate__(self, state: tuple[str, dict[str, float]]) -> None:
        group, values = state
        object.__setattr__(self, "group", group)
        vars(self).update(values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParameterGroup) and other.group == self.group and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash((self.group, *vars(self).items()))

    def __repr__(self) -> str:
        return f"{self.group}({', '.join(f'{k}={v:g}' for k, v in vars(self).items())})"

    def as_dict(self) -> dict[str, float]:
        return dict(vars(self))

    def replace(self, **changes: Any) -> ParameterGroup:
        return ParameterGroup(self.group, {**vars(self), **changes})


_GROUPS: dict[str, GroupSpec] = load_table()
_SPECS: dict[str, ParameterSpec] = {s.path: s for g in _GROUPS.values() for s in g.specs.values()}


class Parameters:
    """The whole parameter set; ``Parameters()`` is the default world.

    One attribute per group of the table (``isisk``, ``taliban``, ``russia``, ``iran``, ``us``,
    ``region``, ``relations``), each a :class:`ParameterGroup`.
    """

    def __init__(self, **groups: ParameterGroup):
        for name in groups:
            if name not in _GROUPS:
                raise InputError(name, "unknown parameter group", hint=closest(name, _GROUPS))
        for name in _GROUPS:
            object.__setattr__(self, name, groups.get(name) or ParameterGroup(name))

    def __getattr__(self, name: str) -> ParameterGroup:
        # only reached when no group has this name
        hint = closest(name, _GROUPS) if not name.startswith("__") else None
        raise AttributeError(f"no parameter group {name!r}" + (f" (did you mean '{hint}'?)" if hint else ""))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("parameters are immutable; use with_overrides")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Parameters) and self.flat() == other.flat()

    def __hash__(self) -> int:
        return hash(tuple(self.flat().items()))

    def __repr__(self) -> str:
        return f"Parameters({', '.join(repr(getattr(self, g)) for g in _GROUPS)})"

    def __getstate__(self) -> dict[str, ParameterGroup]:
        return {name: getattr(self, name) for name in _GROUPS}

    def __setstate__(self, state: dict[str, ParameterGroup]) -> None:
        for name, group in state.items():
            object.__setattr__(self, name, group)

    def with_overrides(self, overrides: Mapping[str, Any], *, where: str = "parameters") -> Parameters:
        """Return a copy with dotted-path overrides applied, validated.

        Raises :class:`InputError` naming the bad path and what was expected.
        """
        changes: dict[str, dict[str, Any]] = {}
        for path, value in overrides.items():
            if path not in _SPECS:
                raise InputError(f"{where}.{path}", "unknown parameter", hint=closest(str(path), _SPECS))
            group, name = path.split(".", 1)
            changes.setdefault(group, {})[name] = value
        try:
            groups = {g: getattr(self, g).replace(**changes[g]) if g in changes else getattr(self, g)
                      for g in _GROUPS}
        except InputError as exc:
            raise InputError(f"{where}.{exc.where}", exc.problem) from None
        return Parameters(**groups)

    def get(self, path: str) -> float:
        group, name = path.split(".", 1)
        return getattr(getattr(self, group), name)

    def flat(self) -> dict[str, float]:
        return {f"{g}.{k}": v for g in _GROUPS for k, v in getattr(self, g).as_dict().items()}


def parameter_groups() -> Iterator[GroupSpec]:
    """The table's groups in order, each with its ``about`` line (for listings and the ODD)."""
    yield from _GROUPS.values()


def parameter_specs() -> Iterator[ParameterSpec]:
    yield from _SPECS.values()


def spec(path: str) -> ParameterSpec:
    return _SPECS[path]
