"""OCPP 2.0.1, DUT = charging station, functional block D (Local Authorization List
Management), Local Auth List Management profile: SendLocalList Full and Differential
(D01: replace, add / update, remove, empty lists, VersionMismatch, persistence over a reboot)
and GetLocalListVersion (D02: the version, 0 while the list is disabled).

The official texts of these cases were not available; each case follows the requirements it
names. The list's contents are checked through LocalAuthListCtrlr.Entries (the number of
idTokens in the list, a required variable of the controller) where the station reports it.
Every case starts from its own Full update and leaves the list empty.
"""

from __future__ import annotations

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from testcases.ocpp201.cs import local_list, states

_PROFILE = (local_list.LOCAL_LIST_PROFILE,)


def _tokens(ctx: CaseContext) -> tuple[dict[str, str], dict[str, str]]:
    """<Configured valid_idtoken> and <Configured valid_idtoken2>."""
    p = ctx.dut.pixit
    return states.valid_token(ctx), {
        "idToken": p.valid_idtoken2_idtoken,
        "type": p.valid_idtoken2_type,
    }


@testcase("TC_D_01_CS", features=_PROFILE)
async def test_send_local_list_full(ctx: CaseContext) -> None:
    """D01.FR.01, D01.FR.04: a Full SendLocalList with two idTokens (versionNumber above the
    current one) is Accepted; GetLocalListVersion then reports that versionNumber and the list
    holds the two idTokens."""
    s = await states.booted(ctx)
    await local_list.enabled(ctx, s)
    token, token2 = _tokens(ctx)
    number = await local_list.version(ctx, s) + 1
    local_list.emptied_afterwards(ctx)
    await local_list.send(
        ctx,
        s,
        number,
        "Full",
        [local_list.entry(token), local_list.entry(token2)],
        why="the station supports the local list and the update is well formed",
        requirement="D01.FR.01",
    )
    await local_list.check_version(
        ctx, s, number, "the Full update was accepted with this versionNumber", "D01.FR.01"
    )
    await local_list.check_entries(ctx, s, 2, "the Full update replaced the list by 2 idTokens")


@testcase("TC_D_02_CS", features=_PROFILE)
async def test_send_local_list_differential_update(ctx: CaseContext) -> None:
    """D01.FR.01, D01.FR.16: with the valid idToken in the list (versionNumber V), a
    Differential SendLocalList V+1 adding the second valid idToken is Accepted; the version is
    V+1 and the list holds both idTokens."""
    s = await states.booted(ctx)
    token, token2 = _tokens(ctx)
    number = await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token)])
    await local_list.send(
        ctx,
        s,
        number + 1,
        "Differential",
        [local_list.entry(token2)],
        why="its versionNumber is above the list's and it adds an idToken",
        requirement="D01.FR.16",
    )
    await local_list.check_version(
        ctx, s, number + 1, "the Differential update was accepted with it", "D01.FR.01"
    )
    await local_list.check_entries(
        ctx, s, 2, "the Differential update added an idToken to the one in the list"
    )


@testcase("TC_D_03_CS", features=_PROFILE)
async def test_send_local_list_differential_remove(ctx: CaseContext) -> None:
    """D01.FR.01, D01.FR.17: with both valid idTokens in the list (versionNumber V), a
    Differential SendLocalList V+1 with the first idToken and no idTokenInfo is Accepted and
    removes it: the version is V+1 and one idToken is left."""
    s = await states.booted(ctx)
    token, token2 = _tokens(ctx)
    number = await local_list.id_tokens_in_list(
        ctx, s, [local_list.entry(token), local_list.entry(token2)]
    )
    await local_list.send(
        ctx,
        s,
        number + 1,
        "Differential",
        [local_list.entry(token, None)],
        why="an entry without idTokenInfo removes the idToken from the list",
        requirement="D01.FR.17",
    )
    await local_list.check_version(
        ctx, s, number + 1, "the Differential update was accepted with it", "D01.FR.01"
    )
    await local_list.check_entries(
        ctx, s, 1, "the Differential update removed one of the two idTokens (D01.FR.17)"
    )


@testcase("TC_D_04_CS", features=_PROFILE)
async def test_send_local_list_full_empty(ctx: CaseContext) -> None:
    """D01.FR.01, D01.FR.04: with the valid idToken in the list, a Full SendLocalList without
    localAuthorizationList is Accepted and removes every idToken: the list is empty, at the
    update's versionNumber."""
    s = await states.booted(ctx)
    token, _ = _tokens(ctx)
    number = await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token)])
    await local_list.send(
        ctx,
        s,
        number + 1,
        "Full",
        None,
        why="a Full update without entries empties the list",
        requirement="D01.FR.04",
    )
    await local_list.check_version(
        ctx, s, number + 1, "the Full update was accepted with it", "D01.FR.01"
    )
    await local_list.check_entries(
        ctx, s, 0, "a Full update without entries removes every idToken (D01.FR.04)"
    )


@testcase("TC_D_05_CS", features=_PROFILE)
async def test_send_local_list_differential_empty(ctx: CaseContext) -> None:
    """D01.FR.05: with the valid idToken in the list (versionNumber V), a Differential
    SendLocalList V+1 without localAuthorizationList (the schema allows no empty array) is
    Accepted and leaves the entries as they are; the list carries the update's versionNumber."""
    s = await states.booted(ctx)
    token, _ = _tokens(ctx)
    number = await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token)])
    await local_list.send(
        ctx,
        s,
        number + 1,
        "Differential",
        None,
        why="an empty Differential update is valid and has no effect on the entries",
        requirement="D01.FR.05",
    )
    await local_list.check_version(
        ctx, s, number + 1, "the Differential update was accepted with it", "D01.FR.01"
    )
    await local_list.check_entries(
        ctx, s, 1, "an empty Differential update has no effect on the list (D01.FR.05)"
    )


@testcase("TC_D_06_CS", features=_PROFILE)
async def test_send_local_list_version_mismatch(ctx: CaseContext) -> None:
    """D01.FR.19: with the valid idToken in the list at versionNumber V (at least 2), a
    Differential SendLocalList with versionNumber V-1 is answered VersionMismatch and not
    applied: the version stays V and the list keeps its one idToken."""
    s = await states.booted(ctx)
    token, token2 = _tokens(ctx)
    number = await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token)], at_least=2)
    await local_list.send(
        ctx,
        s,
        number - 1,
        "Differential",
        [local_list.entry(token2)],
        expect="VersionMismatch",
        why=f"a Differential update must have a versionNumber above the list's ({number})",
        requirement="D01.FR.19",
    )
    await local_list.check_version(
        ctx, s, number, "the refused Differential update must not change the list", "D01.FR.19"
    )
    await local_list.check_entries(
        ctx, s, 1, "the refused Differential update must not add its idToken"
    )


@testcase("TC_D_07_CS", features=_PROFILE, verbs=("reboot",))
async def test_send_local_list_persistent(ctx: CaseContext) -> None:
    """D01: the local authorization list is kept over a reboot: after a Full update with the
    valid idToken and a reboot, GetLocalListVersion reports the same versionNumber and the
    list still holds the idToken."""
    s = await states.booted(ctx)
    token, _ = _tokens(ctx)
    number = await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token)])
    s, boot = await states.reboot(ctx)
    await states.connectors_reported(ctx, s, since=boot.received)
    await local_list.check_version(
        ctx, s, number, "the list must be persistent over the reboot", "D01.FR.01"
    )
    await local_list.check_entries(ctx, s, 1, "the list must be persistent over the reboot")


@testcase("TC_D_08_CS", features=_PROFILE)
async def test_get_local_list_version(ctx: CaseContext) -> None:
    """D02.FR.01: with a list installed (Full update, versionNumber V), GetLocalListVersion
    reports V."""
    s = await states.booted(ctx)
    token, _ = _tokens(ctx)
    number = await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token)])
    await local_list.check_version(
        ctx, s, number, "it is the versionNumber of the installed list", "D02.FR.01"
    )


@testcase("TC_D_10_CS", features=_PROFILE)
async def test_get_local_list_version_disabled(ctx: CaseContext) -> None:
    """D02.FR.03: with a list installed and then LocalAuthListCtrlr.Enabled set false (a
    prerequisite: the station lets the list be disabled), GetLocalListVersion reports
    versionNumber 0."""
    s = await states.booted(ctx)
    token, _ = _tokens(ctx)
    await local_list.id_tokens_in_list(ctx, s, [local_list.entry(token)])
    await states.configure(ctx, s, "LocalAuthListCtrlr", "Enabled", "false", prerequisite=True)
    await local_list.check_version(
        ctx,
        s,
        0,
        "the local authorization list is disabled (LocalAuthListCtrlr.Enabled false)",
        "D02.FR.03",
    )
