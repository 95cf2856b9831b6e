"""Reusable steps of the OCPP 1.6 security cases (security whitepaper edition 2), CS role.

Certificates: the memory state CertificateInstalled (a fresh root installed with
InstallCertificate, deleted again when the case ends) and the check that
GetInstalledCertificateIds lists a certificate, by the harness's own CertificateHashData
(conformance.certificate_hash) in the hash algorithm the charge point chose. Connections: to
see what a charge point does with a server it must refuse, the mock Central System hands its
port to a TLS probe for a while (conformance.transport.tls_probe), as the 2.0.1 block A cases
do; then the real endpoint listens again and the charge point must connect to it.
"""

from __future__ import annotations

import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from conformance.certificate_hash import HASH_ALGORITHMS, hash_data, same_hash
from conformance.context import CaseContext
from conformance.session import Session
from conformance.transport.tls import self_signed_ca
from conformance.verdict import NotApplicable
from testcases import tls_steps as steps
from testcases.ocpp16.cs import states

SECURITY = ("Security",)  # the PICS profile of the security whitepaper's cases
BASIC_AUTH = (1, 2)
TLS = (2, 3)
MUTUAL_TLS = (3,)
CS_ROOT = "CentralSystemRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"
ORG = "ocpp-conformance test PKI"


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def describe(h: dict[str, str]) -> str:
    return f"serialNumber {h['serialNumber']} (issuerNameHash {h['issuerNameHash'][:16]}...)"


# -- certificates ---------------------------------------------------------------------------


async def installed_hashes(
    ctx: CaseContext, s: Session, kind: str, *, step: str
) -> list[dict[str, Any]]:
    """GetInstalledCertificateIds for `kind`: its certificateHashData (none when NotFound)."""
    answer = await s.call("GetInstalledCertificateIds", {"certificateType": kind})
    status = answer.get("status")
    entries = [h for h in answer.get("certificateHashData") or [] if isinstance(h, dict)]
    ctx.check(
        status in ("Accepted", "NotFound"),
        f"GetInstalledCertificateIds.conf ({step}) status is {status!r}",
    )
    ctx.check(
        status == "Accepted" or not entries,
        f"GetInstalledCertificateIds.conf ({step}) says NotFound but lists {len(entries)} "
        f"certificate(s)",
    )
    return entries


def listed(entries: list[dict[str, Any]], cert: x509.Certificate) -> bool:
    """Whether the (self-signed) `cert` is among `entries`, by our own hash calculation in
    the algorithm of each entry."""
    for entry in entries:
        algorithm = entry.get("hashAlgorithm")
        if algorithm in HASH_ALGORITHMS and same_hash(
            entry, hash_data(cert, algorithm=str(algorithm))
        ):
            return True
    return False


def mismatch(entries: list[dict[str, Any]], cert: x509.Certificate) -> str:
    """What the listing says instead of `cert`: an entry with its serial number whose hashes
    differ from the harness's calculation, or the serial numbers it lists."""
    serial = format(cert.serial_number, "x")
    for entry in entries:
        if str(entry.get("serialNumber", "")).lower().lstrip("0") != serial.lstrip("0"):
            continue
        algorithm = str(entry.get("hashAlgorithm"))
        if algorithm not in HASH_ALGORITHMS:
            return f"an entry with its serialNumber has hashAlgorithm {algorithm!r}"
        mine = hash_data(cert, algorithm=algorithm)
        wrong = [k for k in ("issuerNameHash", "issuerKeyHash") if entry.get(k) != mine[k]]
        return (
            f"the entry with its serialNumber differs in {' and '.join(wrong)} from the "
            f"{algorithm} hash the harness calculates ({', '.join(mine[k] for k in wrong)})"
        )
    serials = [str(e.get("serialNumber")) for e in entries]
    return f"it lists serialNumber(s) {serials}" if serials else "it lists none"


async def additional_root_check(ctx: CaseContext, s: Session, kind: str) -> None:
    """A charge point with AdditionalRootCertificateCheck true only installs a Central System
    root signed by the one it has; the harness's fresh roots are self-signed."""
    if kind != CS_ROOT:
        return
    value = await states.get_configuration(ctx, s, "AdditionalRootCertificateCheck")
    if value is not None and value.lower() == "true":
        raise NotApplicable(
            "prerequisite not met: AdditionalRootCertificateCheck is true, so the charge point "
            "takes no self-signed CentralSystemRootCertificate"
        )


async def certificate_installed(ctx: CaseContext, s: Session, kind: str) -> x509.Certificate:
    """Memory state CertificateInstalled: a fresh root of `kind` installed (Accepted); the
    clean-up deletes it again."""
    await additional_root_check(ctx, s, kind)
    cert, _key = self_signed_ca(f"ocpp-conformance {kind}", ORG)
    answer = await s.call("InstallCertificate", {"certificateType": kind, "certificate": pem(cert)})
    ctx.require(
        answer.get("status") == "Accepted",
        f"InstallCertificate.conf for a valid {kind} (a self-signed CA certificate, valid "
        f"now) is {answer.get('status')!r}, expected Accepted",
    )

    async def delete() -> None:
        conn = await ctx.station()
        entries = await installed_hashes(ctx, conn, kind, step="clean-up")
        for entry in entries:
            algorithm = entry.get("hashAlgorithm")
            if algorithm in HASH_ALGORITHMS and same_hash(
                entry, hash_data(cert, algorithm=str(algorithm))
            ):
                await conn.call("DeleteCertificate", {"certificateHashData": entry})

    ctx.defer(delete)
    return cert


# -- connections ----------------------------------------------------------------------------


async def booted_again(ctx: CaseContext, n: int, t0: float, what: str) -> Session:
    """Booted after a reboot: a new connection, BootNotification, every connector reported."""
    s = await steps.reconnected(ctx, n, t0, what)
    boot = await s.expect("BootNotification", timeout=ctx.dut.timeouts.connect, why=what)
    await states.connectors_reported(ctx, s, since=boot.received, status=None)
    return s


async def settled(ctx: CaseContext) -> tuple[int, float]:
    """The current connection settled; (connection count, now) for the reconnect after it."""
    await steps.reconnected(ctx, None, 0.0, "connect")  # a refused handshake is named
    await states.booted(ctx)
    return ctx.connections(), time.monotonic()
