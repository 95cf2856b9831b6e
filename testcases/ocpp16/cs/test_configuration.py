"""OCPP 1.6, DUT = charge point: GetConfiguration / ChangeConfiguration (happy and
non-happy flows) and DataTransfer from the Central System, Core profile."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.decorator import testcase
from conformance.context import CaseContext
from testcases.ocpp16.cs import states

# Section 9.1, Core profile: the required keys and their accessibility (R, RW, or either).
CORE_KEYS: dict[str, tuple[bool, ...]] = {
    "AuthorizeRemoteTxRequests": (True, False),
    "ClockAlignedDataInterval": (False,),
    "ConnectionTimeOut": (False,),
    "ConnectorPhaseRotation": (False,),
    "GetConfigurationMaxKeys": (True,),
    "HeartbeatInterval": (False,),
    "LocalAuthorizeOffline": (False,),
    "LocalPreAuthorize": (False,),
    "MeterValuesAlignedData": (False,),
    "MeterValuesSampledData": (False,),
    "MeterValueSampleInterval": (False,),
    "NumberOfConnectors": (True,),
    "ResetRetries": (False,),
    "StopTransactionOnEVSideDisconnect": (False,),
    "StopTransactionOnInvalidId": (False,),
    "StopTxnAlignedData": (False,),
    "StopTxnSampledData": (False,),
    "SupportedFeatureProfiles": (True,),
    "TransactionMessageAttempts": (False,),
    "TransactionMessageRetryInterval": (False,),
    "UnlockConnectorOnEVSideDisconnect": (False,),
}
PROFILES = {
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "RemoteTrigger",
}


def _by_key(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(k.get("key")): k for k in answer.get("configurationKey") or []}


@testcase("TC_019_CS")
async def test_retrieve_configuration(ctx: CaseContext) -> None:
    """Sections 5.8, 9.1: SupportedFeatureProfiles includes Core; GetConfiguration without
    keys lists every required Core key with the accessibility section 9.1 gives it; a
    request for one key returns just that key."""
    s = await states.booted(ctx)
    first = await s.call("GetConfiguration", {"key": ["SupportedFeatureProfiles"]})
    ctx.check(
        not first.get("unknownKey"),
        f"GetConfiguration.conf lists SupportedFeatureProfiles as unknown: "
        f"{first.get('unknownKey')}",
    )
    item = _by_key(first).get("SupportedFeatureProfiles", {})
    profiles = {p.strip() for p in str(item.get("value", "")).split(",") if p.strip()}
    ctx.check(
        "Core" in profiles and profiles <= PROFILES,
        f"SupportedFeatureProfiles is {item.get('value')!r}; it must list Core and only "
        f"profiles of OCPP 1.6 ({', '.join(sorted(PROFILES))})",
    )
    everything = _by_key(await s.call("GetConfiguration", {}))
    missing = [k for k in CORE_KEYS if k not in everything]
    ctx.check(
        not missing,
        f"GetConfiguration.conf without keys lacks the required Core key(s) {missing} "
        f"(section 9.1)",
    )
    for key, allowed in CORE_KEYS.items():
        if key in everything:
            readonly = everything[key].get("readonly")
            ctx.check(
                readonly in allowed,
                f"configuration key {key} is reported readonly={readonly}; section 9.1 makes "
                f"it {'R or RW' if len(allowed) == 2 else ('R' if allowed[0] else 'RW')}",
            )
    one = await s.call("GetConfiguration", {"key": ["HeartbeatInterval"]})
    keys = [k.get("key") for k in one.get("configurationKey") or []]
    ctx.check(
        keys == ["HeartbeatInterval"],
        f"GetConfiguration.req for HeartbeatInterval returned the keys {keys}",
    )


@testcase("TC_021_CS")
async def test_change_configuration(ctx: CaseContext) -> None:
    """Sections 5.3, 5.8: ChangeConfiguration MeterValueSampleInterval is Accepted and
    GetConfiguration then reports the new value."""
    s = await states.booted(ctx)
    key, value = "MeterValueSampleInterval", str(ctx.dut.pixit.meter_value_sample_interval)
    # Configuration state: the value is NOT the configured one before the change.
    await states.configure(ctx, s, key, str(int(value) + 1))
    answer = await s.call("ChangeConfiguration", {"key": key, "value": value})
    ctx.check(
        answer.get("status") == "Accepted",
        f"ChangeConfiguration {key}={value} was answered {answer.get('status')!r}, "
        f"expected Accepted",
    )
    now = await states.get_configuration(ctx, s, key)
    ctx.check(
        now == value,
        f"after an accepted ChangeConfiguration, GetConfiguration reports {key}={now!r}, "
        f"expected {value!r}",
    )


@testcase("TC_040_1_CS")
async def test_configuration_key_not_supported(ctx: CaseContext) -> None:
    """Section 5.3: a ChangeConfiguration for a key the charge point does not know is
    answered NotSupported."""
    s = await states.booted(ctx)
    answer = await s.call("ChangeConfiguration", {"key": "Testing", "value": "true"})
    ctx.check(
        answer.get("status") == "NotSupported",
        f"ChangeConfiguration for the unknown key 'Testing' was answered "
        f"{answer.get('status')!r}, expected NotSupported",
    )


@testcase("TC_040_2_CS")
async def test_configuration_key_invalid_value(ctx: CaseContext) -> None:
    """Section 5.3: a ChangeConfiguration with a value the key cannot take (a negative
    interval) is Rejected and the old value stays."""
    s = await states.booted(ctx)
    key = "MeterValueSampleInterval"
    before = await states.get_configuration(ctx, s, key)
    answer = await s.call("ChangeConfiguration", {"key": key, "value": "-1"})
    ctx.check(
        answer.get("status") == "Rejected",
        f"ChangeConfiguration {key}=-1 was answered {answer.get('status')!r}, expected Rejected",
    )
    if answer.get("status") == "Accepted" and before is not None:

        async def restore() -> None:
            conn = await ctx.station()
            await conn.call("ChangeConfiguration", {"key": key, "value": before})

        ctx.defer(restore)
    after = await states.get_configuration(ctx, s, key)
    ctx.check(
        after == before,
        f"{key} changed from {before!r} to {after!r} although the new value was invalid",
    )


@testcase("TC_062_CS")
async def test_data_transfer_to_charge_point(ctx: CaseContext) -> None:
    """Section 5.6: a DataTransfer for a vendorId the charge point does not implement is
    not accepted (Rejected, UnknownMessageId or UnknownVendorId; Accepted is a warning)."""
    s = await states.booted(ctx)
    answer = await s.call(
        "DataTransfer",
        {"vendorId": "org.example.unknown-vendor", "messageId": "Test", "data": "x"},
    )
    status = answer.get("status")
    if status == "Accepted":
        ctx.warn(
            False,
            "DataTransfer for an unknown vendorId was Accepted; the charge point should "
            "answer UnknownVendorId",
        )
        return
    ctx.check(
        status in ("Rejected", "UnknownMessageId", "UnknownVendorId"),
        f"DataTransfer.conf status is {status!r}, expected Rejected, UnknownMessageId or "
        f"UnknownVendorId",
    )
