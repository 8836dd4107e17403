"""Issue 10, the input side: every bad input is exit 2 with located messages, never a traceback,
never a silent reinterpretation, and nothing is written.  Test names carry the issue's class."""

from __future__ import annotations

import os
import sys

import pytest
import yaml

from afsim.errors import InputError
from afsim.world.limits import MAX_ERRORS, MAX_INPUT_BYTES, MAX_REPLICATIONS
from afsim.world.scenario import load_scenario
from conftest import SCENARIOS

SMALL = "name: probe\nhorizon_months: 24\nreplications: 10\nseed: 1\n"
LEVER = "levers:\n  - lever: us.sharing.russia\n    value: routine\n    from_month: {month}\n"


def refused(invoke, path, *fragments, out=None):
    """`afsim validate` and `afsim run` both exit 2 with every fragment on stderr; nothing is written."""
    out = out or path.parent / "results"
    for args in (("validate", path), ("run", path, "--out", out, "-q")):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and "internal error" not in result.output
        for fragment in fragments:
            assert fragment in result.stderr, (fragment, result.stderr)
    assert not out.exists()
    return result.stderr


# -- class 2: YAML 1.1 numbers and booleans -------------------------------------------------

YAML_1_1 = {
    "sexagesimal horizon": ("horizon_months: 1:30", "base-60", "write 90"),
    "octal seed": ("seed: 0100", "octal 64", "write 100"),
    "negative octal": ("replications: -0100", "octal -64", "write -100,"),
    "hex horizon": ("horizon_months: 0x10", "hexadecimal 16", "write 16"),
    "binary seed": ("seed: 0b11", "binary 3", "write 3"),
    "underscore": ("replications: 1_000", "underscores", "write 1000"),
    "plus sign": ("horizon_months: +12", "leading +", "write 12"),
    "0o octal is text": ("seed: 0o17", "0o is YAML 1.2's octal prefix", "write 15"),
    "1e3 is text": ("replications: 1e3", "need a dot and a signed exponent", "write 1000"),
    "float for int": ("horizon_months: .5", "expected an integer, got 0.5"),
    "sexagesimal float": ("description: 1:30.5", "base-60"),
}


@pytest.mark.parametrize("case", sorted(YAML_1_1))
def test_class2_yaml_1_1_numbers_are_refused_with_the_rule_and_the_fix(case, invoke, write_scenario):
    line, *fragments = YAML_1_1[case]
    key = line.split(":")[0]
    text = "\n".join(x for x in SMALL.splitlines() if not x.startswith(key + ":")) + "\n" + line + "\n"
    path = write_scenario(text)
    refused(invoke, path, str(path), f": {key}:", *fragments)


def test_class2_from_month_in_base_60_is_refused_not_month_90(invoke, write_scenario):
    path = write_scenario(SMALL.replace("24", "120") + LEVER.format(month="1:30"))
    stderr = refused(invoke, path, "line 8: levers[0].from_month: 1:30", "base-60", "90")
    assert stderr.count("afsim: error:") == 1  # its value (90) is not reported a second time


def test_class2_a_refused_horizon_does_not_judge_months_by_its_misread_value(invoke, write_scenario):
    path = write_scenario(SMALL.replace("24", "1:30") + "events:\n  - event: bounty_revelation\n    month: 100\n")
    stderr = refused(invoke, path, "line 2: horizon_months: 1:30")
    assert stderr.count("afsim: error:") == 1 and "before horizon_months (90)" not in stderr


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "OFF"])
def test_class2_yes_no_on_off_say_why_the_value_became_a_boolean(word, invoke, write_scenario):
    value = "true" if word.lower() in ("yes", "on") else "false"
    path = write_scenario(SMALL + f"description: {word}\n")
    refused(invoke, path, "description: expected a string", f"reads the unquoted {word} as the boolean {value}",
            f"quote it ('{word}')")
    path = write_scenario(SMALL + f"parameters:\n  us.intel_capability: {word}\n", "param.yaml")
    refused(invoke, path, "parameters.us.intel_capability", f"the boolean {value}")
    path = write_scenario(SMALL.replace("replications: 10", f"replications: {word}"), "int.yaml")
    stderr = refused(invoke, path, "replications: expected an integer", f"the boolean {value}")
    assert "or write true" not in stderr and "or write false" not in stderr  # a boolean is not what is wanted


def test_class2_quoted_forms_and_booleans_where_booleans_belong_are_accepted(invoke, write_scenario):
    path = write_scenario(SMALL + "description: '1:30 yes 0100'\nlevers:\n  - lever: us.sanctions_on_russia\n"
                          "    value: on\n")
    s = load_scenario(path)
    assert s.description == "1:30 yes 0100" and s.world.levers[0].value is True
    assert invoke("validate", path).exit_code == 0


def test_class2_the_pure_python_parser_refuses_the_same_forms(write_scenario, monkeypatch):
    texts = [SMALL.replace("seed: 1", "seed: 0100"), SMALL.replace("24", "1:30"), SMALL + "description: off\n",
             "[a, b]: 1\n", "a: " + "[" * 5000 + "\n"]
    fast = []
    for i, text in enumerate(texts):
        with pytest.raises(InputError) as err:
            load_scenario(write_scenario(text, f"f{i}.yaml"))
        fast.append(str(err.value))
    monkeypatch.delattr(yaml, "CSafeLoader")
    for i, text in enumerate(texts):
        with pytest.raises(InputError) as err:
            load_scenario(write_scenario(text, f"f{i}.yaml"))
        assert str(err.value) == fast[i]


# -- class 3: --vary and steps ----------------------------------------------------------------

P = "us.intel_capability"


@pytest.mark.parametrize("vary", [f"{P}=0:1:0", f"{P}=0:1:3:9", f"{P}=0:1:-3", f"{P}=a:b:c", f"{P}=1:0:3",
                                  f"{P}=0:1:1", f"{P}=0:1:2.5", f"{P}=0:1", P, "=0:1:3", f"{P}=0:nan:3",
                                  f"{P}=0:2:3", "us.intel_capabilty=0:1:3"])
def test_class3_vary_is_parsed_strictly(vary, invoke, tmp_path):
    out = tmp_path / "results"
    result = invoke("sweep", SCENARIOS / "baseline.yaml", "--vary", vary, "--out", out, "-q", "-n", "2")
    assert result.exit_code == 2, result.output
    assert "PATH=LO:HI:N" in result.stderr and "Traceback" not in result.output
    assert not out.exists()


def test_class3_the_same_parameter_cannot_be_varied_twice(invoke, tmp_path):
    result = invoke("sweep", SCENARIOS / "baseline.yaml", "--vary", f"{P}=0:1:3", "--vary", f"{P}=0:1:4",
                    "--out", tmp_path / "r")
    assert result.exit_code == 2 and "varied twice" in result.stderr


SPEC = f"name: s\nscenario: {SCENARIOS / 'baseline.yaml'}\nvary:\n  {P}: {{entry}}\n"


@pytest.mark.parametrize(("entry", "design", "fragment"), [
    ("{lo: 0, hi: 1, steps: 0}", "grid", "at least 2"),
    ("{lo: 0, hi: 1, steps: 1}", "grid", "at least 2"),
    ("{lo: 0, hi: 1, steps: 3.0}", "grid", "expected an integer"),
    ("{lo: 0, hi: 1, steps: 4}", "lhs", "steps sets grid levels"),
    ("{values: [0.1, 0.2], steps: 3}", "grid", "either values or lo/hi/steps"),
    ("{values: [0.1, 0.1]}", "grid", "listed twice"),
    ("{lo: 1, hi: 0}", "grid", "hi > lo"),
])
def test_class3_sweep_spec_steps_are_strict(entry, design, fragment, invoke, write_scenario):
    path = write_scenario(SPEC.replace("{entry}", entry) + f"design: {{method: {design}}}\n", "spec.yaml")
    result = invoke("validate", path)
    assert result.exit_code == 2 and fragment in result.stderr, result.stderr
    assert str(path) in result.stderr and f"vary.{P}" in result.stderr


# -- class 4: sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("-n", "1000000000000"), ("-n", str(MAX_REPLICATIONS + 1)),
                                  ("--precision", "10%", "--max-replications", "1000000000000")])
def test_class4_run_replications_are_bounded_before_anything_is_created(args, invoke, tmp_path):
    out = tmp_path / "results"
    result = invoke("run", SCENARIOS / "baseline.yaml", *args, "--out", out, "-q")
    assert result.exit_code == 2 and f"{MAX_REPLICATIONS}" in result.output
    assert not out.exists()


def test_class4_sweep_points_times_replications_are_bounded(invoke, write_scenario, tmp_path):
    out = tmp_path / "results"
    vary = [f"--vary={p}=0:1:1000" for p in ("us.intel_capability", "isisk.displacement")]
    result = invoke("sweep", SCENARIOS / "baseline.yaml", *vary, "-n", "100", "--out", out, "--yes", "-q")
    assert result.exit_code == 2 and "1,000,000 points x 100 replications" in result.stderr
    assert not out.exists()
    spec = write_scenario(SPEC.replace("{entry}", "{lo: 0, hi: 1}") + "design: {method: sobol, size: 1000000}\n"
                          "replications: 100\n", "big.yaml")
    for args in (("validate", spec), ("sweep", spec, "--out", out, "--yes", "-q")):
        result = invoke(*args)
        assert result.exit_code == 2 and "3,000,000 points" in result.stderr, result.output
    assert not out.exists()
    assert invoke("sweep", SCENARIOS / "baseline.yaml", *vary, "-n", str(MAX_REPLICATIONS + 1)).exit_code == 2


@pytest.mark.parametrize("command", ["tornado", "argue"])
def test_class4_tornado_and_argue_runs_are_bounded_before_anything_is_created(command, invoke, tmp_path):
    out = tmp_path / "results"
    args = [SCENARIOS / "baseline.yaml"] if command == "tornado" else ["--scenarios", SCENARIOS]
    result = invoke(command, *args, "-n", str(MAX_REPLICATIONS), "--out", out, "-q")
    assert result.exit_code == 2 and "runs per arm, more than the limit" in result.stderr
    assert not out.exists()


# -- class 5: non-regular and oversized inputs ----------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_class5_a_fifo_is_refused_without_blocking(invoke, tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    refused(invoke, fifo, "expected a regular file, got a FIFO")
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: s\nscenario: {fifo.name}\nvary:\n  {P}: {{lo: 0, hi: 1}}\n")
    result = invoke("validate", spec)
    assert result.exit_code == 2 and "FIFO" in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_class5_dev_zero_is_refused_before_reading(invoke, tmp_path):
    refused(invoke, __import__("pathlib").Path("/dev/zero"), "got a character device")
    result = invoke("sweep", "/dev/zero", "--out", tmp_path / "r")
    assert result.exit_code == 2 and "character device" in result.stderr


def test_class5_large_files_and_directories_are_refused(invoke, write_scenario, tmp_path):
    big = write_scenario(SMALL + "description: '" + "x" * MAX_INPUT_BYTES + "'\n", "big.yaml")
    refused(invoke, big, "larger than 1,048,576 bytes")
    base = write_scenario(SMALL + f"baseline: {big.name}\n", "uses_big.yaml")
    assert "larger than" in refused(invoke, base, str(big))
    result = invoke("validate", tmp_path)
    assert result.exit_code == 2 and "got a directory" in result.stderr


def test_class5_non_utf8_is_located(invoke, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(SMALL.encode() + b"description: caf\xe9\n")
    refused(invoke, path, "line 5", "not UTF-8")


# -- class 6: structures that used to be internal errors -----------------------------------


@pytest.mark.parametrize(("text", "fragment"), [
    ("a: " + "[" * 5000 + "\n", "nested more than"),
    ("a: " + "{b: " * 3000 + "\n", "nested more than"),
    (SMALL + "[a, b]: 1\n", "line 5: (top level): a list cannot be a key"),
    (SMALL + "? {a: 1}\n: 1\n", "line 5: (top level): a mapping cannot be a key"),
    (SMALL + "parameters:\n  ? [us.intel_capability]\n  : 1\n", "line 6: parameters: a list cannot be a key"),
    (SMALL + "---\nname: two\n", "malformed YAML"),
])
def test_class6_deep_nesting_and_complex_keys_are_input_errors(text, fragment, invoke, write_scenario):
    refused(invoke, write_scenario(text), fragment)


# -- class 7: baseline chains ------------------------------------------------------------------


def _chain(write_scenario, *links):
    for name, base in links:
        write_scenario(f"name: {name}\nreplications: 10\nbaseline: {base}\n", f"{name}.yaml")


def test_class7_a_baseline_cycle_is_refused_and_printed(invoke, write_scenario, tmp_path):
    _chain(write_scenario, ("a", "b.yaml"), ("b", "c.yaml"), ("c", "a.yaml"))
    stderr = refused(invoke, tmp_path / "a.yaml", "cycle", "a.yaml -> ", "b.yaml -> ", "c.yaml -> ")
    assert stderr.strip().endswith("end it with 'baseline: default'")
    _chain(write_scenario, ("x", "y.yaml"), ("y", "x.yaml"))
    refused(invoke, tmp_path / "x.yaml", "x.yaml -> ", "y.yaml -> ")


def test_class7_a_cycle_through_a_symlink_names_each_file_as_first_written(invoke, write_scenario, tmp_path):
    _chain(write_scenario, ("d", "alink.yaml"), ("a", "b.yaml"), ("b", "c.yaml"), ("c", "a.yaml"))
    (tmp_path / "alink.yaml").symlink_to(tmp_path / "a.yaml")
    stderr = refused(invoke, tmp_path / "d.yaml", "cycle")
    cycle = stderr.split("cycle: ")[1].split(";")[0]
    assert [os.path.basename(p) for p in cycle.split(" -> ")] == ["d.yaml", "alink.yaml", "b.yaml", "c.yaml",
                                                                  "alink.yaml"]


def test_class7_the_whole_chain_is_followed_validated_and_listed(invoke, write_scenario, tmp_path):
    _chain(write_scenario, ("a", "b.yaml"), ("b", "sub/c.yaml"))
    (tmp_path / "sub").mkdir()
    write_scenario("name: c\nbaseline: d.yaml\n", "sub/c.yaml")
    write_scenario("name: d\nseed: 0100\n", "sub/d.yaml")  # an error three links away
    refused(invoke, tmp_path / "a.yaml", str(tmp_path / "sub" / "d.yaml"), "octal")
    write_scenario("name: d\n", "sub/d.yaml")
    s = load_scenario(tmp_path / "a.yaml")
    assert s.files == tuple(os.path.realpath(tmp_path / p) for p in ("a.yaml", "b.yaml", "sub/c.yaml", "sub/d.yaml"))
    assert s.baseline_name == "b"  # the baseline arm is b's own world; c and d are checked, not run
    assert invoke("validate", tmp_path / "a.yaml").exit_code == 0


def test_class7_a_sweep_baseline_joins_the_scenario_files(write_scenario, tmp_path):
    from afsim.studies.sweep import load_sweep

    _chain(write_scenario, ("other", "default"))
    spec = write_scenario(SPEC.replace("{entry}", "{lo: 0, hi: 1}") + "baseline: other.yaml\n", "spec.yaml")
    files = load_sweep(spec).scenario.files
    assert files[0] == os.path.realpath(SCENARIOS / "baseline.yaml")
    assert os.path.realpath(tmp_path / "other.yaml") in files


# -- class 8: messages ------------------------------------------------------------------------


def test_class8_a_nul_byte_names_the_file_and_line(invoke, tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_bytes(SMALL.encode() + b"description: a\x00b\n")
    stderr = refused(invoke, path, f"{path}: line 5", "#x0000")
    assert "<unicode string>" not in stderr


def test_class8_a_nul_byte_in_a_file_name_is_an_input_error(invoke, write_scenario):
    with pytest.raises(InputError, match="NUL byte"):  # a shell cannot pass one, a Python caller can
        load_scenario("scen\0ario.yaml")
    refused(invoke, write_scenario(SMALL + 'baseline: "base\\0.yaml"\n'), "line 5: baseline", "NUL byte")


def test_class8_the_seed_bound_is_printed_as_an_integer(invoke, write_scenario):
    path = write_scenario(SMALL.replace("seed: 1", "seed: 9223372036854775808"))
    stderr = refused(invoke, path, "at most 9223372036854775807")
    assert "e+18" not in stderr


def test_class8_every_error_in_a_file_is_reported_with_its_line(invoke, write_scenario):
    text = ("name: probe\nhorizon_months: 0\nsead: 1\nreplications: '10'\nparameters:\n  us.intel_capabilty: 0.5\n"
            "  us.intel_capability: 3\nlevers:\n  - lever: us.sharing.rusia\n    value: routine\n"
            "  - lever: us.sharing.russia\n    value: always\nevents:\n  - event: bounty\n    month: 3\n")
    stderr = refused(invoke, write_scenario(text))
    lines = stderr.strip().splitlines()
    expected = ["line 2: horizon_months", "line 3: sead", "line 4: replications",
                "line 6: parameters.us.intel_capabilty", "line 7: parameters.us.intel_capability",
                "line 9: levers[0].lever", "line 12: levers[1].value", "line 14: events[0].event"]
    assert len(lines) == len(expected)
    for line, where in zip(lines, expected, strict=True):
        assert line.startswith("afsim: error: ") and where in line, line


def test_class8_errors_beyond_the_limit_are_counted(invoke, write_scenario):
    text = SMALL + "".join(f"unknown_{i}: 1\n" for i in range(MAX_ERRORS + 5))
    lines = refused(invoke, write_scenario(text)).strip().splitlines()
    assert len(lines) == MAX_ERRORS + 1 and "5 more error(s) not shown" in lines[-1]


def test_class8_validate_recognises_a_sweep_spec(invoke, write_scenario):
    repo = SCENARIOS.parent
    result = invoke("validate", *sorted((repo / "sweeps").glob("*.yaml")))
    assert result.exit_code == 0 and result.stdout.count("ok: ") == 2 and "sweep displacement_grid: 12 points"\
        in result.stdout
    bad = write_scenario(SPEC.replace("{entry}", "{lo: 0, hi: 1}") + "replicatoins: 3\ndesign: {method: gird}\n",
                         "spec.yaml")
    result = invoke("validate", bad)
    assert result.exit_code == 2 and "unknown key scenario" not in result.stderr
    assert "did you mean 'replications'" in result.stderr and "expected one of" in result.stderr


def test_class8_claims_with_an_unknown_parameter_is_exit_2(invoke):
    result = invoke("claims", "--parameter", "us.intel_capabilty")
    assert result.exit_code == 2 and "did you mean 'us.intel_capability'" in result.stderr
    assert invoke("claims", "--parameter", "us.intel_capability").exit_code == 0


def test_class8_claims_with_an_unknown_source_is_exit_2(invoke):
    """`--source 999` used to print '0 claims' with exit 0: it names the known sources and guesses."""
    result = invoke("claims", "--source", "999")
    assert result.exit_code == 2 and "--source 999" in result.stderr
    assert all(f"{n:03d}" in result.stderr for n in range(5))
    assert "did you mean '002'" in invoke("claims", "--source", "02").stderr
    named = invoke("claims", "--source", "002_868dcc8fc6637ede.txt")
    assert named.exit_code == 0 and named.stdout.strip().endswith("claims") and not named.stdout.startswith("0 ")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="the platform has no FIFOs (Windows); Linux CI runs it")
def test_class8_a_process_reads_a_fifo_scenario_and_exits(tmp_path):
    """End to end in a real process: nothing blocks (a hung open() would time out here)."""
    import subprocess

    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    afsim = os.path.join(os.path.dirname(sys.executable), "afsim")
    done = subprocess.run([afsim, "validate", str(fifo)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "FIFO" in done.stderr


def test_class8_a_sweep_spec_naming_a_missing_scenario_names_the_spec_and_line(invoke, write_scenario):
    spec = write_scenario(f"name: s\nscenario: nowhere.yaml\nbaseline: gone.yaml\nvary:\n  {P}: {{lo: 0, hi: 1}}\n",
                          "spec.yaml")
    result = invoke("validate", spec)
    assert result.exit_code == 2
    assert f"{spec}: line 2: scenario: {spec.parent / 'nowhere.yaml'}: file not found" in result.stderr
    assert f"{spec}: line 3: baseline: {spec.parent / 'gone.yaml'}: file not found" in result.stderr
