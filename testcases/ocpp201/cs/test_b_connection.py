"""OCPP 2.0.1, DUT = charging station, functional block B (Provisioning): the connection to
the CSMS - offline periods (B04), reconnecting (Part 4 5.3), network connection profiles
(B09) and migrating to another one (B10, with a second endpoint of the mock CSMS; for a new
CSMS with a new CSMS root, B10 with M05, that endpoint presents a certificate signed by a
root the case installs first) - Core profile."""

from __future__ import annotations

import asyncio
import ssl
import time

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.security import TlsMaterial
from conformance.session import Session
from conformance.transport.server import OcppServer
from conformance.transport.tls import server_context
from testcases.ocpp201.cs import certificates as certs
from testcases.ocpp201.cs import states

# Reconnections are timed by the station's clock, ours by the moment the connection closed:
# allow for the scheduling jitter of two event loops, nothing more.
TIMING_SLACK = 0.05


# -- offline period (B04) -------------------------------------------------------------------------


async def _offline_status_change(ctx: CaseContext, longer: bool) -> Session:
    """B04 set-up and steps: OfflineThreshold and a reconnect back-off just above / below it;
    the CSMS closes the connection, the EV is connected meanwhile, and the station comes back
    when its back-off has passed. Returns the new connection."""
    s = await states.booted(ctx)
    threshold = ctx.dut.pixit.offline_threshold
    backoff = threshold + 2 if longer else threshold - 2
    await states.configure(ctx, s, "OCPPCommCtrlr", "OfflineThreshold", str(threshold))
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(backoff))
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffRandomRange", "0")
    n = ctx.connections()
    closed = time.monotonic()
    await s.close(1000, "the CSMS closes the connection (offline period)")
    await states.plug_in(ctx, s)
    s2 = await ctx.station(after=n, timeout=backoff + ctx.dut.timeouts.connect)
    offline = time.monotonic() - closed
    ctx.check(
        offline >= backoff - TIMING_SLACK,
        f"the station reconnected {offline:.2f} s after the connection was closed; "
        f"OCPPCommCtrlr.RetryBackOffWaitMinimum is {backoff} s (RetryBackOffRandomRange 0)",
    )
    return s2


@testcase("TC_B_51_CS", verbs=("plug_in", "unplug"))
async def test_offline_longer_than_threshold(ctx: CaseContext) -> None:
    """B04.FR.01: back online after an offline period longer than OfflineThreshold, the station
    reports the state of every connector (the one connected meanwhile as Occupied)."""
    s2 = await _offline_status_change(ctx, longer=True)
    seen = await states.connectors_reported(ctx, s2, requirement="B04.FR.01")
    status = seen[(states.EVSE, states.CONNECTOR)]
    ctx.check(
        status.payload.get("connectorStatus") == "Occupied",
        f"after the offline period EVSE {states.EVSE} connector {states.CONNECTOR} is "
        f"reported {status.payload.get('connectorStatus')!r}; the EV was connected meanwhile, "
        f"so it is Occupied",
        requirement="B04.FR.01",
        frame=status.text,
    )


@testcase("TC_B_52_CS", verbs=("plug_in", "unplug"))
async def test_offline_shorter_than_threshold(ctx: CaseContext) -> None:
    """B04.FR.02: back online after an offline period shorter than OfflineThreshold, the
    station reports the connectors whose state changed meanwhile: the one connected, Occupied."""
    s2 = await _offline_status_change(ctx, longer=False)
    await s2.expect(
        "StatusNotification",
        {"evseId": states.EVSE, "connectorId": states.CONNECTOR, "connectorStatus": "Occupied"},
        why="the EV was connected while the station was offline, so the connector's new state "
        "is owed after the reconnect (B04.FR.02)",
    )


@testcase("TC_B_57_CS")
async def test_reconnect_back_off(ctx: CaseContext) -> None:
    """Part 4 5.3 (Reconnecting): after the CSMS closes the connection the station reconnects
    no sooner than RetryBackOffWaitMinimum; when that attempt is refused it waits twice as
    long (RetryBackOffRepeatTimes 2, RetryBackOffRandomRange 0) before the next one."""
    assert ctx.csms is not None
    s = await states.booted(ctx)
    wait = ctx.dut.pixit.retry_backoff_wait_minimum
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffRepeatTimes", "2")
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffRandomRange", "0")
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(wait))
    deadline = wait + ctx.dut.timeouts.connect
    # Steps 1-3: closed by the CSMS, the station reconnects after the minimum back-off.
    n = ctx.connections()
    closed = time.monotonic()
    await s.close(1000, "the CSMS closes the connection")
    s = await ctx.station(after=n, timeout=deadline)
    waited = time.monotonic() - closed
    ctx.check(
        waited >= wait - TIMING_SLACK,
        f"the station reconnected {waited:.2f} s after the connection was closed; "
        f"RetryBackOffWaitMinimum is {wait} s",
        requirement="Part 4 5.3",
    )
    # Steps 4-8: closed again; the attempt after the minimum back-off is refused, the next
    # one comes after twice that wait.
    refused = ctx.csms.refuse_next_connection(ctx.dut.station_id)
    ctx.defer(lambda: _cancel(refused))
    n = ctx.connections()
    closed = time.monotonic()
    await s.close(1000, "the CSMS closes the connection")
    try:
        refused_at = await asyncio.wait_for(asyncio.shield(refused), deadline)
    except TimeoutError:
        raise ctx.fail(
            f"the station made no reconnection attempt within {deadline:g} s after the "
            f"connection was closed",
            requirement="Part 4 5.3",
        ) from None
    first = refused_at - closed
    ctx.check(
        first >= wait - TIMING_SLACK,
        f"the station tried to reconnect {first:.2f} s after the connection was closed; "
        f"RetryBackOffWaitMinimum is {wait} s",
        requirement="Part 4 5.3",
    )
    await ctx.station(after=n, timeout=2 * wait + ctx.dut.timeouts.connect)
    second = time.monotonic() - refused_at
    ctx.check(
        second >= 2 * wait - TIMING_SLACK,
        f"after the refused attempt the station tried again {second:.2f} s later; the "
        f"back-off doubles after a failed attempt, to {2 * wait} s",
        requirement="Part 4 5.3",
    )


async def _cancel(fut: asyncio.Future[float]) -> None:
    """Clean-up: an armed refusal the case did not use is withdrawn."""
    fut.cancel()


# -- network connection profile (B09) ---------------------------------------------------------


@testcase("TC_B_43_CS")
async def test_set_network_profile_rejected(ctx: CaseContext) -> None:
    """B09.FR.02: SetNetworkProfile for a configurationSlot the station does not have (999)
    is Rejected."""
    s = await states.booted(ctx)
    assert ctx.csms is not None
    timeout = await states.get_variable(ctx, s, "OCPPCommCtrlr", "MessageTimeout", "Default")
    result = await s.call(
        "SetNetworkProfile",
        {
            "configurationSlot": 999,
            "connectionData": {
                "messageTimeout": int(timeout.get("attributeValue") or 30),
                "ocppCsmsUrl": ctx.csms.url(),
                "ocppInterface": "Wired0",
                "ocppTransport": "JSON",
                "ocppVersion": "OCPP20",
                "securityProfile": ctx.dut.connection.security_profile,
            },
        },
    )
    ctx.check(
        result.get("status") == "Rejected",
        f"SetNetworkProfileResponse for configurationSlot 999 is {result.get('status')!r}, "
        f"expected Rejected",
        requirement="B09.FR.02",
    )


# -- migrating to another network connection profile (B09, B10) ------------------------------


async def _second_endpoint(
    ctx: CaseContext, *, accept: bool = True, ssl_context: ssl.SSLContext | None = None
) -> OcppServer:
    """The "other CSMS" of the migration cases: a second listener of the mock CSMS on its own
    port (with the main one's TLS set-up unless `ssl_context` is given), closed again when the
    case ends (after the station is back on the main one)."""
    assert ctx.csms is not None
    csms = ctx.csms
    context = ssl_context or csms.server.ssl_context
    endpoint = await csms.open_endpoint(ssl_context=context, accept=accept)

    async def close() -> None:
        await csms.close_endpoint(endpoint)

    ctx.defer(close)
    return endpoint


async def _migrate(ctx: CaseContext, s: Session, url: str) -> None:
    """Steps 1-6 of the migration cases: SetNetworkProfile of `url` into the configuration slot
    that is not in use (B09.FR.01), NetworkConfigurationPriority <that slot>,<the active one>,
    and a Reset OnIdle. Afterwards the old priority is restored and, if the station is not on
    the mock CSMS's main endpoint, it is reset once more so that it is (the stored profile
    itself stays in its slot, unused)."""
    assert ctx.csms is not None
    csms = ctx.csms
    priority = await states.get_variable(ctx, s, "OCPPCommCtrlr", "NetworkConfigurationPriority")
    old = str(priority.get("attributeValue") or "")
    in_use = [p.strip() for p in old.split(",") if p.strip()]
    ctx.require(
        bool(in_use) and all(p.isdigit() for p in in_use),
        f"OCPPCommCtrlr.NetworkConfigurationPriority is {old!r}; a list of configuration "
        f"slots is needed to pick the one that is not in use",
    )
    active = int(in_use[0])
    slot = next((int(p) for p in in_use[1:]), active + 1)
    timeout = await states.get_variable(ctx, s, "OCPPCommCtrlr", "MessageTimeout", "Default")
    result = await s.call(
        "SetNetworkProfile",
        {
            "configurationSlot": slot,
            "connectionData": {
                "messageTimeout": int(timeout.get("attributeValue") or 30),
                "ocppCsmsUrl": url,
                "ocppInterface": "Wired0",
                "ocppTransport": "JSON",
                "ocppVersion": "OCPP20",
                "securityProfile": ctx.dut.connection.security_profile,
            },
        },
    )
    ctx.require(
        result.get("status") == "Accepted",
        f"SetNetworkProfileResponse for configurationSlot {slot} ({url}) is "
        f"{result.get('status')!r}, expected Accepted",
        requirement="B09.FR.01",
    )
    main_url = csms.url()

    async def restore() -> None:
        conn = csms.current(ctx.dut.station_id)
        if conn is None:
            ctx.note("clean-up: the station is not connected; its network profile stays")
            return
        # Let the boot on the new endpoint finish its connector report first: a Reset that
        # meets a station still reporting its connectors after a reboot lost its answer now
        # and then in the reference station (see the session note).
        conn = await states.booted(ctx)
        await conn.call(
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "NetworkConfigurationPriority"},
                        "attributeValue": old,
                    }
                ]
            },
        )
        if csms.connected_via.get(ctx.dut.station_id) != main_url:
            n = ctx.connections()
            await conn.call("Reset", {"type": "Immediate"})
            await ctx.station(after=n)
            await states.booted(ctx)

    ctx.defer(restore)
    new_priority = f"{slot},{active}"
    answer = await s.call(
        "SetVariables",
        {
            "setVariableData": [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "NetworkConfigurationPriority"},
                    "attributeValue": new_priority,
                }
            ]
        },
    )
    status = (answer.get("setVariableResult") or [{}])[0].get("attributeStatus")
    ctx.require(
        status in ("Accepted", "RebootRequired"),
        f"SetVariablesResponse for NetworkConfigurationPriority {new_priority!r} is "
        f"{status!r}, expected Accepted or RebootRequired",
        requirement="B10.FR.01",
    )
    reset = await s.call("Reset", {"type": "OnIdle"})
    ctx.require(
        reset.get("status") == "Accepted",
        f"ResetResponse status is {reset.get('status')!r}, expected Accepted",
        requirement="B11.FR.01",
    )


def _attempts_since(endpoint: OcppServer, t0: float) -> list[float]:
    """When the station tried to connect to `endpoint` (refused) since `t0`."""
    return [r.at for r in endpoint.refusals if r.at >= t0]


async def _fallen_back(
    ctx: CaseContext, n: int, endpoint: OcppServer, t0: float, timeout: float, requirement: str
) -> Session:
    """The station's connection after the Reset, which must come in on the mock CSMS's main
    endpoint: the fall-back from the new profile, which it could not connect with."""
    assert ctx.csms is not None
    try:
        s = await ctx.csms.wait_for_station(ctx.dut.station_id, timeout, after=n)
    except TimeoutError:
        tried = len(_attempts_since(endpoint, t0))
        raise ctx.fail(
            f"the station did not fall back to {ctx.csms.url()}, the profile second in "
            f"NetworkConfigurationPriority, within {timeout:g} s; it tried the new profile's "
            f"URL {tried} time(s) meanwhile",
            requirement=requirement,
        ) from None
    via = ctx.csms.connected_via.get(ctx.dut.station_id)
    ctx.require(
        via == ctx.csms.url(),
        f"after the Reset the station connected to {via}, expected the fall-back to "
        f"{ctx.csms.url()}, the profile second in NetworkConfigurationPriority",
        requirement=requirement,
    )
    return s


@testcase("TC_B_45_CS")
async def test_migrate_network_profile_success(ctx: CaseContext) -> None:
    """B09.FR.01, B10.FR.01, B10.FR.04, B10.FR.06: a connection profile for another CSMS
    endpoint (same CSMS root) in the free slot, put first in NetworkConfigurationPriority;
    after the Reset the station connects to that endpoint and boots there."""
    assert ctx.csms is not None
    s = await states.booted(ctx)
    endpoint = await _second_endpoint(ctx)
    n = ctx.connections()
    await _migrate(ctx, s, endpoint.url())
    s2 = await ctx.station(after=n)
    via = ctx.csms.connected_via.get(ctx.dut.station_id)
    ctx.require(
        via == endpoint.url(),
        f"after the Reset the station connected to {via}, not to {endpoint.url()}, the "
        f"endpoint of the connection profile first in NetworkConfigurationPriority",
        requirement="B10.FR.01",
    )
    await s2.expect(
        "BootNotification",
        timeout=ctx.dut.timeouts.connect,
        why="the station rebooted after the Reset and connected to the new endpoint",
    )


@testcase("TC_B_46_CS")
async def test_migrate_network_profile_fallback(ctx: CaseContext) -> None:
    """B10.FR.03, B10.FR.04: the profile first in NetworkConfigurationPriority has a URL
    where no CSMS is (NetworkProfileConnectionAttempts 2): after the Reset the station tries it
    twice, then falls back to the next entry, the profile it was using, and boots there."""
    assert ctx.csms is not None
    s = await states.booted(ctx)
    attempts = 2
    await states.configure(
        ctx, s, "OCPPCommCtrlr", "NetworkProfileConnectionAttempts", str(attempts)
    )
    # A listener that serves no OCPP endpoint at this path: every attempt ends in HTTP 404.
    endpoint = await _second_endpoint(ctx, accept=False)
    invalid = f"{endpoint.scheme}://{endpoint.host}:{endpoint.port}/no-ocpp-endpoint-here"
    n = ctx.connections()
    t0 = time.monotonic()
    await _migrate(ctx, s, invalid)
    deadline = (attempts + 1) * ctx.dut.timeouts.connect
    s2 = await _fallen_back(ctx, n, endpoint, t0, deadline, "B10.FR.03")
    tried = _attempts_since(endpoint, t0)
    ctx.check(
        len(tried) == attempts,
        f"the station tried the invalid ocppCsmsUrl {len(tried)} time(s) before falling "
        f"back; NetworkProfileConnectionAttempts is {attempts}",
        requirement="B10.FR.03",
    )
    await s2.expect(
        "BootNotification",
        timeout=ctx.dut.timeouts.connect,
        why="the station rebooted after the Reset and fell back to the previous profile",
    )


@testcase("TC_B_49_CS")
async def test_migrate_network_profile_fallback_after_attempts(ctx: CaseContext) -> None:
    """B10.FR.07 (Part 4 5.3): the CSMS of the new profile does not accept the station
    (NetworkProfileConnectionAttempts 1, back-off RetryBackOffWaitMinimum without random part
    or doubling): after one refused attempt there the station waits the back-off and
    reconnects with the profile of its last successful connection."""
    assert ctx.csms is not None
    s = await states.booted(ctx)
    wait = ctx.dut.pixit.retry_backoff_wait_minimum
    await states.configure(ctx, s, "OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "1")
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffRepeatTimes", "0")
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffRandomRange", "0")
    await states.configure(ctx, s, "OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(wait))
    endpoint = await _second_endpoint(ctx, accept=False)
    n = ctx.connections()
    t0 = time.monotonic()
    await _migrate(ctx, s, endpoint.url())
    deadline = wait + 2 * ctx.dut.timeouts.connect
    s2 = await _fallen_back(ctx, n, endpoint, t0, deadline, "B10.FR.07")
    back = time.monotonic()
    tried = _attempts_since(endpoint, t0)
    ctx.check(
        len(tried) == 1,
        f"the station tried the new CSMS {len(tried)} time(s) before falling back; "
        f"NetworkProfileConnectionAttempts is 1",
        requirement="B10.FR.07",
    )
    if tried:
        waited = back - tried[-1]
        ctx.check(
            waited >= wait - TIMING_SLACK,
            f"the station reconnected {waited:.2f} s after the refused attempt; "
            f"RetryBackOffWaitMinimum is {wait} s (RetryBackOffRandomRange 0)",
            requirement="Part 4 5.3",
        )
    await s2.expect(
        "BootNotification",
        timeout=ctx.dut.timeouts.connect,
        why="the station rebooted after the Reset and fell back to the previous profile",
    )


# -- migrating to a new CSMS with a new CSMS root (B10 with M05) -------------------------------


async def _new_csms(
    ctx: CaseContext, s: Session, tls: TlsMaterial | None, new_root: certs.Ca, *, accept: bool
) -> OcppServer:
    """Memory state CertificateInstalled for <Configured new CSMS Root certificate 2>, and
    the new CSMS: a second endpoint whose server certificate is signed by that root (the leaf
    alone, so only a station that trusts the new root can connect there)."""
    if tls is None or tls.server is None:  # the decorator's security_profiles prevent this
        raise ctx.fail("the run has no TLS server certificate although the case needs TLS")
    work = certs.Workdir(ctx)
    leaf = work.server_cert(new_root, tls.server.cert, "new-csms")
    await certs.certificate_installed(ctx, s, certs.CSMS_ROOT, new_root)
    context = server_context(leaf, client_ca=tls.ca if tls.mutual else None)
    return await _second_endpoint(ctx, accept=accept, ssl_context=context)


@testcase("TC_B_47_CS", security_profiles=(2, 3))
async def test_migrate_new_root_fallback_after_attempts(
    ctx: CaseContext, tls: TlsMaterial | None
) -> None:
    """B10.FR.07, M05.FR.15/16 (prerequisite: AdditionalRootCertificateCheck true): a new CSMS
    root signed by the old one is installed and a connection profile for a new CSMS, whose
    certificate that root signed, is put first (NetworkProfileConnectionAttempts 1). The new
    CSMS completes the TLS handshake (the station used the new root) but does not accept the
    station; the station falls back to its previous profile, with the old root, and boots."""
    assert ctx.csms is not None
    s = await states.booted(ctx)
    await certs.require_additional_root_check(ctx, s, True)
    await states.configure(ctx, s, "OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "1")
    new_root = certs.new_ca("ocpp-conformance new CSMS root 2", signed_by=certs.run_ca(tls))
    endpoint = await _new_csms(ctx, s, tls, new_root, accept=False)
    n = ctx.connections()
    t0 = time.monotonic()
    await _migrate(ctx, s, endpoint.url())
    deadline = 3 * ctx.dut.timeouts.connect
    s2 = await _fallen_back(ctx, n, endpoint, t0, deadline, "B10.FR.07")
    tried = _attempts_since(endpoint, t0)
    ctx.check(
        bool(tried),
        "the station fell back without a completed TLS handshake with the new CSMS, whose "
        "certificate the newly installed CSMS root signed: it did not use the new root there",
        requirement="M05.FR.15",
    )
    ctx.check(
        len(tried) <= 1,
        f"the station tried the new CSMS {len(tried)} times before falling back; "
        f"NetworkProfileConnectionAttempts is 1",
        requirement="B10.FR.07",
    )
    await s2.expect(
        "BootNotification",
        timeout=ctx.dut.timeouts.connect,
        why="the station rebooted after the Reset and fell back to the previous profile "
        "and the old CSMS root (M05.FR.16)",
    )


@testcase("TC_B_50_CS", security_profiles=(2, 3))
async def test_migrate_new_root_new_csms(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """B09.FR.01, B10.FR.01/04, M05.FR.02: a new CSMS root is installed (with
    AdditionalRootCertificateCheck true, one signed by the old root), and a connection profile
    for a new CSMS whose certificate it signed is put first; after the Reset the station
    connects to the new CSMS, validating it with the new root, and boots there."""
    assert ctx.csms is not None
    s = await states.booted(ctx)
    new_root = await certs.new_csms_root(ctx, s, tls)
    endpoint = await _new_csms(ctx, s, tls, new_root, accept=True)
    n = ctx.connections()
    await _migrate(ctx, s, endpoint.url())

    async def give_back() -> None:  # before the migration is undone: the old root's key back
        await certs.give_back_run_ca(ctx, tls, new_root, reconnect=False)

    ctx.defer(give_back)
    s2 = await ctx.station(after=n)
    via = ctx.csms.connected_via.get(ctx.dut.station_id)
    ctx.require(
        via == endpoint.url(),
        f"after the Reset the station connected to {via}, not to the new CSMS at "
        f"{endpoint.url()} (first in NetworkConfigurationPriority), whose certificate is signed "
        f"by the newly installed CSMS root",
        requirement="B10.FR.01",
    )
    await s2.expect(
        "BootNotification",
        timeout=ctx.dut.timeouts.connect,
        why="the station rebooted after the Reset and connected to the new CSMS",
    )
