"""OCPP 1.6, DUT = charge point: the Local Authorization List (GetLocalListVersion,
SendLocalList Full / Differential, versioning, authorization from the list), Local Auth List
Management profile (sections 3.5.3, 5.10, 5.15)."""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.ocppj import CallError
from conformance.verdict import NotApplicable
from testcases.ocpp16.cs import states


@testcase("TC_042_1_CS")
async def test_list_version_not_supported(ctx: CaseContext) -> None:
    """Section 5.10: with LocalAuthListEnabled false the charge point reports the list as not
    supported: listVersion -1, or a CALLERROR NotSupported."""
    s = await states.booted(ctx)
    await states.configure(ctx, s, "LocalAuthListEnabled", "false")
    answer = await s.call_raw("GetLocalListVersion", {})
    if isinstance(answer, CallError):
        ctx.check(
            answer.error_code == "NotSupported",
            f"GetLocalListVersion was answered with CALLERROR {answer.error_code}; only "
            f"NotSupported (or listVersion -1) tells that the list is not supported",
        )
        return
    version = answer.payload.get("listVersion")
    ctx.check(
        version == -1,
        f"GetLocalListVersion.conf listVersion is {version!r} with LocalAuthListEnabled "
        f"false; -1 indicates that the charge point does not support a local list",
    )


@testcase("TC_042_2_CS")
async def test_list_version_empty(ctx: CaseContext) -> None:
    """Section 5.10: after a Full update without entries (listVersion 1) the list is empty,
    and an empty list has listVersion 0."""
    s = await states.booted(ctx)
    await states.local_list_enabled(ctx, s)
    await states.send_local_list(ctx, s, 1, "Full")
    await states.local_list_version(ctx, s, 0, "the list is empty")


@testcase("TC_043_CS")
async def test_send_local_list(ctx: CaseContext) -> None:
    """Sections 3.5.3, 5.15: a Full update and then a Differential update adding an idTag are
    both Accepted; the list then carries the Differential update's version."""
    s = await states.booted(ctx)
    await states.local_list_enabled(ctx, s)
    await states.send_local_list(ctx, s, 1, "Full", [states.list_entry(states.valid_id_tag(ctx))])
    await states.send_local_list(
        ctx, s, 2, "Differential", [states.list_entry(ctx.dut.pixit.valid_idtoken_idtoken2)]
    )
    await states.local_list_version(
        ctx, s, 2, "the Differential update with listVersion 2 was accepted"
    )


@testcase("TC_043_2_CS")
async def test_send_local_list_version_mismatch(ctx: CaseContext) -> None:
    """Section 5.15: the list version follows each accepted update (Full 2, Differential 5);
    a Differential update whose listVersion is not newer than the list's is answered
    VersionMismatch and leaves the list at version 5."""
    s = await states.booted(ctx)
    await states.local_list_enabled(ctx, s)
    tag, tag2 = states.valid_id_tag(ctx), ctx.dut.pixit.valid_idtoken_idtoken2
    await states.send_local_list(ctx, s, 2, "Full", [states.list_entry(tag)])
    await states.local_list_version(ctx, s, 2, "a Full update with listVersion 2 was accepted")
    await states.send_local_list(ctx, s, 5, "Differential", [states.list_entry(tag2)])
    await states.local_list_version(
        ctx, s, 5, "a Differential update with listVersion 5 was accepted"
    )
    await states.send_local_list(
        ctx, s, 4, "Differential", [states.list_entry(tag2, None)], expect="VersionMismatch"
    )
    await states.local_list_version(
        ctx, s, 5, "the Differential update with the older listVersion 4 must not be applied"
    )


@testcase("TC_043_3_CS", verbs=("break_local_list_storage", "repair_local_list_storage"))
async def test_send_local_list_failed(ctx: CaseContext) -> None:
    """Section 5.15: a charge point that cannot store the list (the operator brought it into
    that state) answers a Full SendLocalList (listVersion 2) with Failed."""
    s = await states.booted(ctx)
    await states.local_list_enabled(ctx, s)
    await ctx.operator.break_local_list_storage()

    async def repair() -> None:
        await ctx.operator.repair_local_list_storage()

    ctx.defer(repair)  # runs before the clean-up empties the list
    await states.send_local_list(
        ctx, s, 2, "Full", [states.list_entry(states.valid_id_tag(ctx))], expect="Failed"
    )


@testcase("TC_008_CS", verbs=("plug_in", "unplug", "present_id_token"))
async def test_start_with_local_list(ctx: CaseContext) -> None:
    """Sections 3.5.3, 9.1.20: with LocalPreAuthorize true and the cache off, an idTag on the
    Local Authorization List is authorized from the list (no Authorize.req): Preparing, then
    after the cable StartTransaction and Charging."""
    s = await states.booted(ctx)
    await states.configure(ctx, s, "LocalPreAuthorize", "true")
    cache = await states.get_configuration(ctx, s, "AuthorizationCacheEnabled")
    if cache is not None:  # the cache is optional (if implemented)
        await states.configure(ctx, s, "AuthorizationCacheEnabled", "false")
    await states.local_list_enabled(ctx, s)
    answer = await s.call("GetLocalListVersion", {})
    current = answer.get("listVersion")
    version = current + 1 if isinstance(current, int) and current >= 0 else 1
    tag = states.valid_id_tag(ctx)
    await states.send_local_list(ctx, s, version, "Full", [states.list_entry(tag)])
    t0 = await states.present(ctx, tag)
    await states.status(
        ctx, s, "Preparing", since=t0, why="an idTag on the local list was presented"
    )
    t1 = await states.plug_in(ctx)
    await states.charging(ctx, s, since=t1)
    asked = s.received("Authorize", since=t0)
    ctx.check(
        not asked,
        "the charge point sent an Authorize.req for an idTag on its Local Authorization List "
        "although LocalPreAuthorize is true; it must authorize it from the list (section "
        "3.5.3)",
        frame=asked[0].text if asked else None,
    )


@testcase("TC_043_1_CS")
async def test_send_local_list_not_supported(ctx: CaseContext) -> None:
    """Sections 5.15, 9.1.32 (SupportedFeatureProfiles): a charge point without the Local Auth
    List Management profile answers a Full SendLocalList with status NotSupported, or a
    CALLERROR NotSupported."""
    s = await states.booted(ctx)
    profiles = await states.get_configuration(ctx, s, "SupportedFeatureProfiles")
    if profiles is not None:
        supported = "LocalAuthListManagement" in [p.strip() for p in profiles.split(",")]
        why = f"SupportedFeatureProfiles is {profiles!r}"
    else:
        supported = ctx.dut.pixit.local_auth_list_management
        why = "PIXIT local_auth_list_management"
    if supported:
        raise NotApplicable(
            f"prerequisite not met: the charge point supports the Local Auth List Management "
            f"feature profile ({why})"
        )
    entry = states.list_entry(states.valid_id_tag(ctx))
    answer = await s.call_raw(
        "SendLocalList", {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [entry]}
    )
    if isinstance(answer, CallError):
        ctx.check(
            answer.error_code == "NotSupported",
            f"SendLocalList was answered with CALLERROR {answer.error_code}; a charge point "
            f"without Local Auth List Management answers NotSupported (status or CALLERROR)",
        )
        return
    got = answer.payload.get("status")
    ctx.check(
        got == "NotSupported",
        f"SendLocalList.conf status is {got!r} from a charge point without the Local Auth List "
        f"Management profile ({why}); expected NotSupported",
    )
