"""TLS for security profiles 2 and 3: a test PKI made at run time, and the SSL contexts.

OCPP 2.0.1 Part 2 A00 (and the 1.6 security whitepaper) put the CSMS behind TLS 1.2 or
newer (profile 2, with HTTP basic auth on top) and add a client certificate for the
station (profile 3). Conformance runs need certificates a real DUT will not already
trust, plus deliberately bad ones (expired, from a foreign CA) to prove the DUT refuses
them, so the harness makes a fresh PKI per run instead of committing keys: nothing here
is a secret worth keeping, yet no private key ever lands in git or in a report.

Keys are ECDSA P-256: OCPP 2.0.1 A00.FR.318 requires the ECDHE-ECDSA AES-GCM suites,
and EC keys are generated in microseconds, so a run pays nothing for a fresh PKI.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import warnings
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# OCPP 2.0.1 A00.FR.318 (CSMS and station must support) and .319 (should support).
OCPP_CIPHERS_TLS12 = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
    )
)

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class CertFiles:
    """One certificate and its private key, as PEM files."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class TestPki:
    """The run's PKI: what a profile's `ca_cert` / `server_cert` / `client_cert` point to.

    `expired_*` are signed by the good CA but outside their validity; `foreign_*` are valid
    but chain to `foreign_ca`, which the DUT has never been told to trust.
    """

    __test__ = False  # not a pytest test class, despite the name

    directory: Path
    ca: CertFiles
    server: CertFiles
    client: CertFiles  # for the first station id
    clients: dict[str, CertFiles]  # one per station id: the CN must be the station's own id
    expired_server: CertFiles
    expired_client: CertFiles
    foreign_ca: CertFiles
    foreign_server: CertFiles
    foreign_client: CertFiles


def _name(common_name: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write(
    directory: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> CertFiles:
    cert_path = directory / f"{stem}.pem"
    key_path = directory / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    # The key file is created owner-only before a byte is written: no window where it is
    # world-readable.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return CertFiles(cert_path, key_path)


class _Issuer:
    """A CA that signs leaf certificates (kept in memory while the PKI is made)."""

    def __init__(self, common_name: str, org: str, now: dt.datetime) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = _name(common_name, org)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _DAY)
            .not_valid_after(now + 30 * _DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )

    def issue(
        self,
        common_name: str,
        org: str,
        *,
        server: bool,
        hosts: tuple[str, ...],
        not_before: dt.datetime,
        not_after: dt.datetime,
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, org))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        if hosts:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([_general_name(h) for h in hosts]), critical=False
            )
        return builder.sign(self.key, hashes.SHA256()), key


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def generate_pki(
    directory: Path,
    *,
    station_id: str,
    more_station_ids: tuple[str, ...] = (),
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
    organization: str = "ocpp-conformance test PKI",
) -> TestPki:
    """Make a root CA, a CSMS server certificate for `hosts`, a station client certificate
    with `station_id` as CN (OCPP 2.0.1 A00.FR.417), and the expired / foreign variants."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    good = _Issuer("ocpp-conformance root CA", organization, now)
    foreign = _Issuer("untrusted foreign root CA", "someone else", now)
    valid = {"not_before": now - _DAY, "not_after": now + 30 * _DAY}
    expired = {"not_before": now - 30 * _DAY, "not_after": now - _DAY}

    def leaf(
        stem: str,
        issuer: _Issuer,
        server: bool,
        window: dict[str, dt.datetime],
        cn: str = station_id,
    ) -> CertFiles:
        cn = hosts[0] if server else cn
        cert, key = issuer.issue(
            cn, organization, server=server, hosts=hosts if server else (), **window
        )
        return _write(directory, stem, cert, key)

    client = leaf("client", good, False, valid)
    clients = {station_id: client}
    for i, sid in enumerate(s for s in more_station_ids if s != station_id):
        clients[sid] = leaf(f"client-{i + 2}", good, False, valid, cn=sid)
    return TestPki(
        directory=directory,
        ca=_write(directory, "ca", good.cert, good.key),
        server=leaf("server", good, True, valid),
        client=client,
        clients=clients,
        expired_server=leaf("expired-server", good, True, expired),
        expired_client=leaf("expired-client", good, False, expired),
        foreign_ca=_write(directory, "foreign-ca", foreign.cert, foreign.key),
        foreign_server=leaf("foreign-server", foreign, True, valid),
        foreign_client=leaf("foreign-client", foreign, False, valid),
    )


def _versions(ctx: ssl.SSLContext, minimum: ssl.TLSVersion, maximum: ssl.TLSVersion | None) -> None:
    """Set the protocol range. Below TLS 1.2 only on purpose (a reference-DUT fault, or the
    check that a DUT refuses an old client): Python warns that 1.1 is deprecated, which is the
    point, and OpenSSL's default security level would refuse it anyway and hide the fault."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = minimum
        if maximum is not None:
            ctx.maximum_version = maximum
    if minimum < ssl.TLSVersion.TLSv1_2:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")


def server_context(
    cert: CertFiles,
    *,
    client_ca: Path | None = None,
    minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
) -> ssl.SSLContext:
    """The CSMS side. With `client_ca` (profile 3) a client certificate chaining to it is
    required; without a valid one the handshake fails before any HTTP is exchanged."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _versions(ctx, minimum, None)
    if minimum >= ssl.TLSVersion.TLSv1_2:
        ctx.set_ciphers(OCPP_CIPHERS_TLS12)
    ctx.load_cert_chain(cert.cert, cert.key)
    if client_ca is not None:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    return ctx


def client_context(
    ca: Path,
    *,
    cert: CertFiles | None = None,
    minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    maximum: ssl.TLSVersion | None = None,
    check_hostname: bool = True,
) -> ssl.SSLContext:
    """The station side: trusts only `ca` (never the system store: a DUT must be checked
    against the certificate it was given), presents `cert` for profile 3."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _versions(ctx, minimum, maximum)
    ctx.check_hostname = check_hostname
    ctx.load_verify_locations(ca)
    if cert is not None:
        ctx.load_cert_chain(cert.cert, cert.key)
    return ctx


def peer_certificate_summary(ssl_obj: ssl.SSLObject) -> dict[str, str]:
    """What the trace and the report show of a TLS session: version, cipher and the peer's
    certificate (subject, issuer, validity). Never key material."""
    out: dict[str, str] = {"version": ssl_obj.version() or ""}
    cipher = ssl_obj.cipher()
    if cipher:
        out["cipher"] = cipher[0]
    der = ssl_obj.getpeercert(binary_form=True)
    if der:
        peer = x509.load_der_x509_certificate(der)
        out["peer_subject"] = peer.subject.rfc4514_string()
        out["peer_issuer"] = peer.issuer.rfc4514_string()
        out["peer_not_after"] = peer.not_valid_after_utc.isoformat()
    return out
