"""Security of the 1.6 reference charge point (OCPP 1.6 security whitepaper, edition 2).

Security profiles: 1 HTTP Basic (user = chargeBoxIdentity, password = the AuthorizationKey)
over ws://, 2 the same over wss:// with the Central System's certificate checked against the
installed CentralSystemRootCertificates, 3 mutual TLS with the ChargePointCertificate. The
configuration keys of the whitepaper (section 8): SecurityProfile (it only goes up; a
downgrade is Rejected), AuthorizationKey (write-only, hex-encoded; a new one makes the
charge point reconnect with it), CpoName, CertificateSignedMaxChainSize,
CertificateStoreMaxLength, AdditionalRootCertificateCheck (false).

Certificate management: InstallCertificate / GetInstalledCertificateIds / DeleteCertificate
for the CentralSystemRootCertificate and ManufacturerRootCertificate types (the CA file the
charge point was started with is its factory-installed Central System root);
ExtendedTriggerMessage SignChargePointCertificate makes a new key and CSR (CN = the
chargeBoxIdentity, O = CpoName) for SignCertificate.req; a CertificateSigned.req chain that
does not chain to an installed Central System root, is not valid now or is not for the CSR's
key is Rejected and reported (SecurityEventNotification InvalidChargePointCertificate);
an accepted one is used from the next connection on.

The security log records the security events (section 2.1); the critical ones about
certificates (InvalidChargePointCertificate, InvalidCentralSystemCertificate) are also sent
as SecurityEventNotification.req, the latter once the charge point is connected again after
a TLS handshake that failed on the server's certificate. GetLog uploads the security log (or
the diagnostics) with LogStatusNotification Uploading then Uploaded / UploadFailure.
SignedUpdateFirmware: station16_signed_firmware.

Every deviation the suite must catch is a declared fault (`s16-sec-...`).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import shutil
import ssl
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec

from conformance.ocppj import Call
from conformance.sim.faults import declarer
from conformance.sim.station16_config import Key
from conformance.sim.station16_firmware import DEFAULT_RETRY_INTERVAL, TRANSFER_TIMEOUT
from conformance.sim.station16_firmware import _http as http_request
from conformance.sim.station16_link import Answer
from conformance.sim.station16_signed_firmware import SignedFirmware
from conformance.sim.station201_certificates import Installed, public_key_bits
from conformance.transport.tls import (
    CertFiles,
    chain_problem,
    client_context,
    make_csr,
    write_key_pair,
)

if TYPE_CHECKING:
    from conformance.sim.station16 import ReferenceStation16

log = logging.getLogger(__name__)

CS_ROOT = "CentralSystemRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"
CERTIFICATE_TYPES = (CS_ROOT, MANUFACTURER_ROOT)  # CertificateUseEnumType
# The security extension's requests, answered here (the rest of 1.6 by station16_handlers).
ACTIONS: frozenset[str] = frozenset(
    {
        "CertificateSigned",
        "DeleteCertificate",
        "ExtendedTriggerMessage",
        "GetInstalledCertificateIds",
        "GetLog",
        "InstallCertificate",
        "SignedUpdateFirmware",
    }
)
CERTIFICATE_STORE_MAX = 10  # CertificateStoreMaxLength
CHAIN_MAX = 10000  # CertificateSignedMaxChainSize (the schema's maxLength)
CPO_NAME = "ocpp-conformance CPO"  # CpoName until the Central System sets one

_fault = declarer("station", ("1.6",))

_fault(
    "s16-sec-install-not-stored",
    "answers InstallCertificate Accepted but does not store the certificate",
    "TC_075_1_CS",
    "TC_075_2_CS",
)
_fault(
    "s16-sec-cert-hash-wrong",
    "GetInstalledCertificateIds: issuerKeyHash over the whole SubjectPublicKeyInfo",
    "TC_075_1_CS",
    "TC_075_2_CS",
    "TC_076_CS",
)
_fault(
    "s16-sec-install-type-ignored",
    "InstallCertificate stores every certificate as a CentralSystemRootCertificate",
    "TC_075_1_CS",
)
_fault(
    "s16-sec-delete-not-removed",
    "answers DeleteCertificate Accepted but keeps the certificate",
    "TC_076_CS",
)
_fault(
    "s16-sec-csr-wrong-cn",
    "the CSR of SignCertificate.req names the CpoName as commonName, not the chargeBoxIdentity",
    "TC_074_CS",
)
_fault(
    "s16-sec-new-certificate-unused",
    "accepts CertificateSigned but keeps connecting with its old certificate",
    "TC_074_CS",
)
_fault(
    "s16-sec-signed-unchecked",
    "accepts a CertificateSigned chain from a CA it does not trust (no chain check)",
    "TC_077_CS",
)
_fault(
    "s16-sec-no-invalid-cert-event",
    "rejects an invalid CertificateSigned chain without a SecurityEventNotification",
    "TC_077_CS",
)
_fault(
    "s16-sec-log-not-uploaded",
    "GetLog: reports the security log Uploaded without uploading it",
    "TC_079_CS",
)
_fault(
    "s16-sec-log-request-id-wrong",
    "LogStatusNotification.req carries the GetLog requestId plus one",
    "TC_079_CS",
)
_fault(
    "s16-sec-password-not-applied",
    "accepts a new AuthorizationKey but keeps connecting with the old password",
    "TC_073_CS",
)
_fault(
    "s16-sec-tls-no-verify",
    "accepts any server certificate (foreign CA): no certificate check at all",
    "TC_078_CS",
)
_fault(
    "s16-sec-no-tls-event",
    "refuses an invalid server certificate without a SecurityEventNotification afterwards",
    "TC_078_CS",
)
_fault(
    "s16-sec-no-gcm-ciphers",
    "TLS 1.2 offer without the required AES-GCM cipher suites",
    "TC_086_CS",
)
_fault(
    "s16-sec-no-client-cert",
    "security profile 3: presents no client certificate",
    "TC_087_CS",
)
_fault(
    "s16-sec-no-basic-auth",
    "security profiles 1 and 2: connects without the HTTP Basic Authorization header",
    "TC_085_CS",
)
_fault(
    "s16-sec-downgrade-accepted",
    "accepts a ChangeConfiguration SecurityProfile lower than the current one",
    "TC_084_CS",
)


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return bool(value)


class Security16:
    """The charge point's security state: credentials, certificate store, security log."""

    def __init__(self, station: ReferenceStation16) -> None:
        self.st = station
        self.faults = station.faults
        o = station.options
        self.profile = o.security_profile
        self.password = o.password
        self.entries: list[Installed] = []
        if o.ca_cert is not None:
            for cert in x509.load_pem_x509_certificates(o.ca_cert.read_bytes()):
                self.entries.append(Installed(CS_ROOT, cert, public_key_bits(cert)))
        self.client: CertFiles | None = (
            CertFiles(o.client_cert, o.client_key) if o.client_cert and o.client_key else None
        )
        self._tmp = Path(tempfile.mkdtemp(prefix="ref-cs16-security-"))
        self._pending_key: ec.EllipticCurvePrivateKey | None = None
        self._renewals = 0
        self.log: list[tuple[str, str, str]] = []  # (timestamp, type, techInfo)
        self._unreported: list[tuple[str, str]] = []  # events to send once connected
        self._tasks: set[asyncio.Task[None]] = set()
        self._uploads = 0
        self.event("StartupOfTheDevice", "the charge point started", send=False)
        self.signed_firmware = SignedFirmware(station, self)
        for key in (
            Key("SecurityProfile", "int", str(self.profile)),
            Key("AuthorizationKey", "text", ""),  # write-only: the value is never reported
            Key("CpoName", "text", CPO_NAME),
            Key("CertificateSignedMaxChainSize", "int", str(CHAIN_MAX), readonly=True),
            Key("CertificateStoreMaxLength", "int", str(CERTIFICATE_STORE_MAX), readonly=True),
            Key("AdditionalRootCertificateCheck", "bool", "false", readonly=True),
        ):
            station.config.keys[key.name] = key

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.signed_firmware.cancel_tasks()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- security events (whitepaper section 2) --------------------------------------------

    def event(self, kind: str, tech_info: str, *, send: bool = True) -> None:
        """Log a security event; `send`: a critical one, also sent to the Central System."""
        self.log.append((now_iso(), kind, tech_info))
        if not send:
            return
        if self.st.online and self.st.registration == "Accepted":
            self._notify(kind, tech_info)
        else:
            self._unreported.append((kind, tech_info))

    def _notify(self, kind: str, tech_info: str) -> None:
        payload = {"type": kind, "timestamp": now_iso(), "techInfo": tech_info[:255]}
        self.st.send("SecurityEventNotification", payload)

    # -- the connection ---------------------------------------------------------------------

    def basic_auth_password(self) -> str | None:
        if self.faults.on("s16-sec-no-basic-auth"):
            return None
        return self.password if self.profile in (1, 2) else None

    def ssl_context(self) -> ssl.SSLContext | None:
        """Profiles 2 and 3: TLS 1.2+, the server checked against the installed Central
        System roots; profile 3 also presents the ChargePointCertificate."""
        if self.profile < 2:
            return None
        roots = "".join(e.pem for e in self.entries if e.kind == CS_ROOT)
        cert = self.client if self.profile == 3 else None
        if self.faults.on("s16-sec-no-client-cert"):
            cert = None
        # No Central System root installed: the system store, as with factory defaults.
        ctx = client_context(None, cadata=roots or None, cert=cert)
        if self.faults.on("s16-sec-tls-no-verify"):
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.faults.on("s16-sec-no-gcm-ciphers"):
            ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA")
        return ctx

    def connect_failed(self, exc: BaseException) -> None:
        """A connection attempt failed: a server certificate the charge point cannot trust
        is a security event, reported once it is connected again."""
        if isinstance(exc, ssl.SSLCertVerificationError) and not self.faults.on(
            "s16-sec-no-tls-event"
        ):
            self.event("InvalidCentralSystemCertificate", str(exc.verify_message or exc))

    def booted(self) -> None:
        """After an accepted BootNotification: the critical events logged while offline."""
        pending, self._unreported = self._unreported, []
        for kind, tech_info in pending:
            self._notify(kind, tech_info)
        self.signed_firmware.booted()

    def _reconnect(self) -> None:
        """Close the connection; the connection loop opens a new one with the new settings."""
        link = self.st.link
        if link is not None:
            self.st.spawn(link.close(1000, "reconnecting with new security settings"))

    # -- requests ----------------------------------------------------------------------------

    def handle(self, call: Call) -> Answer | None:
        """The answer to a security-extension request, or None for the rest of 1.6."""
        method = {
            "CertificateSigned": self.on_certificate_signed,
            "DeleteCertificate": self.on_delete_certificate,
            "ExtendedTriggerMessage": self.on_extended_trigger,
            "GetInstalledCertificateIds": self.on_get_installed,
            "GetLog": self.on_get_log,
            "InstallCertificate": self.on_install_certificate,
            "SignedUpdateFirmware": self.signed_firmware.on_signed_update_firmware,
        }.get(call.action)
        return method(call.payload) if method is not None else None

    def on_change_configuration(self, key: str, value: str) -> Answer | None:
        """ChangeConfiguration of the security keys (None: not one of them)."""
        if key == "AuthorizationKey":
            # Hex-encoded, 16 to 20 bytes (at most 40 hex digits).
            if not _is_hex(value) or not 16 <= len(bytes.fromhex(value)) <= 20:
                return Answer(payload={"status": "Rejected"})
            try:
                password = bytes.fromhex(value).decode("ascii")
            except UnicodeDecodeError:
                return Answer(payload={"status": "Rejected"})
            self.event("ReconfigurationOfSecurityParameters", "AuthorizationKey", send=False)
            if not self.faults.on("s16-sec-password-not-applied"):
                self.password = password

            async def reconnect() -> None:
                self._reconnect()

            return Answer(payload={"status": "Accepted"}, then=reconnect)
        if key == "SecurityProfile":
            if not value.isdigit() or int(value) not in (0, 1, 2, 3):
                return Answer(payload={"status": "Rejected"})
            wanted = int(value)
            if wanted == self.profile:
                return Answer(payload={"status": "Accepted"})
            if wanted < self.profile and self.faults.on("s16-sec-downgrade-accepted"):
                self.st.config.set("SecurityProfile", value)
                return Answer(payload={"status": "Accepted"})
            # Whitepaper section 8.1: never a downgrade. The reference charge point keeps the
            # profile (and the URL) it was started with, so it takes no upgrade either.
            return Answer(payload={"status": "Rejected"})
        return None

    # -- certificate store -------------------------------------------------------------------

    def _issuer_key(self, cert: x509.Certificate) -> bytes:
        for e in self.entries:
            try:
                cert.verify_directly_issued_by(e.cert)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return public_key_bits(e.cert)
        return public_key_bits(cert)

    def on_install_certificate(self, p: Mapping[str, Any]) -> Answer:
        kind = str(p["certificateType"])
        try:
            cert = x509.load_pem_x509_certificates(str(p["certificate"]).encode("ascii"))[0]
        except ValueError:
            return Answer(payload={"status": "Rejected"})
        now = _dt.datetime.now(_dt.UTC)
        try:
            is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca or not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return Answer(payload={"status": "Rejected"})
        if any(e.kind == kind and e.cert == cert for e in self.entries):
            return Answer(payload={"status": "Accepted"})
        if len(self.entries) >= CERTIFICATE_STORE_MAX:
            return Answer(payload={"status": "Failed"})
        if self.faults.on("s16-sec-install-type-ignored"):
            kind = CS_ROOT
        if not self.faults.on("s16-sec-install-not-stored"):
            self.entries.append(Installed(kind, cert, self._issuer_key(cert)))
        return Answer(payload={"status": "Accepted"})

    def on_get_installed(self, p: Mapping[str, Any]) -> Answer:
        kind = str(p["certificateType"])
        wrong = self.faults.on("s16-sec-cert-hash-wrong")
        hashes = [e.hash_data(wrong_key_hash=wrong) for e in self.entries if e.kind == kind]
        if not hashes:
            return Answer(payload={"status": "NotFound"})
        return Answer(payload={"status": "Accepted", "certificateHashData": hashes})

    def on_delete_certificate(self, p: Mapping[str, Any]) -> Answer:
        found = [e for e in self.entries if e.matches(p["certificateHashData"])]
        if not found:
            return Answer(payload={"status": "NotFound"})
        roots = [e for e in self.entries if e.kind == CS_ROOT]
        if self.profile >= 2 and all(e.kind == CS_ROOT for e in found) and len(roots) <= 1:
            # Its only Central System root: without it the charge point could not connect.
            return Answer(payload={"status": "Failed"})
        if not self.faults.on("s16-sec-delete-not-removed"):
            self.entries = [e for e in self.entries if e not in found]
        return Answer(payload={"status": "Accepted"})

    # -- ExtendedTriggerMessage (whitepaper section 6) ---------------------------------------

    def on_extended_trigger(self, p: Mapping[str, Any]) -> Answer:
        requested = str(p["requestedMessage"])
        connector_id = p.get("connectorId")
        if connector_id is not None and int(connector_id) not in (0, *self.st.tx.connectors):
            return Answer(payload={"status": "Rejected"})
        if requested == "SignChargePointCertificate":

            async def sign() -> None:
                self._sign()

            return Answer(payload={"status": "Accepted"}, then=sign)
        if requested == "LogStatusNotification":

            async def status() -> None:
                self.st.send("LogStatusNotification", {"status": self._log_status()})

            return Answer(payload={"status": "Accepted"}, then=status)
        # The Core messages: as TriggerMessage sends them (section 5.17).
        core: dict[str, Any] = {"requestedMessage": requested}
        if connector_id is not None:
            core["connectorId"] = int(connector_id)
        return self.st.handlers.on_TriggerMessage(core)

    # -- SignCertificate / CertificateSigned (whitepaper section 4) --------------------------

    def _cpo_name(self) -> str:
        return self.st.config.get("CpoName") or CPO_NAME

    def _sign(self) -> None:
        cn = self.st.options.station_id
        if self.faults.on("s16-sec-csr-wrong-cn"):
            cn = self._cpo_name()
        csr, key = make_csr(cn, self._cpo_name())
        self._pending_key = key
        self.st.send("SignCertificate", {"csr": csr})

    def on_certificate_signed(self, p: Mapping[str, Any]) -> Answer:
        chain = str(p["certificateChain"])
        key = self._pending_key
        problem = None
        roots = [e for e in self.entries if e.kind == CS_ROOT]
        if key is None:
            problem = "no certificate signing request is pending"
        elif len(chain) > CHAIN_MAX:
            problem = "the chain is longer than CertificateSignedMaxChainSize"
        elif not self.faults.on("s16-sec-signed-unchecked"):
            ca = self._tmp / "roots.pem"
            ca.write_text("".join(e.pem for e in roots))
            problem = (
                chain_problem(chain, ca, public_key=key.public_key())
                if roots
                else "no Central System root is installed"
            )
        if problem is not None:
            if not self.faults.on("s16-sec-no-invalid-cert-event"):
                self.event("InvalidChargePointCertificate", problem)
            return Answer(payload={"status": "Rejected"})
        assert key is not None
        self._pending_key = None
        if not self.faults.on("s16-sec-new-certificate-unused"):
            self._renewals += 1
            self.client = write_key_pair(self._tmp, f"client-{self._renewals}", chain, key)

        async def reconnect() -> None:
            if self.profile == 3:
                self._reconnect()  # the new ChargePointCertificate is used from now on

        return Answer(payload={"status": "Accepted"}, then=reconnect)

    # -- GetLog (whitepaper section 5) --------------------------------------------------------

    def _log_status(self) -> str:
        return "Uploading" if self._tasks else "Idle"

    def on_get_log(self, p: Mapping[str, Any]) -> Answer:
        request_id = int(p["requestId"])
        location = str(p["log"]["remoteLocation"])
        retries = max(0, int(p.get("retries", 0)))
        interval = max(0, int(p.get("retryInterval", DEFAULT_RETRY_INTERVAL)))
        kind = str(p["logType"])
        self._uploads += 1
        name = f"{self.st.options.station_id}-{kind}-{self._uploads}.log"
        if kind == "SecurityLog":
            lines = [f"{when} {what} {info}" for when, what, info in self.log]
        else:
            lines = [f"{k.name}={k.value}" for k in self.st.config.keys.values()]
        body = ("\n".join([f"# {self.st.options.station_id} {kind}", *lines]) + "\n").encode()

        async def go() -> None:
            self._spawn(self._upload(request_id, location, name, body, retries, interval))

        return Answer(payload={"status": "Accepted", "filename": name}, then=go)

    def _log(self, status: str, request_id: int) -> None:
        if self.faults.on("s16-sec-log-request-id-wrong"):
            request_id += 1
        self.st.send("LogStatusNotification", {"status": status, "requestId": request_id})

    async def _upload(
        self, request_id: int, location: str, name: str, body: bytes, retries: int, interval: int
    ) -> None:
        url = location.rstrip("/") + "/" + name
        self._log("Uploading", request_id)
        ok = False
        for attempt in range(1 + retries):
            if attempt:
                # The request's retryInterval between two attempts IS the behaviour.
                await asyncio.sleep(interval)
            if self.faults.on("s16-sec-log-not-uploaded"):
                ok = True  # claims an upload it never made
                break
            try:
                status, _ = await asyncio.wait_for(http_request("PUT", url, body), TRANSFER_TIMEOUT)
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as exc:
                log.info("log upload to %s failed: %r", url, exc)
                continue
            if 200 <= status < 300:
                ok = True
                break
            log.info("log upload to %s: HTTP %s", url, status)
        self._log("Uploaded" if ok else "UploadFailure", request_id)
