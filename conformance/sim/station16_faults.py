"""The injectable faults of the 1.6 reference charge point (`--fault s16-...`).

Each is one deviation from OCPP 1.6, switched on at the point in the code where it deviates,
with the cases expected to catch it (the mutation run checks they do).
"""

from __future__ import annotations

from conformance.sim.faults import declare, declarer

_V = ("1.6",)


_fault = declarer("station", _V)


_fault(
    "s16-boot-retry-early",
    "after a Rejected / Pending BootNotification.conf, retries at half the interval",
    "TC_001_CS",
    "TC_002_CS",
)
_fault(
    "s16-no-connector0-status",
    "after boot, omits the StatusNotification for connectorId 0",
    "TC_001_CS",
)
_fault("s16-heartbeat-early", "sends Heartbeat at half the HeartbeatInterval", "TC_001_CS")
_fault(
    "s16-plugin-reports-available",
    "a plugged-in cable without authorization is reported Available, not Preparing",
    "TC_003_CS",
)
_fault(
    "s16-stop-wrong-transaction-id",
    "StopTransaction.req carries the transactionId plus one",
    "TC_068_CS",
    "TC_012_CS",
)
_fault(
    "s16-start-on-invalid",
    "starts a transaction although Authorize.conf said Invalid",
    "TC_023_CS",
)
_fault(
    "s16-connection-timeout-ignored",
    "an authorization without a cable never times out (ConnectionTimeOut ignored)",
    "TC_004_2_CS",
    "TC_011_2_CS",
)
_fault(
    "s16-ev-disconnect-no-stop",
    "StopTransactionOnEVSideDisconnect = true is ignored: the transaction goes on",
    "TC_005_1_CS",
    "TC_005_2_CS",
)
_fault(
    "s16-no-authorize-remote-start",
    "RemoteStartTransaction: no Authorize.req although AuthorizeRemoteTxRequests is true",
    "TC_010_CS",
    "TC_011_1_CS",
)
_fault(
    "s16-remote-start-connector0",
    "RemoteStartTransaction with connectorId 0 is Accepted (and started on connector 1)",
    "TC_027_CS",
)
_fault(
    "s16-remote-stop-unknown-accepted",
    "RemoteStopTransaction for an unknown transactionId is Accepted",
    "TC_028_CS",
)
_fault(
    "s16-ignore-remote-stop",
    "RemoteStopTransaction answered Accepted but the transaction goes on",
    "TC_012_CS",
)
_fault(
    "s16-reset-no-reboot",
    "Reset answered Accepted but the charge point never reboots",
    "TC_013_CS",
    "TC_014_CS",
)
_fault(
    "s16-reset-no-stop",
    "Reset during a transaction reboots without sending StopTransaction.req",
    "TC_015_CS",
    "TC_016_CS",
)
_fault(
    "s16-unlock-unknown-unlocked",
    "UnlockConnector for a connector that does not exist answers Unlocked",
    "TC_031_CS",
)
_fault(
    "s16-unknown-key-rejected",
    "ChangeConfiguration of an unknown key answers Rejected instead of NotSupported",
    "TC_040_1_CS",
)
_fault(
    "s16-invalid-value-accepted",
    "ChangeConfiguration accepts a badly formatted value",
    "TC_040_2_CS",
)
_fault(
    "s16-change-not-applied",
    "ChangeConfiguration answers Accepted but keeps the old value",
    "TC_021_CS",
)
_fault(
    "s16-cache-not-cleared",
    "ClearCache answered Accepted but the authorization cache is kept",
    "TC_061_CS",
)
_fault(
    "s16-datatransfer-callerror",
    "DataTransfer for an unknown vendorId answers a CALLERROR instead of DataTransfer.conf",
    "TC_062_CS",
)
_fault(
    "s16-meter-no-transaction-id",
    "sampled MeterValues.req during a transaction omit the transactionId",
    "TC_070_CS",
)
_fault(
    "s16-clock-not-aligned",
    "clock-aligned meter values are sent half an interval after the aligned clock times",
    "TC_071_CS",
)
_fault(
    "s16-offline-tx-dropped",
    "transaction messages queued while offline are dropped at the connection loss",
    "TC_037_1_CS",
    "TC_038_CS",
    "TC_039_CS",
)
_fault(
    "s16-offline-meter-values-dropped",
    "sampled MeterValues.req of a transaction are not queued while offline (lost)",
    "TC_036_CS",
)
_fault(
    "s16-preauthorize-ignored",
    "LocalPreAuthorize is ignored: a cached idTag is still sent in an Authorize.req",
    "TC_007_CS",
)
_fault(
    "s16-parent-ignored",
    "an idTag with the transaction's parentIdTag does not stop the transaction",
    "TC_069_CS",
)
_fault(
    "s16-ev-disconnect-always-stop",
    "StopTransactionOnEVSideDisconnect = false is ignored: the transaction stops anyway",
    "TC_005_3_CS",
)
_fault(
    "s16-remote-start-busy-accepted",
    "RemoteStartTransaction for a connector with a running transaction is Accepted",
    "TC_026_CS",
)
_fault(
    "s16-unlock-fails",
    "UnlockConnector of an idle connector answers UnlockFailed",
    "TC_017_1_CS",
)
_fault(
    "s16-unlock-no-stop",
    "UnlockConnector during a transaction answers Unlocked without stopping it",
    "TC_018_1_CS",
)
_fault(
    "s16-availability-not-persisted",
    "an Inoperative connector or charge point is Available again after a reboot",
    "TC_013_CS",
    "TC_014_CS",
    "TC_034_CS",
)
_fault(
    "s16-power-loss-no-stop",
    "at a power failure the transactions vanish without a StopTransaction.req",
    "TC_032_1_CS",
)
declare(
    "s16-no-backup-tx-lost",
    "station",
    _V,
    "without back-up power, the transactions cut by a power failure are never stopped",
    ("TC_032_2_CS",),
    pixit=(("backup_power", "false"),),
)
declare(
    "s16-no-backup-stop-reason-reboot",
    "station",
    _V,
    "without back-up power, a transaction cut by a power failure is stopped with reason Reboot",
    ("TC_032_2_CS",),
    pixit=(("backup_power", "false"),),
)
_fault(
    "s16-getconfiguration-missing-key",
    "GetConfiguration without keys omits the required key ConnectorPhaseRotation",
    "TC_019_CS",
)
_fault(
    "s16-invalid-id-not-stopped",
    "StopTransactionOnInvalidId = true is ignored when StartTransaction.conf says Invalid",
    "TC_037_3_CS",
)
_fault(
    "s16-lock-failure-charges",
    "a cable plugged in only halfway (lock failure) still starts the transaction",
    "TC_024_CS",
)
_fault(
    "s16-invalid-id-keeps-charging",
    "StopTransactionOnInvalidId = false: an Invalid idTag keeps charging (not SuspendedEVSE)",
    "TC_037_2_CS",
)
_fault(
    "s16-fixed-cable-unlocked",
    "UnlockConnector of the fixed-cable connector answers Unlocked instead of NotSupported",
    "TC_017_2_CS",
    "TC_018_2_CS",
)
_fault(
    "s16-unlock-jam-ignored",
    "UnlockConnector answers Unlocked although the cable lock could not open",
    "TC_030_CS",
)
_fault(
    "s16-faulted-still-charges",
    "a Faulted connector still starts a transaction for an authorized idTag",
    "TC_041_CS",
)
_fault(
    "s16-auth-lost-at-plugin",
    "an authorization waiting for the cable is forgotten when the cable is plugged in",
    "TC_004_1_CS",
    "TC_011_1_CS",
)

# -- Local Auth List Management ------------------------------------------------------------
_fault(
    "s16-disabled-list-version",
    "GetLocalListVersion with LocalAuthListEnabled false reports the list's version, not -1",
    "TC_042_1_CS",
)
_fault(
    "s16-empty-list-version",
    "GetLocalListVersion reports the listVersion of an empty list instead of 0",
    "TC_042_2_CS",
)
_fault(
    "s16-version-mismatch-accepted",
    "a Differential SendLocalList whose listVersion is not newer is Accepted",
    "TC_043_2_CS",
)
_fault(
    "s16-differential-ignored",
    "a Differential SendLocalList is answered Accepted but not applied (version unchanged)",
    "TC_043_CS",
    "TC_043_2_CS",
)
_fault(
    "s16-local-list-failure-accepted",
    "SendLocalList answers Accepted although the list could not be stored (not Failed)",
    "TC_043_3_CS",
)
_fault(
    "s16-local-list-ignored",
    "the Local Authorization List is never consulted: listed idTags need an Authorize.req",
    "TC_008_CS",
)

# -- Remote Trigger ------------------------------------------------------------------------
_fault(
    "s16-trigger-not-sent",
    "TriggerMessage answered Accepted but the requested message is never sent",
    "TC_054_CS",
)
_fault(
    "s16-trigger-unknown-connector-accepted",
    "TriggerMessage for a connectorId that does not exist is Accepted",
    "TC_055_CS",
)

# -- Reservation ---------------------------------------------------------------------------
_fault(
    "s16-reserved-not-reported",
    "a reserved connector is reported Available instead of Reserved",
    "TC_046_2_CS",
    "TC_051_CS",
)
_fault(
    "s16-reservation-ignored",
    "a reserved connector is offered to any idTag (Authorize.req for another idTag)",
    "TC_046_1_CS",
)
_fault(
    "s16-start-no-reservation-id",
    "StartTransaction.req on a reserved connector omits the reservationId",
    "TC_046_1_CS",
    "TC_046_2_CS",
    "TC_049_CS",
    "TC_053_CS",
)
_fault(
    "s16-reservation-never-expires",
    "a reservation outlives its expiryDate (the connector stays Reserved)",
    "TC_047_CS",
)
_fault(
    "s16-reserve-faulted-accepted",
    "ReserveNow for a Faulted connector (or a charge point with all connectors Faulted) is "
    "Accepted",
    "TC_048_1_CS",
    "TC_050_1_CS",
)
_fault(
    "s16-reserve-occupied-accepted",
    "ReserveNow for an occupied connector (or charge point: all connectors occupied) is Accepted",
    "TC_048_2_CS",
    "TC_050_2_CS",
)
_fault(
    "s16-reserve-unavailable-accepted",
    "ReserveNow for an Unavailable connector or charge point is Accepted",
    "TC_048_3_CS",
    "TC_050_3_CS",
)
_fault(
    "s16-reserve-zero-not-kept",
    "a connectorId 0 reservation keeps no connector free for the idTag (none is Reserved)",
    "TC_049_CS",
)
_fault(
    "s16-cancel-not-applied",
    "CancelReservation answered Accepted but the reservation is kept",
    "TC_051_CS",
)
_fault(
    "s16-cancel-unknown-accepted",
    "CancelReservation for an unknown reservationId is Accepted",
    "TC_052_CS",
)
_fault(
    "s16-reservation-parent-ignored",
    "an idTag with the reservation's parentIdTag cannot use the reserved connector",
    "TC_053_CS",
)

# -- Firmware Management -------------------------------------------------------------------
_fault(
    "s16-firmware-not-downloaded",
    "UpdateFirmware: reports Downloading and Downloaded and installs without fetching the file",
    "TC_044_1_CS",
)
_fault(
    "s16-firmware-downloaded-not-reported",
    "UpdateFirmware: a finished download is not reported (no Downloaded before Installing)",
    "TC_044_1_CS",
    "TC_044_3_CS",
)
_fault(
    "s16-firmware-download-failure-silent",
    "UpdateFirmware: a failed download is never reported (no DownloadFailed)",
    "TC_044_2_CS",
)
_fault(
    "s16-firmware-corrupt-installed",
    "UpdateFirmware: an image that fails its check is installed and reported Installed",
    "TC_044_3_CS",
)
_fault(
    "s16-diagnostics-not-uploaded",
    "GetDiagnostics: reports Uploading and Uploaded without uploading anything",
    "TC_045_1_CS",
)
_fault(
    "s16-diagnostics-failure-reported-uploaded",
    "GetDiagnostics: an upload that failed is reported Uploaded",
    "TC_045_2_CS",
)
