"""The pytest plugin through pytester: selection, N/A, verdict mapping, exit codes, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PROFILE = """
[dut]
name = "Plugin test CSMS"
role = "csms"
ocpp_version = "2.0.1"

[connection]
endpoint = "ws://127.0.0.1:9/ocpp"
station_id = "PLUG-01"

[pics]
profiles = ["Core"]
features = ["Claimed"]

[timeouts]
message = 1
response = 1
connect = 2
case = 5

[operator]
driver = "command"

[operator.command.verbs]
reset = "true"
"""

CASES = """
from conformance.catalogue.decorator import testcase


@testcase("TC_B_01_CSMS")
async def test_passes(ctx):
    ctx.check(True, "never recorded")


@testcase("TC_B_02_CSMS")
async def test_strict_only_violation(ctx):
    ctx.check(False, "a schema-level problem that does not break the scenario")


@testcase("TC_B_06_CSMS")
async def test_breaks_scenario(ctx):
    ctx.require(False, "the CSMS never answered", requirement="B06.FR.01")


@testcase("TC_B_07_CSMS", features=("NotClaimed",))
async def test_not_applicable_by_pics(ctx):
    ctx.require(False, "must not run")


@testcase("TC_B_09_CSMS", verbs=("get_variables",))
async def test_not_applicable_by_verb(ctx):
    ctx.require(False, "must not run")


@testcase("TC_B_10_CSMS")
async def test_harness_error(ctx):
    raise RuntimeError("boom")


@testcase("TC_B_01_CS")
async def test_other_role_is_deselected(ctx):
    ctx.require(False, "must not run")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", dut=PROFILE)
    pytester.makepyfile(test_cases=CASES)
    return pytester


def _report(pytester: pytest.Pytester) -> dict[str, object]:
    [path] = list(Path(pytester.path, "reports").glob("*/conformance.json"))
    data: dict[str, object] = json.loads(path.read_text())
    return data


def test_strict_run_verdicts_and_report(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--ocpp-dut", "dut.toml")
    result.assert_outcomes(passed=1, failed=3, skipped=2, deselected=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*TC_B_06_CSMS FAIL*", "*the CSMS never answered*"])
    data = _report(project)
    cases = {c["id"]: c for c in data["cases"]}  # type: ignore[index, union-attr]
    assert cases["TC_B_01_CSMS"]["verdict"] == "PASS"
    assert cases["TC_B_02_CSMS"]["verdict"] == "FAIL"
    assert cases["TC_B_02_CSMS"]["functional_verdict"] == "PASS"
    assert cases["TC_B_06_CSMS"]["functional_verdict"] == "FAIL"
    assert cases["TC_B_06_CSMS"]["findings"][0]["requirement"] == "B06.FR.01"
    assert cases["TC_B_07_CSMS"]["verdict"] == "NOT_APPLICABLE"
    assert "NotClaimed" in cases["TC_B_07_CSMS"]["reason"]
    assert "get_variables" in cases["TC_B_09_CSMS"]["reason"]
    assert cases["TC_B_10_CSMS"]["verdict"] == "ERROR"
    assert "boom" in cases["TC_B_10_CSMS"]["findings"][0]["message"]
    # every other 2.0.1 CSMS catalogue case is listed as not implemented; other roles are not
    assert cases["TC_B_12_CSMS"]["verdict"] == "NOT_IMPLEMENTED"
    assert "TC_B_01_CS" not in cases
    assert data["dut"]["role"] == "csms"  # type: ignore[index]
    assert data["summary"]["by_verdict"]["PASS"] == 1  # type: ignore[index]


def test_lenient_run_uses_functional_verdict(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--ocpp-dut", "dut.toml", "--ocpp-lenient")
    result.assert_outcomes(passed=2, failed=2, skipped=2, deselected=1)


def test_select_one_case_with_k_and_markers(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--ocpp-dut", "dut.toml", "-k", "passes", "-m", "core")
    result.assert_outcomes(passed=1, deselected=6)
    assert result.ret == 0


def test_select_by_catalogue_id_with_k(project: pytest.Pytester) -> None:
    # The README's `-k TC_B_01_CS`: the catalogue id selects the case, not only the name.
    result = project.runpytest_subprocess(
        "--ocpp-dut", "dut.toml", "-k", "TC_B_01_CSMS or TC_B_06_CSMS"
    )
    result.assert_outcomes(passed=1, failed=1, deselected=5)


def test_profile_error_names_key_and_line(project: pytest.Pytester) -> None:
    project.makefile(".toml", bad=PROFILE.replace('role = "csms"', 'role = "csms"\ncolour = 1'))
    result = project.runpytest_subprocess("--ocpp-dut", "bad.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*bad.toml:4: dut.colour*"])


def test_cases_without_a_dut_are_deselected(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess()
    result.assert_outcomes(deselected=7)
