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
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
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


def subject_name(common_name: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def write_key_pair(
    directory: Path, stem: str, cert: x509.Certificate | str, key: ec.EllipticCurvePrivateKey
) -> CertFiles:
    """`cert` (a certificate, or a PEM chain as text) and its key as `stem`.pem / `stem`.key."""
    cert_path = directory / f"{stem}.pem"
    key_path = directory / f"{stem}.key"
    if isinstance(cert, str):
        cert_path.write_text(cert)
    else:
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


def ca_certificate(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    signer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None = None,
    path_length: int | None = None,
) -> x509.Certificate:
    """A CA certificate for `key`: self-signed, or signed by `signer` (its name and key).
    The one place the harness, its cases and the reference DUTs build a CA, so every CA in a
    run carries the same extensions (CA basic constraints, keyCertSign, a key identifier)."""
    issuer_name, signing_key = signer if signer is not None else (subject, key)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(signing_key, hashes.SHA256())
    )


def self_signed_ca(
    common_name: str, org: str, days: int = 30
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A fresh self-signed root (P-256), valid from yesterday for `days` days."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = ca_certificate(
        subject_name(common_name, org), key, not_before=now - _DAY, not_after=now + days * _DAY
    )
    return cert, key


class Issuer:
    """A CA that signs leaf certificates (kept in memory while the PKI is made)."""

    def __init__(self, common_name: str, org: str, now: dt.datetime) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = subject_name(common_name, org)
        self.cert = ca_certificate(
            self.name, self.key, not_before=now - _DAY, not_after=now + 30 * _DAY, path_length=0
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
            .subject_name(subject_name(common_name, org))
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
    good = Issuer("ocpp-conformance root CA", organization, now)
    foreign = Issuer("untrusted foreign root CA", "someone else", now)
    valid = {"not_before": now - _DAY, "not_after": now + 30 * _DAY}
    expired = {"not_before": now - 30 * _DAY, "not_after": now - _DAY}

    def leaf(
        stem: str,
        issuer: Issuer,
        server: bool,
        window: dict[str, dt.datetime],
        cn: str = station_id,
    ) -> CertFiles:
        cn = hosts[0] if server else cn
        cert, key = issuer.issue(
            cn, organization, server=server, hosts=hosts if server else (), **window
        )
        return write_key_pair(directory, stem, cert, key)

    client = leaf("client", good, False, valid)
    clients = {station_id: client}
    for i, sid in enumerate(s for s in more_station_ids if s != station_id):
        clients[sid] = leaf(f"client-{i + 2}", good, False, valid, cn=sid)
    return TestPki(
        directory=directory,
        ca=write_key_pair(directory, "ca", good.cert, good.key),
        server=leaf("server", good, True, valid),
        client=client,
        clients=clients,
        expired_server=leaf("expired-server", good, True, expired),
        expired_client=leaf("expired-client", good, False, expired),
        foreign_ca=write_key_pair(directory, "foreign-ca", foreign.cert, foreign.key),
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
    maximum: ssl.TLSVersion | None = None,
) -> ssl.SSLContext:
    """The CSMS side. With `client_ca` (profile 3) a client certificate chaining to it is
    required; without a valid one the handshake fails before any HTTP is exchanged.
    `maximum` below TLS 1.2 makes a server that only speaks an outdated TLS (TC_A_06_CS)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _versions(ctx, minimum, maximum)
    if minimum >= ssl.TLSVersion.TLSv1_2:
        ctx.set_ciphers(OCPP_CIPHERS_TLS12)
    ctx.load_cert_chain(cert.cert, cert.key)
    if client_ca is not None:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    return ctx


def client_context(
    ca: Path | None,
    *,
    cert: CertFiles | None = None,
    minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    maximum: ssl.TLSVersion | None = None,
    check_hostname: bool = True,
    cadata: str | None = None,
) -> ssl.SSLContext:
    """The station side: trusts only `ca` (a DUT must be checked against the certificate it
    was given), presents `cert` for profile 3. `ca=None` (a real CSMS whose profile names no
    CA) trusts the system's store, as a station set up for a public CSMS would. `cadata`
    (PEM) instead of `ca`: the roots a station keeps in its own certificate store."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _versions(ctx, minimum, maximum)
    ctx.check_hostname = check_hostname
    if cadata is not None:
        ctx.load_verify_locations(cadata=cadata)
    elif ca is None:
        ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    else:
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
        out["peer_serial"] = format(peer.serial_number, "x")
        out["peer_key"] = key_description(peer)
    return out


def key_description(cert: x509.Certificate) -> str:
    """ "EC secp256r1 256" / "RSA 2048": what A00.FR.4xx's key-size rules are checked on."""
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name} {key.curve.key_size}"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    return type(key).__name__


def key_size_ok(description: str) -> bool:
    """A00.FR.4xx: RSA/DSA keys of at least 2048 bits, elliptic-curve keys of at least 224."""
    parts = description.split()
    try:
        bits = int(parts[-1])
    except (ValueError, IndexError):
        return False
    return bits >= (224 if parts[0] == "EC" else 2048)


# -- the ClientHello, as a CSMS sees it -----------------------------------------------------

# IANA cipher-suite codes of OCPP 2.0.1 A00.FR.318 (must) and .319 (should, RSA key exchange).
SUITES = {
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
}
REQUIRED_SUITES = (0xC02B, 0xC02C)
_VERSION_NAMES = {0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}


@dataclass(frozen=True)
class ClientHello:
    """What a station offers in its first TLS message: the versions and cipher suites."""

    versions: tuple[int, ...]  # from supported_versions, else the legacy client_version
    suites: tuple[int, ...]
    server_name: str | None

    @property
    def highest(self) -> int:
        return max(self.versions, default=0)

    @property
    def highest_name(self) -> str:
        return _VERSION_NAMES.get(self.highest, hex(self.highest))

    def missing_required_suites(self) -> list[str]:
        return [SUITES[s] for s in REQUIRED_SUITES if s not in self.suites]


class NotAClientHello(ValueError):
    """The bytes are no TLS handshake record (e.g. a plain HTTP request on the TLS port)."""


def parse_client_hello(data: bytes) -> ClientHello:
    """Parse the first TLS record of a connection (RFC 8446 4.1.2 / RFC 5246 7.4.1.2).

    Raises NotAClientHello for anything else, and ValueError for a truncated message (the
    caller reads more)."""
    if len(data) < 1 or data[0] != 0x16:
        raise NotAClientHello("the first byte is not a TLS handshake record")
    if len(data) < 9:
        raise ValueError("truncated")
    record_len = int.from_bytes(data[3:5], "big")
    body = data[5 : 5 + record_len]
    if len(body) < record_len:
        raise ValueError("truncated")
    if body[0] != 0x01:
        raise NotAClientHello("the first handshake message is not a ClientHello")
    pos = 4
    legacy = int.from_bytes(body[pos : pos + 2], "big")
    pos += 2 + 32  # version, random
    pos += 1 + body[pos]  # session id
    n = int.from_bytes(body[pos : pos + 2], "big")
    suites = tuple(int.from_bytes(body[i : i + 2], "big") for i in range(pos + 2, pos + 2 + n, 2))
    pos += 2 + n
    pos += 1 + body[pos]  # compression methods
    versions: tuple[int, ...] = (legacy,)
    server_name = None
    if pos + 2 <= len(body):
        end = pos + 2 + int.from_bytes(body[pos : pos + 2], "big")
        pos += 2
        while pos + 4 <= end:
            kind = int.from_bytes(body[pos : pos + 2], "big")
            size = int.from_bytes(body[pos + 2 : pos + 4], "big")
            ext = body[pos + 4 : pos + 4 + size]
            if kind == 43 and ext:  # supported_versions
                versions = tuple(
                    int.from_bytes(ext[i : i + 2], "big") for i in range(1, 1 + ext[0], 2)
                )
                versions = tuple(v for v in versions if v in _VERSION_NAMES) or versions
            elif kind == 0 and len(ext) > 5:  # server_name: list, type, length, name
                server_name = ext[5:].decode("ascii", "replace")
            pos += 4 + size
    return ClientHello(versions, suites, server_name)


# -- certificate signing (A02/A03: SignCertificate / CertificateSigned) -------------------


def make_csr(common_name: str, organization: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
    """A new P-256 key and a PEM CSR for it (RFC 2986) with CN and O, as a station makes
    one for SignCertificateRequest."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(subject_name(common_name, organization))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii"), key


def sign_csr(
    csr_pem: str, issuer: CertFiles, *, days: int = 30, not_after: dt.datetime | None = None
) -> str:
    """Sign a station's CSR with the CA in `issuer` (cert + key): the PEM certificate chain
    a CertificateSignedRequest carries (leaf first, then the CA). Raises ValueError for a
    CSR that does not parse or whose signature is wrong."""
    csr = x509.load_pem_x509_csr(csr_pem.encode("ascii"))
    if not csr.is_signature_valid:
        raise ValueError("the CSR's signature does not match its public key")
    ca_cert = x509.load_pem_x509_certificate(issuer.cert.read_bytes())
    ca_key = serialization.load_pem_private_key(issuer.key.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError("unsupported CA key type")
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca_cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(not_after or now + days * _DAY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM)
        + ca_cert.public_bytes(serialization.Encoding.PEM)
    ).decode("ascii")


def load_chain(pem: str) -> list[x509.Certificate]:
    """The certificates of a PEM chain, leaf first (ValueError if none parses)."""
    return x509.load_pem_x509_certificates(pem.encode("ascii"))


def chain_problem(
    chain_pem: str, ca: Path, *, public_key: ec.EllipticCurvePublicKey | None = None
) -> str | None:
    """Why a CertificateSigned chain cannot be installed, or None: it must parse, its leaf
    must be issued by `ca` (directly or through the chain's sub-CAs), be valid now, and
    carry `public_key` (the key of the pending CSR)."""
    try:
        chain = load_chain(chain_pem)
    except ValueError as exc:
        return f"the certificate chain does not parse ({exc})"
    leaf = chain[0]
    now = dt.datetime.now(dt.UTC)
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        return "the certificate is not valid now (expired or not yet valid)"
    if public_key is not None and leaf.public_key() != public_key:
        return "the certificate is not for the key of the certificate signing request"
    roots = x509.load_pem_x509_certificates(ca.read_bytes())
    current = leaf
    for parent in [*chain[1:], *roots]:
        try:
            current.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            continue
        if any(parent == r for r in roots):
            return None
        current = parent
    return "the certificate does not chain to a trusted CA"
