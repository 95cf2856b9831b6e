"""Report writers: `conformance.json`, `report.html` and `junit.xml` for one run.

The plugin collects one `CaseResult` per catalogue case (run, not applicable or not
implemented) and hands them here once, at the end of the session. The three files are
independent views of the same data, so one writer failing (say, a template bug) must not cost
the others: each is attempted, and the failures are raised together afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.report.html_report import write_html_report
from conformance.report.json_report import Summary, write_json_report
from conformance.report.junit import write_junit_report
from conformance.verdict import CaseResult

__all__ = ["RunInfo", "Summary", "write_reports"]


@dataclass(frozen=True)
class RunInfo:
    """What the reports say about the run as a whole (everything that is not per case).

    `dut` must already be free of secrets: it is copied verbatim into every report, and reports
    are meant to be shared (CI artefacts, certification preparation).
    """

    run_id: str
    tool_name: str
    tool_version: str
    dut: dict[str, Any]
    started: str
    """ISO 8601, UTC."""
    finished: str
    mode: str
    """Either "strict" or "lenient": which of the two verdicts decided the pytest outcome."""
    seed: int | None = None


def write_reports(report_dir: Path, run: RunInfo, cases: list[CaseResult]) -> dict[str, Path]:
    """Write every report into `report_dir` (created if needed).

    Returns the written files by kind: `{"json": ..., "junit": ..., "html": ...}`. The JSON
    goes first because it is the record everything else can be rebuilt from; the HTML last
    because it is the largest and reads trace files that may be damaged.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    writers = (
        ("json", write_json_report),
        ("junit", write_junit_report),
        ("html", write_html_report),
    )
    written: dict[str, Path] = {}
    errors: list[Exception] = []
    for kind, writer in writers:
        try:
            written[kind] = writer(report_dir, run, cases)
        except Exception as exc:
            exc.add_note(f"while writing the {kind} report into {report_dir}")
            errors.append(exc)
    if errors:
        raise ExceptionGroup("some conformance reports could not be written", errors)
    return written
