"""OCPP 1.6, DUT = charge point: Reset (Hard / Soft, with and without a transaction),
availability that persists across a reboot or power failure, and UnlockConnector
(Core Profile - Resetting, Unlocking, Power Failure), Core profile."""

from __future__ import annotations

import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.session import Incoming, Session
from conformance.verdict import NotApplicable
from testcases.ocpp16.cs import states


async def _change_availability(
    ctx: CaseContext, s: Session, connector: int, kind: str, expect: str = "Accepted"
) -> float:
    t0 = time.monotonic()
    answer = await s.call("ChangeAvailability", {"connectorId": connector, "type": kind})
    ctx.check(
        answer.get("status") == expect,
        f"ChangeAvailability.conf (connectorId {connector}, {kind}) status is "
        f"{answer.get('status')!r}, expected {expect}",
    )
    return t0


async def _unavailable(ctx: CaseContext, s: Session, connector: int) -> None:
    """ChangeAvailability Inoperative for `connector` (0: the whole charge point), its
    StatusNotification(s) Unavailable; the clean-up makes it Operative again."""
    t0 = await _change_availability(ctx, s, connector, "Inoperative")
    targets = [0, *states.connectors(ctx)] if connector == 0 else [connector]
    for c in targets:
        await states.status(ctx, s, "Unavailable", connector=c, since=t0, why="Inoperative")

    async def operative() -> None:
        conn = await ctx.station()
        await conn.call("ChangeAvailability", {"connectorId": connector, "type": "Operative"})

    ctx.defer(operative)


async def _operative_again(ctx: CaseContext, s: Session, connector: int) -> None:
    t0 = await _change_availability(ctx, s, connector, "Operative")
    await states.status(ctx, s, "Available", connector=connector, since=t0, why="Operative")


async def _reset(ctx: CaseContext, s: Session, kind: str) -> tuple[float, int]:
    n = ctx.connections()
    t0 = time.monotonic()
    answer = await s.call("Reset", {"type": kind})
    ctx.check(
        answer.get("status") == "Accepted",
        f"Reset.conf ({kind}) status is {answer.get('status')!r}, expected Accepted",
    )
    return t0, n


async def _rebooted(ctx: CaseContext, n: int, why: str) -> tuple[Session, Incoming]:
    s, boot = await states.new_connection(ctx, n, why)
    return s, boot


async def _reset_without_transaction(ctx: CaseContext, kind: str) -> None:
    """TC_013 / TC_014: a connector made Inoperative stays Unavailable across the reset
    (section 5.14: persistent states), the others come back Available."""
    s = await states.booted(ctx)
    await _unavailable(ctx, s, states.CONNECTOR)
    _t0, n = await _reset(ctx, s, kind)
    s2, boot = await _rebooted(ctx, n, f"a {kind} reset was accepted")
    await states.connectors_reported(
        ctx, s2, since=boot.received, status={states.CONNECTOR: "Unavailable"}
    )
    await _operative_again(ctx, s2, states.CONNECTOR)


async def _reset_with_transaction(ctx: CaseContext, kind: str) -> None:
    """TC_015 / TC_016: the transaction is stopped (reason HardReset / SoftReset) before the
    reboot (section 5.14), then the charge point boots and reports its connectors."""
    s = await states.booted(ctx)
    started = await states.charging_session(ctx, s)
    t0, n = await _reset(ctx, s, kind)
    await states.transaction_stopped(ctx, s, started, reason=f"{kind}Reset", since=t0)
    s2, boot = await _rebooted(ctx, n, f"a {kind} reset was accepted")
    reported = await states.connectors_reported(ctx, s2, since=boot.received, status=None)
    for connector_id, msg in reported.items():
        allowed = (
            ("Finishing", "Preparing", "Available")
            if connector_id == states.CONNECTOR
            else ("Available",)
        )
        ctx.check(
            msg.payload.get("status") in allowed,
            f"after the reset connectorId {connector_id} is reported "
            f"{msg.payload.get('status')!r}, expected {' or '.join(allowed)}",
            frame=msg.text,
        )


SESSION_VERBS = ("plug_in", "unplug", "present_id_token")


@testcase("TC_013_CS")
async def test_hard_reset_without_transaction(ctx: CaseContext) -> None:
    """Section 5.14 Reset Hard: Accepted, reboot with BootNotification, availability kept."""
    await _reset_without_transaction(ctx, "Hard")


@testcase("TC_014_CS")
async def test_soft_reset_without_transaction(ctx: CaseContext) -> None:
    """Section 5.14 Reset Soft: Accepted, reboot with BootNotification, availability kept."""
    await _reset_without_transaction(ctx, "Soft")


@testcase("TC_015_CS", verbs=SESSION_VERBS)
async def test_hard_reset_with_transaction(ctx: CaseContext) -> None:
    """Section 5.14 Reset Hard during a transaction: StopTransaction.req reason HardReset,
    then the reboot."""
    await _reset_with_transaction(ctx, "Hard")


@testcase("TC_016_CS", verbs=SESSION_VERBS)
async def test_soft_reset_with_transaction(ctx: CaseContext) -> None:
    """Section 5.14 Reset Soft during a transaction: StopTransaction.req reason SoftReset,
    then the reboot."""
    await _reset_with_transaction(ctx, "Soft")


def _backup_power_prerequisite(ctx: CaseContext, *, backup: bool) -> None:
    """TC_032_1 is for a charge point with a back-up power source, TC_032_2 for one without,
    as the profile declares (PIXIT backup_power)."""
    if ctx.dut.pixit.backup_power != backup:
        has = "has" if ctx.dut.pixit.backup_power else "has no"
        raise NotApplicable(
            f"prerequisite not met: the charge point {has} back-up power source "
            f"(PIXIT backup_power)"
        )


@testcase("TC_032_1_CS", verbs=(*SESSION_VERBS, "power_cycle"))
async def test_power_failure_stop_before_down(ctx: CaseContext) -> None:
    """Section 4.7 / Reason PowerLoss: a charge point with back-up power stops its
    transaction (reason PowerLoss, Finishing) before it goes down, then boots and reports
    the connector Finishing or Preparing and the others Available."""
    _backup_power_prerequisite(ctx, backup=True)
    s = await states.booted(ctx)
    started = await states.charging_session(ctx, s)
    n = ctx.connections()
    t0 = time.monotonic()
    await ctx.operator.power_cycle()
    await states.transaction_stopped(ctx, s, started, reason="PowerLoss", since=t0)
    await states.status(ctx, s, "Finishing", since=t0, why="the transaction was stopped")
    s2, boot = await _rebooted(ctx, n, "the power came back")
    reported = await states.connectors_reported(ctx, s2, since=boot.received, status=None)
    for connector_id, msg in reported.items():
        allowed = ("Finishing", "Preparing") if connector_id == states.CONNECTOR else ("Available",)
        ctx.check(
            msg.payload.get("status") in allowed,
            f"after the power failure connectorId {connector_id} is reported "
            f"{msg.payload.get('status')!r}, expected {' or '.join(allowed)}",
            frame=msg.text,
        )


@testcase("TC_032_2_CS", verbs=(*SESSION_VERBS, "power_cycle"))
async def test_power_failure_stop_after_down(ctx: CaseContext) -> None:
    """Section 4.7 / Reason PowerLoss: a charge point without back-up power goes down with
    its transaction running and stops it once the power is back: BootNotification, a
    StatusNotification per connector and connectorId 0, and StopTransaction.req (reason
    PowerLoss, the transactionId the Central System gave), in any order; then Finishing if
    not reported yet. A charge point that resumes the transaction instead (the connector
    reported Charging) has it stopped by the driver's idTag (reason Local)."""
    _backup_power_prerequisite(ctx, backup=False)
    s = await states.booted(ctx)
    started = await states.charging_session(ctx, s)
    n = ctx.connections()
    await ctx.operator.power_cycle()
    s2, boot = await _rebooted(ctx, n, "the power came back")
    reported = await states.connectors_reported(ctx, s2, since=boot.received, status=None)
    resumed = reported[states.CONNECTOR].payload.get("status") == "Charging"
    for connector_id, msg in reported.items():
        if connector_id == states.CONNECTOR:
            allowed: tuple[str, ...] = ("Finishing", "Preparing", "Charging")
        else:
            allowed = ("Available",)
        ctx.check(
            msg.payload.get("status") in allowed,
            f"after the power failure connectorId {connector_id} is reported "
            f"{msg.payload.get('status')!r}, expected {' or '.join(allowed)}",
            frame=msg.text,
        )
    if resumed:
        t1 = await states.present(ctx, started.id_tag, states.CONNECTOR)
        stop = await states.transaction_stopped(ctx, s2, started, reason="Local", since=t1)
    else:
        stop = await states.transaction_stopped(ctx, s2, started, reason="PowerLoss")
    finishing = [
        m
        for m in s2.received("StatusNotification", since=boot.received)
        if m.payload.get("connectorId") == states.CONNECTOR
        and m.payload.get("status") == "Finishing"
    ]
    if not finishing:
        await states.status(
            ctx, s2, "Finishing", since=stop.received, why="the transaction was stopped"
        )


@testcase("TC_034_CS", verbs=("power_cycle",))
async def test_power_failure_unavailable(ctx: CaseContext) -> None:
    """Sections 5.2, 5.14: the charge point made Inoperative (connectorId 0) reports every
    connector Unavailable again after a power failure."""
    s = await states.booted(ctx)
    await _unavailable(ctx, s, 0)
    s2, boot = await states.power_cycle(ctx)
    await states.connectors_reported(ctx, s2, since=boot.received, status="Unavailable")
    t0 = await _change_availability(ctx, s2, 0, "Operative")
    for c in [0, *states.connectors(ctx)]:
        await states.status(ctx, s2, "Available", connector=c, since=t0, why="Operative")


@testcase("TC_017_1_CS")
async def test_unlock_no_session(ctx: CaseContext) -> None:
    """Section 5.17: UnlockConnector without a transaction on a socket connector: Unlocked."""
    s = await states.booted(ctx)
    answer = await s.call("UnlockConnector", {"connectorId": states.CONNECTOR})
    ctx.check(
        answer.get("status") == "Unlocked",
        f"UnlockConnector.conf status is {answer.get('status')!r}, expected Unlocked",
    )


@testcase("TC_017_2_CS", features=("FixedCable",))
async def test_unlock_fixed_cable(ctx: CaseContext) -> None:
    """Section 5.17 / UnlockStatus NotSupported: a connector with a permanently attached
    cable has no lock to open, so UnlockConnector for it is answered NotSupported."""
    s = await states.booted(ctx)
    connector = ctx.dut.pixit.fixed_cable_connector
    ctx.require(
        connector in states.connectors(ctx),
        f"the profile claims FixedCable but pixit.fixed_cable_connector ({connector}) is no "
        f"connector of the charge point",
    )
    answer = await s.call("UnlockConnector", {"connectorId": connector})
    ctx.check(
        answer.get("status") == "NotSupported",
        f"UnlockConnector.conf for the fixed-cable connector {connector} is "
        f"{answer.get('status')!r}, expected NotSupported",
    )


@testcase("TC_018_1_CS", verbs=SESSION_VERBS)
async def test_unlock_with_session(ctx: CaseContext) -> None:
    """Section 5.17: UnlockConnector during a transaction first stops it (StopTransaction.req
    reason UnlockCommand), then answers Unlocked."""
    s = await states.booted(ctx)
    started = await states.charging_session(ctx, s)
    t0 = time.monotonic()
    answer = await s.call("UnlockConnector", {"connectorId": states.CONNECTOR})
    ctx.check(
        answer.get("status") == "Unlocked",
        f"UnlockConnector.conf status is {answer.get('status')!r}, expected Unlocked",
    )
    await states.transaction_stopped(ctx, s, started, reason="UnlockCommand", since=t0)
    await states.status(ctx, s, "Finishing", since=t0, why="the transaction was stopped")
    await states.unplug(ctx, s)


@testcase("TC_018_2_CS", features=("FixedCable",), verbs=SESSION_VERBS)
async def test_unlock_fixed_cable_with_session(ctx: CaseContext) -> None:
    """Section 5.17 / UnlockStatus NotSupported ("the Charge Point has no connector lock"):
    during a transaction on the connector with a permanently attached cable, UnlockConnector
    for it is answered NotSupported, as without a transaction (TC_017_2_CS).

    No official text of this case was found. Section 5.17 also says a transaction in
    progress is finished first; for a lock that does not exist that is ambiguous, so whether
    the transaction goes on is not judged (the clean-up stops it if it does)."""
    s = await states.booted(ctx)
    connector = ctx.dut.pixit.fixed_cable_connector
    ctx.require(
        connector in states.connectors(ctx),
        f"the profile claims FixedCable but pixit.fixed_cable_connector ({connector}) is no "
        f"connector of the charge point",
    )
    await states.charging_session(ctx, s, connector)
    answer = await s.call("UnlockConnector", {"connectorId": connector})
    ctx.check(
        answer.get("status") == "NotSupported",
        f"UnlockConnector.conf for the fixed-cable connector {connector} during a transaction "
        f"is {answer.get('status')!r}, expected NotSupported (it has no lock to open)",
    )


@testcase("TC_030_CS", verbs=("jam_connector_lock", "release_connector_lock"))
async def test_unlock_failure(ctx: CaseContext) -> None:
    """Section 5.17 / UnlockStatus UnlockFailed: in a state where a connector lock failure
    can be triggered (the lock cannot open), UnlockConnector is answered UnlockFailed."""
    s = await states.booted(ctx)
    await ctx.operator.jam_connector_lock(evse_id=states.CONNECTOR, connector_id=states.CONNECTOR)

    async def release() -> None:
        await ctx.operator.release_connector_lock(
            evse_id=states.CONNECTOR, connector_id=states.CONNECTOR
        )

    ctx.defer(release)
    answer = await s.call("UnlockConnector", {"connectorId": states.CONNECTOR})
    ctx.check(
        answer.get("status") == "UnlockFailed",
        f"UnlockConnector.conf is {answer.get('status')!r} although the cable lock could not "
        f"open; expected UnlockFailed",
    )


@testcase("TC_031_CS")
async def test_unlock_unknown_connector(ctx: CaseContext) -> None:
    """Section 5.17 / UnlockStatus: an UnlockConnector for a connector that does not exist
    is answered NotSupported."""
    s = await states.booted(ctx)
    unknown = len(states.connectors(ctx)) + 1
    answer = await s.call("UnlockConnector", {"connectorId": unknown})
    ctx.check(
        answer.get("status") == "NotSupported",
        f"UnlockConnector.conf for the unknown connectorId {unknown} is "
        f"{answer.get('status')!r}, expected NotSupported",
    )
