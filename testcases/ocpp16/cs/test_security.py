"""OCPP 1.6, DUT = charge point: the Security profile (OCPP 1.6 security whitepaper, edition 2):
certificate management (InstallCertificate, GetInstalledCertificateIds, DeleteCertificate),
the charge point certificate renewal (ExtendedTriggerMessage SignChargePointCertificate,
SignCertificate, CertificateSigned), security events and the security log (GetLog), the
basic-auth password (AuthorizationKey), the security profile, the secure firmware update
(SignedUpdateFirmware, SignedFirmwareStatusNotification), and the connection itself at
security profiles 1-3 (HTTP Basic, TLS server certificate, client certificate).

The mock Central System plays the Certificate Authority too: it signs the charge point's CSR
with the run's CA. No case changes the charge point's security profile (an upgrade cannot be
undone over OCPP); the password case puts the configured password back itself.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from conformance.catalogue.decorator import testcase
from conformance.certificate_hash import HASH_ALGORITHMS, hash_data
from conformance.context import CaseContext
from conformance.firmware import REFERENCE_IMAGE_VERSION, FirmwareMaterial
from conformance.security import TlsMaterial
from conformance.session import Incoming, Session
from conformance.transport.tls import key_size_ok, load_chain, sign_csr
from testcases import tls_steps as steps
from testcases.ocpp16.cs import security as sec
from testcases.ocpp16.cs import states
from testcases.ocpp201.cs import firmware_update as fw
from testcases.ocpp201.cs.file_transfer import upload_server

# -- certificate management (whitepaper sections 4.2-4.4) --------------------------------------


async def _install_and_list(ctx: CaseContext, kind: str) -> None:
    """InstallCertificate of a fresh root of `kind` is Accepted, and GetInstalledCertificateIds
    for `kind` lists it (by the harness's own CertificateHashData)."""
    s = await states.booted(ctx)
    cert = await sec.certificate_installed(ctx, s, kind)
    entries = await sec.installed_hashes(ctx, s, kind, step="after the install")
    ctx.check(
        sec.listed(entries, cert),
        f"GetInstalledCertificateIds.conf for {kind} does not list the certificate just "
        f"installed ({sec.describe(hash_data(cert))}): {sec.mismatch(entries, cert)}",
    )


@testcase("TC_075_1_CS", features=sec.SECURITY)
async def test_install_manufacturer_root(ctx: CaseContext) -> None:
    """Whitepaper 4.3 (InstallCertificate) and 4.4 (GetInstalledCertificateIds): a new
    ManufacturerRootCertificate is Accepted and then listed, with the CertificateHashData the
    harness calculates itself."""
    await _install_and_list(ctx, sec.MANUFACTURER_ROOT)


@testcase("TC_075_2_CS", features=sec.SECURITY)
async def test_install_central_system_root(ctx: CaseContext) -> None:
    """Whitepaper 4.3, 4.4: a new CentralSystemRootCertificate is Accepted and then listed,
    with the CertificateHashData the harness calculates itself."""
    await _install_and_list(ctx, sec.CS_ROOT)


@testcase("TC_076_CS", features=sec.SECURITY)
async def test_delete_certificate(ctx: CaseContext) -> None:
    """Whitepaper 4.2 (DeleteCertificate): with a CentralSystemRootCertificate installed
    (memory state CertificateInstalled), DeleteCertificate with its CertificateHashData in the
    hash algorithm GetInstalledCertificateIds used is Accepted, and the certificate is no
    longer listed."""
    s = await states.booted(ctx)
    cert = await sec.certificate_installed(ctx, s, sec.CS_ROOT)
    entries = await sec.installed_hashes(ctx, s, sec.CS_ROOT, step="before the delete")
    algorithm = next(
        (str(e["hashAlgorithm"]) for e in entries if e.get("hashAlgorithm") in HASH_ALGORITHMS),
        "SHA256",
    )
    ctx.require(
        sec.listed(entries, cert),
        f"GetInstalledCertificateIds.conf does not list the CentralSystemRootCertificate just "
        f"installed ({sec.describe(hash_data(cert, algorithm=algorithm))}), so there is "
        f"nothing to delete: {sec.mismatch(entries, cert)}",
    )
    mine = hash_data(cert, algorithm=algorithm)
    answer = await s.call("DeleteCertificate", {"certificateHashData": mine})
    ctx.check(
        answer.get("status") == "Accepted",
        f"DeleteCertificate.conf for the installed certificate ({sec.describe(mine)}) is "
        f"{answer.get('status')!r}, expected Accepted",
    )
    after = await sec.installed_hashes(ctx, s, sec.CS_ROOT, step="after the delete")
    ctx.check(
        not sec.listed(after, cert),
        f"GetInstalledCertificateIds.conf still lists the deleted certificate "
        f"({sec.describe(mine)})",
    )


# -- the security log (whitepaper section 5) --------------------------------------------------


async def _log_status(
    ctx: CaseContext, s: Session, since: float, expected: str, request_id: int, step: str
) -> Incoming:
    msg = await s.expect(
        "LogStatusNotification",
        predicate=states.after(since),
        timeout=ctx.dut.timeouts.connect,
        why=f"LogStatusNotification {step}",
    )
    got = msg.payload
    ctx.check(
        got.get("status") == expected,
        f"LogStatusNotification.req status is {got.get('status')!r} {step}, expected {expected}",
        frame=msg.text,
    )
    ctx.check(
        got.get("requestId") == request_id,
        f"LogStatusNotification.req requestId is {got.get('requestId')!r} {step}; it must be "
        f"the GetLog.req requestId {request_id}",
        frame=msg.text,
    )
    return msg


@testcase("TC_079_CS", features=sec.SECURITY)
async def test_get_security_log(ctx: CaseContext) -> None:
    """Whitepaper 5 (GetLog, LogStatusNotification): GetLog logType SecurityLog to <Configured
    log location> (the harness's upload server) is Accepted; the charge point reports
    Uploading and then Uploaded with the request's requestId, and the log arrives there."""
    s = await states.booted(ctx)
    server = await upload_server(ctx, "/security-log")
    server.release()  # the server answers each upload at once
    request_id = secrets.randbelow(1_000_000) + 1
    t0 = time.monotonic()
    answer = await s.call(
        "GetLog",
        {"logType": "SecurityLog", "requestId": request_id, "log": {"remoteLocation": server.url}},
    )
    ctx.require(
        answer.get("status") == "Accepted",
        f"GetLog.conf for the security log is {answer.get('status')!r}, expected Accepted",
    )
    uploading = await _log_status(
        ctx, s, t0, "Uploading", request_id, "when the charge point starts the upload"
    )
    await _log_status(
        ctx, s, uploading.received, "Uploaded", request_id, "when it has finished the upload"
    )
    ctx.check(
        bool(server.uploads),
        f"the charge point reported the security log uploaded but nothing arrived at {server.url}",
    )
    name = answer.get("filename")
    if name and server.uploads:
        paths = [u.path for u in server.uploads]
        ctx.check(
            any(p.rstrip("/").endswith("/" + str(name)) for p in paths),
            f"GetLog.conf names the file {name!r}, but the upload went to {paths}",
        )


# -- the charge point certificate (whitepaper sections 3.1, 4.1) -------------------------------


async def _sign_request(ctx: CaseContext, s: Session, t0: float) -> Incoming:
    """Configuration state CpoName is <the configured vendor name>; ExtendedTriggerMessage
    SignChargePointCertificate (Accepted) and the SignCertificate.req that follows (held: the
    case answers it), its CSR checked: CN = the chargeBoxIdentity, O = CpoName."""
    if ctx.dut.vendor:
        await states.configure(ctx, s, "CpoName", ctx.dut.vendor)
    cpo_name = await states.get_configuration(ctx, s, "CpoName")
    s.hold("SignCertificate")
    res = await s.call("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"})
    ctx.require(
        res.get("status") == "Accepted",
        f"ExtendedTriggerMessage SignChargePointCertificate was answered "
        f"{res.get('status')!r}, expected Accepted",
    )
    msg = await s.expect(
        "SignCertificate",
        predicate=states.after(t0),
        why="the charge point makes a new key pair and a CSR (whitepaper 3.1)",
    )
    try:
        csr = x509.load_pem_x509_csr(str(msg.payload["csr"]).encode("ascii"))
    except ValueError as exc:
        await msg.reply({"status": "Rejected"})
        raise ctx.fail(f"the SignCertificate.req csr is no PEM CSR (RFC 2986): {exc}") from None
    ctx.check(csr.is_signature_valid, "the CSR's signature does not match its public key")
    cns = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    ctx.check(
        cns == [ctx.dut.station_id],
        f"the CSR's commonName is {cns}; it must be the chargeBoxIdentity "
        f"{ctx.dut.station_id!r} (whitepaper 3.1)",
    )
    orgs = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    if cpo_name is not None:
        ctx.check(
            orgs == [cpo_name],
            f"the CSR's organizationName is {orgs}; it must be the CpoName {cpo_name!r} "
            f"(whitepaper 3.1)",
        )
    return msg


@testcase("TC_074_CS", features=sec.SECURITY, security_profiles=sec.MUTUAL_TLS)
async def test_renew_charge_point_certificate(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """Whitepaper 4.1 (Update Charge Point Certificate by request of the Central System): on
    ExtendedTriggerMessage SignChargePointCertificate the charge point sends a CSR, accepts
    the certificate the Central System's CA signs, disconnects and reconnects with it."""
    ca = steps.ca_for_signing(ctx, tls)
    s = await states.booted(ctx)
    t0 = time.monotonic()
    msg = await _sign_request(ctx, s, t0)
    await msg.reply({"status": "Accepted"})
    chain = sign_csr(str(msg.payload["csr"]), ca)
    serial = format(load_chain(chain)[0].serial_number, "x")
    n = ctx.connections()
    res = await s.call("CertificateSigned", {"certificateChain": chain})
    ctx.require(
        res.get("status") == "Accepted",
        f"CertificateSigned with a valid certificate for its CSR was answered "
        f"{res.get('status')!r}, expected Accepted",
    )
    closed = await s.wait_closed(ctx.timeouts.message)
    ctx.warn(
        closed,
        f"the charge point did not disconnect within {ctx.timeouts.message:g} s after "
        f"accepting its new certificate; the harness closes the connection to let it reconnect "
        f"with it",
    )
    if not closed:
        await s.close(1001, "reconnect with the new certificate")
    s2 = await steps.reconnected(ctx, n, t0, "reconnect with its new certificate")
    ctx.check(
        s2.info.tls.get("peer_serial") == serial,
        f"after CertificateSigned the charge point connected with certificate serial "
        f"{s2.info.tls.get('peer_serial')!r}, not the new one ({serial})",
    )


@testcase("TC_077_CS", features=sec.SECURITY, security_profiles=sec.MUTUAL_TLS)
async def test_invalid_charge_point_certificate(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """Whitepaper 4.1 and 2 (security events): a CertificateSigned.req whose certificate does
    not chain to a CA the charge point trusts is Rejected and reported with a
    SecurityEventNotification.req of type InvalidChargePointCertificate."""
    material = steps.need_tls(ctx, tls)
    steps.ca_for_signing(ctx, tls)
    s = await states.booted(ctx)
    t0 = time.monotonic()
    msg = await _sign_request(ctx, s, t0)
    await msg.reply({"status": "Accepted"})
    chain = sign_csr(str(msg.payload["csr"]), material.foreign_ca())
    res = await s.call("CertificateSigned", {"certificateChain": chain})
    ctx.check(
        res.get("status") == "Rejected",
        f"CertificateSigned with a certificate from a CA the charge point does not trust was "
        f"answered {res.get('status')!r}, expected Rejected",
    )
    await s.expect(
        "SecurityEventNotification",
        {"type": "InvalidChargePointCertificate"},
        predicate=states.after(t0),
        why="the charge point reports the invalid certificate (a critical security event)",
    )


# -- HTTP Basic authentication (whitepaper sections 2.3, 8: AuthorizationKey) -----------------

PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _password_problem(password: str) -> str | None:
    """Whitepaper 2.3 / 8 (AuthorizationKey): at least 16 bytes, at most 20 (40 hex digits)."""
    size = len(password.encode())
    if not 16 <= size <= 20:
        return f"it has {size} bytes; the AuthorizationKey must have 16 to 20 (40 hex digits)"
    return None


def _authorization_key(ctx: CaseContext, password: str) -> str:
    """The AuthorizationKey value for `password`: its hex representation, redacted from the
    trace like the password itself."""
    value = password.encode().hex().upper()
    ctx.recorder.add_secret(value)
    return value


async def _change_password(ctx: CaseContext, s: Session, password: str, step: str) -> Session:
    """ChangeConfiguration AuthorizationKey (Accepted); the charge point disconnects and
    reconnects with the new password (the mock Central System takes only that one)."""
    n, t0 = ctx.connections(), time.monotonic()
    steps.server(ctx).set_password(ctx.dut.station_id, password)
    key = _authorization_key(ctx, password)
    answer = await s.call("ChangeConfiguration", {"key": "AuthorizationKey", "value": key})
    ctx.require(
        answer.get("status") == "Accepted",
        f"ChangeConfiguration AuthorizationKey ({step}) was answered "
        f"{answer.get('status')!r}, expected Accepted",
    )
    closed = await s.wait_closed(ctx.timeouts.message)
    ctx.check(
        closed,
        f"the charge point did not disconnect within {ctx.timeouts.message:g} s after "
        f"accepting the AuthorizationKey ({step}); it must reconnect with the new password",
    )
    if not closed:
        await s.close(1001, "reconnect with the new password")
    return await steps.reconnected(ctx, n, t0, f"reconnect with the new password ({step})")


@testcase("TC_073_CS", features=sec.SECURITY, security_profiles=sec.BASIC_AUTH)
async def test_update_basic_auth_password(ctx: CaseContext) -> None:
    """Whitepaper 2.3, 8 (AuthorizationKey): a new AuthorizationKey (hex-encoded, 20 bytes) is
    Accepted, and the charge point reconnects with the new password; set back to the
    configured password, it reconnects with that one."""
    original = ctx.dut.connection.password
    ctx.require(original is not None, "the DUT profile has no basic-auth password")
    assert original is not None
    new = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(20))
    ctx.recorder.add_secret(new)
    s = await states.booted(ctx)

    async def restore() -> None:
        """The mock Central System back on the configured password; a charge point left on
        the new one is given the configured one back."""
        assert ctx.csms is not None and original is not None
        conn = ctx.csms.current(ctx.dut.station_id)
        srv = steps.server(ctx)
        if conn is not None and srv.password_overrides.get(ctx.dut.station_id) == new:
            key = _authorization_key(ctx, original)
            await conn.call("ChangeConfiguration", {"key": "AuthorizationKey", "value": key})
        srv.set_password(ctx.dut.station_id, None)

    ctx.defer(restore)
    s2 = await _change_password(ctx, s, new, "a new random password")
    await _change_password(ctx, s2, original, "the configured password")
    steps.server(ctx).set_password(ctx.dut.station_id, None)


@testcase("TC_085_CS", features=sec.SECURITY, verbs=("reboot",), security_profiles=sec.BASIC_AUTH)
async def test_basic_auth_valid(ctx: CaseContext) -> None:
    """Whitepaper 2.3 (security profiles 1 and 2): after a reboot the charge point sends HTTP
    Basic credentials, user = its chargeBoxIdentity (the last URL segment), password = the
    configured AuthorizationKey (16 to 20 bytes), and boots."""
    password = ctx.dut.connection.password or ""
    problem = _password_problem(password)
    ctx.check(problem is None, f"the configured basic-auth password: {problem}")
    n, t0 = await sec.settled(ctx)
    await ctx.operator.reboot()
    # The mock Central System lets it in only with exactly that user name and password.
    await sec.booted_again(ctx, n, t0, "reconnect with valid basic-auth credentials")


# -- the security profile (whitepaper section 8.1) --------------------------------------------


@testcase("TC_084_CS", features=sec.SECURITY, security_profiles=sec.TLS)
async def test_downgrade_security_profile(ctx: CaseContext) -> None:
    """Whitepaper 8.1 (SecurityProfile): ChangeConfiguration SecurityProfile one level below
    the profile the charge point is connected with is Rejected (no downgrade)."""
    s = await states.booted(ctx)
    current = ctx.dut.connection.security_profile
    lower = str(current - 1)
    answer = await s.call("ChangeConfiguration", {"key": "SecurityProfile", "value": lower})
    if answer.get("status") == "Accepted":

        async def restore() -> None:
            conn = await ctx.station()
            await conn.call(
                "ChangeConfiguration", {"key": "SecurityProfile", "value": str(current)}
            )

        ctx.defer(restore)
    ctx.check(
        answer.get("status") == "Rejected",
        f"ChangeConfiguration SecurityProfile {lower} (one level below the security profile "
        f"{current} it is connected with) was answered {answer.get('status')!r}; a downgrade "
        f"must be Rejected",
    )


# -- TLS (whitepaper sections 2.4-2.6: security profiles 2 and 3) -----------------------------

# Whitepaper 2.4: (ECDHE-ECDSA AES-128-GCM and AES-256-GCM) or (RSA AES-128-GCM and -256-GCM).
_SUITE_PAIRS = ((0xC02B, 0xC02C), (0x009C, 0x009D))


@testcase("TC_086_CS", features=sec.SECURITY, verbs=("reboot",), security_profiles=sec.TLS)
async def test_tls_server_certificate_valid(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """Whitepaper 2.4, 2.5: booting, the charge point opens TLS 1.2 or newer offering one of
    the required AES-GCM cipher-suite pairs, accepts the configured server certificate, sets
    up the secured WebSocket (with HTTP Basic at profile 2, which the mock Central System
    checks) and boots."""
    material = steps.need_tls(ctx, tls)
    assert material.server is not None
    n, t0 = await sec.settled(ctx)
    async with steps.probe(ctx, steps.probe_context(material, material.server)) as p:
        await ctx.operator.reboot()
        got = await steps.attempt(ctx, p, "the ClientHello after the reboot")
    steps.check_tls_used(ctx, got)
    hello = got.hello
    assert hello is not None
    ctx.check(
        hello.highest >= 0x0303,
        f"the charge point's ClientHello offers at most {hello.highest_name}; it must offer "
        f"TLS 1.2 or newer",
    )
    ctx.check(
        any(all(suite in hello.suites for suite in pair) for pair in _SUITE_PAIRS),
        "the charge point's ClientHello offers neither TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 "
        "and TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 nor TLS_RSA_WITH_AES_128_GCM_SHA256 and "
        "TLS_RSA_WITH_AES_256_GCM_SHA384 (whitepaper 2.4)",
    )
    ctx.check(
        got.outcome == "completed",
        f"the charge point did not complete the TLS handshake with the configured (valid) "
        f"server certificate: {got.detail}",
    )
    s = await sec.booted_again(ctx, n, t0, "reconnect over TLS")
    version = s.info.tls.get("version", "")
    ctx.check(
        version in ("TLSv1.2", "TLSv1.3"),
        f"the charge point's secured WebSocket runs {version or 'without TLS'}; TLS 1.2 or "
        f"newer is required",
    )


@testcase("TC_087_CS", features=sec.SECURITY, verbs=("reboot",), security_profiles=sec.MUTUAL_TLS)
async def test_tls_client_certificate_valid(ctx: CaseContext) -> None:
    """Whitepaper 2.6 (security profile 3): booting, the charge point presents its client
    certificate (the mock Central System requires one chaining to the configured CA):
    commonName = its chargeBoxIdentity, a serial number, a key of sufficient size; it
    boots."""
    n, t0 = await sec.settled(ctx)
    await ctx.operator.reboot()
    s = await sec.booted_again(ctx, n, t0, "reconnect with its client certificate")
    info = s.info.tls
    ctx.note(f"TLS session: {info}")
    ctx.check(
        f"CN={ctx.dut.station_id}" in info.get("peer_subject", "").split(","),
        f"the client certificate's subject is {info.get('peer_subject')!r}; its commonName "
        f"must be the chargeBoxIdentity {ctx.dut.station_id!r}",
    )
    ctx.check(bool(info.get("peer_serial")), "the client certificate has no serial number")
    ctx.check(
        key_size_ok(info.get("peer_key", "")),
        f"the client certificate's key is {info.get('peer_key')!r}; it needs RSA of at least "
        f"2048 bits or an elliptic curve of at least 224 bits",
    )


@testcase("TC_078_CS", features=sec.SECURITY, security_profiles=sec.TLS)
async def test_invalid_central_system_certificate(
    ctx: CaseContext, tls: TlsMaterial | None
) -> None:
    """Whitepaper 2.5 and 2 (security events): the Central System drops the connection and
    answers the reconnect with a server certificate the charge point cannot trust (signed by
    an unknown CA); the charge point terminates that handshake, connects again once the
    valid certificate is back and reports a SecurityEventNotification.req of type
    InvalidCentralSystemCertificate."""
    material = steps.need_tls(ctx, tls)
    s = await states.booted(ctx)
    wildcards = await states.get_configuration(ctx, s, "AllowCSMSTLSWildcards")
    if wildcards is not None:  # configuration state (if implemented)
        await states.configure(ctx, s, "AllowCSMSTLSWildcards", "false")
    n, t0 = ctx.connections(), time.monotonic()
    # The first of the certificates a charge point must refuse: one from an unknown CA.
    what, bad = next(iter(material.invalid_server_certs().items()))
    async with steps.probe(ctx, steps.probe_context(material, bad)) as p:
        await s.close(1001, "the Central System aborts the connection")
        got = await steps.attempt(ctx, p, f"a server certificate {what}")
        steps.check_tls_used(ctx, got)
        ctx.check(
            got.outcome != "completed",
            f"the charge point completed the TLS handshake with a server certificate {what}; "
            f"it must deem it invalid and terminate the connection",
        )
    s2 = await steps.reconnected(ctx, n, t0, "reconnect once the valid certificate is back")
    await s2.expect(
        "SecurityEventNotification",
        {"type": "InvalidCentralSystemCertificate"},
        timeout=ctx.dut.timeouts.connect,
        why="the charge point reports the invalid server certificate (a critical event)",
    )


# -- secure firmware update (whitepaper section 7) --------------------------------------------


async def _signed_update(
    ctx: CaseContext, s: Session, payload: dict[str, Any]
) -> tuple[int, float]:
    """SignedUpdateFirmware.req (Accepted: the charge point trusts the signing certificate);
    (its requestId, when it was sent)."""
    t0 = time.monotonic()
    answer = await s.call("SignedUpdateFirmware", payload)
    ctx.require(
        answer.get("status") == "Accepted",
        f"SignedUpdateFirmware.conf is {answer.get('status')!r}; expected Accepted for a "
        f"firmware signed with a certificate of the manufacturer root it trusts",
    )
    return int(payload["requestId"]), t0


async def _firmware_steps(
    ctx: CaseContext,
    s: Session,
    request_id: int,
    since: float,
    steps: list[str],
    *,
    optional: tuple[str, ...] = (),
) -> Incoming:
    """The SignedFirmwareStatusNotification.req statuses `steps`, in this order (statuses in
    `optional` may come in between), each with the request's requestId."""
    seen: list[str] = []
    msg: Incoming | None = None
    for step in steps:
        while True:
            msg = await s.expect(
                "SignedFirmwareStatusNotification",
                predicate=states.after(since),
                timeout=ctx.dut.timeouts.connect,
                why=f"the secure firmware update goes on: expected {step} after "
                f"{seen[-1] if seen else 'the SignedUpdateFirmware.req'}",
            )
            since = msg.received + 1e-9
            got = str(msg.payload.get("status"))
            ctx.check(
                msg.payload.get("requestId") == request_id,
                f"SignedFirmwareStatusNotification.req {got} has requestId "
                f"{msg.payload.get('requestId')!r}; it must be the SignedUpdateFirmware.req "
                f"requestId {request_id}",
                frame=msg.text,
            )
            if got in optional and got != step:
                seen.append(got)
                continue
            ctx.require(
                got == step,
                f"after {', '.join(seen) or 'the SignedUpdateFirmware.req'} the charge point "
                f"reported SignedFirmwareStatusNotification {got}; expected {step}",
                frame=msg.text,
            )
            seen.append(got)
            break
    assert msg is not None
    return msg


@testcase("TC_080_CS", features=sec.SECURITY)
async def test_secure_firmware_update(ctx: CaseContext, firmware: FirmwareMaterial | None) -> None:
    """Whitepaper 7 (SignedUpdateFirmware): a firmware signed with a certificate of the
    trusted manufacturer root is Accepted; the charge point reports Downloading, Downloaded,
    SignatureVerified, Installing and, after the reboot into the new firmware, Installed
    (each with the requestId); the new BootNotification carries the new firmwareVersion."""
    image = fw.material(ctx, firmware).valid
    s = await states.booted(ctx)
    where, _server = await fw.location(ctx, image)
    payload = fw.request(image, where)
    n = ctx.connections()
    request_id, t0 = await _signed_update(ctx, s, payload)
    await _firmware_steps(
        ctx,
        s,
        request_id,
        t0,
        ["Downloading", "Downloaded", "SignatureVerified", "Installing"],
        optional=("InstallScheduled",),
    )
    s2, boot = await states.new_connection(ctx, n, "the charge point reboots into the firmware")
    version = boot.payload.get("firmwareVersion")
    if image.served:  # the harness's own image: its version is known
        ctx.check(
            version == REFERENCE_IMAGE_VERSION,
            f"the BootNotification.req after the update says firmwareVersion {version!r}, "
            f"expected the new firmware's {REFERENCE_IMAGE_VERSION}",
            frame=boot.text,
        )
    await _firmware_steps(ctx, s2, request_id, boot.received, ["Installed"])


@testcase("TC_081_CS", features=sec.SECURITY)
async def test_secure_firmware_update_invalid_signature(
    ctx: CaseContext, firmware: FirmwareMaterial | None
) -> None:
    """Whitepaper 7: a firmware whose signature does not match the file is downloaded
    (Downloading, Downloaded), then reported InvalidSignature (with the requestId) and the
    security event InvalidFirmwareSignature; it is not installed."""
    material = fw.material(ctx, firmware)
    image = material.valid
    s = await states.booted(ctx)
    where, _server = await fw.location(ctx, image)
    payload = fw.request(image, where, signature=material.invalid_signature)
    request_id, t0 = await _signed_update(ctx, s, payload)
    await _firmware_steps(ctx, s, request_id, t0, ["Downloading", "Downloaded", "InvalidSignature"])
    await s.expect(
        "SecurityEventNotification",
        {"type": "InvalidFirmwareSignature"},
        predicate=states.after(t0),
        why="the charge point reports the invalid firmware signature (a critical event)",
    )
