"""Reading input files safely and their YAML strictly, with every error located.

An input file (scenario, baseline, sweep spec) is checked to be a regular file of at most
``MAX_INPUT_BYTES`` before a byte is read, so a FIFO cannot block and ``/dev/zero`` cannot
fill memory.  Its YAML is then checked at the level of the parsed events and nodes, where the
text the user typed is still visible:

* structure: nesting deeper than ``MAX_NESTING``, aliases, mapping keys that are lists or
  mappings, duplicate keys;
* YAML 1.1 number forms that PyYAML reinterprets silently (``1:30`` is base 60 = 90,
  ``0100`` is octal 64, ``0x10`` is 16, ``1_000`` is 1000, ``+12``): afsim accepts integers
  only in the form every YAML parser reads alike (YAML 1.2's JSON schema) and says which rule
  applied and what to write instead;
* words YAML 1.1 turns into booleans (``yes/no/on/off``) and number-like text it leaves as
  a string (``1e3``, ``0o17``): harmless where a boolean or string is wanted, so these are not
  errors by themselves but explain any error reported on their line ("expected a string,
  got False" becomes understandable).

Errors are collected, not raised one by one, so a file with five mistakes is reported in one
round (up to ``MAX_ERRORS``), each as ``file: line N: key.path: problem``.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

from afsim.errors import InputError
from afsim.world.limits import MAX_ERRORS, MAX_INPUT_BYTES, MAX_NESTING

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_input(path: str | os.PathLike[str]) -> str:
    """The text of an input file, after checking that it is a regular file of at most
    ``MAX_INPUT_BYTES`` -- the one door through which afsim reads every input file."""
    path = os.fspath(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError("(file)", "file not found", file=path) from None
    except OSError as exc:
        raise InputError("(file)", f"cannot read: {exc.strerror or exc}", file=path) from None
    except ValueError:  # a NUL byte in the name
        raise InputError("(file)", "a file name cannot contain a NUL byte", file=repr(path)) from None
    _check_regular(info, path)
    try:  # O_NONBLOCK: should the file be swapped for a FIFO after the check, open() still returns
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            _check_regular(os.fstat(f.fileno()), path)
            raw = f.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError("(file)", f"cannot read: {exc.strerror or exc}", file=path) from None
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError("(file)", _too_large(), file=path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(f"line {line}", f"not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}); "
                         "save the file as UTF-8", file=path) from None


def _too_large() -> str:
    return f"file is larger than {MAX_INPUT_BYTES:,} bytes (1 MiB), the limit for an input file"


def _check_regular(info: os.stat_result, path: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise InputError("(file)", "expected a YAML file, got a directory", file=path)
    for test, kind in _KINDS:
        if test(info.st_mode):
            raise InputError("(file)", f"expected a regular file, got {kind}", file=path)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("(file)", "expected a regular file", file=path)
    if info.st_size > MAX_INPUT_BYTES:
        raise InputError("(file)", _too_large(), file=path)


# -- collecting errors ----------------------------------------------------------------------


class InputErrors(InputError):
    """Several errors in one file, reported together; behaves as its first for code that reads one."""

    def __init__(self, errors: list[InputError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.where, first.problem, hint=first.hint, file=first.file)

    def in_file(self, file: str) -> InputErrors:
        return InputErrors([e if e.file else e.in_file(file) for e in self.errors])

    def __str__(self) -> str:
        shown = [str(e) for e in self.errors[:MAX_ERRORS]]
        if len(self.errors) > MAX_ERRORS:
            shown.append(f"{self.errors[0].file or 'input'}: {len(self.errors) - MAX_ERRORS} more error(s) "
                         f"not shown (the first {MAX_ERRORS} are)")
        return "\n".join(shown)


_LINE = re.compile(r"^line (\d+)")


def _line_of(error: InputError) -> int | None:
    match = _LINE.match(error.where)
    return int(match.group(1)) if match else None


class Problems:
    """The errors found in one file so far; ``collect()`` turns a raised error into one more entry."""

    def __init__(self, file: str, notes: dict[int, str] | None = None):
        self.file = file
        self.notes = notes or {}
        self.errors: list[InputError] = []
        self.form_lines: set[int] = set()  # lines whose number form is refused: their value means nothing

    def add(self, error: InputError, *, form: bool = False) -> None:
        for e in error.errors if isinstance(error, InputErrors) else [error]:
            line = _line_of(e)
            if line in self.form_lines and not form:
                continue  # the number's form is already reported on this line; its value would repeat it
            note = self.notes.get(line, "")
            if note.endswith(BOOLEAN_SUFFIX) and "true or false" not in e.problem:
                note = note.split("; or write ")[0]  # 'write true' helps only where a boolean is expected
            if note and note not in e.problem:
                e = InputError(e.where, f"{e.problem} ({note})", hint=e.hint, file=e.file)
            if form and line is not None:
                self.form_lines.add(line)
            self.errors.append(e if e.file else e.in_file(self.file))

    @contextmanager
    def collect(self) -> Iterator[None]:
        try:
            yield
        except InputError as exc:
            self.add(exc)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            ordered = sorted(self.errors, key=lambda e: _line_of(e) or 0)
            raise InputErrors(ordered) if len(ordered) > 1 else ordered[0]


# -- YAML -----------------------------------------------------------------------------------


class Lines(dict):
    """Key path -> line it starts on; plus what the parse found: form errors and notes by line."""

    problems: list[InputError]
    notes: dict[int, str]


def dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) and not isinstance(part, bool) else (
            f".{part}" if text else str(part))
    return text or "(top level)"


def located(lines: dict[tuple, int], loc: tuple) -> str:
    """``line N: key.path`` for a key path (the nearest enclosing line if the key is absent)."""
    for i in range(len(loc), -1, -1):
        if loc[:i] in lines:
            return f"line {lines[loc[:i]]}: {dotted(loc)}"
    return dotted(loc)


def problems_of(lines: dict[tuple, int], file: str) -> Problems:
    """A :class:`Problems` for a parsed file, holding the form errors its parse found."""
    problems = Problems(file, getattr(lines, "notes", {}))
    for error in getattr(lines, "problems", []):
        problems.add(error, form=True)
    return problems


BOOLEAN_SUFFIX = " for the boolean"
_INT_1_2 = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT_1_2 = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?")
_BOOL_1_2 = {"true", "false", "True", "False", "TRUE", "FALSE"}
_NUMBERISH = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?0o[0-7]+")


def _number_form(text: str, value: Any, tag: str) -> str | None:
    """Why a plain int/float scalar is refused, or None when every YAML parser reads it alike."""
    digits = text.lstrip("+-")
    if ":" in text:
        return (f"{text} is read by YAML 1.1 as a base-60 (sexagesimal) number, {value!r}; "
                f"write {value!r}, or quote it ('{text}') if you meant text")
    if "_" in text:
        return f"{text} is read by YAML 1.1 as {value!r} (underscores are dropped); write {value!r}"
    if tag.endswith(":int"):
        if digits[:2] in ("0x", "0X"):
            return f"{text} is read by YAML 1.1 as hexadecimal {value}; write {value}, or quote it if you meant text"
        if digits[:2] in ("0b", "0B"):
            return f"{text} is read by YAML 1.1 as binary {value}; write {value}, or quote it if you meant text"
        if len(digits) > 1 and digits[0] == "0":
            return (f"{text} is read by YAML 1.1 as octal {value} (a leading 0 means base 8); "
                    f"write {'-' if text.startswith('-') else ''}{digits.lstrip('0') or '0'}, or quote it if you "
                    "meant text")
    if text.startswith("+"):
        return (f"{text}: YAML parsers disagree on a leading + (YAML 1.2's JSON schema reads it as text); "
                f"write {text[1:]}")
    if tag.endswith(":int") and not _INT_1_2.fullmatch(text):
        return f"{text} is not a plain decimal integer; write {value}"
    return None


def _scan_scalar(node: yaml.ScalarNode, path: tuple, problems: list[InputError], notes: dict[int, str]) -> None:
    if node.style:  # quoted or block text: a string, as the user meant (plain is None, or "" from libyaml)
        return
    text, tag, line = node.value, node.tag, node.start_mark.line + 1
    if tag.endswith((":int", ":float")):
        value = _value(node)
        why = _number_form(text, value, tag)
        if why:
            problems.append(InputError(f"line {line}: {dotted(path)}", why))
    elif tag.endswith(":bool") and text not in _BOOL_1_2:
        value = str(_value(node)).lower()
        notes[line] = (f"YAML 1.1 reads the unquoted {text} as the boolean {value}; quote it ('{text}') for text"
                       f"; or write {value}{BOOLEAN_SUFFIX}")
    elif tag.endswith(":str") and _NUMBERISH.fullmatch(text):
        notes[line] = _text_number(text)


def _text_number(text: str) -> str:
    """Why a number-like plain scalar is a string under YAML 1.1 (as YAML 1.2 it would be a number)."""
    digits = text.lstrip("+-")
    if digits[:2] == "0o":
        value = int(text.replace("0o", ""), 8)
        return f"YAML 1.1 reads the unquoted {text} as text (0o is YAML 1.2's octal prefix); write {value}"
    value = float(text.replace("_", ""))
    plain = int(value) if value.is_integer() else value
    return (f"YAML 1.1 reads the unquoted {text} as text, not a number: its floats need a dot and a signed "
            f"exponent (1.0e+3); write {plain}")


def _value(node: yaml.ScalarNode) -> Any:
    """A scalar's value as PyYAML's safe loader would construct it."""
    return yaml.constructor.SafeConstructor().construct_object(node)


def _scan(node: yaml.Node, path: tuple, lines: Lines) -> None:
    """Record each key path's line and check keys and scalars, recursively (depth is bounded)."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        _scan_scalar(node, path, lines.problems, lines.notes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _scan(item, (*path, i), lines)
    elif isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                raise InputError(f"line {line}: {dotted(path)}",
                                 f"a {kind} cannot be a key; keys are plain names")
            _scan_scalar(key_node, (*path, key_node.value), lines.problems, lines.notes)
            key = _value(key_node)
            if key in seen:
                lines.problems.append(InputError(f"line {line}: {dotted((*path, key))}",
                                                 f"duplicate key (first given at line {seen[key]})"))
            seen.setdefault(key, line)
            _scan(value_node, (*path, key), lines)


def _check_events(text: str, loader: type) -> None:
    """Aliases and nesting depth, on the event stream (no recursion: safe for 5,000 '[')."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, AliasEvent):
            raise InputError(f"line {event.start_mark.line + 1}",
                             "YAML aliases (*name) are not allowed in afsim input files")
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise InputError(f"line {event.start_mark.line + 1}",
                                 f"lists and mappings nested more than {MAX_NESTING} deep")
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _loader() -> type:
    """libyaml's C parser when present (about 10x faster); the pure-Python one otherwise.

    Both go through the same event and node checks, so they accept and refuse the same files."""
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, file: str, *, defer: bool = False, top: type = dict) -> tuple[Any, Lines]:
    """Parse strictly; return the mapping (``top=list``: the list) and its key-path -> line map.

    Structural errors raise at once.  Refused number forms and duplicate keys are raised too,
    unless ``defer``: then they wait in ``lines.problems`` so that schema validation can report
    them together with its own (:func:`problems_of`).
    """
    loader = _loader()
    lines = Lines()
    lines.problems, lines.notes = [], {}
    try:
        _check_events(text, loader)
        node = yaml.compose(text, Loader=loader)
        if node is None:
            raise InputError("(top level)", "the file is empty; expected a mapping of keys")
        _scan(node, (), lines)
        constructor = loader(text)
        try:
            data = constructor.construct_document(node)
        finally:
            constructor.dispose()
    except InputError as exc:
        raise exc.in_file(file) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else "(top level)"
        raise InputError(where, f"malformed YAML: {exc.problem or exc.context}", file=file) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        char = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise InputError(f"line {line}" if line else "(file)",
                         f"unacceptable character {char}: {exc.reason}", file=file) from None
    except yaml.YAMLError as exc:
        raise InputError("(top level)", f"malformed YAML: {exc}", file=file) from None
    if not isinstance(data, top):
        raise InputError("(top level)", f"expected {'a list' if top is list else 'a mapping of keys'}, "
                         f"got {type(data).__name__}", file=file)
    if lines.problems and not defer:
        problems_of(lines, file).raise_if_any()
    return data, lines

