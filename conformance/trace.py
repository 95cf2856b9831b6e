"""Write-through frame traces (JSON lines) and the per-case recorder.

Every frame, both directions, is appended and flushed the moment it is sent or received, so a
crash of the harness (or a killed CI job) still leaves the transcript up to that point.
Secrets known to the run (passwords, header tokens) are replaced before anything is written.
"""

from __future__ import annotations

import datetime as _dt
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from conformance.verdict import Findings

REDACTED = "<redacted>"


class Trace:
    """One JSON-lines file: {"t", "mono", "dir": send|recv|event, "conn", "text"} per line."""

    def __init__(self, path: Path | None, secrets: Iterable[str] = ()) -> None:
        self.path = path
        self._secrets = [s for s in secrets if s]
        self._fh: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = path.open("a", encoding="utf-8", buffering=1)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def record(self, direction: str, conn: str, text: str) -> None:
        if self._fh is None:
            return
        line = {
            "t": _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds"),
            "mono": time.monotonic(),
            "dir": direction,
            "conn": conn,
            "text": self.redact(text) if self._secrets else text,
        }
        self._fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class Recorder:
    """Where the connections of the running case put frames and findings.

    Connections can outlive a case (a station stays connected to the mock CSMS between cases),
    so they hold the recorder, and the plugin swaps its trace and findings at each case start.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = [s for s in secrets if s]
        self.trace = Trace(None)
        self.findings = Findings()

    def add_secret(self, secret: str) -> None:
        """A secret the run learns on the way (e.g. a new basic-auth password a case sets):
        redacted from here on, in the current trace too."""
        if secret and secret not in self.secrets:
            self.secrets.append(secret)
            self.trace._secrets.append(secret)

    def start_case(self, trace_path: Path | None) -> None:
        self.trace.close()
        self.trace = Trace(trace_path, self.secrets)
        self.findings = Findings()

    def end_case(self) -> Findings:
        self.trace.close()
        self.trace = Trace(None)
        return self.findings

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text
