"""The run's firmware-update material (OCPP 2.0.1 L01, secure firmware update).

An UpdateFirmwareRequest names a firmware location, the certificate the firmware was signed
with and the signature over the file; the station checks the certificate against its
manufacturer root and the signature against the file before it installs anything.

A real station's vendor gives their own material in the DUT profile's PIXIT
(`firmware_location`, `firmware_signing_certificate`, `firmware_signature`, ...). Where the
profile names none (the reference runs), the run makes it: a manufacturer root CA, a code
signing certificate it issues, a signed reference firmware image, a second validly signed
image the reference station refuses at install verification, and a signing certificate from a
CA nobody trusts. The harness serves the images itself (testcases' file_transfer download
server). Only the root's certificate is written to disk, in a private temporary directory,
for the reference station to trust; no private key is ever written anywhere, and the keys are
dropped as soon as the material is made.
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conformance.dut import Pixit
from conformance.transport.tls import Issuer

# The reference station installs only images that start with this line (its "install
# verification"); anything else that is validly signed fails as InstallVerificationFailed.
REFERENCE_IMAGE_MAGIC = b"OCPP-CONFORMANCE REFERENCE FIRMWARE\n"
REFERENCE_IMAGE_VERSION = "0.2.0"

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class FirmwareImage:
    """One firmware as an UpdateFirmwareRequest names it. `body` is set when the harness
    serves the file itself (its location is then made per case); else `location` is the
    vendor's URL."""

    location: str
    body: bytes | None
    signing_certificate: str  # PEM
    signature: str  # base64

    @property
    def served(self) -> bool:
        return self.body is not None


@dataclass
class FirmwareMaterial:
    valid: FirmwareImage
    install_failure: FirmwareImage | None  # TC_L_08: signed, but fails install verification
    invalid_signing_certificate: str  # TC_L_05: a certificate the station must refuse
    invalid_signature: str  # TC_L_06: a signature that does not match the valid image
    manufacturer_root: Path | None = None  # generated root, for the reference station
    _tmp: Path | None = None

    def cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def _sign(key: ec.EllipticCurvePrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode("ascii")


def _code_signing(issuer: Issuer, now: dt.datetime) -> tuple[str, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ocpp-conformance"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "firmware signing"),
                ]
            )
        )
        .issuer_name(issuer.name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _DAY)
        .not_valid_after(now + 30 * _DAY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), key


def reference_image(version: str, request_note: str = "") -> bytes:
    return REFERENCE_IMAGE_MAGIC + f"version: {version}\n{request_note}".encode()


def generate() -> FirmwareMaterial:
    """Fresh material for a run whose profile names no firmware of its own."""
    now = dt.datetime.now(dt.UTC)
    root = Issuer("ocpp-conformance manufacturer root", "ocpp-conformance", now)
    foreign = Issuer("untrusted manufacturer root", "someone else", now)
    cert, key = _code_signing(root, now)
    foreign_cert, _ = _code_signing(foreign, now)
    image = reference_image(REFERENCE_IMAGE_VERSION)
    broken = b"not a firmware image this station can install\n"
    tmp = Path(tempfile.mkdtemp(prefix="ocpp-conformance-firmware-"))
    root_path = tmp / "manufacturer-root.pem"
    root_path.write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
    material = FirmwareMaterial(
        valid=FirmwareImage("", image, cert, _sign(key, image)),
        install_failure=FirmwareImage("", broken, cert, _sign(key, broken)),
        invalid_signing_certificate=foreign_cert,
        invalid_signature=_sign(key, image + b"tampered"),
        manufacturer_root=root_path,
        _tmp=tmp,
    )
    del key, root, foreign  # the private keys go now; nothing else signs with them
    return material


def _tampered(signature: str) -> str:
    raw = bytearray(base64.b64decode(signature))
    raw[len(raw) // 2] ^= 0xFF
    return base64.b64encode(bytes(raw)).decode("ascii")


def from_pixit(pixit: Pixit) -> FirmwareMaterial:
    """The vendor's material from the profile's PIXIT (`firmware_location` set)."""
    cert = Path(pixit.firmware_signing_certificate).read_text()
    valid = FirmwareImage(pixit.firmware_location, None, cert, pixit.firmware_signature)
    failure = None
    if pixit.invalid_firmware_location:
        failure = FirmwareImage(
            pixit.invalid_firmware_location,
            None,
            cert,
            pixit.invalid_firmware_signature or pixit.firmware_signature,
        )
    if pixit.invalid_firmware_signing_certificate:
        invalid_cert = Path(pixit.invalid_firmware_signing_certificate).read_text()
    else:  # a code-signing certificate from a CA nobody trusts: invalid for any station
        now = dt.datetime.now(dt.UTC)
        invalid_cert = _code_signing(Issuer("untrusted root", "someone else", now), now)[0]
    return FirmwareMaterial(
        valid=valid,
        install_failure=failure,
        invalid_signing_certificate=invalid_cert,
        invalid_signature=_tampered(pixit.firmware_signature),
    )


def firmware_material(pixit: Pixit) -> FirmwareMaterial:
    return from_pixit(pixit) if pixit.firmware_location else generate()
