"""Every operator action a case can ask for, in one registry.

A verb is something the harness cannot do over OCPP itself: a physical step at a station
(plug in a cable, present a card) or an action a CSMS operator starts (a remote start from the
back office). Drivers (prompt, http, command, python, reference) map verbs to the DUT; a case
that needs a verb the DUT's driver cannot perform is NOT APPLICABLE, never a hang or a pass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verb:
    name: str
    dut_role: str  # "cs": done at/to the station under test; "csms": by the CSMS operator
    params: tuple[str, ...]
    doc: str


_VERBS = [
    # -- at the charging station under test (the harness is the CSMS) ----------------------
    Verb("plug_in", "cs", ("evse_id", "connector_id"), "Connect an EV cable to the connector."),
    Verb("unplug", "cs", ("evse_id", "connector_id"), "Disconnect the EV cable."),
    Verb(
        "ev_side_disconnect",
        "cs",
        ("evse_id", "connector_id"),
        "Unplug the cable at the EV side only; it stays in the station's socket.",
    ),
    Verb(
        "plug_in_halfway",
        "cs",
        ("evse_id", "connector_id"),
        "Insert the cable only halfway, so the connector lock cannot close (a lock failure).",
    ),
    Verb(
        "jam_connector_lock",
        "cs",
        ("evse_id", "connector_id"),
        "Make the connector's cable lock unable to open (a lock failure can be triggered).",
    ),
    Verb(
        "release_connector_lock",
        "cs",
        ("evse_id", "connector_id"),
        "Let the connector's cable lock move freely again (undo jam_connector_lock).",
    ),
    Verb(
        "cause_fault",
        "cs",
        ("evse_id", "connector_id"),
        "Put the connector into a fault state (e.g. trip its residual current device).",
    ),
    Verb("clear_fault", "cs", ("evse_id", "connector_id"), "Clear the fault of cause_fault."),
    Verb(
        "present_id_token",
        "cs",
        ("id_token", "type", "evse_id"),
        "Present an id token (RFID card, app, ...) at the station's reader.",
    ),
    Verb("reboot", "cs", (), "Reboot the station (it reconnects and sends BootNotification)."),
    Verb("power_cycle", "cs", (), "Cut and restore power (a cold boot)."),
    Verb("go_offline", "cs", (), "Cut the station's network connection to the CSMS."),
    Verb("go_online", "cs", (), "Restore the station's network connection."),
    Verb(
        "go_offline_for",
        "cs",
        ("seconds",),
        "Cut the station's network connection to the CSMS, keep it cut for `seconds` seconds, "
        "then restore it (the station reconnects on its own).",
    ),
    Verb("ev_suspend", "cs", ("evse_id",), "The EV stops drawing energy (SuspendedEV)."),
    Verb("ev_resume", "cs", ("evse_id",), "The EV draws energy again."),
    Verb("occupy_parking_bay", "cs", ("evse_id",), "An EV parks in the bay (bay detector)."),
    Verb("vacate_parking_bay", "cs", ("evse_id",), "The EV leaves the bay."),
    Verb(
        "set_external_charging_limit",
        "cs",
        ("limit",),
        "Make an external system (e.g. an energy management system at the site) limit the "
        "whole station to `limit` A (K12: a ChargingStationExternalConstraints limit).",
    ),
    Verb(
        "clear_external_charging_limit",
        "cs",
        (),
        "Make the external system lift the limit of set_external_charging_limit (K13).",
    ),
    Verb(
        "store_customer_identifier",
        "cs",
        ("customer_identifier",),
        "Store customer data at the station under this customer identifier (N10, TC_N_62), "
        "so that a CustomerInformationRequest naming it finds data.",
    ),
    Verb(
        "select_master_pass_stop",
        "cs",
        ("evse_id",),
        "After a Master Pass was presented: at the station's user interface, select to stop "
        "the transaction on EVSE evse_id, or all transactions when evse_id is empty (C16).",
    ),
    Verb(
        "break_local_list_storage",
        "cs",
        (),
        "Bring the station into a state in which it fails to store a new Local Authorization "
        "List (e.g. its list storage full or write-protected).",
    ),
    Verb(
        "repair_local_list_storage",
        "cs",
        (),
        "Undo break_local_list_storage: the station can store a Local Authorization List again.",
    ),
    # -- at the CSMS under test (the harness is the station) --------------------------------
    Verb(
        "set_boot_status",
        "csms",
        ("station_id", "status", "interval"),
        "Configure how the CSMS answers the station's next BootNotification.",
    ),
    Verb(
        "request_start_transaction",
        "csms",
        ("station_id", "evse_id", "id_token", "type"),
        "Start a charging session remotely (RequestStartTransaction / RemoteStartTransaction).",
    ),
    Verb(
        "request_stop_transaction",
        "csms",
        ("station_id", "transaction_id"),
        "Stop a charging session remotely (RequestStopTransaction / RemoteStopTransaction).",
    ),
    Verb("reset", "csms", ("station_id", "type", "evse_id"), "Reset the station or one EVSE."),
    Verb(
        "change_availability",
        "csms",
        ("station_id", "operational_status", "evse_id", "connector_id"),
        "Make the station, an EVSE or a connector (in)operative.",
    ),
    Verb(
        "unlock_connector",
        "csms",
        ("station_id", "evse_id", "connector_id"),
        "Unlock a connector remotely.",
    ),
    Verb(
        "get_variables",
        "csms",
        ("station_id", "variables"),
        "Read device-model variables: variables = [{component, variable, attribute_type?}].",
    ),
    Verb(
        "set_variables",
        "csms",
        ("station_id", "variables"),
        "Write device-model variables: variables = [{component, variable, value}].",
    ),
    Verb(
        "get_base_report",
        "csms",
        ("station_id", "report_base"),
        "Ask for a base report (ConfigurationInventory, FullInventory, SummaryInventory).",
    ),
    Verb(
        "trigger_message",
        "csms",
        ("station_id", "requested_message", "evse_id", "connector_id"),
        "Ask the station to send a message now (TriggerMessage); evse/connector optional.",
    ),
    Verb("clear_cache", "csms", ("station_id",), "Clear the station's authorization cache."),
    Verb(
        "get_transaction_status",
        "csms",
        ("station_id", "transaction_id"),
        "Ask whether a transaction is ongoing and has queued messages.",
    ),
    Verb(
        "set_network_profile",
        "csms",
        ("station_id", "configuration_slot", "security_profile"),
        "Send a new network connection profile to the station (security_profile: the one the "
        "new profile uses; omitted: the current one).",
    ),
    Verb(
        "update_basic_auth_password",
        "csms",
        ("station_id", "password"),
        "Give the station a new HTTP Basic password (SetVariables SecurityCtrlr."
        "BasicAuthPassword); the harness picks `password`, so it can keep it out of reports.",
    ),
    Verb(
        "data_transfer",
        "csms",
        ("station_id", "vendor_id", "message_id", "data"),
        "Send a vendor-specific DataTransfer.",
    ),
    Verb(
        "update_firmware",
        "csms",
        ("station_id", "retrieve_date_time", "install_date_time"),
        "Have the station update its firmware (UpdateFirmware; in 2.0.1 a secure update with "
        "the firmware's signing certificate and signature); the optional date-times (RFC 3339) "
        "schedule the download and the installation.",
    ),
    Verb(
        "publish_firmware",
        "csms",
        ("station_id",),
        "Have the Local Controller download and publish a firmware file (PublishFirmware).",
    ),
    Verb(
        "unpublish_firmware",
        "csms",
        ("station_id", "checksum"),
        "Have the Local Controller stop publishing the firmware file with this MD5 checksum "
        "(UnpublishFirmware).",
    ),
    Verb(
        "get_configuration",
        "csms",
        ("station_id", "keys"),
        "1.6: read configuration keys (GetConfiguration).",
    ),
    Verb(
        "change_configuration",
        "csms",
        ("station_id", "key", "value"),
        "1.6: change a configuration key (ChangeConfiguration).",
    ),
    Verb(
        "get_diagnostics",
        "csms",
        ("station_id",),
        "1.6: have the charge point upload its diagnostics to the CSMS (GetDiagnostics).",
    ),
    Verb(
        "get_local_list_version",
        "csms",
        ("station_id",),
        "Ask the station for the version of its Local Authorization List.",
    ),
    Verb(
        "send_local_list",
        "csms",
        ("station_id", "update_type", "id_tokens"),
        "Send the Local Authorization List: Full (id_tokens, or the CSMS's own list) or a "
        "Differential update adding id_tokens (1.6: idTags; 2.0.1: {idToken, type} objects).",
    ),
    Verb(
        "remove_from_local_list",
        "csms",
        ("station_id", "id_tokens"),
        "2.0.1: remove id_tokens ({idToken, type} objects) from the station's Local "
        "Authorization List (a Differential update whose entries have no idTokenInfo).",
    ),
    Verb(
        "clear_local_list",
        "csms",
        ("station_id",),
        "Empty the station's Local Authorization List (a Full update without entries).",
    ),
    Verb(
        "reserve_now",
        "csms",
        (
            "station_id",
            "connector_id",
            "id_token",
            "parent_id_token",
            "expiry_seconds",
            "evse_id",
            "connector_type",
            "type",
        ),
        "Reserve for id_token, expiring in expiry_seconds: 1.6 a connector (connector_id 0: "
        "any), with parentIdTag parent_id_token; 2.0.1 an EVSE (evse_id omitted: any; "
        "connector_type: one with a connector of that type), id_token of `type`, with "
        "groupIdToken parent_id_token.",
    ),
    Verb(
        "cancel_reservation",
        "csms",
        ("station_id", "reservation_id"),
        "Cancel a reservation (reservation_id omitted: the station's latest one).",
    ),
    # -- Smart Charging, 1.6 ---------------------------------------------------------------
    Verb(
        "set_charging_profile",
        "csms",
        (
            "station_id",
            "connector_id",
            "purpose",
            "stack_level",
            "transaction_id",
            "limit",
            "charging_rate_unit",
            "number_phases",
            "duration",
        ),
        "Set a charging profile (SetChargingProfile) of this purpose (ChargePointMaxProfile, "
        "TxDefaultProfile, TxProfile) on connector_id: Absolute, one period of `limit` "
        "(charging_rate_unit A or W, number_phases) for `duration` s at stack_level; a "
        "TxProfile for the running transaction transaction_id.",
    ),
    Verb(
        "request_start_transaction_with_profile",
        "csms",
        (
            "station_id",
            "evse_id",
            "id_token",
            "limit",
            "charging_rate_unit",
            "number_phases",
            "duration",
        ),
        "Start a charging session remotely with a TxProfile (RemoteStartTransaction with a "
        "chargingProfile): one period of `limit` for `duration` s.",
    ),
    Verb(
        "clear_charging_profile",
        "csms",
        ("station_id", "charging_profile_id", "connector_id", "purpose", "stack_level"),
        "Clear charging profiles (ClearChargingProfile): the one with charging_profile_id, "
        "else those matching connector_id / purpose / stack_level; nothing given: all.",
    ),
    Verb(
        "get_composite_schedule",
        "csms",
        ("station_id", "connector_id", "duration", "charging_rate_unit"),
        "Ask for the composite schedule of a connector for `duration` s "
        "(GetCompositeSchedule), in charging_rate_unit when given.",
    ),
    # -- certificate management (M) and diagnostics (N), 2.0.1 ----------------------------
    Verb(
        "install_certificate",
        "csms",
        ("station_id", "certificate_type"),
        "Install a root CA certificate of this certificateType on the station "
        "(InstallCertificate: CSMSRootCertificate, ManufacturerRootCertificate, ...).",
    ),
    Verb(
        "get_installed_certificate_ids",
        "csms",
        ("station_id", "certificate_types"),
        "Ask the station which certificates it has installed (GetInstalledCertificateIds); "
        "certificate_types: a list of types, omitted for all of them.",
    ),
    Verb(
        "delete_certificate",
        "csms",
        ("station_id", "certificate_type"),
        "Delete an installed certificate of this type from the station (the CSMS looks it "
        "up with GetInstalledCertificateIds, then sends DeleteCertificate).",
    ),
    Verb(
        "get_log",
        "csms",
        ("station_id", "log_type"),
        "Have the station upload a log (GetLog, log_type DiagnosticsLog or SecurityLog).",
    ),
    Verb(
        "customer_information",
        "csms",
        ("station_id", "report", "clear", "id_token", "type", "customer_identifier"),
        "Have the station report and/or clear what it stores about a customer "
        "(CustomerInformation), named by id_token/type or by customer_identifier.",
    ),
    Verb(
        "set_variable_monitoring",
        "csms",
        ("station_id", "monitors"),
        "Set variable monitors: monitors = [{component, evse_id?, variable, type, value, "
        "severity}] (SetVariableMonitoring).",
    ),
]

VERBS: dict[str, Verb] = {v.name: v for v in _VERBS}
VERB_NAMES: frozenset[str] = frozenset(VERBS)


def verbs_for(dut_role: str) -> list[Verb]:
    return [v for v in _VERBS if v.dut_role == dut_role]
