"""The signed-firmware checks both reference stations make (2.0.1 L01, the 1.6 security
whitepaper's SignedUpdateFirmware): is the signing certificate valid now and issued by a
trusted manufacturer root, and does the signature (SHA-256, ECDSA or RSA PKCS#1 v1.5) match
the downloaded file. Each returns None, or what is wrong in words for the station's log.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
from collections.abc import Callable, Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


def certificate_problem(pem: str, roots: Iterable[x509.Certificate]) -> str | None:
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return "the signing certificate is not a PEM X.509 certificate"
    now = dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        return "the signing certificate is not valid now"
    for root in roots:
        with contextlib.suppress(ValueError, TypeError, InvalidSignature):
            cert.verify_directly_issued_by(root)
            return None
    return "the signing certificate is not issued by a trusted manufacturer root"


def signature_problem(pem: str, signature_b64: str, body: bytes) -> str | None:
    try:
        key = x509.load_pem_x509_certificate(pem.encode()).public_key()
        signature = base64.b64decode(signature_b64, validate=True)
    except ValueError:
        return "the signing certificate or the signature cannot be read"
    verify: Callable[[], None]
    if isinstance(key, ec.EllipticCurvePublicKey):

        def verify() -> None:
            key.verify(signature, body, ec.ECDSA(hashes.SHA256()))
    elif isinstance(key, rsa.RSAPublicKey):

        def verify() -> None:
            key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    else:
        return "the signing certificate's key type is not supported"
    try:
        verify()
    except InvalidSignature:
        return "the signature does not match the firmware file"
    return None
