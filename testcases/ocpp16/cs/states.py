"""Reusable states of the OCPP 1.6 charge point test cases, played by the mock Central System.

The 1.6 test case document builds its charge point cases from a few reusable states (Booted,
Authorized, Charging) and configuration states ("Value for X is Y"). Each function here drives
the charge point into one of them through operator verbs and OCPP calls, and checks what the
state requires of the messages the charge point sends. Every physical step registers its own
undo with `ctx.defer`, and every configuration change restores the old value, so cases stay
independent of their order.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import itertools
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.context import CaseContext
from conformance.session import Incoming, Reject, Responder, Session

CONNECTOR = 1  # <Configured ConnectorId>
# Intervals are timed by the charge point's clock, ours by when our answer left: allow for the
# scheduling jitter of two event loops, nothing more.
TIMING_SLACK = 0.05

# Connectors a case plugged in and has not unplugged yet (the clean-up unplugs them).
_PLUGGED: weakref.WeakKeyDictionary[CaseContext, set[int]] = weakref.WeakKeyDictionary()
# Connections whose post-boot StatusNotifications have been seen (see `booted`).
_SETTLED: weakref.WeakSet[Session] = weakref.WeakSet()


# -- configured values ----------------------------------------------------------------------


def valid_id_tag(ctx: CaseContext) -> str:
    """<Configured valid IdTag>."""
    return ctx.dut.pixit.valid_idtoken_idtoken


def invalid_id_tag(ctx: CaseContext) -> str:
    """<Configured invalid IdTag>."""
    return ctx.dut.pixit.invalid_idtoken_idtoken


def connectors(ctx: CaseContext) -> list[int]:
    """connectorId 1..n; 1.6 has no EVSE level, each profile `evses` entry is connectors."""
    return list(range(1, sum(ctx.dut.pixit.evses) + 1))


def after(t0: float) -> Callable[[Incoming], bool]:
    """A predicate for messages received at or after monotonic time `t0`."""
    return lambda m: m.received >= t0


def response_of(msg: Incoming) -> dict[str, Any]:
    """What the mock Central System answered to `msg` ({} for a CALLERROR or none yet)."""
    r = msg.response
    return dict(r) if r is not None and not isinstance(r, Reject) else {}


# -- Booted ---------------------------------------------------------------------------------


def settled(s: Session) -> None:
    """`s` is a connection a case watched from its start (see `booted`)."""
    _SETTLED.add(s)


async def booted(ctx: CaseContext) -> Session:
    """Booted: the charge point is connected and accepted (it booted when the run started).

    A connection no case has used yet is settled first: the StatusNotifications that follow
    its boot are in before the case goes on, so they cannot be taken for the case's own.
    """
    s = await ctx.station()
    if s in _SETTLED:
        return s
    boots = s.received("BootNotification")
    if boots:
        await connectors_reported(ctx, s, since=boots[-1].received, status=None)
    elif ctx.connections() <= 1:
        # The run's first boot came before this case began (its messages are not in the
        # case's view): wait a little for reports still on their way, without a finding.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ctx.timeouts.message
        for connector_id in [0, *connectors(ctx)]:
            if s.received("StatusNotification") and any(
                m.payload.get("connectorId") == connector_id
                for m in s.received("StatusNotification")
            ):
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    s.expect(
                        "StatusNotification",
                        {"connectorId": connector_id},
                        timeout=ctx.timeouts.message + 10,  # the outer deadline ends it
                    ),
                    max(deadline - loop.time(), 0.0),
                )
    _SETTLED.add(s)
    return s


def answer_next_connections(ctx: CaseContext, action: str, responder: Responder) -> None:
    """Answer `action` with `responder` on connections the charge point opens during this
    case (set BEFORE the reboot that makes it send it); removed when the case ends."""
    assert ctx.csms is not None
    ctx.csms.new_session_responders[action] = responder

    async def remove() -> None:
        assert ctx.csms is not None
        ctx.csms.new_session_responders.pop(action, None)

    ctx.defer(remove)


async def new_connection(ctx: CaseContext, n: int, why: str) -> tuple[Session, Incoming]:
    """The connection the charge point opens after the n-th, and its BootNotification."""
    s = await ctx.station(after=n)
    boot = await s.expect("BootNotification", timeout=ctx.dut.timeouts.connect, why=why)
    return s, boot


async def power_cycle(ctx: CaseContext) -> tuple[Session, Incoming]:
    """[Power cycle the Charge Point]: a new connection whose first message is a boot."""
    await ctx.station()
    n = ctx.connections()
    await ctx.operator.power_cycle()
    return await new_connection(ctx, n, "the charge point was power cycled")


async def connectors_reported(
    ctx: CaseContext,
    s: Session,
    *,
    since: float = 0.0,
    status: str | Mapping[int, str] | None = "Available",
) -> dict[int, Incoming]:
    """[Send a StatusNotification per connector and connectorId=0] (section 4.2 / 4.9), each
    with the expected status (one for all, per connectorId, or None: any)."""
    seen: dict[int, Incoming] = {}
    for connector_id in [0, *connectors(ctx)]:
        msg = await s.expect(
            "StatusNotification",
            {"connectorId": connector_id},
            predicate=after(since),
            why="after an accepted boot the charge point reports connectorId 0 and every "
            "connector (OCPP 1.6 section 4.9)",
        )
        if status is not None:
            want = status if isinstance(status, str) else status.get(connector_id, "Available")
            check_status(ctx, msg, want)
        seen[connector_id] = msg
    _SETTLED.add(s)
    return seen


# -- StatusNotification -----------------------------------------------------------------------


def check_status(ctx: CaseContext, msg: Incoming, expected: str, step: str = "") -> bool:
    p = msg.payload
    where = f" ({step})" if step else ""
    return ctx.check(
        p.get("status") == expected,
        f"StatusNotification for connectorId {p.get('connectorId')} says status "
        f"{p.get('status')!r}{where}, expected {expected}",
        frame=msg.text,
    )


async def status(
    ctx: CaseContext,
    s: Session,
    expected: str,
    *,
    connector: int = CONNECTOR,
    since: float = 0.0,
    why: str = "",
    timeout: float | None = None,
) -> Incoming:
    """The next StatusNotification of `connector` after `since`; its status must be
    `expected` (a finding otherwise)."""
    msg = await s.expect(
        "StatusNotification",
        {"connectorId": connector},
        predicate=after(since),
        why=why or f"connector {connector} becomes {expected}",
        timeout=timeout,
    )
    check_status(ctx, msg, expected, why)
    return msg


# -- configuration ----------------------------------------------------------------------------


async def get_configuration(ctx: CaseContext, s: Session, key: str) -> str | None:
    """The value GetConfiguration.conf reports for `key`, or None when it is unknown."""
    answer = await s.call("GetConfiguration", {"key": [key]})
    for item in answer.get("configurationKey") or []:
        if item.get("key") == key:
            value = item.get("value")
            return str(value) if value is not None else ""
    return None


async def configure(ctx: CaseContext, s: Session, key: str, value: str) -> None:
    """Configuration state "Value for <key> is <value>": ChangeConfiguration if needed, and
    the old value restored when the case ends."""
    old = await get_configuration(ctx, s, key)
    if old is not None and old.lower() == value.lower():
        return
    answer = await s.call("ChangeConfiguration", {"key": key, "value": value})
    ctx.require(
        answer.get("status") == "Accepted",
        f"configuration step: ChangeConfiguration {key}={value!r} was answered "
        f"{answer.get('status')!r}, so the scenario cannot be set up",
    )
    if old is not None:
        previous = old

        async def restore() -> None:
            conn = await ctx.station()
            await conn.call("ChangeConfiguration", {"key": key, "value": previous})

        ctx.defer(restore)


# -- physical steps with their undo -----------------------------------------------------------


async def plug_in(ctx: CaseContext, connector: int = CONNECTOR, *, halfway: bool = False) -> float:
    """[EV driver plugs in the cable] (or only halfway, a lock failure); the clean-up
    unplugs it if the case did not."""
    t0 = time.monotonic()
    verb = ctx.operator.plug_in_halfway if halfway else ctx.operator.plug_in
    await verb(evse_id=connector, connector_id=connector)
    plugged = _PLUGGED.setdefault(ctx, set())
    if connector not in plugged:
        plugged.add(connector)

        async def undo() -> None:
            if connector in _PLUGGED.get(ctx, set()):
                await unplug(ctx, await ctx.station(), connector)

        ctx.defer(undo)
    return t0


async def unplug(ctx: CaseContext, s: Session, connector: int = CONNECTOR) -> Incoming:
    """[EV driver unplugs the cable]: the connector is reported Available again."""
    t0 = time.monotonic()
    await ctx.operator.unplug(evse_id=connector, connector_id=connector)
    _PLUGGED.get(ctx, set()).discard(connector)
    return await s.expect(
        "StatusNotification",
        {"connectorId": connector, "status": "Available"},
        predicate=after(t0),
        why="the cable was unplugged, so the connector is free again",
    )


async def unplug_unobserved(ctx: CaseContext, connector: int = CONNECTOR) -> None:
    """[EV driver unplugs the cable] while nothing can be observed (offline)."""
    await ctx.operator.unplug(evse_id=connector, connector_id=connector)
    _PLUGGED.get(ctx, set()).discard(connector)


async def present(ctx: CaseContext, id_tag: str, connector: int | None = None) -> float:
    """[EV driver presents identification]."""
    t0 = time.monotonic()
    # 1.6 has connectors only: the profile's `evses` entries are connectors, so evse_id is
    # the connectorId of the reader (None: a reader for the whole charge point).
    await ctx.operator.present_id_token(id_token=id_tag, evse_id=connector)
    return t0


# -- reusable states ----------------------------------------------------------------------------


async def authorized(ctx: CaseContext, s: Session, id_tag: str | None = None) -> Incoming:
    """Authorized: an idTag is presented and the charge point asks with Authorize.req."""
    id_tag = id_tag or valid_id_tag(ctx)
    t0 = await present(ctx, id_tag)
    auth = await s.expect(
        "Authorize", predicate=after(t0), why="an idTag was presented at the reader"
    )
    ctx.check(
        auth.payload.get("idTag") == id_tag,
        f"Authorize.req carries idTag {auth.payload.get('idTag')!r}, expected {id_tag!r}",
        frame=auth.text,
    )
    return auth


@dataclass
class Started:
    """A transaction the case saw start: its StartTransaction.req and the id we gave it."""

    start: Incoming
    transaction_id: int
    connector: int
    id_tag: str


async def transaction_started(
    ctx: CaseContext,
    s: Session,
    *,
    connector: int = CONNECTOR,
    id_tag: str | None = None,
    since: float = 0.0,
) -> Started:
    """StartTransaction.req for `connector` and `id_tag`, and the connector then Charging
    (the two may come in either order); the clean-up stops the transaction if the case
    leaves it running."""
    id_tag = id_tag or valid_id_tag(ctx)
    start = await s.expect(
        "StartTransaction",
        predicate=after(since),
        why="the cable is in and the idTag is authorized, so the transaction starts",
    )
    p = start.payload
    ctx.check(
        p.get("connectorId") == connector,
        f"StartTransaction.req connectorId is {p.get('connectorId')!r}, expected {connector}",
        frame=start.text,
    )
    ctx.check(
        p.get("idTag") == id_tag,
        f"StartTransaction.req idTag is {p.get('idTag')!r}, expected {id_tag!r}",
        frame=start.text,
    )
    tx_id = response_of(start).get("transactionId")
    ctx.require(isinstance(tx_id, int), "the StartTransaction.req was not answered")
    assert isinstance(tx_id, int)
    started = Started(start, tx_id, connector, id_tag)
    ctx.defer(lambda: stop_if_running(ctx, started))
    return started


async def charging(
    ctx: CaseContext,
    s: Session,
    *,
    connector: int = CONNECTOR,
    since: float = 0.0,
    id_tag: str | None = None,
) -> Started:
    """The transaction has started and the connector is reported Charging."""
    started = await transaction_started(ctx, s, connector=connector, id_tag=id_tag, since=since)
    await status(ctx, s, "Charging", connector=connector, since=since)
    return started


async def charging_session(ctx: CaseContext, s: Session, connector: int = CONNECTOR) -> Started:
    """Reusable state Charging: plug in (Preparing), present a valid idTag (Authorize),
    StartTransaction and Charging."""
    t0 = await plug_in(ctx, connector)
    await status(ctx, s, "Preparing", connector=connector, since=t0, why="the cable is in")
    await authorized(ctx, s)
    return await charging(ctx, s, connector=connector, since=t0)


def stopped(s: Session, started: Started) -> Incoming | None:
    for m in s.received("StopTransaction"):
        if m.payload.get("transactionId") == started.transaction_id:
            return m
    return None


async def stop_if_running(ctx: CaseContext, started: Started) -> None:
    """Clean-up: a transaction the case left running is stopped remotely."""
    s = await ctx.station()
    if any(stopped(x, started) for x in {s, started.start.session}):
        return
    t0 = time.monotonic()
    answer = await s.call("RemoteStopTransaction", {"transactionId": started.transaction_id})
    if answer.get("status") == "Accepted":
        await s.expect(
            "StopTransaction",
            {"transactionId": started.transaction_id},
            predicate=after(t0),
            why="clean-up: the transaction the case left running is stopped",
        )


async def transaction_stopped(
    ctx: CaseContext,
    s: Session,
    started: Started,
    *,
    reason: str,
    since: float = 0.0,
    id_tag: str | None = None,
) -> Incoming:
    """StopTransaction.req of `started`: its transactionId (the one the Central System gave)
    and the stop `reason`."""
    msg = await s.expect(
        "StopTransaction",
        predicate=after(since),
        why=f"the transaction ends ({reason})",
    )
    p = msg.payload
    ctx.check(
        p.get("transactionId") == started.transaction_id,
        f"StopTransaction.req transactionId is {p.get('transactionId')!r}; it must be "
        f"{started.transaction_id}, the id the Central System gave in StartTransaction.conf",
        frame=msg.text,
    )
    ctx.check(
        p.get("reason", "Local") == reason,
        f"StopTransaction.req reason is {p.get('reason', 'Local (omitted)')!r}, expected {reason}",
        frame=msg.text,
    )
    if id_tag is not None:
        ctx.check(
            p.get("idTag") == id_tag,
            f"StopTransaction.req idTag is {p.get('idTag')!r}, expected {id_tag!r}",
            frame=msg.text,
        )
    meter_start = started.start.payload.get("meterStart")
    if isinstance(meter_start, int) and isinstance(p.get("meterStop"), int):
        ctx.check(
            p["meterStop"] >= meter_start,
            f"StopTransaction.req meterStop {p['meterStop']} is below the meterStart "
            f"{meter_start} of the transaction",
            frame=msg.text,
        )
    return msg


async def authorized_without_cable(ctx: CaseContext, s: Session) -> Incoming:
    """Reusable state Authorized with no cable yet: Authorize.req, then Preparing."""
    auth = await authorized(ctx, s)
    return await status(
        ctx, s, "Preparing", since=auth.received, why="an idTag was authorized (section 3.5)"
    )


async def timed_out(ctx: CaseContext, s: Session, preparing: Incoming) -> None:
    """[After the configured ConnectionTimeOut has expired] the connector is Available."""
    timeout = ctx.dut.pixit.ev_connection_timeout
    available = await status(
        ctx,
        s,
        "Available",
        since=preparing.received,
        timeout=timeout + ctx.timeouts.message,
        why=f"no cable came within ConnectionTimeOut ({timeout} s)",
    )
    waited = available.received - preparing.received
    ctx.check(
        waited >= timeout - TIMING_SLACK,
        f"the connector went back to Available {waited:.2f} s after Preparing; "
        f"ConnectionTimeOut is {timeout} s (section 9.1.8)",
        frame=available.text,
    )


async def fill_cache(ctx: CaseContext, s: Session) -> None:
    """Memory state: the valid idTag is in the authorization cache (an accepted Authorize
    whose connection then times out)."""
    await configure(ctx, s, "AuthorizationCacheEnabled", "true")
    await configure(ctx, s, "ConnectionTimeOut", str(ctx.dut.pixit.ev_connection_timeout))
    preparing = await authorized_without_cable(ctx, s)
    await timed_out(ctx, s, preparing)


# -- Local Authorization List (Local Auth List Management profile) -----------------------------


def list_entry(id_tag: str, status: str | None = "Accepted") -> dict[str, Any]:
    """A localAuthorizationList entry; status None removes the idTag (a Differential update)."""
    return (
        {"idTag": id_tag} if status is None else {"idTag": id_tag, "idTagInfo": {"status": status}}
    )


async def local_list_enabled(ctx: CaseContext, s: Session) -> None:
    """Configuration state "LocalAuthListEnabled is true"; the list the case leaves behind is
    emptied when it ends (a Full update without entries), so later cases start from no list."""
    await configure(ctx, s, "LocalAuthListEnabled", "true")

    async def empty() -> None:
        conn = await ctx.station()
        await conn.call("SendLocalList", {"listVersion": 1, "updateType": "Full"})

    ctx.defer(empty)


async def send_local_list(
    ctx: CaseContext,
    s: Session,
    version: int,
    update_type: str,
    entries: list[dict[str, Any]] | None = None,
    *,
    expect: str = "Accepted",
) -> str | None:
    """SendLocalList.req; SendLocalList.conf status must be `expect` (section 5.15)."""
    payload: dict[str, Any] = {"listVersion": version, "updateType": update_type}
    if entries is not None:
        payload["localAuthorizationList"] = entries
    answer = await s.call("SendLocalList", payload)
    status = answer.get("status")
    ctx.check(
        status == expect,
        f"SendLocalList.conf ({update_type}, listVersion {version}) status is {status!r}, "
        f"expected {expect}",
    )
    return str(status) if status is not None else None


async def local_list_version(ctx: CaseContext, s: Session, expect: int, why: str) -> int | None:
    """GetLocalListVersion.conf listVersion must be `expect` (section 5.10)."""
    answer = await s.call("GetLocalListVersion", {})
    version = answer.get("listVersion")
    ctx.check(
        version == expect,
        f"GetLocalListVersion.conf listVersion is {version!r}, expected {expect} ({why})",
    )
    return version if isinstance(version, int) else None


def accept_second_tag(ctx: CaseContext, s: Session, parent: str | None) -> None:
    """The mock Central System accepts <Configured Valid IdTag 2> (with `parent`), and gives
    the first valid idTag the same `parent`."""
    tags = {valid_id_tag(ctx), ctx.dut.pixit.valid_idtoken_idtoken2}
    base_start = s.defaults["StartTransaction"]

    def info(id_tag: str) -> dict[str, Any]:
        out: dict[str, Any] = {"status": "Accepted" if id_tag in tags else "Invalid"}
        if parent is not None and id_tag in tags:
            out["parentIdTag"] = parent
        return out

    def authorize(msg: Incoming) -> Mapping[str, Any]:
        return {"idTagInfo": info(str(msg.payload.get("idTag")))}

    def start(msg: Incoming) -> Mapping[str, Any]:
        answer = base_start(msg)
        assert isinstance(answer, Mapping)
        return {**answer, "idTagInfo": info(str(msg.payload.get("idTag")))}

    s.on("Authorize", authorize)
    s.on("StartTransaction", start)


# -- reservations (Reservation profile) --------------------------------------------------------

_RESERVATION_IDS = itertools.count(int(time.time()) % 100000 * 10)


def new_reservation_id() -> int:
    """A reservationId no earlier case of this run used."""
    return next(_RESERVATION_IDS)


def expiry_in(seconds: float) -> str:
    """An expiryDate `seconds` from now (UTC, RFC 3339)."""
    when = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=seconds)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def connector_unavailable(ctx: CaseContext, s: Session, connector: int) -> None:
    """Reusable state SetConnectorUnavailable (connectorId 0: SetChargePointUnavailable):
    ChangeAvailability Inoperative, the connector(s) reported Unavailable; the clean-up makes
    it Operative again."""
    t0 = time.monotonic()
    answer = await s.call("ChangeAvailability", {"connectorId": connector, "type": "Inoperative"})
    ctx.require(
        answer.get("status") == "Accepted",
        f"ChangeAvailability.conf (connectorId {connector}, Inoperative) is "
        f"{answer.get('status')!r}, so the scenario cannot be set up",
    )

    affected = [0, *connectors(ctx)] if connector == 0 else [connector]

    async def operative() -> None:
        conn = await ctx.station()
        t1 = time.monotonic()
        answer = await conn.call(
            "ChangeAvailability", {"connectorId": connector, "type": "Operative"}
        )
        if answer.get("status") != "Accepted":
            return
        # The connectors' reports of the change belong to this case: left unawaited, they
        # arrive during the next one and read as its status changes.
        for c in affected:
            await conn.expect(
                "StatusNotification",
                {"connectorId": c},
                predicate=after(t1),
                why=f"connector {c} was made Operative again (clean-up)",
            )

    ctx.defer(operative)
    for c in affected:
        await status(ctx, s, "Unavailable", connector=c, since=t0, why="it was made Inoperative")


async def unused_connectors_unavailable(ctx: CaseContext, s: Session) -> None:
    """Reusable state "SetConnectorUnavailable for all unused connectors"."""
    for c in connectors(ctx):
        if c != CONNECTOR:
            await connector_unavailable(ctx, s, c)


async def reserve(
    ctx: CaseContext,
    s: Session,
    *,
    connector: int = CONNECTOR,
    id_tag: str | None = None,
    parent_id_tag: str | None = None,
    expiry: float | None = None,
    expect: str = "Accepted",
) -> int:
    """ReserveNow.req; ReserveNow.conf status must be `expect`. An accepted reservation is
    cancelled when the case ends (if it is still there). Returns the reservationId."""
    reservation_id = new_reservation_id()
    payload: dict[str, Any] = {
        "connectorId": connector,
        "expiryDate": expiry_in(expiry if expiry is not None else ctx.dut.timeouts.case),
        "idTag": id_tag or valid_id_tag(ctx),
        "reservationId": reservation_id,
    }
    if parent_id_tag is not None:
        payload["parentIdTag"] = parent_id_tag
    answer = await s.call("ReserveNow", payload)
    got = answer.get("status")
    ctx.check(
        got == expect,
        f"ReserveNow.conf (connectorId {connector}) status is {got!r}, expected {expect}",
    )
    if got == "Accepted":

        async def cancel() -> None:
            conn = await ctx.station()
            await conn.call("CancelReservation", {"reservationId": reservation_id})

        ctx.defer(cancel)
    return reservation_id


async def reserved(
    ctx: CaseContext,
    s: Session,
    *,
    connector: int = CONNECTOR,
    id_tag: str | None = None,
    parent_id_tag: str | None = None,
    expiry: float | None = None,
) -> tuple[int, Incoming]:
    """Reusable state Reserved: ReserveNow Accepted and the connector reported Reserved
    (for connectorId 0: the connector the charge point keeps free, <Configured ConnectorId>
    when all others are unavailable)."""
    t0 = time.monotonic()
    reservation_id = await reserve(
        ctx, s, connector=connector, id_tag=id_tag, parent_id_tag=parent_id_tag, expiry=expiry
    )
    msg = await status(
        ctx,
        s,
        "Reserved",
        connector=connector or CONNECTOR,
        since=t0,
        why="the connector was reserved (section 5.13)",
    )
    return reservation_id, msg


def check_reservation_id(
    ctx: CaseContext, started: Started, reservation_id: int | None, why: str
) -> None:
    """StartTransaction.req reservationId: the reservation's, or absent (None)."""
    got = started.start.payload.get("reservationId")
    if reservation_id is None:
        ctx.check(
            got is None,
            f"StartTransaction.req carries reservationId {got!r}, but {why}",
            frame=started.start.text,
        )
    else:
        ctx.check(
            got == reservation_id,
            f"StartTransaction.req reservationId is {got!r}, expected {reservation_id} ({why})",
            frame=started.start.text,
        )
