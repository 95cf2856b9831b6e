"""OCPP 2.0.1, DUT = CSMS, functional block D (Local Authorization List Management), Local
Auth List Management profile.

D01: the CSMS sends a station a Local Authorization List, Full (it replaces the station's
list, possibly with an empty one) or Differential (it adds, updates or removes idTokens),
with the version the station must give the list afterwards. D02: the CSMS asks the station
for its list's version. The operator starts each request; the mock station answers as a
correct station (it keeps the list, `StationModel.local_list`). The checks of every
SendLocalListRequest are in `locallist`.
"""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from conformance.roles import MockStation
from testcases.ocpp201.csms import locallist, states

# The version of the list the mock station holds in TC_D_08_CSMS (any version above 0).
STATION_LIST_VERSION = 1


# -- D01 Send Local Authorization List ------------------------------------------------------


@testcase("TC_D_01_CSMS", verbs=("send_local_list",))
async def test_send_local_list_full(ctx: CaseContext) -> None:
    """D01.FR.01, D01.FR.06, D01.FR.18: the operator has the CSMS send its Full list: at
    least one idToken, each once and with its idTokenInfo, a versionNumber above 0; the
    station accepts it."""
    st = await states.booted_station(ctx)
    msg = await locallist.list_request(ctx, st, "send_local_list", update_type="Full")
    entries = locallist.check_request(ctx, msg, "Full")
    ctx.check(
        bool(entries),
        "the Full SendLocalListRequest has no localAuthorizationList entries, although the "
        "CSMS was to send a list of its idTokens",
        frame=msg.text,
    )
    locallist.check_added(ctx, msg, entries)
    await locallist.answer(ctx, st, msg)
    locallist.clear_on_exit(ctx, st)


@testcase("TC_D_02_CSMS", verbs=("send_local_list", "get_local_list_version"))
async def test_send_local_list_differential_update(ctx: CaseContext) -> None:
    """D01.FR.01, D01.FR.06, D01.FR.18: after a Full list, the operator adds valid idToken 2
    with a Differential update: only that idToken, with its idTokenInfo, and a versionNumber
    above the station's list version."""
    st = await states.booted_station(ctx)
    await locallist.list_installed(ctx, st, [states.valid_token(ctx)])  # memory state
    # The CSMS asks for the version its Differential update must exceed (GetLocalListVersion).
    get = await states.operator_request(ctx, st, "GetLocalListVersion", "get_local_list_version")
    await states.reply_default(st, get)
    version = st.model.local_list_version
    token = states.valid_token2(ctx)
    msg = await locallist.list_request(
        ctx, st, "send_local_list", update_type="Differential", id_tokens=[token]
    )
    entries = locallist.check_request(ctx, msg, "Differential")
    ctx.check(
        locallist.listed(entries) == [token["idToken"]],
        f"the Differential SendLocalListRequest lists {locallist.listed(entries)}; it must "
        f"carry the idToken {token['idToken']!r} the operator added, and only that one",
        frame=msg.text,
    )
    locallist.check_added(ctx, msg, entries)
    locallist.check_version_above(ctx, msg, version)
    await locallist.answer(ctx, st, msg)


@testcase("TC_D_03_CSMS", verbs=("send_local_list", "remove_from_local_list"))
async def test_send_local_list_differential_remove(ctx: CaseContext) -> None:
    """D01.FR.01, D01.FR.17, D01.FR.18: a Full list holds both valid idTokens; the operator
    removes valid idToken 2 with a Differential update whose entry has no idTokenInfo, and a
    versionNumber above the station's list version."""
    st = await states.booted_station(ctx)
    await locallist.list_installed(ctx, st, [states.valid_token(ctx), states.valid_token2(ctx)])
    version = st.model.local_list_version
    token = states.valid_token2(ctx)
    msg = await locallist.list_request(ctx, st, "remove_from_local_list", id_tokens=[token])
    entries = locallist.check_request(ctx, msg, "Differential")
    ctx.check(
        locallist.listed(entries) == [token["idToken"]],
        f"the Differential SendLocalListRequest lists {locallist.listed(entries)}; it must "
        f"carry the idToken {token['idToken']!r} the operator removed, and only that one",
        frame=msg.text,
    )
    kept = [locallist.token_of(e) for e in entries if "idTokenInfo" in e]
    ctx.check(
        not kept,
        f"the Differential SendLocalListRequest entries {kept} carry an idTokenInfo, so the "
        f"station updates these idTokens instead of removing them",
        requirement="D01.FR.17",
        frame=msg.text,
    )
    locallist.check_version_above(ctx, msg, version)
    await locallist.answer(ctx, st, msg)


@testcase("TC_D_04_CSMS", verbs=("clear_local_list",))
async def test_send_local_list_full_empty(ctx: CaseContext) -> None:
    """D01.FR.01, D01.FR.18: the operator empties the station's list: a Full update without
    localAuthorizationList, versionNumber above 0."""
    st = await states.booted_station(ctx)
    msg = await locallist.list_request(ctx, st, "clear_local_list")
    entries = locallist.check_request(ctx, msg, "Full")
    ctx.check(
        not entries,
        f"the Full SendLocalListRequest that empties the list carries the idTokens "
        f"{locallist.listed(entries)}; it must carry none",
        frame=msg.text,
    )
    await locallist.answer(ctx, st, msg)


# -- D02 Get Local List Version -------------------------------------------------------------


async def _list_version(ctx: CaseContext, st: MockStation) -> None:
    """The operator has the CSMS ask for the list version; the request has no fields, and
    the CSMS goes on serving the station once it has the answer."""
    msg = await states.operator_request(ctx, st, "GetLocalListVersion", "get_local_list_version")
    extra = sorted(k for k in msg.payload if k != "customData")
    ctx.check(
        not extra,
        f"GetLocalListVersionRequest has no fields, but carries {extra}",
        frame=msg.text,
    )
    await states.reply_default(st, msg)
    await states.still_serving(
        ctx, st, f"a GetLocalListVersionResponse with versionNumber {st.model.local_list_version}"
    )


@testcase("TC_D_08_CSMS", verbs=("get_local_list_version",))
async def test_get_local_list_version(ctx: CaseContext) -> None:
    """D02: the station holds a list (version STATION_LIST_VERSION) and reports its version."""
    st = await states.booted_station(ctx)
    st.model.local_list = {ctx.dut.pixit.valid_idtoken_idtoken: {"status": "Accepted"}}
    st.model.local_list_version = STATION_LIST_VERSION
    await _list_version(ctx, st)


@testcase("TC_D_09_CSMS", verbs=("get_local_list_version",))
async def test_get_local_list_version_no_list(ctx: CaseContext) -> None:
    """D02: the station has no list installed and reports version 0."""
    st = await states.booted_station(ctx)
    st.model.local_list, st.model.local_list_version = {}, 0
    await _list_version(ctx, st)
