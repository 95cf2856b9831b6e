"""The pytest entry point (pytest11): options, the runtime fixture, selection, reports.

Kept thin on purpose: the run lives in `runtime`, verdicts in `verdict`, reports in `report`.
Without `--ocpp-dut` the plugin is inert for ordinary tests and deselects conformance cases
(they need a DUT).
"""

from __future__ import annotations

import datetime as _dt
import importlib
import os
from pathlib import Path
from typing import Any

import pytest

from conformance.verdict import CaseResult, Verdict

RUNTIME_KEY = pytest.StashKey[Any]()
_FAILING = {Verdict.FAIL, Verdict.ERROR}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocpp", "OCPP conformance")
    group.addoption("--ocpp-dut", metavar="PATH", help="DUT profile (TOML) to test")
    group.addoption(
        "--ocpp-report-dir",
        metavar="DIR",
        default="reports",
        help="where reports/<run-id>/ is written (default: reports)",
    )
    group.addoption("--ocpp-seed", type=int, default=0, help="seed for generated test data")
    group.addoption(
        "--ocpp-strict",
        dest="ocpp_mode",
        action="store_const",
        const="strict",
        default="strict",
        help="a case fails on any violation (default)",
    )
    group.addoption(
        "--ocpp-lenient",
        dest="ocpp_mode",
        action="store_const",
        const="lenient",
        help="a case fails only on violations that break its scenario (functional verdict)",
    )
    group.addoption(
        "--ocpp-fault",
        metavar="NAME",
        default=None,
        help="start the bundled reference DUT with this fault injected",
    )
    group.addoption(
        "--ocpp-run-id", metavar="ID", default=None, help="run id (default: the start time)"
    )


def pytest_configure(config: pytest.Config) -> None:
    from conformance.catalogue.decorator import all_markers

    for name, help_text in all_markers():
        config.addinivalue_line("markers", f"{name}: {help_text}")
    path = config.getoption("ocpp_dut")
    if not path:
        return
    from conformance.dut import ProfileError, load_profile
    from conformance.runtime import Runtime, new_run_id

    try:
        dut = load_profile(path)
    except ProfileError as exc:
        raise pytest.UsageError(f"DUT profile error: {exc}") from None
    run_id = config.getoption("ocpp_run_id") or new_run_id()
    report_dir = Path(config.getoption("ocpp_report_dir")) / run_id
    report_dir.mkdir(parents=True, exist_ok=True)
    config.stash[RUNTIME_KEY] = Runtime(
        dut,
        report_dir=report_dir,
        run_id=run_id,
        mode=config.getoption("ocpp_mode"),
        seed=config.getoption("ocpp_seed"),
        fault=config.getoption("ocpp_fault"),
    )


def _case_marker(item: pytest.Item) -> str | None:
    mark = item.get_closest_marker("ocpp_case")
    return str(mark.args[0]) if mark else None


def pytest_itemcollected(item: pytest.Item) -> None:
    """`-k TC_B_01_CS` selects a case by its catalogue id, as the README promises: the id is
    a keyword of the test item, not only a marker argument (which `-k` does not see)."""
    case_id = _case_marker(item)
    if case_id is not None:
        item.extra_keyword_matches.add(case_id.rsplit(":", 1)[-1])  # "2.1:TC_B_01_CS" too


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    runtime = config.stash.get(RUNTIME_KEY, None)
    from conformance.catalogue import load_catalogue

    catalogue = load_catalogue()
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        case_id = _case_marker(item)
        if case_id is None:
            keep.append(item)
            continue
        entry = catalogue.get(case_id)
        if (
            runtime is not None
            and entry is not None
            and entry.version == runtime.dut.version
            and entry.role.lower() == runtime.dut.role
        ):
            keep.append(item)
        else:
            drop.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def ocpp_runtime(request: pytest.FixtureRequest) -> Any:
    runtime = request.config.stash.get(RUNTIME_KEY, None)
    if runtime is None:
        raise pytest.UsageError("conformance cases need --ocpp-dut PATH.toml")
    return _CaseRunner(runtime, request.config)


class _CaseRunner:
    """What `@testcase` wrappers call: run the case, label it, map the verdict to pytest."""

    def __init__(self, runtime: Any, config: pytest.Config) -> None:
        self.runtime = runtime
        self.config = config

    def run_case(self, spec: Any) -> None:
        result: CaseResult = self.runtime.run_case(spec)
        _allure_labels(result, self.runtime.report_dir)
        verdict = result.verdict if self.runtime.mode == "strict" else result.functional_verdict
        if verdict is Verdict.NOT_APPLICABLE:
            pytest.skip(f"NOT_APPLICABLE: {result.reason}")
        if verdict in _FAILING:
            lines = [f"{result.id} {verdict}: {result.title}"]
            lines += [f"  [{f.severity}] {f.message}" for f in result.findings]
            lines.append(f"  trace: {self.runtime.report_dir / (result.trace or '')}")
            pytest.fail("\n".join(lines), pytrace=False)


def _allure_labels(result: CaseResult, report_dir: Path) -> None:
    """Allure: epic = OCPP version, feature = block, story = TC id, tags = profiles."""
    try:
        allure: Any = importlib.import_module("allure")  # untyped library
    except ImportError:  # pragma: no cover - allure-pytest is a dependency
        return
    allure.dynamic.epic(f"OCPP {result.version}")
    allure.dynamic.feature(result.block)
    allure.dynamic.story(result.id)
    allure.dynamic.title(f"{result.id} {result.title}")
    for p in result.profiles:
        allure.dynamic.tag(p)
    if result.trace and (report_dir / result.trace).exists():
        allure.attach.file(
            str(report_dir / result.trace),
            name=f"{result.id} trace",
            attachment_type="application/json",
            extension="jsonl",
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    runtime = session.config.stash.get(RUNTIME_KEY, None)
    if runtime is None:
        return
    runtime.stop()
    write_run_reports(runtime)


def write_run_reports(runtime: Any) -> dict[str, Path]:
    """All reports for the run, with every unimplemented catalogue case as NOT_IMPLEMENTED."""
    from conformance import TOOL_NAME, __version__
    from conformance.catalogue import load_catalogue
    from conformance.catalogue.decorator import is_implemented
    from conformance.report import RunInfo, write_reports

    dut = runtime.dut
    results: list[CaseResult] = list(runtime.results)
    for entry in load_catalogue().entries(version=dut.version, role=dut.role):
        if not is_implemented(entry):
            results.append(
                CaseResult(
                    id=entry.id,
                    title=entry.title,
                    block=entry.block,
                    profiles=list(entry.profiles),
                    version=entry.version,
                    role=entry.role,
                    verdict=Verdict.NOT_IMPLEMENTED,
                    functional_verdict=Verdict.NOT_IMPLEMENTED,
                )
            )
    info = RunInfo(
        run_id=runtime.run_id,
        tool_name=TOOL_NAME,
        tool_version=__version__,
        dut=dut.public_json(),
        started=runtime.started,
        finished=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        mode=runtime.mode,
        seed=runtime.seed,
    )
    paths: dict[str, Path] = write_reports(runtime.report_dir, info, results)
    return paths


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    runtime = config.stash.get(RUNTIME_KEY, None)
    if runtime is None:
        return
    counts: dict[str, int] = {}
    for r in runtime.results:
        v = str(r.verdict if runtime.mode == "strict" else r.functional_verdict)
        counts[v] = counts.get(v, 0) + 1
    shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no cases ran"
    terminalreporter.write_sep("-", "OCPP conformance")
    terminalreporter.write_line(
        f"{runtime.dut.name} ({runtime.dut.role}, OCPP {runtime.dut.version}): {shown}"
    )
    terminalreporter.write_line(f"report: {os.path.abspath(runtime.report_dir)}/report.html")
