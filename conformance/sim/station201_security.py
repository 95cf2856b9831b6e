"""How the reference 2.0.1 station secures its connection (OCPP 2.0.1 Part 2 A00, A01).

Security profile 1: HTTP Basic with the station id as user name and
SecurityCtrlr.BasicAuthPassword over ws://; 2: the same over wss:// with the CSMS certificate
checked against the configured CA (TLS 1.2 or newer, AES-GCM suites); 3: mutual TLS with the
station's client certificate. The password lives in the device model (WriteOnly), so a
SetVariablesRequest can change it (A01); the station then reconnects with the new one. The
CSMS certificate is checked against the CSMS roots of the station's certificate store
(station201_certificates: the configured CA, and what InstallCertificate added, M05).

Every way this can go wrong on purpose is a declared fault (`s201-...`), each caught by a
block-A case.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import shutil
import ssl
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives.asymmetric import ec

from conformance.sim.faults import ActiveFaults, declarer
from conformance.sim.options import StationOptions
from conformance.sim.station201_certificates import CSMS_ROOT, CertificateStore
from conformance.sim.station201_link import Answer
from conformance.sim.station201_model import DeviceModel, Variable
from conformance.transport.tls import (
    CertFiles,
    chain_problem,
    client_context,
    make_csr,
    write_key_pair,
)

Send = Callable[[str, dict[str, Any]], Awaitable[Mapping[str, Any] | None]]

_V = ("2.0.1",)
# OpenSSL's X509_V_FLAG_NO_CHECK_TIME: verify the chain but not the validity dates (Python's
# ssl module has no name for it). Only the accept-expired fault uses it.
_NO_CHECK_TIME = 0x200000
# What A00.FR.204 allows in a basic-auth password (passwordString): 16-40 characters of
# these (the identifierString set plus a few more).
PASSWORD_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-_=:+|@."
)


_fault = declarer("station", _V)


_fault(
    "s201-tls-no-verify",
    "accepts any server certificate (foreign CA, expired): no certificate check at all",
    "TC_A_05_CS",
)
_fault(
    "s201-tls-accept-expired",
    "checks the server certificate's chain but not its validity dates (accepts expired)",
    "TC_A_05_CS",
)
_fault("s201-tls11", "offers and accepts TLS 1.1 (TLS 1.2 is the minimum)", "TC_A_06_CS")
_fault(
    "s201-no-gcm-ciphers",
    "TLS 1.2 offer without the required ECDHE-ECDSA AES-GCM cipher suites",
    "TC_A_04_CS",
)
_fault(
    "s201-password-cleartext",
    "security profile 2: connects over ws://, sending its password in the clear",
    "TC_A_04_CS",
)
_fault(
    "s201-auth-wrong-user",
    "basic auth with the user name 'ocpp' instead of its station id",
    "TC_A_01_CS",
)
_fault(
    "s201-no-client-cert",
    "security profile 3 without presenting its client certificate",
    "TC_A_07_CS",
)
_fault(
    "s201-password-not-applied",
    "SetVariables BasicAuthPassword Accepted, but it reconnects with the old password",
    "TC_A_09_CS",
)
_fault(
    "s201-weak-password-accepted",
    "SetVariables accepts a BasicAuthPassword shorter than 16 characters",
    "TC_A_10_CS",
)


_fault(
    "s201-csr-wrong-cn",
    "the CSR for its certificate has commonName 'reference-station', not its station id",
    "TC_A_11_CS",
)
_fault(
    "s201-cert-signed-accept-invalid",
    "CertificateSigned: installs any certificate (foreign CA, another key) and says Accepted",
    "TC_A_14_CS",
)
_fault(
    "s201-trigger-sign-rejected",
    "TriggerMessage SignChargingStationCertificate answered Rejected",
    "TC_A_11_CS",
    "TC_A_15_CS",
)
_fault(
    "s201-no-cert-signing-retry",
    "no new SignCertificateRequest when no CertificateSigned comes (CertSigningWaitMinimum)",
    "TC_A_23_CS",
)

_fault(
    "s201-upgrade-without-root-cert",
    "SetNetworkProfile to security profile 2/3 accepted without a CSMSRootCertificate",
    "TC_A_20_CS",
)
_fault(
    "s201-network-profile-downgrade",
    "SetNetworkProfile accepts a connection profile with a lower security profile",
    "TC_A_22_CS",
)


def password_problem(value: str) -> str | None:
    """Why `value` cannot be a basic-auth password (A00.FR.204), or None."""
    if not 16 <= len(value) <= 40:
        return f"{len(value)} characters, not 16 to 40"
    if any(ch not in PASSWORD_CHARS for ch in value):
        return "characters outside passwordString"
    return None


class StationSecurity:
    """The station's credentials and TLS settings, from the options and the device model."""

    def __init__(
        self, options: StationOptions, model: DeviceModel, faults: ActiveFaults, send: Send
    ) -> None:
        self.options = options
        self.faults = faults
        self.model = model
        self.send = send
        model.add(
            Variable(
                "SecurityCtrlr",
                "BasicAuthPassword",
                options.password or "",
                mutability="WriteOnly",
                data_type="passwordString",
            ),
            Variable(
                "SecurityCtrlr", "CertSigningWaitMinimum", "30", data_type="integer", min_limit=1
            ),
            Variable(
                "SecurityCtrlr", "CertSigningRepeatTimes", "2", data_type="integer", min_limit=0
            ),
        )
        self._pending: tuple[str, ec.EllipticCurvePrivateKey] | None = None  # CSR, its key
        self._retry: asyncio.Task[None] | None = None
        self._renewed: CertFiles | None = None  # the certificate installed by A02
        self._dir: Path | None = None
        # M03-M05: the installed CA certificates; its CSMS roots are the TLS trust anchors.
        self.certificates = CertificateStore(options, model, faults)

    def check_password(self, value: str) -> str | None:
        """SetVariables validation of SecurityCtrlr.BasicAuthPassword."""
        if self.faults.on("s201-weak-password-accepted") and len(value) >= 1:
            return None
        return password_problem(value)

    @property
    def password(self) -> str | None:
        """The password of the next connection (profiles 1 and 2 only)."""
        if self.options.security_profile not in (1, 2):
            return None
        if self.faults.on("s201-password-not-applied"):
            return self.options.password
        return self.model.get("SecurityCtrlr", "BasicAuthPassword") or None

    @property
    def username(self) -> str:
        return "ocpp" if self.faults.on("s201-auth-wrong-user") else self.options.station_id

    @property
    def url(self) -> str:
        url = self.options.csms_url
        if self.options.security_profile == 2 and self.faults.on("s201-password-cleartext"):
            parts = urlsplit(url)
            return urlunsplit(("ws", *parts[1:]))
        return url

    def ssl_context(self) -> ssl.SSLContext | None:
        o = self.options
        if o.security_profile < 2 or urlsplit(self.url).scheme != "wss":
            return None
        roots = self.certificates.trust_pem()
        if roots is None:
            # No CSMS root installed: trust the system store, as a station with factory
            # defaults would.
            return ssl.create_default_context()
        cert = (
            CertFiles(o.client_cert, o.client_key)
            if o.security_profile == 3 and o.client_cert and o.client_key
            else None
        )
        if cert is not None and self._renewed is not None:
            cert = self._renewed
        if self.faults.on("s201-no-client-cert"):
            cert = None
        tls11 = self.faults.on("s201-tls11")
        minimum = ssl.TLSVersion.TLSv1_1 if tls11 else ssl.TLSVersion.TLSv1_2
        ctx = client_context(None, cadata=roots, cert=cert, minimum=minimum)
        # An installed root may itself be signed by an older one (M05.FR.10): it is a trust
        # anchor all the same.
        ctx.verify_flags = ssl.VerifyFlags(ctx.verify_flags | ssl.VERIFY_X509_PARTIAL_CHAIN)
        if self.faults.on("s201-tls-no-verify"):
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.faults.on("s201-tls-accept-expired"):
            ctx.verify_flags = ssl.VerifyFlags(ctx.verify_flags | _NO_CHECK_TIME)
        if self.faults.on("s201-no-gcm-ciphers"):
            ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA")
        return ctx

    # -- installed CA certificates (M03-M05, used by A05) --------------------------------

    def has_csms_root(self) -> bool:
        """A CSMSRootCertificate is installed: the CA the station checks the CSMS against."""
        return self.certificates.has(CSMS_ROOT)

    def upgrade_problem(self, security_profile: int) -> str | None:
        """A05.FR.02/03: why the station cannot move to `security_profile`, or None."""
        if security_profile < 2 or self.faults.on("s201-upgrade-without-root-cert"):
            return None
        if not self.has_csms_root():
            return "no CSMSRootCertificate installed"
        if security_profile == 3 and not (self.options.client_cert or self._renewed):
            return "no ChargingStationCertificate installed"
        return None

    def on_get_installed_certificate_ids(self, p: Mapping[str, Any]) -> Answer:
        """GetInstalledCertificateIds (M03): the hash data of the installed certificates."""
        return self.certificates.on_get_installed(p)

    def connection_succeeded(self) -> None:
        """The connection attempt succeeded (a pending new CSMS root is now the root)."""
        self.certificates.connected()

    def connection_failed(self) -> None:
        """The connection attempt failed (a pending new CSMS root: fall back, M05)."""
        self.certificates.failed()

    # -- A02: the station's certificate, renewed on the CSMS's request --------------------

    def on_trigger_sign(self) -> Answer:
        """TriggerMessage SignChargingStationCertificate (A02.FR.01/02, F06): a new key and
        CSR, sent in a SignCertificateRequest after the response."""
        if self.faults.on("s201-trigger-sign-rejected") or self.options.ca_cert is None:
            return Answer(payload={"status": "Rejected"})
        return Answer(payload={"status": "Accepted"}, then=self._sign)

    async def _sign(self) -> None:
        cn = "reference-station" if self.faults.on("s201-csr-wrong-cn") else None
        org = self.model.get("SecurityCtrlr", "OrganizationName")
        csr, key = make_csr(cn or self.options.station_id, org)
        self._pending = (csr, key)
        if self._retry is not None:
            self._retry.cancel()
        self._retry = asyncio.ensure_future(self._request_signing(csr))

    async def _request_signing(self, csr: str) -> None:
        """A02.FR.17-19: without a CertificateSigned within CertSigningWaitMinimum seconds,
        send the SignCertificateRequest again, doubling the wait, CertSigningRepeatTimes
        times. The waits ARE the behaviour (a protocol timer)."""
        wait = float(max(1, self.model.get_int("SecurityCtrlr", "CertSigningWaitMinimum")))
        repeats = self.model.get_int("SecurityCtrlr", "CertSigningRepeatTimes")
        payload = {"csr": csr, "certificateType": "ChargingStationCertificate"}
        for attempt in range(repeats + 1):
            answer = await self.send("SignCertificate", dict(payload))
            if (answer or {}).get("status") != "Accepted":
                self._pending = None  # the CSMS will not sign it: nothing to wait for
                return
            if self.faults.on("s201-no-cert-signing-retry") or attempt == repeats:
                return
            await asyncio.sleep(wait)
            wait *= 2

    def on_certificate_signed(self, p: Mapping[str, Any]) -> Answer:
        """A02.FR.06-09: install a chain that is valid, chains to the trusted CA and carries
        the pending CSR's key; otherwise Rejected and a security event."""
        chain = str(p["certificateChain"])
        pending = self._pending
        problem: str | None
        if pending is None:
            problem = "no certificate signing request is pending"
        else:
            assert self.options.ca_cert is not None
            problem = chain_problem(chain, self.options.ca_cert, public_key=pending[1].public_key())
        if problem is not None and not self.faults.on("s201-cert-signed-accept-invalid"):
            event = {
                "type": "InvalidChargingStationCertificate",
                "timestamp": _now(),
                "techInfo": problem[:255],
            }

            async def report() -> None:
                with contextlib.suppress(Exception):
                    await self.send("SecurityEventNotification", event)

            return Answer(payload={"status": "Rejected"}, then=report)
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if pending is not None:
            self._install(chain, pending[1])
        self._pending = None
        return Answer(payload={"status": "Accepted"})

    def _install(self, chain: str, key: ec.EllipticCurvePrivateKey) -> None:
        """Keep the new certificate for the next TLS connections (A02.FR.09: the old one
        stays in use until then)."""
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="ref-station-cert-"))
        self._renewed = write_key_pair(self._dir, "client", chain, key)

    def close(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
