"""`report.html` in a real browser: headless Chromium parses and renders what we write.

Unit tests read our HTML with Python's parser, which forgives what browsers rearrange (a
`<details>` inside a `<table>` gets moved out, an unclosed tag swallows the rest of the page).
Here Chromium's own DOM is dumped and checked, and a screenshot must show a rendered page.

Chromium is a hard requirement: CI installs it (Debian package `chromium`), so a missing
browser fails the test instead of silently skipping the only real-browser check.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conformance.report import RunInfo, write_reports
from conformance.verdict import CaseResult, Finding, Severity, Verdict

WIDTH, HEIGHT = 1280, 1600
TIMEOUT_S = 60.0
"""Generous upper bound for a cold browser start on a loaded CI runner; it normally takes ~1 s."""

SCRIPT = "<script>document.title='pwned'</script>"


def chromium() -> str:
    """The browser to use: $CHROMIUM, /usr/bin/chromium, or `chromium` on PATH."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(
        "headless Chromium is required for the report browser check but was not found at "
        "/usr/bin/chromium or on PATH: install the Debian package `chromium` "
        "(apt-get install -y chromium) or set CHROMIUM=/path/to/chromium"
    )


def browser(tmp_path: Path, name: str, *mode: str, url: str) -> subprocess.Popen[bytes]:
    """Start one headless Chromium with a private profile and no background traffic."""
    profile = tmp_path / f"chromium-{name}"
    profile.mkdir()
    return subprocess.Popen(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{HEIGHT}",
            *mode,
            url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "HOME": str(tmp_path)},
    )


def finish(proc: subprocess.Popen[bytes], what: str) -> bytes:
    """Wait for one browser run; a hang or crash fails with Chromium's own last words."""
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"chromium {what} did not finish in {TIMEOUT_S:.0f} s: {err.decode()[-2000:]}")
    if proc.returncode != 0:
        pytest.fail(f"chromium {what} exited with {proc.returncode}: {err.decode()[-2000:]}")
    return out


class DomParser(HTMLParser):
    """The summary table, the case rows and the transcript rows of the dumped DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.summary: dict[str, dict[str, int]] = {}
        self.case_rows: list[tuple[str, str, str]] = []
        self.transcript_rows = 0
        self.scripts = 0
        self.in_details_outside_section = 0
        self._sections = 0
        self._in_summary = False
        self._in_transcript = False
        self._row: str | None = None
        self._cell: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "script":
            self.scripts += 1
        elif tag == "section":
            self._sections += 1
        elif tag == "table":
            self._in_summary = a.get("id") == "summary"
            self._in_transcript = "transcript" in classes
        elif tag == "tr" and self._in_summary and a.get("data-profile"):
            self._row = a["data-profile"]
            assert self._row is not None
            self.summary[self._row] = {}
        elif tag == "td" and self._in_transcript and "arrow" in classes:
            self.transcript_rows += 1  # one per frame row; header rows have <th> only
        elif tag == "td" and self._row and a.get("data-verdict"):
            self._cell = a["data-verdict"]
            self._text = []
        elif tag == "details" and "case" in classes:
            if not self._sections:
                self.in_details_outside_section += 1
            self.case_rows.append(
                (
                    a.get("data-tc") or "",
                    a.get("data-verdict") or "",
                    a.get("data-functional") or "",
                )
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_summary = self._in_transcript = False
        elif tag == "section":
            self._sections -= 1
        elif tag == "tr":
            self._row = None
        elif tag == "td" and self._cell and self._row:
            self.summary[self._row][self._cell] = int("".join(self._text))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell:
            self._text.append(data)


def png_facts(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct scanlines) of a PNG, with only the standard library.

    A blank or failed render compresses to a handful of identical scanlines; a rendered report
    has hundreds of different ones. Rows are compared after inflating, before unfiltering,
    which is enough to tell "something was drawn" from "nothing was".
    """
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 4
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
            bpp = max(1, channels * depth // 8)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * bpp
    rows = {raw[i : i + stride] for i in range(0, len(raw), stride)}
    return width, height, len(rows)


def make_cases(tmp_path: Path) -> list[CaseResult]:
    (tmp_path / "traces").mkdir()
    lines = [
        {"t": "2024-01-01T00:00:00.000000+00:00", "mono": 1.0, "dir": "event", "conn": "CS1",
         "text": "connected"},
        {"t": "2024-01-01T00:00:00.004000+00:00", "mono": 1.004, "dir": "recv", "conn": "CS1",
         "text": f'[2,"1","StatusNotification",{{"connectorStatus":"{SCRIPT}"}}]'},
        {"t": "2024-01-01T00:00:00.009000+00:00", "mono": 1.009, "dir": "send", "conn": "CS1",
         "text": '[3,"1",{}]'},
    ]  # fmt: skip
    (tmp_path / "traces" / "TC_B_02_CS.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines) + '{"t": "2024-01-01T0',
        encoding="utf-8",
    )

    def case(tc: str, profiles: list[str], verdict: Verdict, functional: Verdict) -> CaseResult:
        return CaseResult(tc, f"title of {tc}", f"{tc[3]} Block", profiles, "2.0.1", "CS",
                          verdict, functional, duration_s=0.05)  # fmt: skip

    fail = case("TC_B_02_CS", ["Core", "Security"], Verdict.FAIL, Verdict.FAIL)
    fail.findings = [
        Finding(Severity.VIOLATION, f"bad status {SCRIPT}", breaks_scenario=True, frame=SCRIPT)
    ]
    fail.trace = "traces/TC_B_02_CS.jsonl"
    na = case("TC_K_01_CS", ["Smart Charging"], Verdict.NOT_APPLICABLE, Verdict.NOT_APPLICABLE)
    na.reason = "PICS: Smart Charging not claimed"
    return [
        case("TC_B_01_CS", ["Core"], Verdict.PASS, Verdict.PASS),
        fail,
        case("TC_B_03_CS", ["Core"], Verdict.FAIL, Verdict.PASS),
        case("TC_A_01_CS", ["Security"], Verdict.ERROR, Verdict.ERROR),
        na,
        case("TC_N_01_CS", [], Verdict.NOT_IMPLEMENTED, Verdict.NOT_IMPLEMENTED),
    ]


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    run = RunInfo(
        run_id="browser-check",
        tool_name="ocpp-conformance",
        tool_version="0.1.0",
        dut={"name": f"Station {SCRIPT}", "role": "CS", "version": "2.0.1"},
        started="2024-01-01T00:00:00+00:00",
        finished="2024-01-01T00:00:01+00:00",
        mode="strict",
        seed=7,
    )
    out_dir = tmp_path / "report"
    out_dir.mkdir()
    cases = make_cases(out_dir)
    url = write_reports(out_dir, run, cases)["html"].resolve().as_uri()
    png = tmp_path / "report.png"

    # Both browsers run at once: the test costs one browser start, not two.
    dump = browser(tmp_path, "dom", "--dump-dom", url=url)
    shot = browser(tmp_path, "shot", f"--screenshot={png}", url=url)
    dom = finish(dump, "--dump-dom").decode("utf-8")
    finish(shot, "--screenshot")

    parser = DomParser()
    parser.feed(dom)
    parser.close()
    assert parser.summary == {
        "Core": {"PASS": 1, "FAIL": 2, "ERROR": 0, "NOT_APPLICABLE": 0, "NOT_IMPLEMENTED": 0,
                 "total": 3},
        "Security": {"PASS": 0, "FAIL": 1, "ERROR": 1, "NOT_APPLICABLE": 0, "NOT_IMPLEMENTED": 0,
                     "total": 2},
        "Smart Charging": {"PASS": 0, "FAIL": 0, "ERROR": 0, "NOT_APPLICABLE": 1,
                           "NOT_IMPLEMENTED": 0, "total": 1},
        "(none)": {"PASS": 0, "FAIL": 0, "ERROR": 0, "NOT_APPLICABLE": 0, "NOT_IMPLEMENTED": 1,
                   "total": 1},
        "(total)": {"PASS": 1, "FAIL": 2, "ERROR": 1, "NOT_APPLICABLE": 1, "NOT_IMPLEMENTED": 1,
                    "total": 6},
    }  # fmt: skip
    # Every case row survived parsing where we put it (the multi-profile case twice)...
    assert parser.case_rows == [
        ("TC_B_01_CS", "PASS", "PASS"),
        ("TC_B_02_CS", "FAIL", "FAIL"),
        ("TC_B_03_CS", "FAIL", "PASS"),
        ("TC_A_01_CS", "ERROR", "ERROR"),
        ("TC_B_02_CS", "FAIL", "FAIL"),
        ("TC_K_01_CS", "NOT_APPLICABLE", "NOT_APPLICABLE"),
        ("TC_N_01_CS", "NOT_IMPLEMENTED", "NOT_IMPLEMENTED"),
    ]
    assert parser.in_details_outside_section == 0
    # ... with its transcript: 3 frames + the cut-short line, once per profile group.
    assert parser.transcript_rows == 2 * 4
    # DUT text stayed text: no script element, and the page title is ours.
    assert parser.scripts == 0
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "<title>OCPP conformance report — Station" in dom

    width, height, distinct_rows = png_facts(png.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    assert distinct_rows > 200, f"screenshot looks blank ({distinct_rows} distinct rows)"
