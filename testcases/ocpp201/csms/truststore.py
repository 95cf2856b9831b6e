"""The mock station's certificate store for the block M cases (the "OCTT truststore").

It holds the root certificates the station has installed, by certificateType, and reports
them as the spec wants (CertificateHashDataType, OCPP 2.0.1 Part 2 2.6): the hashes of the
issuer's DER-encoded name and of the issuer's public key, with the hash algorithm the case
picks, and the serial number in hex without leading zeroes. The CSMS must hand exactly these
back when it deletes a certificate (M04.FR.07), so the store computes them from the real
certificates the CSMS installed, not from made-up strings.

The certificates it starts with are made at run time; their private keys are thrown away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from conformance.certificate_hash import HASH_ALGORITHMS, hash_data
from conformance.transport.tls import self_signed_ca


def parse_pem(text: str) -> x509.Certificate | None:
    """The certificate of a PEM text, or None if it is no PEM-encoded X.509 certificate."""
    if "-----BEGIN CERTIFICATE-----" not in text:
        return None
    try:
        return x509.load_pem_x509_certificate(text.encode())
    except ValueError:
        return None


def is_ca(cert: x509.Certificate) -> bool:
    try:
        ext = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return ext.value.ca


def new_root(common_name: str) -> x509.Certificate:
    """A fresh self-signed CA certificate for the store's initial contents (key discarded)."""
    cert, _key = self_signed_ca(common_name, "ocpp-conformance mock station")
    return cert


@dataclass
class TrustStore:
    """Installed certificates as (certificateType, certificate), in installation order."""

    entries: list[tuple[str, x509.Certificate]] = field(default_factory=list)

    @classmethod
    def preloaded(cls) -> TrustStore:
        """A station that trusts one CSMS root and one manufacturer root already."""
        return cls(
            [
                ("CSMSRootCertificate", new_root("mock station CSMS root")),
                ("ManufacturerRootCertificate", new_root("mock station manufacturer root")),
            ]
        )

    def add(self, certificate_type: str, cert: x509.Certificate) -> None:
        self.entries.append((certificate_type, cert))

    def chain(
        self, types: list[str] | None = None, algorithm: str = "SHA256"
    ) -> list[dict[str, Any]]:
        """certificateHashDataChain for `types` (None: every installed certificate)."""
        return [
            {"certificateType": kind, "certificateHashData": hash_data(cert, algorithm=algorithm)}
            for kind, cert in self.entries
            if types is None or kind in types
        ]

    def remove(self, data: dict[str, Any]) -> bool:
        """Delete the certificate `data` (CertificateHashDataType) names; False if none."""
        algorithm = str(data.get("hashAlgorithm"))
        if algorithm not in HASH_ALGORITHMS:
            return False
        for entry in self.entries:
            if hash_data(entry[1], algorithm=algorithm) == {
                k: data.get(k) for k in hash_data(entry[1])
            }:
                self.entries.remove(entry)
                return True
        return False
