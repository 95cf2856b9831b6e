"""Reusable states of the OCPP 2.0.1 Local Auth List Management cases (charging station).

The configuration state "LocalAuthListEnabled is true" (LocalAuthListCtrlr.Enabled; a station
that cannot take it does not support the profile: NOT APPLICABLE), the memory state
IdTokenLocalAuthList (a Full SendLocalList with the case's entries), GetLocalListVersion and
the Entries count the station reports. A case that changes the list leaves it empty again
(a Full update without entries), so no case's list decides another case's authorization.
"""

from __future__ import annotations

from typing import Any

from conformance.context import CaseContext
from conformance.session import Session
from testcases.ocpp201.cs import states

LOCAL_LIST_PROFILE = "Local Auth List Management"


def entry(
    token: dict[str, str], status: str | None = "Accepted", group: str | None = None
) -> dict[str, Any]:
    """One AuthorizationData: the idToken with an idTokenInfo of `status` (None: no
    idTokenInfo, which removes the idToken in a Differential update)."""
    out: dict[str, Any] = {"idToken": dict(token)}
    if status is not None:
        info: dict[str, Any] = {"status": status}
        if group is not None:
            info["groupIdToken"] = {"idToken": group, "type": "Central"}
        out["idTokenInfo"] = info
    return out


async def enabled(ctx: CaseContext, s: Session) -> None:
    """Configuration state: LocalAuthListCtrlr.Enabled is true (the profile's prerequisite)."""
    await states.configure(ctx, s, "LocalAuthListCtrlr", "Enabled", "true", prerequisite=True)


async def version(ctx: CaseContext, s: Session) -> int:
    """GetLocalListVersion: the versionNumber the station reports."""
    result = await s.call("GetLocalListVersion", {})
    return int(result.get("versionNumber", 0))


def emptied_afterwards(ctx: CaseContext) -> None:
    """Clean-up: a Full update without entries leaves the station's list empty."""

    async def clear() -> None:
        conn = await ctx.station()
        current = await version(ctx, conn)
        await conn.call("SendLocalList", {"versionNumber": current + 1, "updateType": "Full"})

    ctx.defer(clear)


async def send(
    ctx: CaseContext,
    s: Session,
    version_number: int,
    update_type: str,
    entries: list[dict[str, Any]] | None,
    *,
    expect: str = "Accepted",
    why: str,
    requirement: str,
) -> dict[str, Any]:
    """SendLocalListRequest; a finding unless the station answers `expect`."""
    request: dict[str, Any] = {"versionNumber": version_number, "updateType": update_type}
    if entries is not None:
        request["localAuthorizationList"] = entries
    result = await s.call("SendLocalList", request)
    ctx.check(
        result.get("status") == expect,
        f"SendLocalListResponse ({update_type}, versionNumber {version_number}) status is "
        f"{result.get('status')!r}, expected {expect}: {why}",
        requirement=requirement,
    )
    return result


async def id_tokens_in_list(
    ctx: CaseContext, s: Session, entries: list[dict[str, Any]], *, at_least: int = 1
) -> int:
    """Memory state IdTokenLocalAuthList: a Full SendLocalList with `entries` (versionNumber
    above the station's current one, and at least `at_least`) is Accepted. Returns the
    versionNumber; the clean-up empties the list again."""
    await enabled(ctx, s)
    number = max(await version(ctx, s) + 1, at_least)
    emptied_afterwards(ctx)
    request = {"versionNumber": number, "updateType": "Full", "localAuthorizationList": entries}
    result = await s.call("SendLocalList", request)
    ctx.require(
        result.get("status") == "Accepted",
        f"memory state: a Full SendLocalList with {len(entries)} entries was answered "
        f"{result.get('status')!r}, so the scenario cannot be set up",
        requirement="D01.FR.01",
    )
    return number


async def check_version(
    ctx: CaseContext, s: Session, expected: int, why: str, requirement: str
) -> None:
    """GetLocalListVersion reports `expected`."""
    got = await version(ctx, s)
    ctx.check(
        got == expected,
        f"GetLocalListVersionResponse versionNumber is {got}, expected {expected}: {why}",
        requirement=requirement,
    )


async def check_entries(ctx: CaseContext, s: Session, expected: int, why: str) -> None:
    """LocalAuthListCtrlr.Entries (the number of idTokens in the list) is `expected`; a
    warning when the station does not report the variable."""
    got = await states.get_variable(ctx, s, "LocalAuthListCtrlr", "Entries")
    if got.get("attributeStatus") != "Accepted":
        ctx.warn(
            False,
            f"the station does not report LocalAuthListCtrlr.Entries "
            f"({got.get('attributeStatus')}), so the list's contents were not checked",
        )
        return
    ctx.check(
        str(got.get("attributeValue")) == str(expected),
        f"LocalAuthListCtrlr.Entries is {got.get('attributeValue')!r}, expected {expected}: {why}",
    )


async def cache_emptied(ctx: CaseContext, s: Session) -> None:
    """Where the station has an authorization cache, it is cleared before and after the case,
    so only the local list can know the case's idTokens."""
    cache = await states.get_variable(ctx, s, "AuthCacheCtrlr", "Enabled")
    if cache.get("attributeStatus") != "Accepted":
        return
    await s.call("ClearCache", {})

    async def clear() -> None:
        conn = await ctx.station()
        await conn.call("ClearCache", {})

    ctx.defer(clear)
