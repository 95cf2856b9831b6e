"""Operator drivers: how a named verb reaches the DUT.

* `reference` — the bundled reference DUT's HTTP control API (`POST /verbs/<verb>`);
* `http` — a request template per verb from the profile (any CSMS REST API or station rig);
* `command` — a shell command template per verb;
* `prompt` — a person at the DUT does it and confirms at the terminal;
* `python:package.module:Class` — an object with one async method per verb.

A driver that cannot perform a verb raises `NotApplicable`, so the case is reported
NOT APPLICABLE with that reason instead of hanging or passing.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import shlex
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from conformance.operator.verbs import VERBS
from conformance.verdict import CaseFailed, Finding, NotApplicable, Severity

if TYPE_CHECKING:
    from conformance.dut import DutProfile


class OperatorError(Exception):
    """The driver tried and the DUT side refused or failed (a finding, not N/A)."""


class Driver(Protocol):
    name: str

    def can(self, verb: str) -> bool: ...

    async def perform(self, verb: str, args: Mapping[str, Any]) -> Mapping[str, Any]: ...


def _render(template: str, args: Mapping[str, Any], *, as_json: bool = False) -> str:
    """Fill a template; in a JSON body, non-string values are written as JSON (null, lists)."""

    def value(v: Any) -> Any:
        if as_json and not isinstance(v, str):
            return json.dumps(v)
        return "" if v is None else v

    try:
        return template.format(**{k: value(v) for k, v in args.items()})
    except KeyError as exc:
        raise OperatorError(
            f"template {template!r} needs {exc} which the verb does not give"
        ) from None


def _post_json(
    url: str, method: str, body: bytes | None, headers: dict[str, str], timeout: float
) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class HttpDriver:
    """Verb → HTTP request from templates. Runs in a thread: urllib is blocking."""

    name = "http"

    def __init__(
        self,
        base_url: str,
        verbs: Mapping[str, tuple[str, str, str | None]],
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.verbs = dict(verbs)
        self.headers = dict(headers or {})
        self.timeout = timeout

    def can(self, verb: str) -> bool:
        return verb in self.verbs

    async def perform(self, verb: str, args: Mapping[str, Any]) -> Mapping[str, Any]:
        method, path, body_template = self.verbs[verb]
        url = self.base_url + _render(path, args)
        body = _render(body_template, args, as_json=True).encode() if body_template else None
        headers = {"Content-Type": "application/json", **self.headers}
        try:
            status, data = await asyncio.to_thread(
                _post_json, url, method, body, headers, self.timeout
            )
        except OSError as exc:
            raise OperatorError(f"{verb}: {method} {url} failed: {exc}") from None
        if status >= 400:
            raise OperatorError(f"{verb}: {method} {url} answered HTTP {status}: {data[:300]!r}")
        try:
            parsed = json.loads(data) if data else {}
        except ValueError:
            parsed = {"body": data.decode("utf-8", "replace")}
        return parsed if isinstance(parsed, dict) else {"result": parsed}


class ReferenceDriver(HttpDriver):
    """The bundled reference DUTs: every verb is `POST <control>/verbs/<verb>` with JSON args."""

    name = "reference"

    def __init__(self, control_url: str, supported: frozenset[str] | None = None) -> None:
        super().__init__(control_url, {}, timeout=15.0)
        self.supported = supported

    def can(self, verb: str) -> bool:
        return self.supported is None or verb in self.supported

    async def perform(self, verb: str, args: Mapping[str, Any]) -> Mapping[str, Any]:
        url = f"{self.base_url}/verbs/{verb}"
        body = json.dumps({k: v for k, v in args.items() if v is not None}).encode()
        try:
            status, data = await asyncio.to_thread(
                _post_json, url, "POST", body, {"Content-Type": "application/json"}, self.timeout
            )
        except OSError as exc:
            raise OperatorError(f"{verb}: reference DUT control API unreachable: {exc}") from None
        if status == 404:
            raise NotApplicable(f"the reference DUT does not implement operator verb {verb!r}")
        if status >= 400:
            raise OperatorError(f"{verb}: reference DUT refused (HTTP {status}): {data[:300]!r}")
        parsed = json.loads(data) if data else {}
        return parsed if isinstance(parsed, dict) else {}


class CommandDriver:
    name = "command"

    def __init__(self, verbs: Mapping[str, str], timeout: float = 60.0) -> None:
        self.verbs = dict(verbs)
        self.timeout = timeout

    def can(self, verb: str) -> bool:
        return verb in self.verbs

    async def perform(self, verb: str, args: Mapping[str, Any]) -> Mapping[str, Any]:
        quoted = {k: shlex.quote(str(v)) if v is not None else "''" for k, v in args.items()}
        command = _render(self.verbs[verb], quoted)
        proc = await asyncio.create_subprocess_shell(
            command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.timeout)
        except TimeoutError:
            proc.kill()
            raise OperatorError(f"{verb}: command did not finish in {self.timeout:g} s") from None
        if proc.returncode != 0:
            raise OperatorError(
                f"{verb}: command exited {proc.returncode}: {err.decode(errors='replace')[-300:]}"
            )
        return {"stdout": out.decode(errors="replace")}


class PromptDriver:
    """A person does the step and presses Enter (or types `n` if it cannot be done)."""

    name = "prompt"

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def can(self, verb: str) -> bool:
        return verb in VERBS

    async def perform(self, verb: str, args: Mapping[str, Any]) -> Mapping[str, Any]:
        shown = ", ".join(f"{k}={v}" for k, v in args.items() if v is not None)
        text = (
            f"\n[operator] {VERBS[verb].doc} ({verb} {shown})\n"
            "  Enter when done, n if not possible: "
        )

        def ask() -> str:
            try:
                with open("/dev/tty", "r+", encoding="utf-8") as tty:
                    tty.write(text)
                    tty.flush()
                    return tty.readline().strip().lower()
            except OSError:
                sys.__stderr__.write(text) if sys.__stderr__ else None
                return sys.__stdin__.readline().strip().lower() if sys.__stdin__ else "n"

        try:
            answer = await asyncio.wait_for(asyncio.to_thread(ask), self.timeout)
        except TimeoutError:
            raise OperatorError(
                f"{verb}: no operator confirmation within {self.timeout:g} s"
            ) from None
        if answer.startswith("n"):
            raise NotApplicable(f"the operator could not perform {verb!r}")
        return {}


class PythonDriver:
    """`python:pkg.mod:Class`: Class(dut) with `async def <verb>(**args)` methods."""

    name = "python"

    def __init__(self, spec: str, dut: DutProfile) -> None:
        module_name, _, class_name = spec.partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        self.obj = cls(dut)
        self.name = f"python:{spec}"

    def can(self, verb: str) -> bool:
        return callable(getattr(self.obj, verb, None))

    async def perform(self, verb: str, args: Mapping[str, Any]) -> Mapping[str, Any]:
        result = await getattr(self.obj, verb)(**args)
        return result if isinstance(result, Mapping) else {}


class Operator:
    """What cases call: `await ctx.operator.plug_in(evse_id=1, connector_id=1)`."""

    def __init__(
        self, driver: Driver, findings_sink: Any = None, station_id: str | None = None
    ) -> None:
        self.driver = driver
        self._findings = findings_sink  # callable returning the current Findings
        self.station_id = station_id  # the DUT station's id, offered to every template

    def can(self, verb: str) -> bool:
        return verb in VERBS and self.driver.can(verb)

    async def do(self, verb: str, **args: Any) -> Mapping[str, Any]:
        if verb not in VERBS:
            raise KeyError(f"unknown operator verb {verb!r}")
        if not self.driver.can(verb):
            raise NotApplicable(f"the {self.driver.name} driver cannot perform {verb!r}")
        if self.station_id is not None:
            args.setdefault("station_id", self.station_id)
        for name in VERBS[verb].params:
            args.setdefault(name, None)
        try:
            return await self.driver.perform(verb, args)
        except OperatorError as exc:
            finding = Finding(Severity.VIOLATION, f"operator step failed: {exc}", True)
            if self._findings is not None:
                self._findings().add(finding)
            raise CaseFailed(finding) from None

    def __getattr__(self, verb: str) -> Any:
        if verb not in VERBS:
            raise AttributeError(verb)

        async def call(**args: Any) -> Mapping[str, Any]:
            return await self.do(verb, **args)

        return call


def build_driver(dut: DutProfile, control_url: str | None) -> Driver:
    kind = dut.operator.driver
    if kind == "reference":
        url = control_url or dut.reference.control_url
        if not url:
            raise ValueError("the reference driver needs [reference] start = true or control_url")
        return ReferenceDriver(url)
    if kind == "http":
        http = dut.operator.http
        assert http is not None
        return HttpDriver(
            http.base_url,
            {k: (v.method, v.path, v.body) for k, v in http.verbs.items()},
            http.headers,
            http.timeout,
        )
    if kind == "command":
        cmd = dut.operator.command
        assert cmd is not None
        return CommandDriver(cmd.verbs, cmd.timeout)
    if kind == "prompt":
        return PromptDriver(dut.timeouts.operator)
    if kind.startswith("python:"):
        return PythonDriver(kind[len("python:") :], dut)
    raise ValueError(f"unknown operator driver {kind!r}")
