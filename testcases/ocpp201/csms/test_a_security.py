"""OCPP 2.0.1, DUT = CSMS, functional block A (Security): A00 (security profiles 1-3),
A01 (a new basic-auth password), A02 (a renewed station certificate).

The mock station connects the way the profile's security profile prescribes (basic auth over
ws:// for 1, over wss:// for 2, mutual TLS for 3) and then deliberately gets it wrong (another
user name, a wrong password, TLS 1.1, a client certificate from a foreign CA or an expired
one) to check that the CSMS refuses what it must. The wrong-password case sends a made-up
password; passwords the CSMS is asked to set are chosen by the case and redacted from every
trace before they are on the wire.
"""

from __future__ import annotations

import secrets
import shutil
import ssl
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import websockets
from cryptography.hazmat.primitives.asymmetric import ec

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.security import TlsMaterial
from conformance.session import Incoming
from conformance.transport.tls import (
    OCPP_CIPHERS_TLS12,
    CertFiles,
    chain_problem,
    client_context,
    key_size_ok,
    make_csr,
    write_key_pair,
)
from conformance.transport.tls_probe import handshake_only
from conformance.verdict import CaseFailed, NotApplicable
from testcases.ocpp201.csms import states

BASIC_AUTH = (1, 2)
TLS = (2, 3)
MUTUAL_TLS = (3,)
# A00.FR.318: the suites a CSMS must support, per key type of its certificate (OpenSSL names).
REQUIRED_SUITES = {
    "EC": ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"),
    "RSA": ("AES128-GCM-SHA256", "AES256-GCM-SHA384"),
}
ACCEPTED_TLS12_SUITES = frozenset(OCPP_CIPHERS_TLS12.split(":")) | set(REQUIRED_SUITES["RSA"])


def _need_tls(ctx: CaseContext, tls: TlsMaterial | None) -> TlsMaterial:
    if tls is None:  # the decorator's security_profiles keep this from happening
        raise ctx.fail("the run has no TLS material although the security profile needs TLS")
    return tls


def _endpoint(ctx: CaseContext, st: MockStation) -> tuple[str, int]:
    url = urlsplit(st.csms_url)
    port = url.port or (443 if url.scheme == "wss" else 80)
    return url.hostname or "127.0.0.1", port


def _made_up_password(ctx: CaseContext) -> str:
    """A syntactically valid password (A00.FR.204) that is certainly not the station's."""
    real = ctx.dut.connection.password or ""
    while True:
        candidate = "Wrong" + secrets.token_hex(8)
        if candidate != real:
            return candidate


async def _refused(
    ctx: CaseContext, what: str, requirement: str, st: MockStation | None = None, **station: Any
) -> int | None:
    """Connect a mock station (`st`, or a new one with `station` options) that does `what`
    wrong; the CSMS must not open the WebSocket.

    Returns the HTTP status of the refusal (None when the TLS handshake was refused)."""
    if st is None:
        st = await ctx.mock_station(connect=False, **station)
    try:
        await st.connect()
    except websockets.exceptions.InvalidStatus as exc:
        status = exc.response.status_code
        ctx.note(f"{what}: the CSMS refused the connection with HTTP {status}")
        return status
    except (websockets.exceptions.InvalidHandshake, OSError, TimeoutError) as exc:
        ctx.note(f"{what}: the CSMS refused the connection ({type(exc).__name__}: {exc})")
        return None
    await st.close()
    raise ctx.fail(
        f"the CSMS accepted a WebSocket connection from a station that {what}; it must refuse it",
        requirement=requirement,
    )


def _check_basic_auth_refusal(ctx: CaseContext, status: int | None, what: str) -> None:
    ctx.warn(
        status in (None, 401),
        f"the CSMS refused the station that {what} with HTTP {status}; "
        f"401 Unauthorized is the answer HTTP Basic authentication prescribes (RFC 7617)",
    )


def _check_password_policy(ctx: CaseContext) -> None:
    """The tool-side check of A00.FR.204: the configured password is 16-40 characters."""
    password = ctx.dut.connection.password or ""
    ctx.require(
        16 <= len(password) <= 40,
        f"the configured basic-auth password has {len(password)} characters; OCPP 2.0.1 "
        f"needs 16 to 40 (fix connection.password in the DUT profile)",
        requirement="A00.FR.204",
    )


@testcase("TC_A_01_CSMS", security_profiles=BASIC_AUTH)
async def test_basic_auth_valid(ctx: CaseContext) -> None:
    """A00.FR.202/203, B01: a station with the right user name (its id) and password is let in
    and its BootNotification is Accepted."""
    _check_password_policy(ctx)
    await states.booted_station(ctx)


@testcase("TC_A_02_CSMS", security_profiles=BASIC_AUTH)
async def test_basic_auth_username_not_station_id(ctx: CaseContext) -> None:
    """A00.FR.203, A00.FR.205: the user name must equal the station id in the URL; a CSMS
    refuses a connection whose credentials name another station."""
    _check_password_policy(ctx)
    st = await ctx.mock_station(connect=False)
    # Another station id of the pool (same password in the profile): a CSMS that looks the
    # password up by user name and ignores the URL would let this station in.
    others = [i for i in ctx.dut.connection.station_ids if i != st.station_id]
    st.username = others[0] if others else st.station_id + "-OTHER"
    what = f"authenticates as user {st.username!r} on the URL of station {st.station_id!r}"
    status = await _refused(ctx, what, "A00.FR.203", st)
    _check_basic_auth_refusal(ctx, status, what)


@testcase("TC_A_03_CSMS", security_profiles=BASIC_AUTH)
async def test_basic_auth_invalid_password(ctx: CaseContext) -> None:
    """A00.FR.202, A00.FR.205: a wrong password is refused (HTTP 401), no WebSocket."""
    what = "presents a wrong basic-auth password"
    status = await _refused(ctx, what, "A00.FR.205", password=_made_up_password(ctx))
    _check_basic_auth_refusal(ctx, status, what)


@testcase("TC_A_04_CSMS", security_profiles=TLS)
async def test_tls_server_certificate_valid(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A00.FR.314-319, A00.FR.4xx: the CSMS speaks TLS 1.2 or newer, supports the required
    AES-GCM cipher suites, and its certificate (serial number, key size, commonName = the
    endpoint's host name) chains to the CA the station trusts; then the station boots."""
    material = _need_tls(ctx, tls)
    st = await ctx.mock_station()
    info = st.conn.info.tls
    ctx.note(f"TLS session: {info}")
    version = info.get("version", "")
    ctx.check(
        version in ("TLSv1.2", "TLSv1.3"),
        f"the CSMS negotiated {version or 'no TLS'}; OCPP needs TLS 1.2 or newer",
        requirement="A00.FR.314",
    )
    if version == "TLSv1.2":
        ctx.check(
            info.get("cipher") in ACCEPTED_TLS12_SUITES,
            f"the CSMS chose cipher suite {info.get('cipher')!r}, which is not one OCPP "
            f"allows for TLS 1.2 (A00.FR.318/319: AES-GCM)",
            requirement="A00.FR.318",
        )
    host, port = _endpoint(ctx, st)
    ctx.check(
        f"CN={host}" in info.get("peer_subject", "").split(","),
        f"the server certificate's subject is {info.get('peer_subject')!r}; its commonName "
        f"must be the CSMS host name {host!r}",
        requirement="A00.FR.412",
    )
    ctx.check(bool(info.get("peer_serial")), "the server certificate has no serial number")
    key = info.get("peer_key", "")
    ctx.check(
        key_size_ok(key),
        f"the server certificate's key is {key!r}; OCPP needs RSA of at least 2048 bits or "
        f"an elliptic curve of at least 224 bits",
        requirement="A00.FR.413",
    )
    kind = "EC" if key.startswith("EC") else "RSA"
    cert = material.client_for(st.station_id) if material.mutual else None
    for suite in REQUIRED_SUITES[kind]:
        probe = _tls12_only(material, cert, suite)
        try:
            await handshake_only(host, port, probe, timeout=ctx.timeouts.response)
        except (ssl.SSLError, OSError, TimeoutError) as exc:
            ctx.check(
                False,
                f"a TLS 1.2 handshake offering only {suite} failed "
                f"({type(exc).__name__}: {exc}); the CSMS must support it",
                requirement="A00.FR.318",
            )
    await states.booted(ctx, st)


def _tls12_only(material: TlsMaterial, cert: CertFiles | None, suite: str) -> ssl.SSLContext:
    probe = client_context(
        material.ca,
        cert=cert,
        minimum=ssl.TLSVersion.TLSv1_2,
        maximum=ssl.TLSVersion.TLSv1_2,
    )
    probe.set_ciphers(suite)
    return probe


@testcase("TC_A_06_CSMS", security_profiles=TLS)
async def test_tls_version_too_low(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A00.FR.314, A00.FR.315, A00.FR.416: a station that offers only TLS 1.1 is refused;
    one that offers TLS 1.2 or newer then connects and boots."""
    material = _need_tls(ctx, tls)
    st = await ctx.mock_station(connect=False)
    host, port = _endpoint(ctx, st)
    cert = material.client_for(st.station_id) if material.mutual else None
    old = client_context(
        material.ca, cert=cert, minimum=ssl.TLSVersion.TLSv1_1, maximum=ssl.TLSVersion.TLSv1_1
    )
    try:
        summary = await handshake_only(host, port, old, timeout=ctx.timeouts.response)
    except (ssl.SSLError, OSError, TimeoutError) as exc:
        ctx.note(f"TLS 1.1 handshake refused: {type(exc).__name__}: {exc}")
    else:
        ctx.check(
            False,
            f"the CSMS completed a TLS handshake with a station offering only TLS 1.1 "
            f"({summary.get('version')}, {summary.get('cipher')}); it must terminate it",
            requirement="A00.FR.315",
        )
    try:
        await st.connect()
    except Exception as exc:
        raise ctx.fail(f"the station could not connect with TLS 1.2 or newer: {exc}") from None
    await states.booted(ctx, st)


@testcase("TC_A_07_CSMS", security_profiles=MUTUAL_TLS)
async def test_tls_client_certificate_valid(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A00.FR.409/410/415: the CSMS accepts a station presenting a valid client certificate
    (its id as commonName, chaining to the CSMS's CA) and the station boots."""
    material = _need_tls(ctx, tls)
    st = await ctx.mock_station()
    cert = material.client_for(st.station_id)
    ctx.note(f"client certificate presented: {cert.cert.name if cert else None}")
    await states.booted(ctx, st)


@testcase("TC_A_08_CSMS", security_profiles=MUTUAL_TLS)
async def test_tls_client_certificate_invalid(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A00.FR.412-414 (CSMS side): a client certificate the CSMS cannot trust (from a foreign
    CA, expired) or none at all ends the connection before any OCPP message."""
    material = _need_tls(ctx, tls)
    for what, cert in material.invalid_client_certs().items():
        await _refused(
            ctx,
            f"presents a client certificate {what}",
            "A00.FR.412",
            ssl_context=client_context(material.ca, cert=cert),
        )
    await _refused(
        ctx,
        "presents no client certificate at all",
        "A00.FR.412",
        ssl_context=client_context(material.ca),
    )


# -- A01: update the basic-auth password (profiles 1, 2) --------------------------------------

PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-_=:+|@."
)


def _new_password(ctx: CaseContext) -> str:
    """The password the operator is asked to set: valid (A00.FR.204), and registered as a
    secret before it is on the wire, so no trace or report ever shows it."""
    value = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(24))
    ctx.recorder.add_secret(value)
    return value


async def _password_request(
    ctx: CaseContext, st: MockStation, password: str
) -> tuple[Incoming, str]:
    """Ask the CSMS operator to set `password`; the CSMS's SetVariablesRequest (held) and
    the password it carries (the one the CSMS will expect if the station accepts it)."""
    msg = await states.operator_request(
        ctx, st, "SetVariables", "update_basic_auth_password", password=password
    )
    items = msg.payload.get("setVariableData", [])
    item = next(
        (
            i
            for i in items
            if i.get("component", {}).get("name") == "SecurityCtrlr"
            and i.get("variable", {}).get("name") == "BasicAuthPassword"
        ),
        None,
    )
    if item is None:
        await states.reply_default(st, msg)
        raise ctx.fail(
            "the CSMS's SetVariablesRequest does not set SecurityCtrlr.BasicAuthPassword",
            requirement="A01.FR.01",
        )
    value = str(item.get("attributeValue", ""))
    ctx.recorder.add_secret(value)
    ctx.check(
        16 <= len(value) <= 40 and all(ch in PASSWORD_CHARS for ch in value),
        f"the new BasicAuthPassword has {len(value)} characters (or characters outside "
        f"passwordString); OCPP 2.0.1 needs 16 to 40 passwordString characters",
        requirement="A00.FR.204",
    )
    ctx.check(
        "attributeType" not in item or item["attributeType"] == "Actual",
        f"BasicAuthPassword set with attributeType {item.get('attributeType')!r}",
    )
    return msg, value


async def _answer_password(msg: Incoming, status: str) -> None:
    await msg.reply(
        {
            "setVariableResult": [
                {
                    "attributeStatus": status,
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "BasicAuthPassword"},
                }
            ]
        }
    )


async def _reconnect(ctx: CaseContext, st: MockStation, password: str, why: str) -> MockStation:
    """The station drops its connection and connects again with `password`; the CSMS must
    let it in and accept its boot."""
    await st.close()
    again = await ctx.mock_station(connect=False, station_id=st.station_id, password=password)
    try:
        await again.connect()
    except Exception as exc:
        raise ctx.fail(f"the CSMS refused the station's reconnection {why}: {exc}") from None
    await states.booted(ctx, again)
    return again


def _restore_password(ctx: CaseContext, station_id: str, current: list[str]) -> None:
    """Afterwards, give the pool's station id its configured password back (the CSMS has
    `current[0]` on record then)."""
    original = ctx.dut.connection.password or ""

    async def restore() -> None:
        if current[0] == original:
            return
        st = await ctx.mock_station(connect=False, station_id=station_id, password=current[0])
        try:
            await st.connect()
        except Exception:  # the CSMS did not take the new one: it has the configured one
            return
        await states.booted(ctx, st)
        msg = await states.operator_request(
            ctx, st, "SetVariables", "update_basic_auth_password", password=original
        )
        await _answer_password(msg, "Accepted")
        await _reconnect(ctx, st, original, "with its configured password")

    ctx.defer(restore)


@testcase("TC_A_09_CSMS", verbs=("update_basic_auth_password",), security_profiles=BASIC_AUTH)
async def test_update_password_accepted(ctx: CaseContext) -> None:
    """A01.FR.01, A00.FR.204: the CSMS sends a valid new BasicAuthPassword with SetVariables;
    once the station accepted it, the CSMS lets the station in with the new password."""
    st = await states.booted_station(ctx)
    msg, new = await _password_request(ctx, st, _new_password(ctx))
    current = [ctx.dut.connection.password or ""]
    _restore_password(ctx, st.station_id, current)
    await _answer_password(msg, "Accepted")
    current[0] = new
    await _reconnect(ctx, st, new, "with the new password it accepted")


@testcase("TC_A_10_CSMS", verbs=("update_basic_auth_password",), security_profiles=BASIC_AUTH)
async def test_update_password_rejected(ctx: CaseContext) -> None:
    """A01: when the station rejects the new BasicAuthPassword, the CSMS keeps the old one:
    the station reconnects with its configured password and is let in."""
    st = await states.booted_station(ctx)
    msg, new = await _password_request(ctx, st, _new_password(ctx))
    original = ctx.dut.connection.password or ""
    await _answer_password(msg, "Rejected")
    try:
        await _reconnect(ctx, st, original, "with its old password after rejecting the new one")
    except CaseFailed:
        _restore_password(ctx, st.station_id, [new])  # the CSMS took the rejected one
        raise


# -- A02: renew the station's certificate on the CSMS's request (profile 3) -----------------


async def _renewal(ctx: CaseContext, tls: TlsMaterial | None, answer: str) -> None:
    """TriggerMessage SignChargingStationCertificate from the CSMS operator; the station's
    SignCertificateRequest (a fresh key, CN = its id) must be Accepted and answered with a
    CertificateSignedRequest for exactly that key, chaining to the CA the station trusts;
    the station answers it with `answer`. Then, when Accepted, the station reconnects with
    the new certificate and the CSMS must let it in."""
    material = _need_tls(ctx, tls)
    if material.ca is None:
        raise NotApplicable(
            "checking the signed certificate chain needs the CA the CSMS signs with: set "
            "connection.ca_cert in the DUT profile"
        )
    ca = material.ca
    st = await states.booted_station(ctx)
    msg = await states.operator_request(
        ctx,
        st,
        "TriggerMessage",
        "trigger_message",
        requested_message="SignChargingStationCertificate",
    )
    requested = msg.payload.get("requestedMessage")
    await msg.reply({"status": "Accepted"})
    ctx.require(
        requested == "SignChargingStationCertificate",
        f"the CSMS's TriggerMessageRequest asks for {requested!r}, expected "
        f"SignChargingStationCertificate",
        requirement="A02.FR.01",
    )
    organization = ctx.dut.vendor or "ocpp-conformance"
    csr, key = make_csr(st.station_id, organization)
    st.conn.hold("CertificateSigned")
    res = await st.conn.call(
        "SignCertificate", {"csr": csr, "certificateType": "ChargingStationCertificate"}
    )
    ctx.require(
        res.get("status") == "Accepted",
        f"SignCertificateResponse status is {res.get('status')!r} for a valid CSR of the "
        f"station, expected Accepted",
        requirement="A02.FR.04",
    )
    signed = await states.csms_request(
        ctx, st, "CertificateSigned", why="the CSMS had the CSR signed"
    )
    chain = str(signed.payload.get("certificateChain", ""))
    problem = chain_problem(chain, ca, public_key=key.public_key())
    kind = signed.payload.get("certificateType")
    await signed.reply({"status": answer})
    ctx.check(
        problem is None,
        f"the CertificateSignedRequest's certificateChain cannot be installed: {problem}",
        requirement="A02.FR.05",
    )
    ctx.check(
        kind in (None, "ChargingStationCertificate"),
        f"CertificateSignedRequest certificateType is {kind!r}, expected "
        f"ChargingStationCertificate (the type the CSR asked for)",
    )
    if answer != "Accepted" or problem is not None:
        return
    with tempfile.TemporaryDirectory(prefix="ocpp-conformance-renewed-") as tmp:
        renewed = _write_pair(Path(tmp), chain, key)
        await st.close()
        again = await ctx.mock_station(
            connect=False,
            station_id=st.station_id,
            ssl_context=client_context(material.ca, cert=renewed),
        )
        try:
            await again.connect()
        except Exception as exc:
            raise ctx.fail(
                f"the CSMS refused the station's connection with its renewed certificate: {exc}"
            ) from None
    await states.booted(ctx, again)


def _write_pair(directory: Path, chain: str, key: ec.EllipticCurvePrivateKey) -> CertFiles:
    """The renewed certificate and its key as files, for the TLS context (owner-only key)."""
    return write_key_pair(directory, "client", chain, key)


@testcase("TC_A_11_CSMS", verbs=("trigger_message",), security_profiles=MUTUAL_TLS)
async def test_renew_certificate(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A02.FR.01, .04, .05: the CSMS triggers a certificate renewal, accepts the CSR, delivers
    a certificate for the CSR's key that chains to the station's trusted CA, and accepts the
    station's next connection with it."""
    await _renewal(ctx, tls, "Accepted")


@testcase("TC_A_14_CSMS", verbs=("trigger_message",), security_profiles=MUTUAL_TLS)
async def test_renew_certificate_rejected(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A02 alternative: the same renewal, but the station rejects the new certificate; the
    CSMS must have triggered it and accepted the CSR (what the official case validates)."""
    await _renewal(ctx, tls, "Rejected")


# -- A05: upgrade the station's security profile (2 -> 3) ------------------------------------

UPGRADE_SLOT = 2  # <Configured configurationSlot>: a free one (the station's priority is "1")


async def _renewed_certificate(
    ctx: CaseContext, material: TlsMaterial, st: MockStation
) -> CertFiles:
    """Memory state RenewChargingStationCertificate: the CSMS triggers the renewal, signs the
    station's CSR and sends the certificate, which the station keeps for profile 3; the files
    (certificate and owner-only key) live until the case ends."""
    if material.ca is None:
        raise NotApplicable(
            "checking the signed certificate chain needs the CA the CSMS signs with: set "
            "connection.ca_cert in the DUT profile"
        )
    msg = await states.operator_request(
        ctx,
        st,
        "TriggerMessage",
        "trigger_message",
        requested_message="SignChargingStationCertificate",
    )
    await msg.reply({"status": "Accepted"})
    csr, key = make_csr(st.station_id, ctx.dut.vendor or "ocpp-conformance")
    st.conn.hold("CertificateSigned")
    res = await st.conn.call(
        "SignCertificate", {"csr": csr, "certificateType": "ChargingStationCertificate"}
    )
    ctx.require(
        res.get("status") == "Accepted",
        f"SignCertificateResponse status is {res.get('status')!r} for a valid CSR of the "
        f"station, expected Accepted (memory state RenewChargingStationCertificate)",
        requirement="A02.FR.04",
    )
    signed = await states.csms_request(
        ctx, st, "CertificateSigned", why="the CSMS had the CSR signed"
    )
    chain = str(signed.payload.get("certificateChain", ""))
    problem = chain_problem(chain, material.ca, public_key=key.public_key())
    await signed.reply({"status": "Accepted" if problem is None else "Rejected"})
    ctx.require(
        problem is None,
        f"the CertificateSignedRequest's certificateChain cannot be installed: {problem}",
        requirement="A02.FR.05",
    )
    directory = Path(tempfile.mkdtemp(prefix="ocpp-conformance-upgrade-"))

    async def remove() -> None:
        shutil.rmtree(directory, ignore_errors=True)

    ctx.defer(remove)
    return _write_pair(directory, chain, key)


async def _network_profile(ctx: CaseContext, st: MockStation, level: int) -> int:
    """The operator has the CSMS set a NetworkConnectionProfile at security profile `level`;
    the station accepts it. Returns the configuration slot the CSMS used."""
    msg = await states.operator_request(
        ctx,
        st,
        "SetNetworkProfile",
        "set_network_profile",
        configuration_slot=UPGRADE_SLOT,
        security_profile=level,
    )
    data = msg.payload["connectionData"]
    await msg.reply({"status": "Accepted"})
    for name, expected in (
        ("securityProfile", level),
        ("ocppTransport", "JSON"),
        ("ocppVersion", "OCPP20"),
    ):
        ctx.check(
            data.get(name) == expected,
            f"SetNetworkProfileRequest connectionData.{name} is {data.get(name)!r}, expected "
            f"{expected!r}",
            requirement="A05.FR.04" if name == "securityProfile" else None,
            frame=msg.text,
            breaks_scenario=name == "securityProfile",
        )
    return int(msg.payload["configurationSlot"])


async def _priority_and_reset(ctx: CaseContext, st: MockStation, slot: int) -> None:
    """The operator puts `slot` first in NetworkConfigurationPriority and reboots the
    station; the station accepts both."""
    value = ",".join(dict.fromkeys([str(slot), "1"]))
    msg = await states.operator_request(
        ctx,
        st,
        "SetVariables",
        "set_variables",
        variables=[
            {
                "component": "OCPPCommCtrlr",
                "variable": "NetworkConfigurationPriority",
                "value": value,
            }
        ],
    )
    item = next(
        (
            i
            for i in msg.payload.get("setVariableData", [])
            if i.get("component", {}).get("name") == "OCPPCommCtrlr"
            and i.get("variable", {}).get("name") == "NetworkConfigurationPriority"
        ),
        None,
    )
    await states.reply_default(st, msg)
    ctx.require(
        item is not None
        and str(slot) in [s.strip() for s in str(item.get("attributeValue", "")).split(",")],
        f"the CSMS's SetVariablesRequest does not set OCPPCommCtrlr.NetworkConfigurationPriority "
        f"to a list containing configuration slot {slot} of the new network profile "
        f"(got {msg.payload.get('setVariableData')})",
        frame=msg.text,
    )
    reset = await states.operator_request(ctx, st, "Reset", "reset")
    await reset.reply({"status": "Accepted"})


def _restore_profile(ctx: CaseContext, station_id: str, renewed: CertFiles, ca: Path) -> None:
    """Afterwards, bring the station id back to the configured security profile on the CSMS
    (the same three operator steps, with the configured level in slot 1)."""

    async def restore() -> None:
        st = await ctx.mock_station(
            connect=False,
            station_id=station_id,
            ssl_context=client_context(ca, cert=renewed),
            password=None,
        )
        try:
            await st.connect()
        except Exception:  # the CSMS never took the upgrade: nothing to undo
            return
        await states.booted(ctx, st)
        level = ctx.dut.connection.security_profile
        msg = await states.operator_request(
            ctx,
            st,
            "SetNetworkProfile",
            "set_network_profile",
            configuration_slot=1,
            security_profile=level,
        )
        await msg.reply({"status": "Accepted"})
        await _priority_and_reset(ctx, st, 1)
        await st.close()

    ctx.defer(restore)


@testcase(
    "TC_A_19_CSMS",
    verbs=("trigger_message", "set_network_profile", "set_variables", "reset"),
    security_profiles=(2,),
)
async def test_upgrade_security_profile(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A05.FR.04, A05.FR.07: with a renewed client certificate, the CSMS gives the station a
    network profile at security profile 3, puts its slot first and reboots the station; it
    then lets the station in at profile 3, refuses it at profile 2 and lets it in again at 3.

    Only from profile 2: the upgrade from 1 to 2 needs the CSMS reachable over TLS at a
    second endpoint, which a profile-1 run does not describe."""
    material = _need_tls(ctx, tls)
    st = await states.booted_station(ctx)
    renewed = await _renewed_certificate(ctx, material, st)
    assert material.ca is not None  # _renewed_certificate made sure
    level = ctx.dut.connection.security_profile + 1
    slot = await _network_profile(ctx, st, level)
    _restore_profile(ctx, st.station_id, renewed, material.ca)
    await _priority_and_reset(ctx, st, slot)
    await st.close()

    async def at_profile_3(why: str) -> MockStation:
        up = await ctx.mock_station(
            connect=False,
            station_id=st.station_id,
            ssl_context=client_context(material.ca, cert=renewed),
            password=None,
        )
        try:
            await up.connect()
        except Exception as exc:
            raise ctx.fail(
                f"the CSMS refused the station's connection at security profile {level} "
                f"(its client certificate, no basic auth) {why}: {exc}",
                requirement="A05.FR.04",
            ) from None
        return up

    up = await at_profile_3("after the upgrade and the reboot")
    await states.booted(ctx, up)
    await up.close()
    await _refused(
        ctx,
        f"connects at security profile {level - 1} (basic auth, no client certificate) after "
        f"its upgrade to {level}",
        "A05.FR.07",
        station_id=st.station_id,
    )
    again = await at_profile_3("after refusing it at the old profile")
    res = await again.conn.call("Heartbeat", {})
    ctx.check("currentTime" in res, f"HeartbeatResponse without currentTime: {res}")
