"""`junit.xml`: the run as CI systems understand it, with the catalogue facts as properties.

CI front-ends (GitLab, Jenkins, GitHub annotations) only know passed / failed / error /
skipped, so the five verdicts are mapped onto those, and the details a certification engineer
needs (TC id, both verdicts, profiles) ride along as `<properties>` on each test case.
The failure element follows the strict verdict: it is the one that says "certifiable as is".
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.report.json_report import write_atomic
from conformance.verdict import CaseResult, Finding, Severity, Verdict

if TYPE_CHECKING:
    from conformance.report import RunInfo

JUNIT_NAME = "junit.xml"
SUITE_NAME = "ocpp-conformance"
MAX_MESSAGE_CHARS = 500
"""Failure/skip `message` attributes are one-line summaries; the details go in the text."""

# Characters XML 1.0 cannot carry at all, not even as character references. DUT frames can
# contain them (a raw control byte in a text frame), and ElementTree would write them
# unchanged, producing a file no CI server can parse.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BLOCK_LETTER = re.compile(r"^([A-Z])(?:\s|$)")
_ID_LETTER = re.compile(r"^TC_([A-Z])_")


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 forbids spelled out as a `\\uXXXX` escape."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A short single-line form for attributes, which CI tools show in lists."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def block_key(case: CaseResult) -> str:
    """The functional block as one classname segment: its letter for 2.x ("B Provisioning").

    OCPP 1.6 blocks have no letter, so the name itself is used, with dots replaced because CI
    tools split classnames on dots.
    """
    block = case.block.strip()
    if m := _BLOCK_LETTER.match(block):
        return m.group(1)
    if not block and (m := _ID_LETTER.match(case.id)):
        return m.group(1)
    return block.replace(".", "_") or "unknown"


def classname(case: CaseResult) -> str:
    return f"{case.version}.{case.role}.{block_key(case)}"


def describe_finding(finding: Finding) -> str:
    """A finding as a few plain-text lines for the failure/error body."""
    tags = [str(finding.severity)]
    if finding.breaks_scenario:
        tags.append("breaks scenario")
    lines = [f"[{', '.join(tags)}] {finding.message}"]
    if finding.requirement:
        lines.append(f"  requirement: {finding.requirement}")
    if finding.frame is not None:
        lines.append(f"  frame: {finding.frame}")
    return "\n".join(lines)


def details(case: CaseResult) -> str:
    """Body text of a failure/error element: both verdicts, then every finding."""
    lines = [f"strict verdict: {case.verdict}, functional verdict: {case.functional_verdict}"]
    if case.reason:
        lines.append(f"reason: {case.reason}")
    lines.extend(describe_finding(f) for f in case.findings)
    if case.trace:
        lines.append(f"trace: {case.trace}")
    return "\n".join(lines)


def failure_message(case: CaseResult) -> str:
    """The violation that matters most (one that broke the scenario), and how many others."""
    violations = [f for f in case.findings if f.severity is Severity.VIOLATION]
    if not violations:
        return case.reason or f"{case.verdict} without a recorded violation"
    lead = next((f for f in violations if f.breaks_scenario), violations[0])
    more = len(violations) - 1
    suffix = f" (+{more} more violation{'s' if more > 1 else ''})" if more else ""
    return one_line(lead.message, MAX_MESSAGE_CHARS - len(suffix)) + suffix


def error_message(case: CaseResult) -> str:
    if case.findings:
        return one_line(case.findings[0].message)
    return one_line(case.reason or "harness or set-up error")


def skip_message(case: CaseResult) -> str:
    return one_line(f"{case.verdict}: {case.reason}" if case.reason else str(case.verdict))


def _text(value: object) -> str:
    """Strings as they are, anything else (nested DUT tables, numbers) as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def _sub(parent: ET.Element, tag: str, attrib: dict[str, str], text: str | None = None) -> None:
    el = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrib.items()})
    if text is not None:
        el.text = xml_safe(text)


def _properties(parent: ET.Element, values: dict[str, str]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        _sub(props, "property", {"name": name, "value": value})


def testcase_element(case: CaseResult) -> ET.Element:
    el = ET.Element(
        "testcase",
        {
            "classname": xml_safe(classname(case)),
            "name": xml_safe(case.id),
            "time": f"{max(case.duration_s, 0.0):.3f}",
        },
    )
    props = {
        "tc_id": case.id,
        "title": case.title,
        "block": case.block,
        "profiles": ", ".join(case.profiles),
        "verdict": str(case.verdict),
        "functional_verdict": str(case.functional_verdict),
        "ocpp_version": case.version,
        "dut_role": case.role,
    }
    if case.trace:
        props["trace"] = case.trace
    _properties(el, props)
    if case.verdict is Verdict.FAIL:
        _sub(el, "failure", {"message": failure_message(case), "type": "FAIL"}, details(case))
    elif case.verdict is Verdict.ERROR:
        _sub(el, "error", {"message": error_message(case), "type": "ERROR"}, details(case))
    elif case.verdict in (Verdict.NOT_APPLICABLE, Verdict.NOT_IMPLEMENTED):
        _sub(el, "skipped", {"message": skip_message(case), "type": str(case.verdict)})
    elif case.findings:
        # A PASS can still carry warnings (or, in a lenient run, violations that did not
        # break the scenario); keep them visible in the CI log.
        _sub(el, "system-out", {}, details(case))
    return el


def junit_tree(run: RunInfo, cases: list[CaseResult]) -> ET.Element:
    """The `<testsuites>` root with its single `ocpp-conformance` suite."""
    counts = {
        "tests": len(cases),
        "failures": sum(c.verdict is Verdict.FAIL for c in cases),
        "errors": sum(c.verdict is Verdict.ERROR for c in cases),
        "skipped": sum(
            c.verdict in (Verdict.NOT_APPLICABLE, Verdict.NOT_IMPLEMENTED) for c in cases
        ),
    }
    total_time = f"{sum(max(c.duration_s, 0.0) for c in cases):.3f}"
    attrib = {k: str(v) for k, v in counts.items()}
    root = ET.Element("testsuites", {**attrib, "time": total_time})
    suite = ET.SubElement(
        root,
        "testsuite",
        {"name": SUITE_NAME, **attrib, "time": total_time, "timestamp": xml_safe(run.started)},
    )
    _properties(
        suite,
        {
            "tool": run.tool_name,
            "tool_version": run.tool_version,
            "run_id": run.run_id,
            "mode": run.mode,
            "seed": "" if run.seed is None else str(run.seed),
            "started": run.started,
            "finished": run.finished,
            **{f"dut_{k}": _text(v) for k, v in run.dut.items()},
        },
    )
    suite.extend(testcase_element(case) for case in cases)
    ET.indent(root)
    return root


def write_junit_report(report_dir: Path, run: RunInfo, cases: list[CaseResult]) -> Path:
    """Write `junit.xml` into `report_dir` and return its path."""
    data = ET.tostring(junit_tree(run, cases), encoding="utf-8", xml_declaration=True)
    return write_atomic(report_dir / JUNIT_NAME, data + b"\n")
