"""The report writers, checked field by field on a small run covering every verdict.

The run has: a PASS with a clean trace, a FAIL whose frame carries `<script>` and whose trace
ends in a line cut short, a strict-only FAIL (functional PASS), an ERROR whose trace file is
missing, a NOT_APPLICABLE with its reason, a NOT_IMPLEMENTED without profile, and a case in two
profiles.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import conformance.report as report_pkg
from conformance.report import RunInfo, write_reports
from conformance.report.html_report import (
    MAX_TRANSCRIPT_LINES,
    TRUNCATED_NOTE,
    parse_trace_lines,
    pretty_frame,
    render_html,
)
from conformance.verdict import CaseResult, Finding, Severity, Verdict

SCRIPT = '<script>alert("pwned")</script>'
BOOT = (
    '[2,"19223201","BootNotification",'
    '{"reason":"PowerUp","chargingStation":{"model":"M1","vendorName":"V"}}]'
)
BOOT_RESULT = (
    '[3,"19223201",{"currentTime":"2024-01-01T00:00:00Z","interval":300,"status":"Accepted"}]'
)
BAD_FRAME = f'[2,"7","StatusNotification",{{"connectorStatus":"{SCRIPT}"}}]'
ALL_VERDICTS = ["PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "NOT_IMPLEMENTED"]


def counts(**nonzero: int) -> dict[str, int]:
    return {v: nonzero.get(v, 0) for v in ALL_VERDICTS}


def trace_line(mono: float, direction: str, text: str, conn: str = "CS001") -> str:
    return json.dumps(
        {
            "t": f"2024-01-01T00:00:{mono:09.6f}+00:00",
            "mono": mono,
            "dir": direction,
            "conn": conn,
            "text": text,
        }
    )


@pytest.fixture
def run() -> RunInfo:
    return RunInfo(
        run_id="20240101T000000Z-ab12",
        tool_name="ocpp-conformance",
        tool_version="0.1.0",
        dut={
            "name": "Reference station <1>",
            "role": "CS",
            "version": "2.0.1",
            "station_id": "CS001",
        },
        started="2024-01-01T00:00:00+00:00",
        finished="2024-01-01T00:00:09+00:00",
        mode="strict",
        seed=1234,
    )


@pytest.fixture
def cases(tmp_path: Path) -> list[CaseResult]:
    traces = tmp_path / "traces"
    traces.mkdir()
    (traces / "TC_B_01_CS.jsonl").write_text(
        "\n".join(
            [
                trace_line(10.0, "event", "station connected"),
                trace_line(10.0125, "recv", BOOT),
                trace_line(10.02, "send", BOOT_RESULT),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    # The harness died while writing the third line: no closing brace, no newline.
    (traces / "TC_B_02_CS.jsonl").write_text(
        trace_line(5.0, "recv", BOOT)
        + "\n"
        + trace_line(5.5, "send", BAD_FRAME)
        + "\n"
        + '{"t": "2024-01-01T00:0',
        encoding="utf-8",
    )
    return [
        CaseResult(
            id="TC_B_01_CS",
            title="Cold Boot Charging Station - Accepted",
            block="B Provisioning",
            profiles=["Core"],
            version="2.0.1",
            role="CS",
            verdict=Verdict.PASS,
            functional_verdict=Verdict.PASS,
            duration_s=0.0421,
            trace="traces/TC_B_01_CS.jsonl",
            nodeid="testcases/ocpp201/cs/test_b_provisioning.py::test_cold_boot",
        ),
        CaseResult(
            id="TC_B_02_CS",
            title="Cold Boot Charging Station - Pending",
            block="B Provisioning",
            profiles=["Core"],
            version="2.0.1",
            role="CS",
            verdict=Verdict.FAIL,
            functional_verdict=Verdict.FAIL,
            findings=[
                Finding(
                    Severity.VIOLATION,
                    "connectorStatus is not a ConnectorStatusEnumType value",
                    breaks_scenario=True,
                    frame=BAD_FRAME,
                    requirement="B02.FR.03",
                ),
                Finding(Severity.WARNING, "Heartbeat sent before BootNotification was accepted"),
            ],
            duration_s=1.5,
            trace="traces/TC_B_02_CS.jsonl",
        ),
        CaseResult(
            id="TC_B_10_CS",
            title="Schema slip",
            block="B Provisioning",
            profiles=["Core", "Core"],  # a repeated profile must not count twice
            version="2.0.1",
            role="CS",
            verdict=Verdict.FAIL,
            functional_verdict=Verdict.PASS,
            findings=[
                Finding(
                    Severity.VIOLATION,
                    "timestamp lacks a time zone",
                    frame='{"timestamp":"2024-01-01T00:00:00"}',
                )
            ],
            duration_s=0.2,
        ),
        CaseResult(
            id="TC_A_01_CS",
            title="Basic Authentication - Valid username/password",
            block="A Security",
            profiles=["Advanced Security"],
            version="2.0.1",
            role="CS",
            verdict=Verdict.ERROR,
            functional_verdict=Verdict.ERROR,
            findings=[Finding(Severity.VIOLATION, "DUT unreachable: connection refused")],
            duration_s=3.0,
            trace="traces/TC_A_01_CS.jsonl",  # never written
        ),
        CaseResult(
            id="TC_K_01_CS",
            title="SetChargingProfile - TxDefaultProfile",
            block="K Smart Charging",
            profiles=["Smart Charging"],
            version="2.0.1",
            role="CS",
            verdict=Verdict.NOT_APPLICABLE,
            functional_verdict=Verdict.NOT_APPLICABLE,
            reason="PICS: Smart Charging is not claimed",
        ),
        CaseResult(
            id="TC_N_01_CS",
            title="Get Log - Diagnostics",
            block="N Diagnostics",
            profiles=[],
            version="2.0.1",
            role="CS",
            verdict=Verdict.NOT_IMPLEMENTED,
            functional_verdict=Verdict.NOT_IMPLEMENTED,
        ),
        CaseResult(
            id="TC_K_59_CS",
            title="ISO 15118 charging schedule",
            block="K Smart Charging",
            profiles=["Smart Charging", "ISO 15118 Support"],
            version="2.0.1",
            role="CS",
            verdict=Verdict.PASS,
            functional_verdict=Verdict.PASS,
            duration_s=0.3,
        ),
    ]


@pytest.fixture
def written(tmp_path: Path, run: RunInfo, cases: list[CaseResult]) -> dict[str, Path]:
    return write_reports(tmp_path, run, cases)


# --- conformance.json -------------------------------------------------------------------


def load_json(written: dict[str, Path]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(written["json"].read_text(encoding="utf-8"))
    return data


def test_write_reports_returns_each_file_and_leaves_no_temporaries(
    tmp_path: Path, written: dict[str, Path]
) -> None:
    assert written == {
        "json": tmp_path / "conformance.json",
        "junit": tmp_path / "junit.xml",
        "html": tmp_path / "report.html",
    }
    assert all(p.is_file() and p.stat().st_size > 0 for p in written.values())
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "conformance.json",
        "junit.xml",
        "report.html",
        "traces",
    ]


def test_json_run_fields(written: dict[str, Path], run: RunInfo) -> None:
    data = load_json(written)
    assert data["tool"] == {"name": "ocpp-conformance", "version": "0.1.0"}
    assert data["run_id"] == run.run_id
    assert data["dut"] == run.dut
    assert data["started"] == run.started
    assert data["finished"] == run.finished
    assert data["mode"] == "strict"
    assert data["seed"] == 1234


def test_json_summary_counts(written: dict[str, Path]) -> None:
    summary = load_json(written)["summary"]
    assert summary["total"] == 7
    assert summary["by_verdict"] == counts(
        PASS=2, FAIL=2, ERROR=1, NOT_APPLICABLE=1, NOT_IMPLEMENTED=1
    )
    assert summary["by_functional_verdict"] == counts(
        PASS=3, FAIL=1, ERROR=1, NOT_APPLICABLE=1, NOT_IMPLEMENTED=1
    )


def test_json_summary_by_profile(written: dict[str, Path]) -> None:
    by_profile = load_json(written)["summary"]["by_profile"]
    assert by_profile == {
        "Core": counts(PASS=1, FAIL=2),
        "Advanced Security": counts(ERROR=1),
        "ISO 15118 Support": counts(PASS=1),
        "Smart Charging": counts(PASS=1, NOT_APPLICABLE=1),
        "(none)": counts(NOT_IMPLEMENTED=1),
    }
    # Core first, then alphabetical, "(none)" last.
    assert list(by_profile) == [
        "Core",
        "Advanced Security",
        "ISO 15118 Support",
        "Smart Charging",
        "(none)",
    ]
    functional = load_json(written)["summary"]["by_profile_functional"]
    assert functional["Core"] == counts(PASS=2, FAIL=1)


def test_json_cases_are_the_case_records_in_order(
    written: dict[str, Path], cases: list[CaseResult]
) -> None:
    data = load_json(written)
    assert data["cases"] == [json.loads(json.dumps(c.to_json())) for c in cases]
    fail = data["cases"][1]
    assert fail["verdict"] == "FAIL"
    assert fail["findings"][0]["frame"] == BAD_FRAME
    assert fail["findings"][0]["requirement"] == "B02.FR.03"
    assert data["cases"][4]["reason"] == "PICS: Smart Charging is not claimed"


def test_json_survives_lone_surrogates(tmp_path: Path, run: RunInfo) -> None:
    # json.loads('"\\ud800"') gives a lone surrogate, which plain UTF-8 encoding rejects.
    frame = json.loads('"\\ud800 caf\\u00e9"')
    case = CaseResult(
        "TC_X_01_CS", "x", "X", ["Core"], "2.0.1", "CS", Verdict.FAIL, Verdict.FAIL,
        findings=[Finding(Severity.VIOLATION, "odd frame", frame=frame)],
    )  # fmt: skip
    written = write_reports(tmp_path, run, [case])
    data = load_json(written)
    assert data["cases"][0]["findings"][0]["frame"] == frame
    assert "café" in written["json"].read_text(encoding="utf-8")  # non-ASCII stays readable
    ET.parse(written["junit"])  # and the XML stays parseable


def test_a_failing_writer_does_not_cost_the_others(
    tmp_path: Path, run: RunInfo, cases: list[CaseResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(report_dir: Path, run: RunInfo, cases: list[CaseResult]) -> Path:
        raise RuntimeError("template bug")

    monkeypatch.setattr(report_pkg, "write_html_report", broken)
    with pytest.raises(ExceptionGroup) as info:
        write_reports(tmp_path, run, cases)
    assert [str(e) for e in info.value.exceptions] == ["template bug"]
    assert (tmp_path / "conformance.json").is_file()
    assert (tmp_path / "junit.xml").is_file()
    assert not (tmp_path / "report.html").exists()


# --- report.html ------------------------------------------------------------------------


class PageParser(HTMLParser):
    """Pulls out what the tests check: summary tables, case rows, transcripts, tags seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.tables: dict[str, dict[str, dict[str, int]]] = {}
        self.sections: list[str] = []
        self.cases_by_section: dict[str, list[str]] = {}
        self.transcript_rows: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: str | None = None
        self._cell: str | None = None
        self._section: str | None = None
        self._case: str | None = None
        self._in_transcript = False
        self._trow: list[str] | None = None
        self._tcell: list[str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        cls = a.get("class") or ""
        table_id = a.get("id")
        if tag == "table" and table_id in ("summary", "summary-functional"):
            assert table_id is not None
            self._table = table_id
            self.tables[table_id] = {}
        elif tag == "table" and cls == "transcript":
            self._in_transcript = True
        elif tag == "tr" and self._table and a.get("data-profile"):
            self._row = a["data-profile"]
            assert self._row is not None
            self.tables[self._table][self._row] = {}
        elif tag == "td" and self._row and a.get("data-verdict"):
            self._cell = a["data-verdict"]
            self._text = []
        elif tag == "section" and "profile" in cls.split():
            self._section = a["data-profile"]
            assert self._section is not None
            self.sections.append(self._section)
            self.cases_by_section[self._section] = []
        elif tag == "details" and "case" in cls.split():
            assert self._section is not None
            self._case = f"{self._section}/{a['data-tc']}"
            self.cases_by_section[self._section].append(a["data-tc"] or "")
            self.transcript_rows[self._case] = []
        elif tag == "tr" and self._in_transcript:
            self._trow = []
        elif tag == "td" and self._trow is not None:
            self._tcell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
            self._in_transcript = False
        elif tag == "td" and self._cell and self._table and self._row:
            self.tables[self._table][self._row][self._cell] = int("".join(self._text))
            self._cell = None
        elif tag == "tr":
            self._row = None
            if self._trow and self._case is not None:  # header rows have no <td>
                self.transcript_rows[self._case].append(self._trow)
            self._trow = None
        elif tag == "td" and self._tcell is not None and self._trow is not None:
            self._trow.append("".join(self._tcell))
            self._tcell = None

    def handle_data(self, data: str) -> None:
        if self._cell:
            self._text.append(data)
        if self._tcell is not None:
            self._tcell.append(data)


@pytest.fixture
def html(written: dict[str, Path]) -> str:
    return written["html"].read_text(encoding="utf-8")


@pytest.fixture
def page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def with_total(
    by_profile: dict[str, dict[str, int]], total: dict[str, int]
) -> dict[str, dict[str, int]]:
    return {
        **{p: {**c, "total": sum(c.values())} for p, c in by_profile.items()},
        "(total)": {**total, "total": sum(total.values())},
    }


def test_html_escapes_dut_text(html: str, page: PageParser) -> None:
    assert SCRIPT not in html
    assert "<script" not in html.lower()
    assert "script" not in page.tags
    assert "&lt;script&gt;" in html  # shown, as text
    assert "Reference station &lt;1&gt;" in html


def test_html_is_self_contained(html: str) -> None:
    assert "<link" not in html
    assert "src=" not in html
    assert "Content-Security-Policy" in html


def test_html_header(html: str, run: RunInfo) -> None:
    for text in (
        run.run_id,
        run.started,
        run.finished,
        "ocpp-conformance 0.1.0",
        "2.0.1",
        ">CS<",
        ">strict<",
    ):
        assert text in html


def test_html_summary_tables(page: PageParser, written: dict[str, Path]) -> None:
    summary = load_json(written)["summary"]
    assert page.tables["summary"] == with_total(summary["by_profile"], summary["by_verdict"])
    assert page.tables["summary-functional"] == with_total(
        summary["by_profile_functional"], summary["by_functional_verdict"]
    )
    # The total row counts each case once, although the multi-profile case is in two rows.
    assert page.tables["summary"]["(total)"]["total"] == 7
    assert (
        sum(row["total"] for name, row in page.tables["summary"].items() if name != "(total)") == 8
    )


def test_html_groups_cases_by_profile(page: PageParser) -> None:
    assert page.sections == [
        "Core",
        "Advanced Security",
        "ISO 15118 Support",
        "Smart Charging",
        "(none)",
    ]
    assert page.cases_by_section == {
        "Core": ["TC_B_01_CS", "TC_B_02_CS", "TC_B_10_CS"],  # natural order: 2 before 10
        "Advanced Security": ["TC_A_01_CS"],
        "ISO 15118 Support": ["TC_K_59_CS"],
        "Smart Charging": ["TC_K_01_CS", "TC_K_59_CS"],
        "(none)": ["TC_N_01_CS"],
    }


def test_html_transcript_rows(page: PageParser) -> None:
    rows = page.transcript_rows["Core/TC_B_01_CS"]
    assert [r[:3] for r in rows] == [
        ["0.0", "•", "CS001"],
        ["12.5", "←", "CS001"],
        ["20.0", "→", "CS001"],
    ]
    assert rows[0][3] == "station connected"
    # Frames are pretty-printed: the header stays on one line, the payload is indented.
    assert rows[1][3].startswith('[2, "19223201", "BootNotification", {\n  "reason": "PowerUp",\n')
    assert '"interval": 300' in rows[2][3]


def test_html_transcript_tolerates_a_truncated_last_line(page: PageParser) -> None:
    rows = page.transcript_rows["Core/TC_B_02_CS"]
    assert [r[1] for r in rows] == ["←", "→", "?"]
    assert SCRIPT in rows[1][3]  # the parser un-escapes: the text was there, escaped
    assert rows[2][3] == '{"t": "2024-01-01T00:0' + TRUNCATED_NOTE


def test_html_case_details(html: str, page: PageParser) -> None:
    assert "PICS: Smart Charging is not claimed" in html
    assert "The trace file traces/TC_A_01_CS.jsonl is missing." in html
    assert "No trace was recorded for this case." in html
    assert "B02.FR.03" in html
    assert "breaks scenario" in html
    assert page.transcript_rows["Advanced Security/TC_A_01_CS"] == []
    # The finding frame is shown verbatim in a <pre>, escaped.
    assert (
        '<pre class="frame">[2,&#34;7&#34;,&#34;StatusNotification&#34;,'
        "{&#34;connectorStatus&#34;:&#34;&lt;script&gt;" in html
    )


def test_html_caps_long_transcripts(tmp_path: Path, run: RunInfo) -> None:
    lines = [
        trace_line(i / 1000, "recv", f'[2,"{i}","Heartbeat",{{}}]')
        for i in range(MAX_TRANSCRIPT_LINES + 3)
    ]
    (tmp_path / "long.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    case = CaseResult(
        "TC_B_01_CS",
        "long",
        "B Provisioning",
        ["Core"],
        "2.0.1",
        "CS",
        Verdict.PASS,
        Verdict.PASS,
        trace="long.jsonl",
    )
    parser = PageParser()
    parser.feed(render_html(tmp_path, run, [case]))
    assert len(parser.transcript_rows["Core/TC_B_01_CS"]) == MAX_TRANSCRIPT_LINES
    assert (
        parser.transcript_rows["Core/TC_B_01_CS"][-1][3]
        == f'[2, "{MAX_TRANSCRIPT_LINES - 1}", "Heartbeat", {{}}]'
    )
    assert "The first 2,000 lines are shown; 3 more lines left out." in render_html(
        tmp_path, run, [case]
    )


def test_trace_parsing_edge_cases() -> None:
    lines = [
        b'{"t": "x", "mono": 1.0, "dir": "send", "conn": "c", "text": "a"}\n',
        b"\n",
        b"not json at all\n",
        b'{"dir": "recv", "text": "no times"}\n',
        # Cut short in the middle of a UTF-8 sequence:
        b'{"t": "y", "mono": 1.5, "dir": "sideways", "conn": "c", "text": "caf\xc3',
    ]
    rows, omitted = parse_trace_lines(lines)
    assert omitted == 0
    assert [(r.ms, r.arrow, r.direction) for r in rows] == [
        ("0.0", "→", "send"),
        ("", "?", "broken"),
        ("", "←", "recv"),
        ("", "?", "broken"),
    ]
    assert rows[1].note == "unreadable trace line"
    assert rows[3].note == TRUNCATED_NOTE
    assert rows[3].text.endswith("caf\ufffd")


def test_pretty_frame_is_faithful() -> None:
    # Duplicate keys and number spellings are exactly what a conformance reader must see.
    assert (
        pretty_frame('{"a":1.0,"a":1E2,"b":[true,null]}')
        == '{\n  "a": 1.0,\n  "a": 1E2,\n  "b": [true, null]\n}'
    )
    assert pretty_frame('[4,"1","NotSupported","",{}]') == '[4, "1", "NotSupported", "", {}]'
    assert pretty_frame("[2, broken") == "[2, broken"
    assert pretty_frame("station connected") == "station connected"
    assert pretty_frame("[" * 100_000) == "[" * 100_000


# --- junit.xml --------------------------------------------------------------------------


@pytest.fixture
def junit(written: dict[str, Path]) -> ET.Element:
    return ET.parse(written["junit"]).getroot()


def junit_cases(junit: ET.Element) -> dict[str, ET.Element]:
    return {tc.attrib["name"]: tc for tc in junit.iter("testcase")}


def props(el: ET.Element) -> dict[str, str]:
    container = el.find("properties")
    assert container is not None
    return {p.attrib["name"]: p.attrib["value"] for p in container.findall("property")}


def test_junit_suite(junit: ET.Element, run: RunInfo) -> None:
    suites = junit.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert suite.attrib["name"] == "ocpp-conformance"
    assert {k: suite.attrib[k] for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "7",
        "failures": "2",
        "errors": "1",
        "skipped": "2",
    }
    assert float(suite.attrib["time"]) == pytest.approx(5.042, abs=0.002)
    suite_props = props(suite)
    assert suite_props["run_id"] == run.run_id
    assert suite_props["seed"] == "1234"
    assert suite_props["dut_name"] == "Reference station <1>"


def test_junit_testcase_properties(junit: ET.Element) -> None:
    tcs = junit_cases(junit)
    assert list(tcs) == [
        "TC_B_01_CS",
        "TC_B_02_CS",
        "TC_B_10_CS",
        "TC_A_01_CS",
        "TC_K_01_CS",
        "TC_N_01_CS",
        "TC_K_59_CS",
    ]
    cold = tcs["TC_B_01_CS"]
    assert cold.attrib["classname"] == "2.0.1.CS.B"
    assert cold.attrib["time"] == "0.042"
    assert props(cold) == {
        "tc_id": "TC_B_01_CS",
        "title": "Cold Boot Charging Station - Accepted",
        "block": "B Provisioning",
        "profiles": "Core",
        "verdict": "PASS",
        "functional_verdict": "PASS",
        "ocpp_version": "2.0.1",
        "dut_role": "CS",
        "trace": "traces/TC_B_01_CS.jsonl",
    }
    assert list(cold) == [cold.find("properties")]  # a clean PASS has nothing else
    assert props(tcs["TC_K_59_CS"])["profiles"] == "Smart Charging, ISO 15118 Support"
    assert tcs["TC_A_01_CS"].attrib["classname"] == "2.0.1.CS.A"


def test_junit_failure(junit: ET.Element) -> None:
    tcs = junit_cases(junit)
    failure = tcs["TC_B_02_CS"].find("failure")
    assert failure is not None
    assert failure.attrib["message"] == "connectorStatus is not a ConnectorStatusEnumType value"
    assert failure.text is not None
    assert (
        "[violation, breaks scenario] connectorStatus is not a ConnectorStatusEnumType value"
        in failure.text
    )
    assert "requirement: B02.FR.03" in failure.text
    assert f"frame: {BAD_FRAME}" in failure.text
    assert "[warning] Heartbeat sent before BootNotification was accepted" in failure.text
    strict_only = tcs["TC_B_10_CS"].find("failure")
    assert strict_only is not None
    assert strict_only.text is not None
    assert "functional verdict: PASS" in strict_only.text
    assert props(tcs["TC_B_10_CS"])["functional_verdict"] == "PASS"


def test_junit_error_and_skips(junit: ET.Element) -> None:
    tcs = junit_cases(junit)
    error = tcs["TC_A_01_CS"].find("error")
    assert error is not None
    assert error.attrib["message"] == "DUT unreachable: connection refused"
    assert tcs["TC_A_01_CS"].find("failure") is None
    na = tcs["TC_K_01_CS"].find("skipped")
    assert na is not None
    assert na.attrib["message"] == "NOT_APPLICABLE: PICS: Smart Charging is not claimed"
    ni = tcs["TC_N_01_CS"].find("skipped")
    assert ni is not None
    assert ni.attrib["message"] == "NOT_IMPLEMENTED"
    assert tcs["TC_N_01_CS"].attrib["classname"] == "2.0.1.CS.N"


def test_junit_survives_control_characters(tmp_path: Path, run: RunInfo) -> None:
    case = CaseResult(
        "TC_001_CS", "Cold Boot Charge Point", "Cold Boot Charge Point", ["Core"], "1.6", "CS",
        Verdict.FAIL, Verdict.FAIL,
        findings=[Finding(Severity.VIOLATION, "bad\x00byte", frame='[2,"1","Boot\x1b[31m"]')],
    )  # fmt: skip
    root = ET.parse(write_reports(tmp_path, run, [case])["junit"]).getroot()
    tc = root.find("testsuite/testcase")
    assert tc is not None
    assert tc.attrib["classname"] == "1.6.CS.Cold Boot Charge Point"
    failure = tc.find("failure")
    assert failure is not None
    assert failure.attrib["message"] == "bad\\u0000byte"
    assert failure.text is not None
    assert "Boot\\u001b[31m" in failure.text
