"""Property-based fuzzing of the scenario and sweep-spec loaders (issue 10).

Above all mutations of the shipped files -- keys dropped, duplicated, retyped, renamed; values
swapped between keys; numbers pushed to their bounds and past them; YAML 1.1 traps and broken
syntax typed into the text -- and also random YAML documents.  Whatever the input, ``afsim
validate`` exits 0 or 2 with no traceback, and a refused file makes ``afsim run``/``sweep`` exit 2
without writing anything; a sample of accepted scenario mutants (horizon 1..24) also runs,
`afsim run -n 2` exiting 0.

The default run is derandomized (fixed seed) and short; ``pytest -m fuzz`` runs the long,
random variant.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from afsim.cli import cli
from conftest import REPO

SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.yaml"))
SWEEP_FILES = sorted((REPO / "sweeps").glob("*.yaml"))
SHIPPED = [*SCENARIO_FILES, *SWEEP_FILES]

SHORT = settings(max_examples=300, derandomize=True, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LONG = settings(max_examples=4000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SCHEMA_WORDS = ["name", "description", "horizon_months", "replications", "seed", "baseline", "beliefs",
                "parameters", "levers", "events", "lever", "value", "from_month", "until_month", "event", "month",
                "scenario", "vary", "design", "method", "size", "lo", "hi", "steps", "values", "dummy", "outcomes",
                "common_random_numbers", "us.intel_capability", "isisk.displacement", "us.sharing.russia"]
EDGE_NUMBERS = [0, -1, 1, 2, 1200, 1201, 10_000_000, 10_000_001, 2**32, 2**63 - 1, 2**63, -(2**63), 10**40,
                0.5, -0.5, 1e-12, 1.5, 1e308, float("inf"), float("-inf"), float("nan")]
TRAPS = ["1:30", "0100", "0x10", "0b11", "0o17", "1_000", "+12", ".5", "1e3", "1.0e+3", "yes", "no", "on", "off",
         "y", "~", "null", "''", "[]", "{}", "[a, b]", "{a: 1}", "&a 1", "*a", "!!python/object:os.system",
         "!!binary aGk=", "'unterminated", "- x", "? [a]", "\t", "\x00", "default", "baseline.yaml", "../x.yaml",
         "/dev/zero", "grid", "sobol", "morris", "lhs", "[" * 60, "{" * 60]

values = st.recursive(
    st.none() | st.booleans() | st.sampled_from(EDGE_NUMBERS) | st.integers() | st.floats()
    | st.text(max_size=12) | st.sampled_from(SCHEMA_WORDS + TRAPS),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(SCHEMA_WORDS) | st.text(max_size=8),
                                                                inner, max_size=4),
    max_leaves=12)


def _paths(node, prefix=()):
    """Every key path into a loaded document (mapping keys and list indices)."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _get(doc, path):
    for part in path:
        doc = doc[part]
    return doc


def _set(doc, path, value):
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


@st.composite
def mutated_document(draw, files=SHIPPED, horizon=None, ops=("drop", "retype", "rename", "swap", "perturb", "perturb",
                                                              "add"), text_edits=2):
    """A shipped file, structurally mutated, dumped, then perhaps mutated as text.

    ``horizon``: a strategy for the file's horizon_months before mutation (keeps runnable mutants short);
    ``ops`` and ``text_edits`` narrow the mutations (milder ones are accepted more often)."""
    source = draw(st.sampled_from(files))
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    if horizon is not None:
        doc["horizon_months"] = draw(horizon)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(ops))
        parent = _get(doc, path[:-1]) if path else None
        if op == "drop" and path:
            del parent[path[-1]]
        elif op == "retype":
            doc = _set(doc, path, draw(values))
        elif op == "rename" and path and isinstance(parent, dict):
            key = str(path[-1])
            new = draw(st.sampled_from(SCHEMA_WORDS) | st.just(key[:-1]) | st.just(key + "s") | st.text(max_size=8))
            parent[new] = parent.pop(path[-1])
        elif op == "swap":
            other = draw(st.sampled_from(paths))
            if path and other and path[:len(other)] != other and other[:len(path)] != path:
                a, b = _get(doc, path), _get(doc, other)
                doc = _set(doc, path, b)
                doc = _set(doc, other, a)
        elif op == "perturb":
            doc = _set(doc, path, draw(st.sampled_from(EDGE_NUMBERS)))
        elif op == "add" and isinstance(_get(doc, path), dict):
            _get(doc, path)[draw(st.sampled_from(SCHEMA_WORDS))] = draw(values)
        if not isinstance(doc, dict | list):
            break
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    lines = text.splitlines()
    for _ in range(draw(st.integers(0, text_edits))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["duplicate", "delete", "trap", "trap", "insert"]))
        if op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "delete":
            del lines[i]
        elif op == "trap" and ": " in lines[i]:
            lines[i] = lines[i].split(": ", 1)[0] + ": " + draw(st.sampled_from(TRAPS))
        elif op == "insert":
            j = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:j] + draw(st.sampled_from(TRAPS) | st.text(max_size=3)) + lines[i][j:]
    return source, "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def playground(tmp_path_factory):
    """A copy of scenarios/ and sweeps/, so that mutants keep their relative baselines and scenarios."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    shutil.copytree(REPO / "sweeps", root / "sweeps")
    return root


def _check(root: Path, folder: str, text: str) -> None:
    path = root / folder / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    before = sorted(p.name for p in root.rglob("*"))
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 2), (result.exit_code, result.output, text)
    assert "Traceback" not in result.output and "internal error" not in result.output, (result.output, text)
    if result.exit_code == 2:
        assert result.stderr.startswith("afsim: error: ") and str(path) in result.stderr, (result.stderr, text)
        out = root / "out"
        command = "sweep" if folder == "sweeps" else "run"
        again = runner.invoke(cli, [command, str(path), "--out", str(out), "-q"])
        assert again.exit_code == 2, (again.output, again.exception, text)
        assert not out.exists()
    assert sorted(p.name for p in root.rglob("*")) == before


def _folder(source: Path) -> str:
    return source.parent.name


@SHORT
@given(mutated_document())
def test_mutated_shipped_files_are_accepted_or_refused_cleanly(playground, case):
    source, text = case
    _check(playground, _folder(source), text)


@SHORT
@given(st.sampled_from(["scenarios", "sweeps"]), values | st.text(max_size=200))
def test_random_documents_are_accepted_or_refused_cleanly(playground, folder, doc):
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False)
    _check(playground, folder, text)


@pytest.mark.fuzz
@LONG
@given(mutated_document())
def test_mutated_shipped_files_long(playground, case):
    source, text = case
    _check(playground, _folder(source), text)


@pytest.mark.fuzz
@LONG
@given(st.sampled_from(["scenarios", "sweeps"]), values | st.text(max_size=400))
def test_random_documents_long(playground, folder, doc):
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False)
    _check(playground, folder, text)


FILTERED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
RUN_SHORT = settings(SHORT, max_examples=25, suppress_health_check=FILTERED)
RUN_LONG = settings(LONG, max_examples=300, suppress_health_check=FILTERED)
RUNNABLE = mutated_document(SCENARIO_FILES, horizon=st.integers(1, 24), ops=("drop", "swap", "perturb", "retype"),
                            text_edits=0)


def _check_run(root: Path, text: str) -> None:
    """A mutant `afsim validate` accepts also runs: `afsim run` exits 0 (a crash there was never looked for)."""
    from hypothesis import assume

    from afsim.world.scenario import load_scenario

    path = root / "scenarios" / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    runner = CliRunner()
    checked = runner.invoke(cli, ["validate", str(path)])
    assume(checked.exit_code == 0)
    assume(load_scenario(path).horizon_months <= 24)  # a mutation may have pushed it far: keep the run short
    out = root / "runs"
    try:
        result = runner.invoke(cli, ["run", str(path), "-n", "2", "--series", "none", "-q", "-w", "1",
                                     "--out", str(out)])
        assert result.exit_code == 0, (result.output, result.exception, text)
        assert "Traceback" not in result.output and "internal error" not in result.output, (result.output, text)
    finally:
        shutil.rmtree(out, ignore_errors=True)


@RUN_SHORT
@given(RUNNABLE)
def test_accepted_mutants_run(playground, case):
    _check_run(playground, case[1])


@pytest.mark.fuzz
@RUN_LONG
@given(RUNNABLE)
def test_accepted_mutants_run_long(playground, case):
    _check_run(playground, case[1])


vary_items = st.one_of(
    st.text(max_size=30),
    st.builds(lambda p, parts: f"{p}={':'.join(parts)}", st.sampled_from(["us.intel_capability", "x", ""]),
              st.lists(st.sampled_from(["0", "1", "-3", "0.5", "1e3", "nan", "inf", "", "a", "2", "11", "3.0",
                                        " 4", "1001", "999999999999999999999"]), max_size=5)))


@SHORT
@given(vary_items)
def test_vary_is_parsed_strictly_or_refused(item):
    """Class 3: a --vary either parses to exactly what was typed or is refused showing the form."""
    from afsim.errors import InputError
    from afsim.studies.sweepspec import parse_vary

    try:
        path, lo, hi, steps = parse_vary(item)
    except InputError as exc:
        assert "PATH=LO:HI:N" in str(exc)
        return
    typed = item.split("=", 1)[1].split(":")
    assert len(typed) == 3 and lo < hi and 2 <= steps <= 1000
    assert (float(typed[0]), float(typed[1]), int(typed[2])) == (lo, hi, steps) and path == item.split("=")[0].strip()


def _verdict(path: Path) -> str:
    from afsim.errors import InputError
    from afsim.studies.sweepspec import validate_input

    try:
        return "ok: " + validate_input(str(path))
    except InputError as exc:
        text = str(exc)
        # libyaml and PyYAML word syntax errors differently; that both refuse the file is what matters
        return "malformed" if "malformed YAML" in text or "unacceptable character" in text else text


@SHORT
@given(mutated_document())
def test_libyaml_and_the_pure_python_parser_agree(playground, case):
    """Class 2 and 6: the fast path and the fallback accept and refuse the same files, alike."""
    _agree(playground, case)


@pytest.mark.fuzz
@LONG
@given(mutated_document())
def test_libyaml_and_the_pure_python_parser_agree_long(playground, case):
    _agree(playground, case)


def _agree(playground: Path, case: tuple[Path, str]) -> None:
    from unittest import mock

    import yaml as pyyaml

    source, text = case
    path = playground / _folder(source) / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    fast = _verdict(path)
    with mock.patch("afsim.world.inputs._loader", return_value=pyyaml.SafeLoader):
        portable = _verdict(path)
    if "malformed" in (fast, portable):  # the tokenizers differ at the margins (tabs): both must refuse
        assert not fast.startswith("ok: ") and not portable.startswith("ok: "), (fast, portable, text)
    else:
        assert fast == portable, text
