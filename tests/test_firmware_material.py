"""The run's firmware-update material (conformance.firmware) and the reference station's checks.

Generated material: the signature verifies over the image with the signing certificate, the
certificate chains to the written manufacturer root, the foreign certificate does not, and no
private key is ever written (the temporary directory holds the root certificate only).
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from conformance.dut import Pixit
from conformance.firmware import REFERENCE_IMAGE_MAGIC, firmware_material


def _verify(cert_pem: str, signature: str, body: bytes) -> bool:
    key = x509.load_pem_x509_certificate(cert_pem.encode()).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    try:
        key.verify(base64.b64decode(signature), body, ec.ECDSA(hashes.SHA256()))
    except Exception:
        return False
    return True


def test_generated_material_is_consistent_and_keeps_no_keys() -> None:
    m = firmware_material(Pixit())
    try:
        assert m.manufacturer_root is not None
        files = list(m.manufacturer_root.parent.iterdir())
        assert files == [m.manufacturer_root]
        assert b"PRIVATE KEY" not in m.manufacturer_root.read_bytes()
        root = x509.load_pem_x509_certificate(m.manufacturer_root.read_bytes())
        valid = m.valid
        assert valid.body is not None and valid.body.startswith(REFERENCE_IMAGE_MAGIC)
        assert _verify(valid.signing_certificate, valid.signature, valid.body)
        assert not _verify(valid.signing_certificate, m.invalid_signature, valid.body)
        x509.load_pem_x509_certificate(
            valid.signing_certificate.encode()
        ).verify_directly_issued_by(root)
        foreign = x509.load_pem_x509_certificate(m.invalid_signing_certificate.encode())
        try:
            foreign.verify_directly_issued_by(root)
        except Exception:
            pass
        else:
            raise AssertionError("the invalid signing certificate chains to the trusted root")
        broken = m.install_failure
        assert broken is not None and broken.body is not None
        assert not broken.body.startswith(REFERENCE_IMAGE_MAGIC)
        assert _verify(broken.signing_certificate, broken.signature, broken.body)
        directory = m.manufacturer_root.parent
    finally:
        m.cleanup()
    assert not directory.exists()


def test_vendor_material_comes_from_the_pixit(tmp_path: Path) -> None:
    generated = firmware_material(Pixit())
    try:
        cert = tmp_path / "signing.pem"
        cert.write_text(generated.valid.signing_certificate)
        pixit = Pixit(
            firmware_location="https://files.example.com/fw.bin",
            firmware_signing_certificate=str(cert),
            firmware_signature=generated.valid.signature,
        )
        m = firmware_material(pixit)
        assert m.manufacturer_root is None
        assert m.valid.body is None
        assert m.valid.location == "https://files.example.com/fw.bin"
        assert m.valid.signing_certificate == generated.valid.signing_certificate
        assert m.install_failure is None  # no invalid_firmware_location: TC_L_08 not run
        assert m.invalid_signature != generated.valid.signature
        assert "BEGIN CERTIFICATE" in m.invalid_signing_certificate
    finally:
        generated.cleanup()
