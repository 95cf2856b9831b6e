"""OCPP 2.0.1, DUT = charging station, functional block M (ISO 15118 Certificate
Management), Core profile: installing CA certificates (M05), retrieving their hash data
(M03), deleting them (M04), and SecurityCtrlr.AdditionalRootCertificateCheck (M05.FR.10-16):
a new CSMS root signed by the old one, which stays the fallback until the station has
connected with the new one.

The certificates are made per case (conformance cases never use committed keys); each one a
case installs is deleted again. The reconnection cases (M_30, M_31) need TLS: the mock CSMS
presents a server certificate signed by the new root to new handshakes (the open connection
stays as it is), and the station is reset to reconnect.
"""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.security import TlsMaterial
from conformance.session import Session
from conformance.transport.tls import CertFiles
from testcases.ocpp201.cs import certificates as certs
from testcases.ocpp201.cs import states
from testcases.ocpp201.cs.certificates import CSMS_ROOT, MANUFACTURER_ROOT

TLS = (2, 3)


# -- M05: install a CA certificate ------------------------------------------------------------


@testcase("TC_M_01_CS")
async def test_install_csms_root(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """M05.FR.01/02: a new CSMSRootCertificate is installed (Accepted) and then listed with
    its hash data. With AdditionalRootCertificateCheck true the new root is one signed by
    the installed one (the official note); it is deleted again before the station reconnects."""
    s = await states.booted(ctx)
    root = await certs.new_csms_root(ctx, s, tls)
    await certs.certificate_installed(ctx, s, CSMS_ROOT, root)
    await certs.get_installed_certificates(ctx, s, [CSMS_ROOT], [(CSMS_ROOT, root.hash)])


@testcase("TC_M_02_CS")
async def test_install_manufacturer_root(ctx: CaseContext) -> None:
    """M05.FR.01/02 (prerequisite: no AdditionalRootCertificateCheck true): a new
    ManufacturerRootCertificate is installed (Accepted) and then listed with its hash data."""
    s = await states.booted(ctx)
    await certs.require_additional_root_check(ctx, s, False)
    root = certs.new_ca("ocpp-conformance manufacturer root")
    await certs.certificate_installed(ctx, s, MANUFACTURER_ROOT, root)
    await certs.get_installed_certificates(
        ctx, s, [MANUFACTURER_ROOT], [(MANUFACTURER_ROOT, root.hash)]
    )


@testcase("TC_M_07_CS")
async def test_install_invalid_certificate(ctx: CaseContext) -> None:
    """M05.FR.01/07 (prerequisite: no AdditionalRootCertificateCheck true): an expired
    CSMSRootCertificate is Rejected and not installed."""
    s = await states.booted(ctx)
    await certs.require_additional_root_check(ctx, s, False)
    expired = certs.new_ca("ocpp-conformance expired CSMS root", expired=True)

    async def delete() -> None:  # in case the station took it after all
        await certs.delete_if_installed(ctx, CSMS_ROOT, expired.hash)

    ctx.defer(delete)
    answer = await s.call(
        "InstallCertificate", {"certificateType": CSMS_ROOT, "certificate": expired.pem}
    )
    ctx.check(
        answer.get("status") == "Rejected",
        f"InstallCertificateResponse for a CSMSRootCertificate that expired yesterday is "
        f"{answer.get('status')!r}, expected Rejected",
        requirement="M05.FR.07",
    )
    listing = await certs.installed_ids(s, [CSMS_ROOT])
    ctx.check(
        not certs.listed(listing, CSMS_ROOT, expired.hash),
        f"GetInstalledCertificateIdsResponse lists the expired CSMSRootCertificate "
        f"({certs.describe(expired.hash)}) although it must not be installed",
        requirement="M05.FR.07",
    )


@testcase("TC_M_09_CS", security_profiles=TLS)
async def test_install_root_not_signed_by_old(ctx: CaseContext) -> None:
    """M05.FR.10/11 (prerequisite: AdditionalRootCertificateCheck true): a new
    CSMSRootCertificate that is not signed by the installed one is Rejected; the installed
    CSMS roots stay as they were. (Security profiles 2 and 3: the installed CSMS root is the
    one the station's TLS connection is checked against.)"""
    s = await states.booted(ctx)
    await certs.require_additional_root_check(ctx, s, True)
    before = await certs.installed_ids(s, [CSMS_ROOT])
    ctx.require(
        before.get("status") == "Accepted",
        f"GetInstalledCertificateIdsResponse for CSMSRootCertificate is "
        f"{before.get('status')!r}; the station connects over TLS, so its CSMS root must be "
        f"listed",
        requirement="M03.FR.03",
    )
    other = certs.new_ca("ocpp-conformance unrelated CSMS root")

    async def delete() -> None:  # in case the station took it after all
        await certs.delete_if_installed(ctx, CSMS_ROOT, other.hash)

    ctx.defer(delete)
    answer = await s.call(
        "InstallCertificate", {"certificateType": CSMS_ROOT, "certificate": other.pem}
    )
    ctx.check(
        answer.get("status") == "Rejected",
        f"InstallCertificateResponse for a CSMSRootCertificate not signed by the installed "
        f"one is {answer.get('status')!r}; with AdditionalRootCertificateCheck true it must "
        f"be Rejected",
        requirement="M05.FR.11",
    )
    after = await certs.installed_ids(s, [CSMS_ROOT])
    ctx.check(
        not certs.listed(after, CSMS_ROOT, other.hash),
        f"after the rejected InstallCertificate the station lists the CSMS root that is not "
        f"signed by the installed one ({certs.describe(other.hash)})",
        requirement="M05.FR.11",
    )
    missing = [
        e for e in certs.entries(before) if not _still_listed(after, e.get("certificateHashData"))
    ]
    ctx.check(
        not missing,
        f"after the rejected InstallCertificate the station no longer lists its CSMS root(s) "
        f"{[e.get('certificateHashData') for e in missing]}",
        requirement="M05.FR.10",
    )


def _still_listed(answer: dict[str, object], h: object) -> bool:
    if not isinstance(h, dict):
        return False
    return certs.listed(answer, CSMS_ROOT, {k: str(v) for k, v in h.items()})


# -- M05.FR.13-16: reconnecting with a new CSMS root (TLS) ------------------------------------


def _need_server(ctx: CaseContext, tls: TlsMaterial | None) -> tuple[TlsMaterial, CertFiles]:
    if tls is None or tls.server is None:  # the decorator's security_profiles prevent this
        raise ctx.fail("the run has no TLS server certificate although the case needs TLS")
    return tls, tls.server


def _present(ctx: CaseContext, files: CertFiles, why: str) -> None:
    """The mock CSMS presents `files` to every new TLS handshake (open connections stay)."""
    assert ctx.csms is not None
    context = ctx.csms.server.ssl_context
    assert context is not None
    context.load_cert_chain(files.cert, files.key)
    ctx.note(f"the mock CSMS now presents {why}")


async def _installed_new_root(
    ctx: CaseContext, s: Session, tls: TlsMaterial | None
) -> tuple[certs.Ca, dict[str, object]]:
    """Memory state CertificateInstalled for <Configured new CSMS Root certificate>, signed
    by the installed (old) root; returns it and the CSMS roots listed before."""
    await certs.require_additional_root_check(ctx, s, True)
    old = certs.run_ca(tls)
    before = await certs.installed_ids(s, [CSMS_ROOT])
    new = certs.new_ca("ocpp-conformance new CSMS root", signed_by=old)
    await certs.certificate_installed(ctx, s, CSMS_ROOT, new)
    return new, before


async def _reset_on_idle(ctx: CaseContext, s: Session) -> int:
    n = ctx.connections()
    reset = await s.call("Reset", {"type": "OnIdle"})
    ctx.require(
        reset.get("status") == "Accepted",
        f"ResetResponse status is {reset.get('status')!r}, expected Accepted",
        requirement="B11.FR.01",
    )
    return n


async def _booted_after(ctx: CaseContext, n: int, timeout: float, what: str, req: str) -> Session:
    """Booted again after the Reset: a new connection, its BootNotification and report."""
    assert ctx.csms is not None
    try:
        s2 = await ctx.csms.wait_for_station(ctx.dut.station_id, timeout, after=n)
    except TimeoutError:
        raise ctx.fail(
            f"the station did not reconnect within {timeout:g} s: {what}", requirement=req
        ) from None
    await s2.expect("BootNotification", timeout=ctx.dut.timeouts.connect, why="after the Reset")
    return await states.booted(ctx)


@testcase("TC_M_30_CS", security_profiles=TLS)
async def test_reconnect_with_new_root(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """M05.FR.13 (prerequisite: AdditionalRootCertificateCheck true): after a new CSMS root
    signed by the old one is installed and the station resets, it connects to a CSMS whose
    certificate is signed by the new root; afterwards it lists the new root, and the old one,
    kept as the fallback until then, is removed."""
    material, server = _need_server(ctx, tls)
    s = await states.booted(ctx)
    new, before = await _installed_new_root(ctx, s, tls)
    work = certs.Workdir(ctx)
    leaf = work.server_cert(new, server.cert, "new-root-server")

    async def give_back() -> None:
        await certs.give_back_run_ca(ctx, material, new, reconnect=True)

    async def present_old() -> None:
        _present(ctx, server, "its configured certificate again")

    ctx.defer(give_back)
    ctx.defer(present_old)  # runs first: the station must reach the old certificate again
    _present(ctx, leaf, "a server certificate signed by the new CSMS root")
    n = await _reset_on_idle(ctx, s)
    s2 = await _booted_after(
        ctx,
        n,
        2 * ctx.dut.timeouts.connect,
        "its TLS handshake with the CSMS certificate signed by the new CSMS root must succeed",
        "M05.FR.13",
    )
    listing = await certs.installed_ids(s2, [CSMS_ROOT])
    ctx.check(
        certs.listed(listing, CSMS_ROOT, new.hash),
        f"after connecting with the new CSMS root the station does not list it "
        f"({certs.describe(new.hash)}); its CSMS roots: "
        f"{[e.get('certificateHashData') for e in certs.entries(listing)]}",
        requirement="M05.FR.13",
    )
    kept = [
        e for e in certs.entries(before) if _still_listed(listing, e.get("certificateHashData"))
    ]
    ctx.check(
        not kept,
        f"after connecting with the new CSMS root the station still lists the old one(s), "
        f"its fallback until that connection succeeded: "
        f"{[e.get('certificateHashData') for e in kept]}",
        requirement="M05.FR.13",
    )


@testcase("TC_M_31_CS", security_profiles=TLS)
async def test_reconnect_new_root_fallback(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """M05.FR.15/16 (prerequisite: AdditionalRootCertificateCheck true): a new CSMS root
    signed by the old one is installed, but after the reset the CSMS still presents a
    certificate signed by the old root: the station's attempt with the new root fails, it
    falls back to the old root, connects and boots, and the old root stays installed."""
    s = await states.booted(ctx)
    _need_server(ctx, tls)
    _, before = await _installed_new_root(ctx, s, tls)
    n = await _reset_on_idle(ctx, s)
    s2 = await _booted_after(
        ctx,
        n,
        3 * ctx.dut.timeouts.connect,
        "when the connection with the new CSMS root fails, it must fall back to the old one",
        "M05.FR.15",
    )
    after = await certs.installed_ids(s2, [CSMS_ROOT])
    missing = [
        e for e in certs.entries(before) if not _still_listed(after, e.get("certificateHashData"))
    ]
    ctx.check(
        not missing,
        f"after falling back to the old CSMS root the station no longer lists it: "
        f"{[e.get('certificateHashData') for e in missing]}",
        requirement="M05.FR.16",
    )


# -- M03: retrieve the installed certificates -------------------------------------------------


@testcase("TC_M_12_CS")
async def test_retrieve_csms_root(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """M03.FR.01/03/04: with a CSMSRootCertificate installed, GetInstalledCertificateIds for
    CSMSRootCertificate lists it with its hash data, and nothing of another type."""
    s = await states.booted(ctx)
    root = await certs.new_csms_root(ctx, s, tls)
    await certs.certificate_installed(ctx, s, CSMS_ROOT, root)
    await certs.get_installed_certificates(ctx, s, [CSMS_ROOT], [(CSMS_ROOT, root.hash)])


@testcase("TC_M_13_CS")
async def test_retrieve_manufacturer_root(ctx: CaseContext) -> None:
    """M03.FR.01/03/04: with a ManufacturerRootCertificate installed, GetInstalledCertificateIds
    for ManufacturerRootCertificate lists it with its hash data, and nothing of another type."""
    s = await states.booted(ctx)
    root = certs.new_ca("ocpp-conformance manufacturer root")
    await certs.certificate_installed(ctx, s, MANUFACTURER_ROOT, root)
    await certs.get_installed_certificates(
        ctx, s, [MANUFACTURER_ROOT], [(MANUFACTURER_ROOT, root.hash)]
    )


async def _both_installed(
    ctx: CaseContext, s: Session, tls: TlsMaterial | None
) -> list[tuple[str, dict[str, str]]]:
    """Memory state: CertificateInstalled for CSMSRootCertificate and for
    ManufacturerRootCertificate."""
    csms_root = await certs.new_csms_root(ctx, s, tls)
    await certs.certificate_installed(ctx, s, CSMS_ROOT, csms_root)
    manufacturer = certs.new_ca("ocpp-conformance manufacturer root")
    await certs.certificate_installed(ctx, s, MANUFACTURER_ROOT, manufacturer)
    return [(CSMS_ROOT, csms_root.hash), (MANUFACTURER_ROOT, manufacturer.hash)]


@testcase("TC_M_17_CS")
async def test_retrieve_csms_and_manufacturer_roots(
    ctx: CaseContext, tls: TlsMaterial | None
) -> None:
    """M03.FR.01/03/04: GetInstalledCertificateIds for CSMSRootCertificate and
    ManufacturerRootCertificate lists both installed certificates with their hash data."""
    s = await states.booted(ctx)
    expected = await _both_installed(ctx, s, tls)
    await certs.get_installed_certificates(ctx, s, [CSMS_ROOT, MANUFACTURER_ROOT], expected)


@testcase("TC_M_18_CS")
async def test_retrieve_all_certificate_types(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """M03.FR.01/03/04: GetInstalledCertificateIds without certificateType lists the
    certificates of every type, so both installed ones with their hash data."""
    s = await states.booted(ctx)
    expected = await _both_installed(ctx, s, tls)
    await certs.get_installed_certificates(ctx, s, None, expected)


@testcase("TC_M_19_CS")
async def test_retrieve_no_matching_certificate(ctx: CaseContext) -> None:
    """M03.FR.01/02 (prerequisite: no MORootCertificate installed): GetInstalledCertificateIds
    for MORootCertificate is answered NotFound without certificateHashDataChain."""
    s = await states.booted(ctx)
    answer = await certs.installed_ids(s, ["MORootCertificate"])
    ctx.check(
        answer.get("status") == "NotFound",
        f"GetInstalledCertificateIdsResponse for MORootCertificate is "
        f"{answer.get('status')!r}, expected NotFound (no MORootCertificate is installed)",
        requirement="M03.FR.02",
    )
    ctx.check(
        "certificateHashDataChain" not in answer,
        f"GetInstalledCertificateIdsResponse NotFound carries a certificateHashDataChain: "
        f"{answer.get('certificateHashDataChain')}",
        requirement="M03.FR.02",
    )


# -- M04: delete a certificate ----------------------------------------------------------------


@testcase("TC_M_20_CS")
async def test_delete_certificate(ctx: CaseContext, tls: TlsMaterial | None) -> None:
    """M04.FR.01/02: an installed CSMSRootCertificate, named by the hash data the station
    lists, is deleted (Accepted) and no longer listed. The case installs the certificate it
    deletes (CertificateInstalled) rather than taking the root the station connects with."""
    s = await states.booted(ctx)
    root = await certs.new_csms_root(ctx, s, tls)
    await certs.certificate_installed(ctx, s, CSMS_ROOT, root)
    listing = await certs.get_installed_certificates(ctx, s, [CSMS_ROOT], [(CSMS_ROOT, root.hash)])
    returned = next(
        (
            e["certificateHashData"]
            for e in certs.entries(listing)
            if certs.same_hash(e.get("certificateHashData"), root.hash)
        ),
        root.hash,
    )
    answer = await s.call("DeleteCertificate", {"certificateHashData": returned})
    ctx.check(
        answer.get("status") == "Accepted",
        f"DeleteCertificateResponse for the installed CSMSRootCertificate "
        f"({certs.describe(root.hash)}) is {answer.get('status')!r}, expected Accepted",
        requirement="M04.FR.02",
    )
    after = await certs.installed_ids(s, [CSMS_ROOT])
    ctx.check(
        not certs.listed(after, CSMS_ROOT, root.hash),
        f"after DeleteCertificate the station still lists the CSMSRootCertificate "
        f"({certs.describe(root.hash)})",
        requirement="M04.FR.02",
    )


@testcase("TC_M_22_CS")
async def test_delete_unknown_certificate(ctx: CaseContext) -> None:
    """M04.FR.01/04: DeleteCertificate with the hash data of a certificate the station does
    not have is answered NotFound."""
    s = await states.booted(ctx)
    await certs.installed_ids(s, [CSMS_ROOT])  # step 1: GetInstalledCertificates
    unknown = certs.new_ca("ocpp-conformance never installed")
    answer = await s.call("DeleteCertificate", {"certificateHashData": unknown.hash})
    ctx.check(
        answer.get("status") == "NotFound",
        f"DeleteCertificateResponse for a certificate that is not installed "
        f"({certs.describe(unknown.hash)}) is {answer.get('status')!r}, expected NotFound",
        requirement="M04.FR.04",
    )
