"""Certificates for the OCPP 2.0.1 charging-station cases of block M (and B10 with a new CSMS
root): the reusable states CertificateInstalled and GetInstalledCertificates, the
CertificateHashDataType the harness computes itself, and the CAs the cases make at run time.

The harness makes its CA certificates per case (ECDSA P-256, fresh keys): a new root, a
"new CSMS root" signed by the run's own CA (for a station with
SecurityCtrlr.AdditionalRootCertificateCheck true, M05.FR.10), an expired one (M05.FR.07),
and server certificates that chain to them. Keys live only in a private temporary
directory that is removed when the case ends; certificates (public) go over the wire.
Every certificate a case installs is deleted again when it ends, and a station that moved
its trust to a new root (M05.FR.13) is given the run's CA key back, so cases stay
independent of their order.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from conformance.certificate_hash import hash_data, same_hash
from conformance.context import CaseContext
from conformance.ocppj import CallError
from conformance.security import TlsMaterial
from conformance.session import Session
from conformance.transport.tls import CertFiles, ca_certificate, subject_name, write_key_pair
from conformance.verdict import NotApplicable

CSMS_ROOT = "CSMSRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"
_DAY = dt.timedelta(days=1)
ORG = "ocpp-conformance test PKI"


def describe(h: dict[str, str]) -> str:
    return f"serialNumber {h['serialNumber']}, issuerKeyHash {h['issuerKeyHash'][:16]}..."


# -- the CAs a case makes --------------------------------------------------------------------


@dataclass(frozen=True)
class Ca:
    """A CA certificate and its key (the key stays in memory and the case's private dir)."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    issuer: x509.Certificate  # the certificate whose key signed `cert` (itself for a root)

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def hash(self) -> dict[str, str]:
        return hash_data(self.cert, self.issuer)


def _ca_cert(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    signer: Ca | None,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    subject: x509.Name | None = None,
) -> x509.Certificate:
    return ca_certificate(
        subject or subject_name(name, ORG),
        key,
        not_before=not_before,
        not_after=not_after,
        signer=(signer.cert.subject, signer.key) if signer else None,
    )


def new_ca(name: str, signed_by: Ca | None = None, *, expired: bool = False) -> Ca:
    """A CA certificate: self-signed, or signed by `signed_by`; `expired`: valid until
    yesterday (M05.FR.07's <Generated Expired Certificate>)."""
    now = dt.datetime.now(dt.UTC)
    window = (now - 30 * _DAY, now - _DAY) if expired else (now - _DAY, now + 30 * _DAY)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _ca_cert(name, key, signed_by, not_before=window[0], not_after=window[1])
    return Ca(cert, key, signed_by.cert if signed_by else cert)


def cross_signed(ca: Ca, signer: Ca) -> Ca:
    """`ca`'s name and key in a certificate signed by `signer`: what a station whose trust
    moved to `signer` (M05.FR.13) accepts back as its next CSMS root (M05.FR.10)."""
    now = dt.datetime.now(dt.UTC)
    cert = _ca_cert(
        "",
        ca.key,
        signer,
        not_before=now - _DAY,
        not_after=now + 30 * _DAY,
        subject=ca.cert.subject,
    )
    return Ca(cert, ca.key, signer.cert)


def load_ca(files: CertFiles) -> Ca:
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the run's CA key is not an EC key")
    return Ca(cert, key, cert)


class Workdir:
    """The case's private directory for server keys, removed when the case ends."""

    def __init__(self, ctx: CaseContext) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="ocpp-conformance-m-"))

        async def remove() -> None:
            shutil.rmtree(self.path, ignore_errors=True)

        ctx.defer(remove)

    def server_cert(self, ca: Ca, like: Path, stem: str) -> CertFiles:
        """A server certificate signed by `ca` with the subject and names of the mock CSMS's
        configured one (`like`), as PEM files (the leaf alone: the station must have `ca`)."""
        model = x509.load_pem_x509_certificate(like.read_bytes())
        now = dt.datetime.now(dt.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(model.subject)
            .issuer_name(ca.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _DAY)
            .not_valid_after(now + 30 * _DAY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        )
        try:
            san = model.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            builder = builder.add_extension(san.value, critical=False)
        except x509.ExtensionNotFound:
            pass
        return write_key_pair(self.path, stem, builder.sign(ca.key, hashes.SHA256()), key)


# -- what the station says -------------------------------------------------------------------


async def additional_root_check(ctx: CaseContext, s: Session) -> bool:
    """SecurityCtrlr.AdditionalRootCertificateCheck is implemented with value true."""
    result = await s.call(
        "GetVariables",
        {
            "getVariableData": [
                {
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "AdditionalRootCertificateCheck"},
                }
            ]
        },
    )
    item = dict((result.get("getVariableResult") or [{}])[0])
    return bool(item.get("attributeStatus") == "Accepted" and item.get("attributeValue") == "true")


async def require_additional_root_check(ctx: CaseContext, s: Session, wanted: bool) -> None:
    """The case's prerequisite on SecurityCtrlr.AdditionalRootCertificateCheck."""
    if await additional_root_check(ctx, s) != wanted:
        raise NotApplicable(
            "prerequisite not met: the case is for a station "
            + (
                "with SecurityCtrlr.AdditionalRootCertificateCheck implemented and true"
                if wanted
                else "without SecurityCtrlr.AdditionalRootCertificateCheck true"
            )
        )


async def installed_ids(s: Session, kinds: list[str] | None) -> dict[str, Any]:
    """GetInstalledCertificateIdsResponse for `kinds` (None: certificateType omitted)."""
    payload: dict[str, Any] = {} if kinds is None else {"certificateType": kinds}
    return await s.call("GetInstalledCertificateIds", payload)


def entries(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(e) for e in answer.get("certificateHashDataChain") or []]


def listed(answer: dict[str, Any], kind: str, h: dict[str, str]) -> bool:
    return any(
        e.get("certificateType") == kind and same_hash(e.get("certificateHashData"), h)
        for e in entries(answer)
    )


async def get_installed_certificates(
    ctx: CaseContext,
    s: Session,
    kinds: list[str] | None,
    expected: list[tuple[str, dict[str, str]]],
) -> dict[str, Any]:
    """Reusable state GetInstalledCertificates: GetInstalledCertificateIds for `kinds`
    (None: certificateType omitted, every type); Accepted, every entry of a requested type,
    and an entry with the harness's own hash data for each `expected` certificate."""
    answer = await installed_ids(s, kinds)
    what = "every type" if kinds is None else ", ".join(kinds)
    ctx.require(
        answer.get("status") == "Accepted",
        f"GetInstalledCertificateIdsResponse for {what} is {answer.get('status')!r}, expected "
        f"Accepted: {len(expected)} such certificate(s) are installed",
        requirement="M03.FR.03",
    )
    if kinds is not None:
        others = sorted({str(e.get("certificateType")) for e in entries(answer)} - set(kinds))
        ctx.check(
            not others,
            f"GetInstalledCertificateIdsResponse for {what} also lists certificates of type "
            f"{', '.join(others)}",
            requirement="M03.FR.01",
        )
    for kind, h in expected:
        of_kind = [e for e in entries(answer) if e.get("certificateType") == kind]
        ctx.check(
            listed(answer, kind, h),
            f"GetInstalledCertificateIdsResponse has no {kind} entry with the installed "
            f"certificate's hash data ({describe(h)}; SHA256 of the issuer's name and key); "
            f"its {kind} entries are {[e.get('certificateHashData') for e in of_kind]}",
            requirement="M03.FR.04",
        )
    return answer


async def certificate_installed(ctx: CaseContext, s: Session, kind: str, ca: Ca) -> None:
    """Reusable state CertificateInstalled: InstallCertificate of `ca` as `kind`, Accepted
    (M05.FR.02). The certificate is deleted again when the case ends."""
    answer = await s.call("InstallCertificate", {"certificateType": kind, "certificate": ca.pem})

    async def delete() -> None:
        await delete_if_installed(ctx, kind, ca.hash)

    if answer.get("status") == "Accepted":
        ctx.defer(delete)
    ctx.require(
        answer.get("status") == "Accepted",
        f"InstallCertificateResponse for a valid {kind} ({describe(ca.hash)}) is "
        f"{answer.get('status')!r}, expected Accepted",
        requirement="M05.FR.02",
    )


async def delete_if_installed(ctx: CaseContext, kind: str, h: dict[str, str]) -> None:
    """Clean-up: DeleteCertificate when the station still lists the certificate."""
    assert ctx.csms is not None
    conn = ctx.csms.current(ctx.dut.station_id)
    if conn is None:
        ctx.note(f"clean-up: the station is not connected; the {kind} it got stays installed")
        return
    answer = await conn.call_raw("GetInstalledCertificateIds", {"certificateType": [kind]})
    if isinstance(answer, CallError) or not listed(answer.payload, kind, h):
        return
    result = await conn.call("DeleteCertificate", {"certificateHashData": h})
    ctx.warn(
        result.get("status") == "Accepted",
        f"clean-up: DeleteCertificate of the {kind} the case installed was answered "
        f"{result.get('status')!r}",
    )


async def new_csms_root(ctx: CaseContext, s: Session, tls: TlsMaterial | None) -> Ca:
    """<Configured new CSMS Root certificate>: self-signed; for a station with
    AdditionalRootCertificateCheck true that has a CSMS root, signed by that root (M05.FR.10),
    which the harness can only do with the run's own CA (whose key it holds)."""
    if not await additional_root_check(ctx, s):
        return new_ca("ocpp-conformance new CSMS root")
    answer = await s.call_raw("GetInstalledCertificateIds", {"certificateType": [CSMS_ROOT]})
    has_root = not isinstance(answer, CallError) and answer.payload.get("status") == "Accepted"
    if not has_root:
        return new_ca("ocpp-conformance new CSMS root")
    return new_ca("ocpp-conformance new CSMS root", signed_by=run_ca(tls))


def run_ca(tls: TlsMaterial | None) -> Ca:
    """The run's CA (certificate and key): the old CSMS root a new one is signed by."""
    if tls is None or tls.pki is None:
        raise NotApplicable(
            "the new CSMS root must be signed by the station's installed CSMS root; the harness "
            "holds that root's key only for the run's own PKI (a DUT profile without ca_cert, "
            "at security profile 2 or 3)"
        )
    return load_ca(tls.pki.ca)


def run_ca_trusted(answer: dict[str, Any], ca: Ca) -> bool:
    """The station's CSMS roots (an Accepted GetInstalledCertificateIdsResponse) include
    the run's CA itself."""
    return listed(answer, CSMS_ROOT, ca.hash)


async def give_back_run_ca(
    ctx: CaseContext, tls: TlsMaterial | None, new_root: Ca, *, reconnect: bool
) -> None:
    """Clean-up after a station took `new_root` as its CSMS root: if it still has the run's
    CA, `new_root` is deleted; if the new root replaced it (AdditionalRootCertificateCheck,
    M05.FR.13), the run CA's key comes back in a certificate signed by the new root (the one
    kind the station accepts), which it adopts at its next connection (`reconnect`: closed
    now, else the caller's own clean-up resets the station)."""
    assert ctx.csms is not None
    conn = ctx.csms.current(ctx.dut.station_id)
    if conn is None or tls is None or tls.pki is None:
        ctx.note("clean-up: the station is not connected; its CSMS roots stay as they are")
        return
    answer = await conn.call("GetInstalledCertificateIds", {"certificateType": [CSMS_ROOT]})
    ca = load_ca(tls.pki.ca)
    if answer.get("status") == "Accepted" and run_ca_trusted(answer, ca):
        await delete_if_installed(ctx, CSMS_ROOT, new_root.hash)
        return
    back = cross_signed(ca, new_root)
    result = await conn.call(
        "InstallCertificate", {"certificateType": CSMS_ROOT, "certificate": back.pem}
    )
    ctx.warn(
        result.get("status") == "Accepted",
        f"clean-up: the run's CA key signed by the new CSMS root was answered "
        f"{result.get('status')!r}; the station may not reach the mock CSMS any more",
    )
    if reconnect:
        n = ctx.connections()
        await conn.close(1000, "reconnect with the restored CSMS root")
        await ctx.station(after=n)
