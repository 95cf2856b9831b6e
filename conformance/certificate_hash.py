"""CertificateHashDataType as the harness computes it (OCPP 2.0.1 Part 2 2.6, 1.6 security
whitepaper): the hash of the issuer's DER-encoded name, the hash of the issuer's public key
(the subjectPublicKey BIT STRING, as RFC 6960 issuerKeyHash), and the serial number in hex
without leading zeroes.

Both roles need it: a charging-station case checks the hashes a station reports for the
certificates the harness installed, and the mock station of a CSMS case reports hashes the
CSMS must hand back unchanged. The reference DUTs compute theirs separately, so a slip here
cannot hide the same slip in a reference DUT.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

_HASHES: dict[str, Callable[[bytes], Any]] = {
    "SHA256": hashlib.sha256,
    "SHA384": hashlib.sha384,
    "SHA512": hashlib.sha512,
}
HASH_ALGORITHMS: tuple[str, ...] = tuple(_HASHES)  # HashAlgorithmEnumType


def public_key_bits(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING contents of the certificate's key."""
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    raise ValueError(f"unsupported key type {type(key).__name__}")


def hash_data(
    cert: x509.Certificate, issuer: x509.Certificate | None = None, algorithm: str = "SHA256"
) -> dict[str, str]:
    """CertificateHashDataType of `cert` issued by `issuer` (None: `cert` is a root)."""
    digest = _HASHES[algorithm]
    return {
        "hashAlgorithm": algorithm,
        "issuerNameHash": digest(cert.issuer.public_bytes()).hexdigest(),
        "issuerKeyHash": digest(public_key_bits(issuer or cert)).hexdigest(),
        "serialNumber": format(cert.serial_number, "x"),
    }


def same_hash(a: Any, b: dict[str, str]) -> bool:
    """Two CertificateHashDataTypes name the same certificate (hex compared without case;
    the serial number without leading zeroes)."""
    if not isinstance(a, dict) or a.get("hashAlgorithm") != b["hashAlgorithm"]:
        return False
    return all(
        str(a.get(k, "")).lower().lstrip("0") == b[k].lower().lstrip("0")
        for k in ("issuerNameHash", "issuerKeyHash", "serialNumber")
    )
