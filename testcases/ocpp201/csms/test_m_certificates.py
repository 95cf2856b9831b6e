"""OCPP 2.0.1, DUT = CSMS, functional block M (ISO 15118 Certificate Management), Core.

The CSMS installs root certificates on a station (M05), asks which ones it has (M03) and
deletes one by the hash data the station reported (M04). The mock station keeps a real
certificate store (testcases/ocpp201/csms/truststore.py): what it reports are the hashes of the
certificates it actually holds, so a CSMS that alters them when deleting is caught.
"""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from testcases.ocpp201.csms import states
from testcases.ocpp201.csms.truststore import HASH_ALGORITHMS, TrustStore

CSMS_ROOT = "CSMSRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"


@testcase("TC_M_01_CSMS", verbs=("install_certificate",))
async def test_install_csms_root(ctx: CaseContext) -> None:
    """M05.FR.01: CertificateInstalled for certificateType CSMSRootCertificate."""
    st = await states.booted_station(ctx)
    await states.certificate_installed(ctx, st, TrustStore(), CSMS_ROOT)


@testcase("TC_M_02_CSMS", verbs=("install_certificate",))
async def test_install_manufacturer_root(ctx: CaseContext) -> None:
    """M05.FR.01: CertificateInstalled for certificateType ManufacturerRootCertificate."""
    st = await states.booted_station(ctx)
    await states.certificate_installed(ctx, st, TrustStore(), MANUFACTURER_ROOT)


@testcase("TC_M_05_CSMS", verbs=("install_certificate",))
async def test_install_failed(ctx: CaseContext) -> None:
    """M05.FR.01, M05.FR.03: the station fails to install the CSMS root; the CSMS takes the
    Failed status and goes on serving the station."""
    st = await states.booted_station(ctx)
    msg, _cert = await states.install_certificate_request(ctx, st, CSMS_ROOT)
    await msg.reply({"status": "Failed"})
    await states.still_serving(ctx, st, "an InstallCertificateResponse with status Failed")


async def _retrieve(ctx: CaseContext, types: list[str] | None) -> None:
    st = await states.booted_station(ctx)
    chain = await states.get_installed_certificates(ctx, st, TrustStore.preloaded(), types)
    ctx.note(f"the station reported {len(chain)} certificate(s)")


@testcase("TC_M_12_CSMS", verbs=("get_installed_certificate_ids",))
async def test_retrieve_csms_root(ctx: CaseContext) -> None:
    """M03.FR.01: GetInstalledCertificates for certificateType CSMSRootCertificate."""
    await _retrieve(ctx, [CSMS_ROOT])


@testcase("TC_M_13_CSMS", verbs=("get_installed_certificate_ids",))
async def test_retrieve_manufacturer_root(ctx: CaseContext) -> None:
    """M03.FR.01: GetInstalledCertificates for certificateType ManufacturerRootCertificate."""
    await _retrieve(ctx, [MANUFACTURER_ROOT])


@testcase("TC_M_17_CSMS", verbs=("get_installed_certificate_ids",))
async def test_retrieve_csms_and_manufacturer_root(ctx: CaseContext) -> None:
    """M03.FR.01: GetInstalledCertificates for CSMSRootCertificate and
    ManufacturerRootCertificate in one request."""
    await _retrieve(ctx, [CSMS_ROOT, MANUFACTURER_ROOT])


@testcase("TC_M_18_CSMS", verbs=("get_installed_certificate_ids",))
async def test_retrieve_all(ctx: CaseContext) -> None:
    """M03.FR.01: the CSMS asks for every installed certificate (certificateType omitted) and
    gets the hash data of all certificates in the station's store."""
    await _retrieve(ctx, None)


@testcase("TC_M_19_CSMS", verbs=("get_installed_certificate_ids",))
async def test_retrieve_none_found(ctx: CaseContext) -> None:
    """M03.FR.01, M03.FR.02: the station has no ManufacturerRootCertificate and answers
    NotFound without certificateHashDataChain; the CSMS goes on serving it."""
    st = await states.booted_station(ctx)
    store = TrustStore()  # nothing installed
    chain = await states.get_installed_certificates(ctx, st, store, [MANUFACTURER_ROOT])
    ctx.require(not chain, "the station's store was meant to be empty")
    await states.still_serving(ctx, st, "a GetInstalledCertificateIdsResponse NotFound")


async def _delete(
    ctx: CaseContext,
    st: MockStation,
    store: TrustStore,
    algorithm: str = "SHA256",
    *,
    fail: bool = False,
) -> str:
    """The operator deletes the CSMS root: the CSMS asks for the station's CSMS roots
    (certificateType CSMSRootCertificate or omitted; the station reports them with
    `algorithm`), then names one in DeleteCertificateRequest with exactly the hash data
    reported (M04.FR.07). The station deletes it, or answers Failed when `fail`.
    Returns the serial number of the certificate the station reported."""
    msg = await states.operator_request(
        ctx, st, "GetInstalledCertificateIds", "delete_certificate", certificate_type=CSMS_ROOT
    )
    states.check_installed_ids_request(ctx, msg, [CSMS_ROOT], or_omitted=True)
    st.conn.hold("DeleteCertificate")
    requested = msg.payload.get("certificateType")
    chain = await states.answer_installed_ids(msg, store, requested, algorithm)
    ctx.require(bool(chain), "the station's store holds no CSMS root to delete")
    reported = chain[0]["certificateHashData"]
    delete = await states.csms_request(
        ctx, st, "DeleteCertificate", why="the station reported the certificate to delete"
    )
    sent = delete.payload.get("certificateHashData")
    ctx.check(
        sent == reported,
        f"DeleteCertificateRequest certificateHashData is {sent}, but the station reported the "
        f"certificate as {reported} (the same hashAlgorithm and hashes are due)",
        requirement="M04.FR.07",
    )
    if fail:
        await delete.reply({"status": "Failed"})
    else:
        await delete.reply({"status": "Accepted" if store.remove(dict(sent or {})) else "NotFound"})
    return str(reported["serialNumber"])


@testcase("TC_M_20_CSMS", verbs=("install_certificate", "delete_certificate"))
async def test_delete_certificate(ctx: CaseContext) -> None:
    """M04.FR.01, M04.FR.07: install a CSMS root, then delete it by the hash data the station
    reports, once for each hash algorithm (SHA256, SHA384, SHA512)."""
    st = await states.booted_station(ctx)
    store = TrustStore()
    for algorithm in HASH_ALGORITHMS:
        await states.certificate_installed(ctx, st, store, CSMS_ROOT)
        serial = await _delete(ctx, st, store, algorithm)
        ctx.note(f"{algorithm}: certificate {serial} deleted")


@testcase("TC_M_21_CSMS", verbs=("install_certificate", "delete_certificate"))
async def test_delete_certificate_failed(ctx: CaseContext) -> None:
    """M04.FR.01, M04.FR.07: the station fails to delete the CSMS root the CSMS names; the CSMS
    takes the Failed status and goes on serving the station."""
    st = await states.booted_station(ctx)
    store = TrustStore()
    await states.certificate_installed(ctx, st, store, CSMS_ROOT)
    await _delete(ctx, st, store, fail=True)
    await states.still_serving(ctx, st, "a DeleteCertificateResponse with status Failed")
