"""Reusable states of the OCPP 2.0.1 CSMS test cases, played by the harness's mock station.

Each function drives the station's side of one official reusable state (Booted, Authorized,
EVConnectedPreSession, EnergyTransferStarted, StopAuthorized, EVConnectedPostSession,
EVDisconnected, ParkingBayOccupied) and checks what the state requires of the CSMS's answers.
A case composes them step by step, in the order its scenario gives.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.roles.station import Transaction
from conformance.session import Incoming, Reject
from testcases.ocpp201.csms.truststore import TrustStore, is_ca, parse_pem


def valid_token(ctx: CaseContext) -> dict[str, str]:
    """<Configured valid_idtoken_idtoken> / <Configured valid_idtoken_type>."""
    p = ctx.dut.pixit
    return {"idToken": p.valid_idtoken_idtoken, "type": p.valid_idtoken_type}


def invalid_token(ctx: CaseContext) -> dict[str, str]:
    """<Configured invalid_idtoken_idtoken> / <Configured invalid_idtoken_type>."""
    p = ctx.dut.pixit
    return {"idToken": p.invalid_idtoken_idtoken, "type": p.invalid_idtoken_type}


def valid_token2(ctx: CaseContext) -> dict[str, str]:
    """<Configured valid_idtoken2_idtoken> / <Configured valid_idtoken2_type>."""
    p = ctx.dut.pixit
    return {"idToken": p.valid_idtoken2_idtoken, "type": p.valid_idtoken2_type}


def masterpass_token(ctx: CaseContext) -> dict[str, str]:
    """<Configured masterpass_idtoken_idtoken> / <Configured masterpass_idtoken_type>."""
    p = ctx.dut.pixit
    return {"idToken": p.masterpass_idtoken_idtoken, "type": p.masterpass_idtoken_type}


def blocked_token(ctx: CaseContext) -> dict[str, str]:
    """<Configured blocked_idtoken_idtoken>, of the configured valid idToken's type."""
    p = ctx.dut.pixit
    return {"idToken": p.blocked_idtoken_idtoken, "type": p.valid_idtoken_type}


def expired_token(ctx: CaseContext) -> dict[str, str]:
    """<Configured expired_idtoken_idtoken>, of the configured valid idToken's type."""
    p = ctx.dut.pixit
    return {"idToken": p.expired_idtoken_idtoken, "type": p.valid_idtoken_type}


def token_status(ctx: CaseContext, response: Mapping[str, Any], what: str) -> str | None:
    """idTokenInfo.status of a response; a missing idTokenInfo is a violation."""
    info = response.get("idTokenInfo")
    ctx.check(
        info is not None,
        f"{what}: idTokenInfo is missing, so the station cannot tell whether the idToken "
        f"is authorized (got {dict(response)})",
        requirement="E01.FR.12" if what.startswith("TransactionEvent") else None,
    )
    return None if info is None else str(info.get("status"))


async def booted(ctx: CaseContext, st: MockStation, *, reason: str = "PowerUp") -> dict[str, Any]:
    """Booted: BootNotification Accepted, then every connector's state (B01)."""
    boot = await st.boot(reason)
    ctx.require(
        boot.get("status") == "Accepted",
        f"BootNotificationResponse status is {boot.get('status')!r}, expected Accepted "
        f"for a registered station",
        requirement="B01.FR.02",
    )
    await st.report_all_connectors(notify_event=True)
    return boot


async def booted_station(ctx: CaseContext) -> MockStation:
    """A new mock station from the profile's pool, in state Booted."""
    st = await ctx.mock_station()
    await booted(ctx, st)
    return st


async def authorized(
    ctx: CaseContext,
    st: MockStation,
    tx: Transaction,
    *,
    ev_connected: bool = False,
    id_token: Mapping[str, Any] | None = None,
    authorize: bool = True,
) -> None:
    """Authorized: Authorize (Accepted), then TransactionEvent with triggerReason Authorized.

    The event is Started unless the EV was already connected (EVConnectedPreSession).
    """
    token = dict(id_token or valid_token(ctx))
    if authorize:
        res = await st.conn.call("Authorize", {"idToken": token})
        status = token_status(ctx, res, "AuthorizeResponse")
        ctx.check(
            status in (None, "Accepted"),
            f"AuthorizeResponse idTokenInfo.status is {status!r} for the configured valid "
            f"idToken {token['idToken']!r}, expected Accepted",
        )
    tx.id_token = token
    event = "Updated" if ev_connected else "Started"
    res = await st.transaction_event(tx, event, "Authorized", id_token=token)
    status = token_status(ctx, res, f"TransactionEventResponse to the {event} event")
    ctx.check(
        status in (None, "Accepted"),
        f"TransactionEventResponse idTokenInfo.status is {status!r} for the configured valid "
        f"idToken, expected Accepted",
    )


async def ev_connected_pre_session(
    ctx: CaseContext,
    st: MockStation,
    tx: Transaction,
    *,
    authorized: bool = False,
    meter_value: list[dict[str, Any]] | None = None,
) -> None:
    """EVConnectedPreSession: the connector is Occupied, TransactionEvent CablePluggedIn
    (with `meter_value`, e.g. the Transaction.Begin reading once the EVSE is known, J02)."""
    await st.connector_changed(tx.evse_id, tx.connector_id, "Occupied")
    event = "Updated" if authorized else "Started"
    await st.transaction_event(
        tx,
        event,
        "CablePluggedIn",
        charging_state="EVConnected",
        meter_value=meter_value,
        extra={"evse": {"id": tx.evse_id, "connectorId": tx.connector_id}},
    )


async def energy_transfer_started(
    ctx: CaseContext, st: MockStation, tx: Transaction, *, ev_connected: bool = True
) -> None:
    """EnergyTransferStarted: (cable plugged in if not yet), then chargingState Charging."""
    if not ev_connected:
        await ev_connected_pre_session(ctx, st, tx, authorized=True)
    await st.transaction_event(
        tx,
        "Updated",
        "ChargingStateChanged",
        charging_state="Charging",
        meter_value=[st.meter_value(0.0)],
    )


async def energy_transfer_session(
    ctx: CaseContext,
    st: MockStation,
    evse_id: int = 1,
    *,
    id_token: Mapping[str, Any] | None = None,
) -> Transaction:
    """Authorized (local, by `id_token`, default the configured valid one), then
    EnergyTransferStarted on `evse_id`: the usual charging state."""
    tx = st.new_transaction(evse_id, 1)
    await authorized(ctx, st, tx, id_token=id_token)
    await energy_transfer_started(ctx, st, tx, ev_connected=False)
    return tx


async def stop_authorized(
    ctx: CaseContext, st: MockStation, tx: Transaction, *, id_token: Mapping[str, Any] | None = None
) -> None:
    """StopAuthorized: TransactionEvent Updated, triggerReason StopAuthorized, idToken Accepted."""
    token = dict(id_token or tx.id_token or valid_token(ctx))
    res = await st.transaction_event(tx, "Updated", "StopAuthorized", id_token=token)
    status = token_status(ctx, res, "TransactionEventResponse to StopAuthorized")
    ctx.check(
        status in (None, "Accepted"),
        f"TransactionEventResponse idTokenInfo.status is {status!r} for the idToken that "
        f"started the transaction, expected Accepted",
    )


async def ev_connected_post_session(ctx: CaseContext, st: MockStation, tx: Transaction) -> None:
    """EVConnectedPostSession: energy transfer stopped, the EV is still connected."""
    await st.transaction_event(tx, "Updated", "ChargingStateChanged", charging_state="EVConnected")


async def ev_disconnected(
    ctx: CaseContext,
    st: MockStation,
    tx: Transaction,
    *,
    connector_status: str = "Available",
    meter_value: list[dict[str, Any]] | None = None,
) -> None:
    """EVDisconnected: connector Available, TransactionEvent Ended (EVDisconnected).

    `connector_status` Unavailable: a change to Inoperative was Scheduled during the
    transaction, so the freed connector becomes Unavailable instead (G03.FR.05, G04.FR.05).
    `meter_value`: the readings the Ended event carries (TxEnded data, J01/J02).
    """
    await st.connector_changed(tx.evse_id, tx.connector_id, connector_status)
    await st.transaction_event(
        tx,
        "Ended",
        "EVCommunicationLost",
        charging_state="Idle",
        stopped_reason="EVDisconnected",
        meter_value=meter_value,
    )


async def csms_request(
    ctx: CaseContext, st: MockStation, action: str, *, why: str = ""
) -> Incoming:
    """The CSMS's next `action` request, within the operator deadline plus a response time."""
    timeout = ctx.dut.timeouts.operator + ctx.timeouts.message
    return await st.conn.expect(action, timeout=timeout, why=why or "the operator asked for it")


async def operator_request(
    ctx: CaseContext, st: MockStation, action: str, verb: str, **args: Any
) -> Incoming:
    """Hold `action`, ask the CSMS operator for `verb`, and return the CSMS's request.

    The station answers only after the case has looked at the request (`reply`/`reply_default`).
    """
    st.conn.hold(action)
    await ctx.operator.do(verb, station_id=st.station_id, **args)
    return await csms_request(ctx, st, action)


async def reply_default(st: MockStation, msg: Incoming) -> None:
    """Answer a held request as the mock station would by default (a correct station)."""
    result = st.conn.defaults[msg.action](msg)
    if inspect.isawaitable(result):
        result = await result
    if isinstance(result, Reject):
        await msg.reply_error(result.code, result.description)
    else:
        await msg.reply(result)


async def authorize(ctx: CaseContext, st: MockStation, token: Mapping[str, Any]) -> str | None:
    """An AuthorizeRequest for `token`; returns idTokenInfo.status (None when missing)."""
    res = await st.conn.call("Authorize", {"idToken": dict(token)})
    return token_status(ctx, res, "AuthorizeResponse")


async def parking_bay_occupied(ctx: CaseContext, st: MockStation, tx: Transaction) -> None:
    """ParkingBayOccupied: the bay detector sees an EV (TxStartPoint ParkingBayOccupancy), so the
    transaction starts with TransactionEvent Started, triggerReason EVDetected."""
    await st.transaction_event(tx, "Started", "EVDetected")


async def unavailable(
    ctx: CaseContext, st: MockStation, evse_id: int, connector_id: int | None = None
) -> None:
    """Unavailable: every connector of the EVSE (or just `connector_id`) reports Unavailable,
    with StatusNotification and the NotifyEvent AvailabilityState that goes with it."""
    connectors = [connector_id] if connector_id else range(1, st.model.evses[evse_id] + 1)
    for c in connectors:
        await st.connector_changed(evse_id, c, "Unavailable")


async def install_certificate_request(
    ctx: CaseContext, st: MockStation, certificate_type: str
) -> tuple[Incoming, Any]:
    """The operator has the CSMS install a `certificate_type` root; check the
    InstallCertificateRequest: that type, and a PEM-encoded X.509 CA certificate (M05).
    Returns the request (not yet answered) and the certificate (None if unreadable)."""
    msg = await operator_request(
        ctx, st, "InstallCertificate", "install_certificate", certificate_type=certificate_type
    )
    ctx.check(
        msg.payload.get("certificateType") == certificate_type,
        f"InstallCertificateRequest certificateType is {msg.payload.get('certificateType')!r}, "
        f"but the operator installed a {certificate_type}",
        requirement="M05.FR.01",
    )
    cert = parse_pem(str(msg.payload.get("certificate", "")))
    ctx.check(
        cert is not None,
        "InstallCertificateRequest certificate is not a PEM-encoded X.509 certificate",
        requirement="M05.FR.01",
    )
    if cert is not None:
        ctx.check(
            is_ca(cert),
            f"InstallCertificateRequest installs {cert.subject.rfc4514_string()!r} as a "
            f"{certificate_type}, but it is no CA certificate (basicConstraints CA is not set)",
        )
    return msg, cert


async def certificate_installed(
    ctx: CaseContext, st: MockStation, store: TrustStore, certificate_type: str
) -> None:
    """CertificateInstalled (CSMS side): the CSMS installs a `certificate_type` root on the
    station, which stores it and answers Accepted."""
    msg, cert = await install_certificate_request(ctx, st, certificate_type)
    if cert is not None:
        store.add(certificate_type, cert)
    await msg.reply({"status": "Accepted"})


def check_installed_ids_request(
    ctx: CaseContext, msg: Incoming, types: list[str] | None, *, or_omitted: bool = False
) -> None:
    """GetInstalledCertificateIdsRequest asks for exactly `types` (None: certificateType
    omitted, i.e. every certificate). `or_omitted`: it may also ask for more types than
    `types`, or for all of them by omitting certificateType."""
    got = msg.payload.get("certificateType")
    if types is None:
        ctx.check(
            got is None,
            f"GetInstalledCertificateIdsRequest certificateType is {got}; it must be omitted "
            f"to retrieve the certificates of every type",
            requirement="M03.FR.01",
        )
    elif or_omitted:
        ctx.check(
            got is None or all(t in got for t in types),
            f"GetInstalledCertificateIdsRequest certificateType is {got}; it must contain "
            f"{' and '.join(types)} or be omitted",
            requirement="M03.FR.01",
        )
    else:
        ctx.check(
            sorted(got or []) == sorted(types),
            f"GetInstalledCertificateIdsRequest certificateType is {got}, expected {types}",
            requirement="M03.FR.01",
        )


async def answer_installed_ids(
    msg: Incoming, store: TrustStore, types: list[str] | None, algorithm: str = "SHA256"
) -> list[dict[str, Any]]:
    """Answer as the station: Accepted with the hash data of its certificates of `types`, or
    NotFound without certificateHashDataChain when it has none (M03.FR.02)."""
    chain = store.chain(types, algorithm)
    if chain:
        await msg.reply({"status": "Accepted", "certificateHashDataChain": chain})
    else:
        await msg.reply({"status": "NotFound"})
    return chain


async def get_installed_certificates(
    ctx: CaseContext, st: MockStation, store: TrustStore, types: list[str] | None
) -> list[dict[str, Any]]:
    """GetInstalledCertificates (CSMS side): the operator has the CSMS ask for the station's
    certificates of `types` (None: all); the station reports them (M03)."""
    msg = await operator_request(
        ctx,
        st,
        "GetInstalledCertificateIds",
        "get_installed_certificate_ids",
        certificate_types=types,
    )
    check_installed_ids_request(ctx, msg, types)
    return await answer_installed_ids(msg, store, types)


async def still_serving(ctx: CaseContext, st: MockStation, after: str) -> None:
    """After a refusal the CSMS keeps serving the station: the connection is open and a
    Heartbeat is answered with the CSMS's time."""
    ctx.require(
        not st.conn.closed.is_set(),
        f"the CSMS closed the connection (code {st.conn.close_code}) after {after}",
    )
    res = await st.conn.call("Heartbeat", {})
    ctx.check("currentTime" in res, f"HeartbeatResponse after {after} has no currentTime: {res}")
