"""The reference 2.0.1 station's store of CA certificates (OCPP 2.0.1 Part 2 M03-M05).

The store holds the root certificates the CSMS installed (InstallCertificate, M05), lists
them by their CertificateHashDataType (GetInstalledCertificateIds, M03) and deletes them
(DeleteCertificate, M04). Its CSMSRootCertificates are the station's trust anchors for the
TLS connection to the CSMS (security profiles 2 and 3); the CA file the station was started
with is its factory-installed CSMS root.

SecurityCtrlr.AdditionalRootCertificateCheck (ReadOnly; a start-up option of the reference
station) switches on M05's additional check: a new CSMSRootCertificate is only installed
when it is signed by the one installed (M05.FR.10/11). It is then pending: the next
connection attempt trusts only the new root; when that attempt fails the station falls back
to the old root for the next one (and back again, alternating), and the old root stays
installed until a connection with the new one succeeds, which replaces it (M05.FR.13-16).

Every deviation the suite must catch is a declared fault in station201_faults
(`s201-install-...`, `s201-cert-...`, `s201-delete-...`, `s201-root-...`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from conformance.sim.faults import ActiveFaults
from conformance.sim.options import StationOptions
from conformance.sim.station201_link import Answer
from conformance.sim.station201_model import DeviceModel, Variable

CSMS_ROOT = "CSMSRootCertificate"
# InstallCertificateUseEnumType: what InstallCertificateRequest may install.
INSTALLABLE = frozenset(
    {"V2GRootCertificate", "MORootCertificate", CSMS_ROOT, "ManufacturerRootCertificate"}
)
_HASHES = {"SHA256": hashlib.sha256, "SHA384": hashlib.sha384, "SHA512": hashlib.sha512}


def public_key_bits(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING of a certificate (what issuerKeyHash hashes)."""
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


@dataclass
class Installed:
    """One installed certificate and the public key of its issuer (known at install time)."""

    kind: str
    cert: x509.Certificate
    issuer_key: bytes

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def hash_data(
        self, algorithm: str = "SHA256", *, wrong_key_hash: bool = False
    ) -> dict[str, str]:
        """CertificateHashDataType: hashes of the issuer's name (DER) and public key, and
        the serial number in hex without leading zeroes."""
        h = _HASHES[algorithm]
        key = self.issuer_key
        if wrong_key_hash:  # fault: the whole SubjectPublicKeyInfo of the certificate itself
            key = self.cert.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        return {
            "hashAlgorithm": algorithm,
            "issuerNameHash": h(self.cert.issuer.public_bytes()).hexdigest(),
            "issuerKeyHash": h(key).hexdigest(),
            "serialNumber": format(self.cert.serial_number, "x"),
        }

    def matches(self, wanted: Mapping[str, Any]) -> bool:
        algorithm = str(wanted.get("hashAlgorithm"))
        if algorithm not in _HASHES:
            return False
        mine = self.hash_data(algorithm)
        return all(
            str(wanted.get(k, "")).lower().lstrip("0") == mine[k].lower().lstrip("0")
            for k in ("issuerNameHash", "issuerKeyHash", "serialNumber")
        )


class CertificateStore:
    """The installed CA certificates, and which of them the next TLS connection trusts."""

    def __init__(self, options: StationOptions, model: DeviceModel, faults: ActiveFaults) -> None:
        self.options = options
        self.model = model
        self.faults = faults
        self.additional_check = bool(options.extra.get("additional_root_certificate_check"))
        model.add(
            Variable(
                "SecurityCtrlr",
                "AdditionalRootCertificateCheck",
                "true" if self.additional_check else "false",
                mutability="ReadOnly",
                data_type="boolean",
            )
        )
        self.entries: list[Installed] = []
        self.pending: Installed | None = None  # a new CSMS root not yet connected with
        self._try_new = True  # the next attempt trusts the pending root (else the old ones)
        self._attempt = "none"  # what the last TLS attempt trusted: new / old / all / none
        self._factory_pem = ""
        if options.ca_cert is not None:
            self._factory_pem = options.ca_cert.read_text()
            for cert in x509.load_pem_x509_certificates(self._factory_pem.encode("ascii")):
                self.entries.append(Installed(CSMS_ROOT, cert, self._issuer_key(cert)))
        self._count()

    # -- queries ----------------------------------------------------------------------------

    def csms_roots(self) -> list[Installed]:
        roots = [e for e in self.entries if e.kind == CSMS_ROOT]
        return roots + ([self.pending] if self.pending is not None else [])

    def has(self, kind: str) -> bool:
        return any(e.kind == kind for e in [*self.entries, *self.csms_roots()])

    def _count(self) -> None:
        n = len(self.entries) + (self.pending is not None)
        self.model.find("SecurityCtrlr", "CertificateEntries").value = str(n)

    def _issuer_key(self, cert: x509.Certificate) -> bytes:
        """The issuer's public key: its own for a self-signed root, else an installed
        certificate's that signed it (M05.FR.10: the old CSMS root), else its own."""
        if cert.issuer == cert.subject and _issued_by(cert, cert):
            return public_key_bits(cert)
        for e in [*self.entries, *([self.pending] if self.pending else [])]:
            if _issued_by(cert, e.cert):
                return public_key_bits(e.cert)
        return public_key_bits(cert)

    # -- M05: InstallCertificate ------------------------------------------------------------

    def problem(self, cert: x509.Certificate) -> str | None:
        """Why `cert` is not a valid CA certificate to install now (M05.FR.06/07), or None."""
        now = _dt.datetime.now(_dt.UTC)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return "not valid now (expired or not yet valid)"
        try:
            ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            ca = False
        if not ca:
            return "not a CA certificate"
        return None

    def on_install(self, p: Mapping[str, Any]) -> Answer:
        kind = str(p["certificateType"])
        try:
            certs = x509.load_pem_x509_certificates(str(p["certificate"]).encode("ascii"))
        except ValueError:
            return Answer(payload={"status": "Rejected"})
        cert = certs[0]
        if kind not in INSTALLABLE:
            return Answer(payload={"status": "Rejected"})
        if self.problem(cert) is not None and not self.faults.on("s201-install-invalid-accepted"):
            return Answer(payload={"status": "Rejected"})
        entry = Installed(kind, cert, self._issuer_key(cert))
        if any(e.kind == kind and e.cert == cert for e in [*self.entries, *self.csms_roots()]):
            return Answer(payload={"status": "Accepted"})  # already installed
        if self.faults.on("s201-install-not-stored"):
            return Answer(payload={"status": "Accepted"})
        roots = self.csms_roots()
        check = self.additional_check and not self.faults.on("s201-root-check-ignored")
        if kind == CSMS_ROOT and check and roots:
            # M05.FR.10/11: only a root signed by the one installed; it stays pending, the
            # old one its fallback, until a connection with it succeeds (M05.FR.13-16).
            if not any(_issued_by(cert, r.cert) for r in roots):
                return Answer(payload={"status": "Rejected"})
            self.pending = entry
            self._try_new = True
        else:
            self.entries.append(entry)
        self._count()
        return Answer(payload={"status": "Accepted"})

    # -- M03: GetInstalledCertificateIds ----------------------------------------------------

    def on_get_installed(self, p: Mapping[str, Any]) -> Answer:
        wanted = p.get("certificateType")  # omitted: every type (M03.FR.01)
        if wanted and self.faults.on("s201-cert-type-first-only"):
            wanted = wanted[:1]
        wrong = self.faults.on("s201-cert-hash-wrong")
        chains = [
            {"certificateType": e.kind, "certificateHashData": e.hash_data(wrong_key_hash=wrong)}
            for e in [*[e for e in self.entries if e.kind != CSMS_ROOT], *self.csms_roots()]
            if not wanted or e.kind in wanted
        ]
        if not chains:  # M03.FR.02
            if self.faults.on("s201-cert-not-found-accepted"):
                return Answer(payload={"status": "Accepted"})
            return Answer(payload={"status": "NotFound"})
        return Answer(payload={"status": "Accepted", "certificateHashDataChain": chains})

    # -- M04: DeleteCertificate -------------------------------------------------------------

    def on_delete(self, p: Mapping[str, Any]) -> Answer:
        wanted = p["certificateHashData"]
        everything = [*[e for e in self.entries if e.kind != CSMS_ROOT], *self.csms_roots()]
        found = [e for e in everything if e.matches(wanted)]
        if not found:  # M04.FR.04
            status = "Accepted" if self.faults.on("s201-delete-unknown-accepted") else "NotFound"
            return Answer(payload={"status": status})
        roots = self.csms_roots()
        if (
            self.options.security_profile >= 2
            and all(e.kind == CSMS_ROOT for e in found)
            and len(roots) <= len(found)
        ):
            # The last CSMS root: without it the station could not connect to its CSMS.
            return Answer(payload={"status": "Failed"})
        if not self.faults.on("s201-delete-not-removed"):
            for e in found:
                if e is self.pending:
                    self.pending = None
                else:
                    self.entries.remove(e)
            self._count()
        return Answer(payload={"status": "Accepted"})

    # -- the TLS connection's trust anchors -------------------------------------------------

    def trust_pem(self) -> str | None:
        """The PEM roots the next TLS connection attempt trusts (None: none installed). With a
        pending new root (AdditionalRootCertificateCheck) only it, or, after an attempt with
        it failed, only the old ones (the fallback)."""
        if self.faults.on("s201-installed-roots-unused"):
            self._attempt = "all"
            return self._factory_pem or None
        old = [e for e in self.entries if e.kind == CSMS_ROOT]
        if self.pending is not None:
            if self._try_new or not old or self.faults.on("s201-root-no-fallback"):
                self._attempt = "new"
                return self.pending.pem
            self._attempt = "old"
            return "".join(e.pem for e in old)
        self._attempt = "all"
        return "".join(e.pem for e in old) or None

    def connected(self) -> None:
        """The attempt succeeded: with the pending root it replaces the old ones (M05.FR.13)."""
        if self._attempt == "new" and self.pending is not None:
            if not self.faults.on("s201-root-fallback-kept"):
                self.entries = [e for e in self.entries if e.kind != CSMS_ROOT]
            self.entries.append(self.pending)
            self.pending = None
            self._count()
        self._try_new = True
        self._attempt = "none"

    def failed(self) -> None:
        """The attempt failed: with a pending root, the next one uses the other set."""
        if self._attempt in ("new", "old"):
            self._try_new = self._attempt == "old"
        self._attempt = "none"
