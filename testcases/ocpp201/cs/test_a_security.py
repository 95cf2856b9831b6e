"""OCPP 2.0.1, DUT = charging station, functional block A (Security): A00-A02, A05.

The mock CSMS checks how the station connects at the profile's security profile: HTTP Basic
with its id and password (1, 2), TLS 1.2+ with the required cipher suites against the
configured server certificate (2, 3), its client certificate (3). To see what a station does
with a server it must refuse (an untrusted or expired certificate, TLS 1.1), the mock CSMS
hands its port to a TLS probe for a while (conformance.transport.tls_probe): the probe reads
the ClientHello, answers with the bad certificate or protocol and records whether the station
ended the handshake; then the real endpoint comes back and the station must connect to it.
The password (A01) and certificate (A02, the mock CSMS signs with the run's CA) cases change
the station's credentials and put them back; no case changes its security profile (A05 only
checks that a downgrade is refused, since an upgrade cannot be undone over OCPP).
"""

from __future__ import annotations

import contextlib
import secrets
import ssl
import time

from cryptography import x509
from cryptography.x509.oid import NameOID

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.ocppj import CallError
from conformance.security import TlsMaterial
from conformance.session import Incoming, Session
from conformance.transport.tls import (
    key_size_ok,
    load_chain,
    sign_csr,
)
from conformance.verdict import CaseFailed, NotApplicable
from testcases import tls_steps as steps
from testcases.ocpp201.cs import states

BASIC_AUTH = (1, 2)
TLS = (2, 3)
MUTUAL_TLS = (3,)
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Timers are the station's, our timestamps are when our answer left: allow for the
# scheduling jitter of two event loops, nothing more.
TIMING_SLACK = 0.05


async def _booted_again(ctx: CaseContext, n: int, t0: float, what: str) -> Session:
    """Booting -> Booted: a new connection, BootNotification, every connector reported."""
    s = await steps.reconnected(ctx, n, t0, what)
    boot = await s.expect("BootNotification", timeout=ctx.dut.timeouts.connect, why=what)
    await states.connectors_reported(ctx, s, since=boot.received)
    return s


async def _booting(ctx: CaseContext) -> tuple[int, float]:
    """The current connection settled (the case then reboots: reusable state Booting)."""
    t0 = time.monotonic()
    await steps.reconnected(ctx, None, t0 - ctx.dut.timeouts.connect, "connect")
    return ctx.connections(), time.monotonic()


# -- A00: basic authentication (profiles 1, 2) ----------------------------------------------


@testcase("TC_A_01_CS", verbs=("reboot",), security_profiles=BASIC_AUTH)
async def test_basic_auth_valid(ctx: CaseContext) -> None:
    """A00.FR.202-205, B01.FR.01/05: after a reboot the station authenticates with HTTP Basic,
    user name = its id (the last URL segment), password = <Configured basicAuthPassword>
    (16-40 passwordString characters), and boots."""
    password = ctx.dut.connection.password or ""
    ctx.check(
        16 <= len(password) <= 40,
        f"the configured basicAuthPassword has {len(password)} characters; OCPP 2.0.1 needs "
        f"16 to 40",
        requirement="A00.FR.204",
    )
    n, t0 = await _booting(ctx)
    await ctx.operator.reboot()
    # The mock CSMS lets the station in only with exactly that user name and password.
    await _booted_again(ctx, n, t0, "reconnect with valid basic-auth credentials")


# -- A00: server certificate and TLS version (profiles 2, 3) ----------------------------------


@testcase("TC_A_04_CS", verbs=("reboot",), security_profiles=TLS)
async def test_tls_server_certificate_valid(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A00.FR.309, .312, .313, .319, .321, .412, .422: booting, the station opens TLS 1.2 or
    newer offering the required AES-GCM suites, accepts the configured server certificate,
    upgrades to a secured WebSocket and boots."""
    material = steps.need_tls(ctx, tls)
    assert material.server is not None
    n, t0 = await _booting(ctx)
    async with steps.probe(ctx, steps.probe_context(material, material.server)) as probe:
        await ctx.operator.reboot()
        attempt = await steps.attempt(ctx, probe, "the ClientHello after the reboot")
    steps.check_tls_used(ctx, attempt)
    hello = attempt.hello
    assert hello is not None
    ctx.check(
        hello.highest >= 0x0303,
        f"the station's ClientHello offers at most {hello.highest_name}; it must offer TLS "
        f"1.2 or newer",
        requirement="A00.FR.313",
    )
    missing = hello.missing_required_suites()
    ctx.check(
        not missing,
        f"the station's ClientHello lacks the cipher suite(s) {', '.join(missing)} that "
        f"OCPP 2.0.1 requires",
        requirement="A00.FR.319",
    )
    ctx.check(
        attempt.outcome == "completed",
        f"the station did not complete the TLS handshake with the configured (valid) server "
        f"certificate: {attempt.detail}",
        requirement="A00.FR.309",
    )
    s = await _booted_again(ctx, n, t0, "reconnect over TLS")
    version = s.info.tls.get("version", "")
    ctx.check(
        version in ("TLSv1.2", "TLSv1.3"),
        f"the station's secured WebSocket runs {version or 'without TLS'}; TLS 1.2 or newer "
        f"is required",
        requirement="A00.FR.313",
    )


@testcase("TC_A_05_CS", verbs=("reboot",), security_profiles=TLS)
async def test_tls_server_certificate_invalid(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A00.FR.309-311, A00.FR.412-414: booting, the station terminates the handshake with a
    CSMS whose certificate it cannot trust (signed by an unknown CA; expired, when the run's
    own PKI can make one), then connects to the CSMS with the configured certificate."""
    material = steps.need_tls(ctx, tls)
    s = await ctx.station()
    await states.configure(ctx, s, "OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "2")
    n, t0 = await _booting(ctx)
    bad = [
        (what, steps.probe_context(material, cert))
        for what, cert in material.invalid_server_certs().items()
    ]
    what_of = {id(context): what for what, context in bad}
    async with steps.probe(ctx, bad[0][1]) as probe:
        await ctx.operator.reboot()
        for what, context in bad:
            # One attempt per bad certificate; an attempt that began before the swap is
            # judged by the certificate it actually got.
            probe.ssl_context = context
            while True:
                attempt = await steps.attempt(ctx, probe, f"a server certificate {what}")
                steps.check_tls_used(ctx, attempt)
                ctx.check(
                    attempt.outcome != "completed",
                    f"the station completed the TLS handshake with a server certificate "
                    f"{what_of[id(attempt.context)]}; it must deem it invalid and terminate "
                    f"the connection",
                    requirement="A00.FR.310",
                )
                if attempt.context is context:
                    break
    await _booted_again(ctx, n, t0, "reconnect to the CSMS with the valid certificate")


@testcase("TC_A_06_CS", verbs=("reboot",), security_profiles=TLS)
async def test_tls_version_too_low(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A00.FR.314, .316, .416, .417, .419: a CSMS that answers with TLS 1.1 (with the valid
    certificate) is refused; the station then connects with TLS 1.2 or newer."""
    material = steps.need_tls(ctx, tls)
    assert material.server is not None
    s = await ctx.station()
    await states.configure(ctx, s, "OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "1")
    n, t0 = await _booting(ctx)
    old = steps.probe_context(
        material,
        material.server,
        minimum=ssl.TLSVersion.TLSv1_1,
        maximum=ssl.TLSVersion.TLSv1_1,
    )
    async with steps.probe(ctx, old) as probe:
        await ctx.operator.reboot()
        attempt = await steps.attempt(ctx, probe, "a CSMS speaking only TLS 1.1")
    steps.check_tls_used(ctx, attempt)
    ctx.check(
        attempt.outcome != "completed",
        f"the station completed a TLS handshake at {attempt.version}; it must notice the TLS "
        f"version is lower than 1.2 and terminate the connection",
        requirement="A00.FR.316",
    )
    await _booted_again(ctx, n, t0, "reconnect with TLS 1.2 or newer")


# -- A00: client certificate (profile 3) ------------------------------------------------------


@testcase("TC_A_07_CS", verbs=("reboot",), security_profiles=MUTUAL_TLS)
async def test_tls_client_certificate_valid(ctx: CaseContext) -> None:
    """A00.FR.4xx: booting, the station presents its client certificate (the mock CSMS
    requires one chaining to the configured CA): commonName = its station id, a serial
    number, a key of sufficient size; then it boots."""
    n, t0 = await _booting(ctx)
    await ctx.operator.reboot()
    s = await _booted_again(ctx, n, t0, "reconnect with its client certificate")
    info = s.info.tls
    ctx.note(f"TLS session: {info}")
    ctx.check(
        f"CN={ctx.dut.station_id}" in info.get("peer_subject", "").split(","),
        f"the client certificate's subject is {info.get('peer_subject')!r}; its commonName "
        f"must be the station id {ctx.dut.station_id!r}",
        requirement="A00.FR.417",
    )
    ctx.check(bool(info.get("peer_serial")), "the client certificate has no serial number")
    ctx.check(
        key_size_ok(info.get("peer_key", "")),
        f"the client certificate's key is {info.get('peer_key')!r}; OCPP needs RSA of at "
        f"least 2048 bits or an elliptic curve of at least 224 bits",
    )


# -- A01: update the basic-auth password (profiles 1, 2) --------------------------------------


def _new_password(ctx: CaseContext) -> str:
    """A valid BasicAuthPassword (A00.FR.204), redacted from the trace like the configured one."""
    value = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(24))
    ctx.recorder.add_secret(value)
    return value


def _password_item(value: str) -> dict[str, object]:
    return {
        "component": {"name": "SecurityCtrlr"},
        "variable": {"name": "BasicAuthPassword"},
        "attributeValue": value,
    }


async def _set_password(ctx: CaseContext, s: Session, value: str) -> str | None:
    result = await s.call("SetVariables", {"setVariableData": [_password_item(value)]})
    return (result.get("setVariableResult") or [{}])[0].get("attributeStatus")


@testcase("TC_A_09_CS", security_profiles=BASIC_AUTH)
async def test_update_password_accepted(ctx: CaseContext) -> None:
    """A01.FR.01-03 (A00.FR.204): the station accepts a new BasicAuthPassword, disconnects and
    reconnects with it (the mock CSMS refuses the old one from then on)."""
    original = ctx.dut.connection.password
    ctx.require(original is not None, "the DUT profile has no basic-auth password")
    assert original is not None
    s = await ctx.station()
    n, t0 = ctx.connections(), time.monotonic()
    new = _new_password(ctx)
    server = steps.server(ctx)
    server.set_password(ctx.dut.station_id, new)

    async def restore() -> None:
        """Put the configured password back (the mock CSMS still expects the new one)."""
        assert ctx.csms is not None and original is not None
        try:
            conn = ctx.csms.current(ctx.dut.station_id)
            if conn is None:  # it did not come back with the new password
                return
            count = ctx.connections()
            status = await _set_password(ctx, conn, original)
            server.set_password(ctx.dut.station_id, None)
            if status == "Accepted":
                try:
                    await steps.reconnected(ctx, count, time.monotonic(), "reconnect")
                except CaseFailed:
                    ctx.warn(False, "the station did not reconnect with the restored password")
        finally:
            server.set_password(ctx.dut.station_id, None)

    ctx.defer(restore)
    status = await _set_password(ctx, s, new)
    ctx.require(
        status == "Accepted",
        f"SetVariables SecurityCtrlr.BasicAuthPassword (a valid 24-character password) was "
        f"answered {status!r}, expected Accepted",
        requirement="A01.FR.01",
    )
    ctx.check(
        await s.wait_closed(ctx.timeouts.message),
        f"the station did not disconnect within {ctx.timeouts.message:g} s after accepting "
        f"the new password; it must reconnect with it",
        requirement="A01.FR.02",
    )
    await steps.reconnected(ctx, n, t0, "reconnect with the new password")


@testcase("TC_A_10_CS", security_profiles=BASIC_AUTH)
async def test_update_password_rejected(ctx: CaseContext) -> None:
    """A00.FR.204, A01: a BasicAuthPassword that breaks the password rules (15 characters) is
    rejected; the station keeps its connection and its configured password."""
    s = await ctx.station()
    weak = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(15))
    ctx.recorder.add_secret(weak)
    server = steps.server(ctx)
    original = ctx.dut.connection.password

    async def restore() -> None:
        """A station that took the weak password reconnects with it: let it in once, to put
        the configured password back."""
        assert ctx.csms is not None
        try:
            if ctx.csms.current(ctx.dut.station_id) is s or original is None:
                return
            server.set_password(ctx.dut.station_id, weak)
            conn = await ctx.station()
            count = ctx.connections()
            status = await _set_password(ctx, conn, original)
            server.set_password(ctx.dut.station_id, None)
            if status == "Accepted":
                with contextlib.suppress(CaseFailed):
                    await steps.reconnected(ctx, count, time.monotonic(), "reconnect")
        finally:
            server.set_password(ctx.dut.station_id, None)

    ctx.defer(restore)
    status = await _set_password(ctx, s, weak)
    ctx.check(
        status == "Rejected",
        f"SetVariables SecurityCtrlr.BasicAuthPassword with a 15-character password was "
        f"answered {status!r}; a password must have 16 to 40 characters, so Rejected is "
        f"expected",
        requirement="A00.FR.204",
    )


# -- A02: renew the station's certificate on the CSMS's request (profile 3) -----------------


async def _sign_request(ctx: CaseContext, s: Session, t0: float) -> Incoming:
    """TriggerMessage SignChargingStationCertificate; the station's SignCertificateRequest
    (held: the case answers it), with its CSR checked (A02.FR.02/03)."""
    s.hold("SignCertificate")
    res = await s.call("TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"})
    ctx.require(
        res.get("status") == "Accepted",
        f"TriggerMessage SignChargingStationCertificate was answered {res.get('status')!r}, "
        f"expected Accepted",
        requirement="F06.FR.04",
    )
    msg = await s.expect(
        "SignCertificate",
        predicate=states.after(t0),
        why="the station renews its certificate (A02.FR.02)",
    )
    kind = msg.payload.get("certificateType")
    ctx.check(
        kind in (None, "ChargingStationCertificate"),
        f"SignCertificateRequest certificateType is {kind!r}, expected ChargingStationCertificate",
        requirement="A02.FR.02",
    )
    try:
        csr = x509.load_pem_x509_csr(str(msg.payload["csr"]).encode("ascii"))
    except ValueError as exc:
        await msg.reply({"status": "Rejected"})
        raise ctx.fail(f"the SignCertificateRequest csr is no PEM CSR (RFC 2986): {exc}") from None
    ctx.check(csr.is_signature_valid, "the CSR's signature does not match its public key")
    cns = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    ctx.check(
        cns == [ctx.dut.station_id],
        f"the CSR's commonName is {cns}; it must be the station id {ctx.dut.station_id!r}",
        requirement="A02.FR.03",
    )
    org = await states.get_variable(ctx, s, "SecurityCtrlr", "OrganizationName")
    orgs = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    if org.get("attributeStatus") == "Accepted":
        ctx.check(
            orgs == [org.get("attributeValue")],
            f"the CSR's organizationName is {orgs}; it must be SecurityCtrlr.OrganizationName "
            f"{org.get('attributeValue')!r}",
            requirement="A02.FR.03",
        )
    return msg


@testcase("TC_A_11_CS", security_profiles=MUTUAL_TLS)
async def test_renew_certificate(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A02.FR.02/03/06/08/09, F06.FR.04/05/10: on TriggerMessage SignChargingStationCertificate
    the station sends a CSR (CN = its id, O = OrganizationName), accepts the certificate the
    CSMS's CA signs, and presents it on its next connection."""
    ca = steps.ca_for_signing(ctx, tls)
    s = await ctx.station()
    t0 = time.monotonic()
    msg = await _sign_request(ctx, s, t0)
    await msg.reply({"status": "Accepted"})
    chain = sign_csr(str(msg.payload["csr"]), ca)
    serial = format(load_chain(chain)[0].serial_number, "x")
    res = await s.call(
        "CertificateSigned",
        {"certificateChain": chain, "certificateType": "ChargingStationCertificate"},
    )
    ctx.require(
        res.get("status") == "Accepted",
        f"CertificateSigned with a valid certificate for its CSR was answered "
        f"{res.get('status')!r}, expected Accepted",
        requirement="A02.FR.06",
    )
    # The station may switch at its next connection (A02.FR.09): give it one.
    n = ctx.connections()
    await s.close(1001, "reconnect with the new certificate")
    s2 = await steps.reconnected(ctx, n, t0, "reconnect with its new certificate")
    ctx.check(
        s2.info.tls.get("peer_serial") == serial,
        f"after CertificateSigned the station connected with certificate serial "
        f"{s2.info.tls.get('peer_serial')!r}, not the new one ({serial})",
        requirement="A02.FR.08",
    )


@testcase("TC_A_14_CS", security_profiles=MUTUAL_TLS)
async def test_renew_certificate_invalid(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """A02.FR.07 (A02 alternative): a CertificateSigned whose certificate does not chain to a
    CA the station trusts is Rejected and reported with a SecurityEventNotification
    InvalidChargingStationCertificate; the station keeps its certificate."""
    material = steps.need_tls(ctx, tls)
    steps.ca_for_signing(ctx, tls)
    foreign = material.foreign_ca()
    s = await ctx.station()
    t0 = time.monotonic()
    msg = await _sign_request(ctx, s, t0)
    await msg.reply({"status": "Accepted"})
    chain = sign_csr(str(msg.payload["csr"]), foreign)
    res = await s.call(
        "CertificateSigned",
        {"certificateChain": chain, "certificateType": "ChargingStationCertificate"},
    )
    ctx.check(
        res.get("status") == "Rejected",
        f"CertificateSigned with a certificate from a CA the station does not trust was "
        f"answered {res.get('status')!r}, expected Rejected",
        requirement="A02.FR.07",
    )
    await s.expect(
        "SecurityEventNotification",
        {"type": "InvalidChargingStationCertificate"},
        predicate=states.after(t0),
        why="the station reports the invalid certificate",
    )


@testcase("TC_A_15_CS", security_profiles=MUTUAL_TLS)
async def test_renew_certificate_sign_rejected(ctx: CaseContext) -> None:
    """A02 alternative: the station accepts the TriggerMessage, sends its CSR, and takes a
    Rejected SignCertificateResponse without sending anything the scenario does not ask for."""
    s = await ctx.station()
    t0 = time.monotonic()
    msg = await _sign_request(ctx, s, t0)
    await msg.reply({"status": "Rejected"})


@testcase("TC_A_23_CS", security_profiles=MUTUAL_TLS)
async def test_renew_certificate_signed_timeout(ctx: CaseContext) -> None:
    """A02.FR.17-19 (CertSigningWaitMinimum / CertSigningRepeatTimes): when no
    CertificateSignedRequest follows an accepted SignCertificateRequest, the station sends
    the SignCertificateRequest again, not before CertSigningWaitMinimum seconds."""
    s = await ctx.station()
    wait = 1  # seconds: the shortest CertSigningWaitMinimum, so the case stays short
    await states.configure(ctx, s, "SecurityCtrlr", "CertSigningWaitMinimum", str(wait))
    await states.configure(ctx, s, "SecurityCtrlr", "CertSigningRepeatTimes", "1")
    t0 = time.monotonic()
    first = await _sign_request(ctx, s, t0)
    await first.reply({"status": "Accepted"})
    assert first.replied is not None
    again = await s.expect(
        "SignCertificate",
        predicate=lambda m: m is not first and m.received > first.received,
        timeout=wait * 2 + ctx.timeouts.message,
        why="no CertificateSigned came within CertSigningWaitMinimum",
    )
    waited = again.received - first.replied
    ctx.check(
        waited >= wait - TIMING_SLACK,
        f"the SignCertificateRequest was repeated {waited:.2f} s after the first was "
        f"accepted; CertSigningWaitMinimum is {wait} s",
        requirement="A02.FR.17",
    )
    await again.reply({"status": "Rejected"})  # end the renewal: nothing more to wait for


# -- A05 / B09: no change of security profile the station cannot or must not make ------------


async def _free_slot(ctx: CaseContext, s: Session) -> int:
    """A configuration slot other than the active one (the active one is first in
    OCPPCommCtrlr.NetworkConfigurationPriority)."""
    priority = await states.get_variable(ctx, s, "OCPPCommCtrlr", "NetworkConfigurationPriority")
    in_use = [p.strip() for p in str(priority.get("attributeValue") or "").split(",") if p.strip()]
    slot = next((int(p) for p in in_use[1:] if p.isdigit()), None)
    if slot is None:  # one profile in use: the next slot number
        slot = int(in_use[0]) + 1 if in_use and in_use[0].isdigit() else 1
    return slot


async def _set_network_profile(
    ctx: CaseContext, s: Session, security_profile: int
) -> dict[str, object]:
    """SetNetworkProfile for another endpoint of the mock CSMS's host at `security_profile`
    (an endpoint that is not the active one: the next port)."""
    slot = await _free_slot(ctx, s)
    timeout = await states.get_variable(ctx, s, "OCPPCommCtrlr", "MessageTimeout", "Default")
    server = steps.server(ctx)
    scheme = "wss" if security_profile >= 2 else "ws"
    url = f"{scheme}://{server.host}:{server.port + 1}{server.path_prefix}"
    return await s.call(
        "SetNetworkProfile",
        {
            "configurationSlot": slot,
            "connectionData": {
                "messageTimeout": int(timeout.get("attributeValue") or 30),
                "ocppCsmsUrl": url,
                "ocppInterface": "Wired0",
                "ocppTransport": "JSON",
                "ocppVersion": "OCPP20",
                "securityProfile": security_profile,
            },
        },
    )


@testcase("TC_A_20_CS", security_profiles=(1,))
async def test_upgrade_without_csms_root_certificate(ctx: CaseContext) -> None:
    """A05.FR.02 (B09): without a CSMSRootCertificate installed (GetInstalledCertificateIds
    says NotFound), a SetNetworkProfileRequest for security profile 2 is Rejected: the
    station could not check the CSMS's server certificate."""
    s = await ctx.station()
    answer = await s.call_raw(
        "GetInstalledCertificateIds", {"certificateType": ["CSMSRootCertificate"]}
    )
    if isinstance(answer, CallError):
        raise NotApplicable(
            f"prerequisite not verifiable: GetInstalledCertificateIds answered CALLERROR "
            f"{answer.error_code}, so whether a CSMSRootCertificate is installed is unknown"
        )
    if answer.payload.get("status") != "NotFound":
        raise NotApplicable(
            "prerequisite not met: the station has a CSMSRootCertificate installed (delete it "
            "to run this case)"
        )
    result = await _set_network_profile(ctx, s, 2)
    ctx.check(
        result.get("status") == "Rejected",
        f"SetNetworkProfileResponse for security profile 2 without a CSMSRootCertificate "
        f"installed is {result.get('status')!r}, expected Rejected",
        requirement="A05.FR.02",
    )


# -- A05 / B09: no downgrade of the security profile (profiles 2, 3) -------------------------


@testcase("TC_A_22_CS", security_profiles=TLS)
async def test_security_profile_downgrade_rejected(ctx: CaseContext) -> None:
    """B09.FR.04 (A05): a SetNetworkProfileRequest for another endpoint with a security
    profile lower than the one in use is Rejected; nothing changes on the connection."""
    s = await ctx.station()
    current = ctx.dut.connection.security_profile
    result = await _set_network_profile(ctx, s, current - 1)
    ctx.check(
        result.get("status") == "Rejected",
        f"SetNetworkProfileResponse for security profile {current - 1} (the station runs "
        f"{current}) is {result.get('status')!r}; a downgrade must be Rejected",
        requirement="B09.FR.04",
    )
