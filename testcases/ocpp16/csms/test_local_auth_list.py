"""OCPP 1.6, DUT = Central System: the Local Authorization List (GetLocalListVersion,
SendLocalList Full / Differential), Local Auth List Management profile (sections 3.5.3, 5.10,
5.15). The operator asks the Central System for each request; the mock charge point answers."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from conformance.session import Incoming
from testcases.ocpp16.csms import states


async def _get_version(ctx: CaseContext, st: MockStation) -> Incoming:
    msg = await states.operator_request(ctx, st, "GetLocalListVersion", "get_local_list_version")
    ctx.check(
        not msg.payload,
        f"GetLocalListVersion.req has no fields, but carries {msg.payload}",
        frame=msg.text,
    )
    return msg


async def _send_list(
    ctx: CaseContext, st: MockStation, update_type: str, id_tokens: list[str] | None = None
) -> Incoming:
    """The operator has the Central System send a list; the request's updateType must be
    the one asked for, and every entry must carry an idTagInfo (an entry without one removes
    the idTag, section 5.15)."""
    args: dict[str, Any] = {"update_type": update_type}
    if id_tokens is not None:
        args["id_tokens"] = id_tokens
    msg = await states.operator_request(ctx, st, "SendLocalList", "send_local_list", **args)
    states.check_field(ctx, msg, "updateType", update_type, "the operator asked for it")
    entries = msg.payload.get("localAuthorizationList") or []
    bare = [e.get("idTag") for e in entries if "idTagInfo" not in e]
    ctx.check(
        not bare,
        f"SendLocalList.req entries {bare} have no idTagInfo, so they would remove these "
        f"idTags instead of adding them",
        frame=msg.text,
    )
    return msg


@testcase("TC_042_1_CSMS", verbs=("get_local_list_version",))
async def test_list_version_not_supported(ctx: CaseContext) -> None:
    """Section 5.10: the charge point answers listVersion -1 (no local list support); the
    Central System takes it and goes on."""
    st = await states.booted_station(ctx)
    msg = await _get_version(ctx, st)
    await msg.reply({"listVersion": -1})
    await states.still_serving(ctx, st, "a listVersion of -1")


@testcase("TC_042_2_CSMS", verbs=("get_local_list_version",))
async def test_list_version_empty(ctx: CaseContext) -> None:
    """Section 5.10: the charge point answers listVersion 0 (an empty list)."""
    st = await states.booted_station(ctx)
    msg = await _get_version(ctx, st)
    await msg.reply({"listVersion": 0})
    await states.still_serving(ctx, st, "a listVersion of 0")


@testcase("TC_043_1_CSMS", verbs=("send_local_list",))
async def test_send_local_list_not_supported(ctx: CaseContext) -> None:
    """Section 5.15: a Full SendLocalList answered NotSupported; the Central System takes it
    and goes on."""
    st = await states.booted_station(ctx)
    msg = await _send_list(ctx, st, "Full")
    await msg.reply({"status": "NotSupported"})
    await states.still_serving(ctx, st, "SendLocalList NotSupported")


@testcase("TC_043_3_CSMS", verbs=("send_local_list",))
async def test_send_local_list_failed(ctx: CaseContext) -> None:
    """Section 5.15: a Full SendLocalList answered Failed; the Central System takes it and
    goes on."""
    st = await states.booted_station(ctx)
    msg = await _send_list(ctx, st, "Full")
    await msg.reply({"status": "Failed"})
    await states.still_serving(ctx, st, "SendLocalList Failed")


@testcase("TC_043_4_CSMS", verbs=("send_local_list",))
async def test_send_local_list_full(ctx: CaseContext) -> None:
    """Section 5.15: a Full SendLocalList with at least one idTag, each with an idTagInfo;
    Accepted."""
    st = await states.booted_station(ctx)
    msg = await _send_list(ctx, st, "Full")
    ctx.check(
        bool(msg.payload.get("localAuthorizationList")),
        "the Full SendLocalList.req carries no localAuthorizationList entries, although the "
        "Central System has idTags to add",
        frame=msg.text,
    )
    await states.reply_default(st, msg)


@testcase("TC_043_5_CSMS", verbs=("send_local_list", "get_local_list_version"))
async def test_send_local_list_differential(ctx: CaseContext) -> None:
    """Section 5.15: after a Full list, a Differential update for an idTag not yet on the list
    carries only that idTag (with idTagInfo) and a listVersion above the Full list's."""
    st = await states.booted_station(ctx)
    full = await _send_list(ctx, st, "Full")
    await states.reply_default(st, full)
    initial = full.payload.get("listVersion")
    version = await _get_version(ctx, st)
    await states.reply_default(st, version)
    listed = {e.get("idTag") for e in full.payload.get("localAuthorizationList") or []}
    tag = next(
        t
        for t in (ctx.dut.pixit.valid_idtoken2_idtoken, "DIFF" + states.valid_id_tag(ctx))
        if t not in listed
    )[:20]
    msg = await _send_list(ctx, st, "Differential", [tag])
    entries = msg.payload.get("localAuthorizationList") or []
    ctx.check(
        [e.get("idTag") for e in entries] == [tag],
        f"the Differential SendLocalList.req lists {[e.get('idTag') for e in entries]}; "
        f"it must carry only the idTag {tag!r} the operator added",
        frame=msg.text,
    )
    got = msg.payload.get("listVersion")
    ctx.check(
        isinstance(got, int) and isinstance(initial, int) and got > initial,
        f"the Differential SendLocalList.req listVersion is {got!r}; it must be greater than "
        f"the initial list's {initial!r}, or the charge point answers VersionMismatch",
        frame=msg.text,
    )
    answer = await states.reply_default(st, msg)
    ctx.check(
        answer == {"status": "Accepted"},
        f"the charge point could not apply the Differential update: {answer}",
    )
