"""The injectable faults of the 2.0.1 reference charging station (`--fault s201-...`).

Each is one deviation from OCPP 2.0.1, switched on at the point in the code where it
deviates, with the cases expected to catch it (the mutation run checks they do). Faults of
the station's network-profile and security parts are declared beside that code.
"""

from __future__ import annotations

from conformance.sim.faults import declare, declarer

_V = ("2.0.1",)


_fault = declarer("station", _V)


# -- the certificate store (station201_certificates: M03-M05) ------------------------------
# The station variant with SecurityCtrlr.AdditionalRootCertificateCheck true.
_ARCC = (("additional_root_certificate_check", "true"),)

_fault(
    "s201-install-invalid-accepted",
    "InstallCertificate installs an expired (invalid) certificate and says Accepted",
    "TC_M_07_CS",
)
_fault(
    "s201-install-not-stored",
    "InstallCertificate says Accepted but does not store the certificate",
    "TC_M_01_CS",
    "TC_M_02_CS",
    "TC_M_12_CS",
)
_fault(
    "s201-cert-hash-wrong",
    "GetInstalledCertificateIds: issuerKeyHash over the certificate's own SubjectPublicKeyInfo",
    "TC_M_01_CS",
    "TC_M_12_CS",
    "TC_M_13_CS",
    "TC_M_18_CS",
)
_fault(
    "s201-cert-type-first-only",
    "GetInstalledCertificateIds lists only certificates of the first certificateType asked for",
    "TC_M_17_CS",
)
_fault(
    "s201-cert-not-found-accepted",
    "GetInstalledCertificateIds with no matching certificate says Accepted, not NotFound",
    "TC_M_19_CS",
)
_fault(
    "s201-delete-not-removed",
    "DeleteCertificate says Accepted but the certificate stays installed",
    "TC_M_20_CS",
)
_fault(
    "s201-delete-unknown-accepted",
    "DeleteCertificate for a certificate that is not installed says Accepted, not NotFound",
    "TC_M_22_CS",
)
declare(
    "s201-installed-roots-unused",
    "station",
    _V,
    "TLS trusts only the factory CSMS root: installed CSMS roots are never used to connect",
    ("TC_M_30_CS", "TC_B_50_CS"),
    _ARCC,
)
declare(
    "s201-root-check-ignored",
    "station",
    _V,
    "AdditionalRootCertificateCheck true, yet a CSMS root not signed by the old one is installed",
    ("TC_M_09_CS",),
    _ARCC,
)
declare(
    "s201-root-fallback-kept",
    "station",
    _V,
    "AdditionalRootCertificateCheck: after connecting with the new CSMS root the old one stays",
    ("TC_M_30_CS",),
    _ARCC,
)
declare(
    "s201-root-no-fallback",
    "station",
    _V,
    "AdditionalRootCertificateCheck: keeps trying the new CSMS root, never falls back to the old",
    ("TC_M_31_CS", "TC_B_47_CS"),
    _ARCC,
)

_fault("s201-boot-wrong-reason", "BootNotification after a Reset says PowerUp", "TC_B_20_CS")
_fault(
    "s201-boot-retry-early",
    "after Pending / Rejected, resends BootNotification at half the interval",
    "TC_B_03_CS",
    "TC_B_02_CS",
)
_fault(
    "s201-rejected-chatty",
    "while Rejected, sends a StatusNotification before the boot retry",
    "TC_B_03_CS",
)
_fault(
    "s201-no-status-notification",
    "after boot, omits the StatusNotification of the last connector",
    "TC_B_01_CS",
)
_fault(
    "s201-status-bad-timestamp",
    "StatusNotification timestamp without 'T' and time zone (not RFC 3339)",
    "TC_B_01_CS",
)
_fault(
    "s201-unknown-variable-status",
    "GetVariables answers UnknownComponent for an unknown variable of a known component",
    "TC_B_33_CS",
)
_fault(
    "s201-readonly-accepted", "SetVariables accepts a write to a read-only variable", "TC_B_39_CS"
)
_fault(
    "s201-invalid-value-accepted",
    "SetVariables accepts a badly formatted value",
    "TC_B_11_CS",
)
_fault(
    "s201-report-no-tbc",
    "NotifyReport: every part says tbc false (the report looks complete after part 1)",
    "TC_B_13_CS",
)
_fault(
    "s201-seqno-stuck",
    "TransactionEvent seqNo stays 1 after Started",
    "TC_E_14_CS",
    "TC_E_24_CS",
    "TC_E_26_CS",
)
_fault(
    "s201-wrong-trigger-reason",
    "TransactionEvent for a plug-in says triggerReason Authorized",
    "TC_E_09_CS",
    "TC_E_01_CS",
)
_fault("s201-started-no-evse", "TransactionEvent Started without evse", "TC_E_01_CS")
_fault(
    "s201-tx-start-point-ignored",
    "TxCtrlr.TxStartPoint is accepted but ignored: transactions always start at PowerPathClosed",
    "TC_E_02_CS",
    "TC_E_09_CS",
    "TC_E_10_CS",
    "TC_E_12_CS",
)
_fault(
    "s201-no-idtoken-in-tx",
    "the TransactionEvent after an authorization does not carry the idToken",
    "TC_E_03_CS",
    "TC_E_04_CS",
    "TC_E_13_CS",
)
_fault(
    "s201-local-stop-wrong-reason",
    "a transaction stopped by presenting the idToken again says stoppedReason Remote",
    "TC_E_06_CS",
    "TC_E_07_CS",
    "TC_E_08_CS",
    "TC_E_15_CS",
)
_fault(
    "s201-suspended-ev-continues",
    "with TxStopPoint EnergyTransfer, the EV suspending charging does not end the transaction",
    "TC_E_22_CS",
)
_fault(
    "s201-tx-status-in-flight-not-queued",
    "GetTransactionStatus: a sent but unanswered TransactionEvent is not counted as queued",
    "TC_E_29_CS",
    "TC_E_31_CS",
    "TC_E_33_CS",
)
_fault(
    "s201-tx-status-ended-ongoing",
    "GetTransactionStatus says ongoingIndicator true for a transaction that has ended",
    "TC_E_31_CS",
    "TC_E_32_CS",
)
_fault(
    "s201-tx-status-ongoing-without-id",
    "GetTransactionStatus without a transactionId still answers an ongoingIndicator",
    "TC_E_33_CS",
    "TC_E_34_CS",
)
_fault(
    "s201-tx-no-retry",
    "a TransactionEvent answered with a CALLERROR or left unanswered is dropped, not retried",
    "TC_E_41_CS",
    "TC_E_42_CS",
    "TC_E_50_CS",
    "TC_E_51_CS",
)
_fault(
    "s201-tx-retry-extra",
    "a failing TransactionEvent is sent once more than MessageAttempts allows",
    "TC_E_41_CS",
    "TC_E_50_CS",
)
_fault(
    "s201-tx-retry-no-backoff",
    "a failing TransactionEvent is retried at once, without MessageAttemptInterval",
    "TC_E_41_CS",
    "TC_E_42_CS",
    "TC_E_50_CS",
    "TC_E_51_CS",
)
_fault(
    "s201-offline-not-flagged",
    "TransactionEvents queued while offline are sent without offline true",
    "TC_E_40_CS",
    "TC_E_43_CS",
    "TC_E_44_CS",
    "TC_E_16_CS",
)
_fault(
    "s201-offline-queue-dropped",
    "TransactionEvents generated while offline are dropped instead of queued",
    "TC_E_40_CS",
    "TC_E_43_CS",
    "TC_E_44_CS",
)
_fault(
    "s201-data-signed-unsigned",
    "with TxStartPoint DataSigned, the Started event carries no signedMeterValue",
    "TC_E_11_CS",
)
_fault(
    "s201-remote-authorization-not-disabled",
    "sends AuthorizeRequest although AuthCtrlr.DisableRemoteAuthorization is true",
    "TC_E_52_CS",
)
_fault(
    "s201-offline-group-stop-ignored",
    "offline, an idToken of the same group (from the cache) does not stop the transaction",
    "TC_E_45_CS",
)
_fault(
    "s201-invalid-id-continues",
    "a TransactionEventResponse with idTokenInfo Invalid does not end the transaction",
    "TC_E_16_CS",
    "TC_C_16_CS",
)
_fault(
    "s201-suspended-ev-as-charging",
    "an EV that takes no energy is reported with chargingState Charging, not SuspendedEV",
    "TC_E_38_CS",
    "TC_E_22_CS",
)
_fault(
    "s201-ev-disconnect-no-stop",
    "an EV-side cable disconnect never ends the transaction (StopTxOnEVSideDisconnect and "
    "TxStopPoint ignored)",
    "TC_E_17_CS",
    "TC_E_20_CS",
    "TC_E_54_CS",
    "TC_E_24_CS",
    "TC_E_25_CS",
    "TC_E_37_CS",
)
_fault(
    "s201-ev-disconnect-not-idle",
    "after an EV-side cable disconnect the chargingState says EVConnected, not Idle",
    "TC_E_17_CS",
    "TC_E_20_CS",
    "TC_E_54_CS",
    "TC_E_24_CS",
    "TC_E_25_CS",
    "TC_E_26_CS",
    "TC_E_37_CS",
)
_fault(
    "s201-bay-stop-ignored",
    "with TxStopPoint ParkingBayOccupied, the EV leaving the bay does not end the transaction",
    "TC_E_19_CS",
)
_fault(
    "s201-ignore-remote-stop",
    "RequestStopTransaction answered Accepted but the transaction goes on",
    "TC_F_08_CS",
    "TC_E_21_CS",
)
_fault(
    "s201-reset-no-reconnect", "Reset answered Accepted but the station never reboots", "TC_B_20_CS"
)
declare(
    "s201-reset-evse-unsupported-accepted",
    "station",
    _V,
    "started without single-EVSE reset support, still answers a Reset of one EVSE normally",
    ("TC_B_28_CS", "TC_B_29_CS"),
    pixit=(("supports_reset_evse", "false"),),
)
_fault(
    "s201-fixed-cable-no-timeout",
    "fixed cable disconnected at the EV side: the suspended transaction never times out",
    "TC_E_27_CS",
)
_fault(
    "s201-trigger-log-idle-uploading",
    "triggered LogStatusNotification says Idle (no requestId) while a log upload runs",
    "TC_F_16_CS",
)
_fault(
    "s201-log-uploaded-wrong-request-id",
    "after a successful log upload, LogStatusNotification Uploaded carries another requestId",
    "TC_N_25_CS",
)
_fault(
    "s201-security-log-rejected",
    "GetLog for the SecurityLog is answered Rejected (only the diagnostics log is served)",
    "TC_N_35_CS",
)
_fault(
    "s201-log-no-retries",
    "a failed log upload is not retried: GetLogRequest.retries is ignored",
    "TC_N_26_CS",
)
_fault(
    "s201-log-cancel-not-reported",
    "a second GetLog cancels the running upload without LogStatusNotification AcceptedCanceled",
    "TC_N_36_CS",
)
_fault(
    "s201-customer-report-empty",
    "CustomerInformation report for a known customer: NotifyCustomerInformation data is empty",
    "TC_N_27_CS",
)
_fault(
    "s201-customer-no-data-silent",
    "CustomerInformation report for a customer with no data: no NotifyCustomerInformation",
    "TC_N_28_CS",
    "TC_N_31_CS",
)
_fault(
    "s201-customer-clear-keeps-data",
    "CustomerInformation clear is Accepted but the customer's data stays (cache entry, id)",
    "TC_N_30_CS",
    "TC_N_62_CS",
)
_fault(
    "s201-customer-clear-silent",
    "CustomerInformation clear without report: no NotifyCustomerInformation says it cleared",
    "TC_N_32_CS",
)
_fault(
    "s201-customer-seqno-from-1",
    "NotifyCustomerInformation seqNo starts at 1 instead of 0",
    "TC_N_27_CS",
    "TC_N_28_CS",
)
_fault(
    "s201-duplicate-message-id",
    "every CALL on a connection reuses the message id of the first one",
    "TC_B_01_CS",
)
_fault("s201-no-response", "never answers GetTransactionStatus", "TC_E_28_CS")
_fault("s201-late-response", "answers UnlockConnector only after a long delay", "TC_F_06_CS")
_fault("s201-wrong-message-id", "answers GetVariables under another message id", "TC_B_06_CS")
_fault(
    "s201-trigger-callerror",
    "TriggerMessage for an unimplemented message: CALLERROR NotImplemented, not a response",
    "TC_F_27_CS",
)
_fault(
    "s201-trigger-boot-accepted",
    "TriggerMessage BootNotification accepted although the station is already Accepted",
    "TC_F_26_CS",
)
_fault(
    "s201-no-authorize-remote-start",
    "RequestStartTransaction: no Authorize although AuthorizeRemoteStart is true",
    "TC_F_02_CS",
)
_fault(
    "s201-no-ev-connection-timeout",
    "an authorization without a cable never times out (EVConnectionTimeOut ignored)",
    "TC_E_05_CS",
    "TC_F_04_CS",
)
_fault(
    "s201-unlock-unknown-connector",
    "UnlockConnector for a connector that does not exist answers Unlocked",
    "TC_F_10_CS",
)
_fault(
    "s201-tx-status-not-ongoing",
    "GetTransactionStatus says ongoingIndicator false for an ongoing transaction",
    "TC_E_30_CS",
)
_fault(
    "s201-rejected-answers-requests",
    "while its boot is Rejected, answers the CSMS's requests instead of CALLERROR SecurityError",
    "TC_B_30_CS",
)
_fault(
    "s201-reset-on-idle-multi-immediate",
    "Reset OnIdle with several transactions: Accepted, all end and the station reboots at once",
    "TC_B_41_CS",
)
_fault(
    "s201-availability-lost-on-reset",
    "after a Reset every connector is Operative again (availability does not persist)",
    "TC_B_23_CS",
)
_fault(
    "s201-offline-changed-only",
    "back online after more than OfflineThreshold, reports only the connectors that changed",
    "TC_B_51_CS",
)
_fault(
    "s201-offline-no-status",
    "back online after an offline period, reports no connector status at all",
    "TC_B_51_CS",
    "TC_B_52_CS",
)
_fault(
    "s201-network-profile-any-slot",
    "SetNetworkProfile accepts a configurationSlot that NetworkConfigurationPriority lacks",
    "TC_B_43_CS",
)
_fault(
    "s201-report-omits-required",
    "the FullInventory report leaves out the required OCPPCommCtrlr.RetryBackOffWaitMinimum",
    "TC_B_53_CS",
)
_fault(
    "s201-reconnect-ignores-backoff",
    "reconnects after a lost connection at once, ignoring RetryBackOffWaitMinimum",
    "TC_B_57_CS",
    "TC_B_51_CS",
)
_fault(
    "s201-reconnect-no-doubling",
    "after a failed reconnection attempt waits RetryBackOffWaitMinimum again instead of double",
    "TC_B_57_CS",
)
# -- remote control (F) --------------------------------------------------------------------
_fault(
    "s201-remote-start-no-remote-id",
    "TransactionEvent after a RequestStartTransaction lacks transactionInfo.remoteStartId",
    "TC_F_01_CS",
    "TC_F_02_CS",
    "TC_F_03_CS",
)
_fault(
    "s201-authorize-remote-start-always",
    "RequestStartTransaction: sends Authorize although AuthorizeRemoteStart is false",
    "TC_F_03_CS",
)
_fault(
    "s201-unlock-during-transaction",
    "UnlockConnector during an authorized transaction answers Unlocked",
    "TC_F_05_CS",
)
_fault(
    "s201-unlock-failed-no-cable",
    "UnlockConnector without a transaction answers UnlockFailed",
    "TC_F_06_CS",
    "TC_F_07_CS",
)
_fault(
    "s201-remote-stop-unknown-accepted",
    "RequestStopTransaction for an unknown transactionId answers Accepted",
    "TC_F_09_CS",
)
_fault(
    "s201-trigger-meter-wrong-context",
    "triggered MeterValues say context Sample.Periodic instead of Trigger",
    "TC_F_11_CS",
    "TC_F_12_CS",
)
_fault(
    "s201-trigger-meter-first-evse-only",
    "TriggerMessage MeterValues without evse reports the first EVSE only",
    "TC_F_12_CS",
)
_fault(
    "s201-trigger-tx-wrong-reason",
    "triggered TransactionEvent says triggerReason ChargingStateChanged instead of Trigger",
    "TC_F_13_CS",
    "TC_F_14_CS",
)
_fault(
    "s201-trigger-notification-not-idle",
    "triggered Log/FirmwareStatusNotification says Uploaded/Installed while nothing runs",
    "TC_F_15_CS",
    "TC_F_18_CS",
)

# -- firmware update (L01, station201_firmware) --
_fault(
    "s201-fw-unsigned-accepted",
    "UpdateFirmware without signingCertificate and signature is Accepted",
    "TC_L_18_CS",
)
_fault(
    "s201-fw-cert-not-checked",
    "the firmware signing certificate is not checked against the manufacturer roots",
    "TC_L_05_CS",
)
_fault(
    "s201-fw-no-security-event",
    "no SecurityEventNotification for an invalid firmware signing certificate / signature",
    "TC_L_05_CS",
    "TC_L_06_CS",
)
_fault(
    "s201-fw-signature-not-checked",
    "any firmware signature is reported SignatureVerified",
    "TC_L_06_CS",
)
_fault(
    "s201-fw-downloading-not-reported",
    "the firmware download runs without a Downloading FirmwareStatusNotification",
    "TC_L_01_CS",
    "TC_L_10_CS",
)
_fault(
    "s201-fw-status-order",
    "SignatureVerified is reported before Downloaded",
    "TC_L_01_CS",
    "TC_L_02_CS",
)
_fault(
    "s201-fw-no-request-id",
    "FirmwareStatusNotifications of an update carry no requestId",
    "TC_L_01_CS",
    "TC_L_07_CS",
)
_fault(
    "s201-fw-boot-wrong-reason",
    "the reboot that activates new firmware says BootNotification reason PowerUp",
    "TC_L_01_CS",
)
_fault(
    "s201-fw-retrieve-time-ignored",
    "a future retrieveDateTime is ignored: the download starts at once",
    "TC_L_03_CS",
)
_fault(
    "s201-fw-install-time-ignored",
    "a future installDateTime is ignored: the firmware is installed at once",
    "TC_L_02_CS",
)
_fault(
    "s201-fw-download-failure-unreported",
    "a failed firmware download is never reported DownloadFailed",
    "TC_L_07_CS",
)
_fault(
    "s201-fw-install-unverified",
    "a firmware image that fails install verification is installed and reported Installed",
    "TC_L_08_CS",
)
_fault(
    "s201-fw-second-request-rejected",
    "a second UpdateFirmware during a download is Rejected instead of cancelling the first",
    "TC_L_10_CS",
)
_fault(
    "s201-fw-install-during-transaction",
    "firmware is installed (and the station reboots) while a transaction is ongoing",
    "TC_L_14_CS",
    "TC_L_15_CS",
)
_fault(
    "s201-fw-idle-evses-stay-available",
    "AllowNewSessionsPendingFirmwareUpdate false, yet idle EVSEs stay Available",
    "TC_L_15_CS",
)
# The firmware variants of the station (station201_variants), each with the PIXIT it needs.
declare(
    "s201-fw-uncancelable-cancels",
    "station",
    _V,
    "started unable to cancel a firmware update, still cancels it for a second request",
    ("TC_L_11_CS",),
    pixit=(("firmware_update_cancelable", "false"),),
)
declare(
    "s201-fw-download-during-transaction",
    "station",
    _V,
    "started unable to download firmware during a transaction, downloads it at once anyway",
    ("TC_L_12_CS", "TC_L_13_CS"),
    pixit=(("firmware_download_during_transaction", "false"),),
)
declare(
    "s201-fw-install-ends-transaction",
    "station",
    _V,
    "started able to install firmware during a transaction, reboots and ends it to install",
    ("TC_L_16_CS",),
    pixit=(("firmware_install_during_transaction", "true"),),
)
_fault(
    "s201-fw-trigger-idle",
    "a triggered FirmwareStatusNotification says Idle while a firmware download runs",
    "TC_F_19_CS",
)
_fault(
    "s201-trigger-evse-irrelevant-rejected",
    "TriggerMessage for a station-wide message that names an evse answers Rejected",
    "TC_F_17_CS",
)
_fault(
    "s201-trigger-heartbeat-missing",
    "TriggerMessage Heartbeat answered Accepted but no Heartbeat follows",
    "TC_F_20_CS",
)
_fault(
    "s201-trigger-status-wrong-evse",
    "TriggerMessage StatusNotification for one EVSE reports another EVSE's connector",
    "TC_F_23_CS",
    "TC_F_24_CS",
)

# -- G (availability), J (meter values), P (data transfer) ----------------------------------
_fault(
    "s201-occupied-not-reported",
    "plugging in the cable sends no StatusNotification Occupied",
    "TC_G_01_CS",
)
_fault(
    "s201-freed-not-reported",
    "unplugging the cable sends no StatusNotification (the connector stays Occupied)",
    "TC_G_02_CS",
)
_fault(
    "s201-availability-not-reported",
    "an accepted ChangeAvailability sends no StatusNotification for the connectors",
    "TC_G_03_CS",
    "TC_G_04_CS",
    "TC_G_05_CS",
    "TC_G_06_CS",
    "TC_G_07_CS",
    "TC_G_08_CS",
)
_fault(
    "s201-availability-same-state-rejected",
    "ChangeAvailability to the state the target already is in answers Rejected",
    "TC_G_09_CS",
    "TC_G_10_CS",
    "TC_G_12_CS",
    "TC_G_13_CS",
    "TC_G_15_CS",
    "TC_G_16_CS",
)
_fault(
    "s201-availability-scheduled-as-accepted",
    "ChangeAvailability Inoperative during a transaction answers Accepted, not Scheduled",
    "TC_G_11_CS",
    "TC_G_14_CS",
    "TC_G_17_CS",
)
_fault(
    "s201-availability-lost-on-reboot",
    "after a local reboot every connector is Operative again (availability does not persist)",
    "TC_G_18_CS",
    "TC_G_19_CS",
    "TC_G_21_CS",
)
_fault(
    "s201-data-transfer-accepted",
    "DataTransfer for a vendorId it does not implement answers Accepted",
    "TC_P_01_CS",
)
_fault(
    "s201-custom-data-rejected",
    "a request carrying customData is answered with CALLERROR FormatViolation",
    "TC_P_03_CS",
)
_fault(
    "s201-aligned-wrong-context",
    "clock-aligned meter values say context Sample.Periodic instead of Sample.Clock",
    "TC_J_01_CS",
    "TC_J_02_CS",
)
_fault(
    "s201-aligned-sent-during-transaction",
    "sends clock-aligned meter values during a transaction although SendDuringIdle is true",
    "TC_J_06_CS",
)
_fault(
    "s201-clock-event-wrong-trigger",
    "clock-aligned TransactionEvent says triggerReason MeterValuePeriodic, not MeterValueClock",
    "TC_J_02_CS",
)
_fault(
    "s201-measurands-ignored",
    "every meter value holds only Energy.Active.Import.Register whatever is configured",
    "TC_J_01_CS",
    "TC_J_07_CS",
    "TC_J_09_CS",
    "TC_J_10_CS",
)
_fault(
    "s201-started-no-meter",
    "the Started TransactionEvent carries no meterValue (no Transaction.Begin reading)",
    "TC_J_07_CS",
)
_fault(
    "s201-tx-ended-no-samples",
    "the Ended TransactionEvent drops the readings kept for TxEndedInterval",
    "TC_J_03_CS",
    "TC_J_10_CS",
)
_fault(
    "s201-periodic-wrong-context",
    "sampled (TxUpdatedInterval) meter values say context Sample.Clock",
    "TC_J_09_CS",
)
_fault(
    "s201-readings-unsigned",
    "Sampled/AlignedDataCtrlr.SignReadings true, yet readings carry no signedMeterValue",
    "TC_J_04_CS",
    "TC_J_11_CS",
)
_fault(
    "s201-auth-status-ignored",
    "an AuthorizeResponse status Invalid / Unknown / Blocked / Expired still authorizes",
    "TC_C_02_CS",
    "TC_C_06_CS",
    "TC_C_07_CS",
    "TC_C_56_CS",
)
_fault(
    "s201-stop-with-any-token",
    "any accepted idToken presented at the EVSE stops its transaction, not only the starter's",
    "TC_C_04_CS",
)
_fault(
    "s201-clear-cache-keeps-entries",
    "ClearCache is answered Accepted but the authorization cache keeps its entries",
    "TC_C_37_CS",
)
_fault(
    "s201-clear-cache-always-accepted",
    "ClearCache is answered Accepted while AuthCacheCtrlr.Enabled is false",
    "TC_C_38_CS",
)
_fault(
    "s201-pre-authorize-ignored",
    "AuthCtrlr.LocalPreAuthorize true, yet a cached Accepted idToken is sent in an Authorize",
    "TC_C_08_CS",
    "TC_C_13_CS",
)
_fault(
    "s201-cache-without-pre-authorize",
    "AuthCtrlr.LocalPreAuthorize false, yet a cached Accepted idToken starts with no Authorize",
    "TC_C_36_CS",
)
_fault(
    "s201-cached-status-ignored",
    "LocalPreAuthorize: an idToken cached Invalid / Blocked / Expired is judged with no Authorize",
    "TC_C_09_CS",
    "TC_C_10_CS",
    "TC_C_11_CS",
    "TC_C_12_CS",
)
_fault(
    "s201-post-authorize-not-disabled",
    "AuthCacheCtrlr.DisablePostAuthorize true, yet a cached Invalid idToken is sent in Authorize",
    "TC_C_57_CS",
)
_fault(
    "s201-remote-start-profile-rejected",
    "a RequestStartTransaction with a chargingProfile is Rejected instead of the profile ignored",
    "TC_K_38_CS",
    "TC_K_37_CS",  # with Smart Charging the profile is taken, so the start is Accepted too
)
_fault(
    "s201-begin-meter-lost",
    "a transaction started before its EVSE was known never reports its Transaction.Begin value",
    "TC_J_08_CS",
)
