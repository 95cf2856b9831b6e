"""The reference 2.0.1 CSMS's firmware management: L01 (secure firmware update), L03/L04
(publish and unpublish a firmware file on a Local Controller).

The CSMS keeps one signed firmware image of its own, made when it starts: a self-signed
firmware signing certificate (EC P-256, key usage digitalSignature, extended key usage
codeSigning) and the image's ECDSA/SHA-256 signature, which every UpdateFirmwareRequest
carries (L01.FR.11), plus the image's MD5 checksum for PublishFirmwareRequest (L03). Operator
verbs build the requests (`ReferenceCsms201` sends them); `handle` answers what stations send
about firmware (FirmwareStatusNotification, PublishFirmwareStatusNotification, the
InvalidFirmwareSigningCertificate security event, the BootNotification after an update) and
remembers it per station for `GET /state`. Faults are declared with the other csms201 ones.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conformance.ocppj import Call
from conformance.sim.control import VerbError
from conformance.sim.csms201_link import Answer
from conformance.sim.csms201_state import StationRecord, now_iso
from conformance.sim.faults import ActiveFaults

FIRMWARE_LOCATION = "https://firmware.ocpp-conformance.invalid/reference-station-1.1.bin"
# Statuses that end an update or a publication unsuccessfully.
FIRMWARE_FAILURES = frozenset(
    {"DownloadFailed", "InvalidSignature", "InstallVerificationFailed", "InstallationFailed"}
)
PUBLISH_FAILURES = frozenset({"DownloadFailed", "InvalidChecksum", "PublishFailed"})


@dataclass(frozen=True)
class SignedFirmware:
    """The CSMS's firmware image as it announces it."""

    location: str
    signing_certificate: str  # PEM
    signature: str  # base64 of the ECDSA/SHA-256 signature over the image
    checksum: str  # MD5 of the image, 32 hex digits


def make_signed_firmware(location: str = FIRMWARE_LOCATION) -> SignedFirmware:
    image = b"ocpp-conformance reference firmware 1.1\n" * 256
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ocpp-conformance"),
            x509.NameAttribute(NameOID.COMMON_NAME, "ocpp-conformance firmware signing"),
        ]
    )
    now = _dt.datetime.now(_dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(days=1))
        .not_valid_after(now + _dt.timedelta(days=365))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(key, hashes.SHA256())
    )
    signature = key.sign(image, ec.ECDSA(hashes.SHA256()))
    return SignedFirmware(
        location=location,
        signing_certificate=cert.public_bytes(serialization.Encoding.PEM).decode(),
        signature=base64.b64encode(signature).decode(),
        checksum=hashlib.md5(image, usedforsecurity=False).hexdigest(),
    )


@dataclass
class FirmwareRecord:
    """What the CSMS knows of one station's firmware updates and publications."""

    update_requests: list[int] = field(default_factory=list)  # requestIds, oldest first
    statuses: list[tuple[int | None, str]] = field(default_factory=list)  # (requestId, status)
    publish_requests: list[int] = field(default_factory=list)
    publish_statuses: list[tuple[int | None, str]] = field(default_factory=list)
    published_locations: list[str] = field(default_factory=list)
    security_events: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "updateRequests": list(self.update_requests),
            "statuses": [list(s) for s in self.statuses],
            "publishRequests": list(self.publish_requests),
            "publishStatuses": [list(s) for s in self.publish_statuses],
            "publishedLocations": list(self.published_locations),
            "securityEvents": list(self.security_events),
        }


def _date_time(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    text = str(value)
    try:
        _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise VerbError(f"{name} must be an RFC 3339 date-time, not {text!r}") from None
    return text


class CsmsFirmware:
    """Firmware management of the reference 2.0.1 CSMS (requests built here, sent by it)."""

    def __init__(self, faults: ActiveFaults, firmware: SignedFirmware | None = None) -> None:
        self.faults = faults
        self.firmware = firmware or make_signed_firmware()
        self.records: dict[str, FirmwareRecord] = {}
        self._request_ids = itertools.count(1)
        self._publish_ids = itertools.count(1)

    def record(self, station_id: str) -> FirmwareRecord:
        rec = self.records.get(station_id)
        if rec is None:
            rec = self.records[station_id] = FirmwareRecord()
        return rec

    # -- requests (operator verbs) ---------------------------------------------------------

    def update_firmware(self, station_id: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """L01: UpdateFirmwareRequest for the CSMS's signed firmware, a new requestId each
        time; retrieveDateTime (default now) and installDateTime as the operator asked."""
        fw = self.firmware
        retrieve = _date_time(args, "retrieve_date_time")
        install = _date_time(args, "install_date_time")
        if retrieve is None or self.faults.on("c201-firmware-retrieve-now"):
            retrieve = now_iso()
        firmware: dict[str, Any] = {"location": fw.location, "retrieveDateTime": retrieve}
        if install is not None and not self.faults.on("c201-firmware-install-now"):
            firmware["installDateTime"] = install
        if not self.faults.on("c201-firmware-unsigned"):
            certificate = fw.signing_certificate
            if self.faults.on("c201-firmware-bad-certificate"):
                certificate = certificate.replace("\n", "", 3)[:200]
            firmware["signingCertificate"] = certificate
            firmware["signature"] = fw.signature
        request_id = 1 if self.faults.on("c201-firmware-request-id-reused") else None
        request_id = request_id or next(self._request_ids)
        self.record(station_id).update_requests.append(request_id)
        return {"requestId": request_id, "firmware": firmware}

    def publish_firmware(self, station_id: str) -> dict[str, Any]:
        """L03: PublishFirmwareRequest for the CSMS's firmware with its MD5 checksum."""
        fw = self.firmware
        checksum = fw.checksum
        if self.faults.on("c201-publish-bad-checksum"):  # base64 of the digest, not hex
            checksum = base64.b64encode(bytes.fromhex(checksum)).decode()
        request_id = next(self._publish_ids)
        self.record(station_id).publish_requests.append(request_id)
        return {"location": fw.location, "checksum": checksum, "requestId": request_id}

    def unpublish_firmware(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """L04: UnpublishFirmwareRequest for the checksum the operator named (default: the
        CSMS's own firmware)."""
        checksum = str(args.get("checksum") or self.firmware.checksum)
        if self.faults.on("c201-unpublish-wrong-checksum"):
            checksum = hashlib.md5(checksum.encode(), usedforsecurity=False).hexdigest()
        return {"checksum": checksum}

    # -- what stations send ----------------------------------------------------------------

    def handle(self, rec: StationRecord, call: Call) -> Answer | None:
        """The answer to a firmware-related station request, or None: the CSMS's general
        handling applies (also for every request of a station that is not Accepted)."""
        payload = call.payload
        if call.action == "BootNotification":
            if payload.get("reason") == "FirmwareUpdate" and self.faults.on(
                "c201-firmware-boot-pending"
            ):
                rec.next_boot = ("Pending", 5)
            return None
        if rec.registration != "Accepted":
            return None
        fw = self.record(rec.station_id)
        if call.action == "FirmwareStatusNotification":
            status = str(payload["status"])
            fw.statuses.append((payload.get("requestId"), status))
            if status in FIRMWARE_FAILURES and self.faults.on("c201-firmware-failure-error"):
                return Answer(error="InternalError", description=f"unexpected status {status}")
            return Answer({})
        if call.action == "PublishFirmwareStatusNotification":
            status = str(payload["status"])
            fw.publish_statuses.append((payload.get("requestId"), status))
            if status == "Published":
                fw.published_locations = [str(u) for u in payload.get("location") or []]
            if status in PUBLISH_FAILURES and self.faults.on("c201-publish-failure-error"):
                return Answer(error="InternalError", description=f"unexpected status {status}")
            return Answer({})
        if call.action == "SecurityEventNotification":
            kind = str(payload["type"])
            if kind != "InvalidFirmwareSigningCertificate":
                return None
            fw.security_events.append(kind)
            if self.faults.on("c201-firmware-security-event-error"):
                return Answer(error="NotSupported", description=f"security event {kind}")
            return Answer({})
        return None
