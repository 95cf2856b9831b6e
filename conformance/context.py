"""What a conformance case receives: the DUT, the harness role, the operator, and the checks.

A case is an `async def` decorated with `@testcase("TC_...")`; it names the objects it wants as
parameters (`ctx`, `dut`, `csms`, `operator`) and the plugin passes them in. Checks record
findings instead of raising bare asserts, so the report says *what* the DUT did wrong, and one
run yields both the strict and the functional verdict.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from conformance.ocppj import OcppVersion
from conformance.session import Session, Timeouts
from conformance.trace import Recorder
from conformance.verdict import CaseFailed, Findings

if TYPE_CHECKING:
    from conformance.dut import DutProfile
    from conformance.operator.drivers import Operator
    from conformance.roles import MockCsms, MockStation

Cleanup = Callable[[], Awaitable[Any]]


class CaseContext:
    """Per-case handle. `csms` is set when the DUT is a station, `station_factory` otherwise."""

    def __init__(
        self,
        *,
        case_id: str,
        dut: DutProfile,
        recorder: Recorder,
        operator: Operator,
        csms: MockCsms | None = None,
        station_factory: Callable[..., Awaitable[MockStation]] | None = None,
    ) -> None:
        self.case_id = case_id
        self.dut = dut
        self.version = OcppVersion.parse(dut.version)
        self.recorder = recorder
        self.operator = operator
        self.csms = csms
        self._station_factory = station_factory
        self._cleanups: list[Cleanup] = []
        self.stations: list[MockStation] = []
        self.seed = 0  # --ocpp-seed: cases that generate data derive it from this
        t = dut.timeouts
        self.timeouts = Timeouts(response=t.response, message=t.message)

    @property
    def findings(self) -> Findings:
        return self.recorder.findings

    # -- checks ---------------------------------------------------------------------------

    def check(
        self,
        condition: bool,
        message: str,
        *,
        requirement: str | None = None,
        frame: str | None = None,
        breaks_scenario: bool = False,
    ) -> bool:
        """Record a violation when `condition` is false; the case goes on. Returns condition."""
        if not condition:
            self.findings.violation(
                message, breaks_scenario=breaks_scenario, frame=frame, requirement=requirement
            )
        return condition

    def require(
        self,
        condition: bool,
        message: str,
        *,
        requirement: str | None = None,
        frame: str | None = None,
    ) -> None:
        """Like `check`, but a false condition breaks the scenario and ends the case."""
        if not condition:
            raise self.findings.fail(message, frame=frame, requirement=requirement)

    def warn(self, condition: bool, message: str, *, frame: str | None = None) -> bool:
        if not condition:
            self.findings.warning(message, frame=frame)
        return condition

    def fail(self, message: str, *, requirement: str | None = None) -> CaseFailed:
        """`raise ctx.fail("...")` ends the case with a scenario-breaking violation."""
        return self.findings.fail(message, requirement=requirement)

    def note(self, text: str) -> None:
        """Write a line into the case's trace (shown in the HTML transcript)."""
        self.recorder.trace.record("event", self.case_id, text)

    # -- set-up and tear-down --------------------------------------------------------------

    def defer(self, cleanup: Cleanup) -> None:
        """Run `cleanup` after the case, even if it failed (e.g. restore a variable)."""
        self._cleanups.append(cleanup)

    async def run_cleanups(self) -> None:
        while self._cleanups:
            cleanup = self._cleanups.pop()
            with contextlib.suppress(CaseFailed):
                await cleanup()
        for st in self.stations:
            await st.close()

    # -- the DUT connection ----------------------------------------------------------------

    async def station(self, *, after: int | None = None, timeout: float | None = None) -> Session:
        """CS role: the station under test's open connection to the mock CSMS.

        With `after=N` waits for a connection newer than the N-th (after a reboot); use
        `connections()` to read N before triggering the reconnect.
        """
        if self.csms is None:
            raise RuntimeError("ctx.station() is for cases whose DUT is a charging station")
        wait = self.dut.timeouts.connect if timeout is None else timeout
        try:
            return await self.csms.wait_for_station(self.dut.station_id, wait, after=after)
        except TimeoutError:
            what = "reconnect" if after is not None else "connect"
            raise self.fail(
                f"the station {self.dut.station_id!r} did not {what} within {wait:g} s"
            ) from None

    def connections(self) -> int:
        """CS role: how many times the station under test has connected so far."""
        if self.csms is None:
            return 0
        return self.csms.connection_count.get(self.dut.station_id, 0)

    async def mock_station(self, *, connect: bool = True, **kwargs: Any) -> MockStation:
        """CSMS role: a new mock station with the next id from the profile's pool."""
        if self._station_factory is None:
            raise RuntimeError("ctx.mock_station() is for cases whose DUT is a CSMS")
        st = await self._station_factory(**kwargs)
        self.stations.append(st)
        if connect:
            try:
                await st.connect()
            except Exception as exc:
                raise self.fail(
                    f"could not connect to the CSMS at {st.csms_url} as {st.station_id}: {exc}"
                ) from None
        return st
