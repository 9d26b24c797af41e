//! Who may call what, on every RPC of every service: one table of the roles each RPC admits
//! (read from each service's `access.rs`), checked against the running services.
//!
//! The RPCs come from the compiled descriptor set, so an RPC added to a `.proto` without a row
//! here fails [`every_rpc_of_every_service_is_in_the_table`]. For every other pair, a token of
//! the role calls the RPC with an empty request: a role the table does not admit must be
//! refused with PERMISSION_DENIED — the role gate comes before anything is read or validated,
//! so a caller learns nothing, not even which fields the request needs — and a role it admits
//! must never be refused that way for its role alone.

use seteli_platform::testing::{call_raw, rpcs_of};
use seteli_tests::conformance::ROLES;
use seteli_tests::kit::{Env, Svc};
use tonic::Code;

const SW: u8 = 1; // social_worker
const PU: u8 = 2; // provider_user
const CA: u8 = 4; // county_admin
const FS: u8 = 8; // finance_system
const AU: u8 = 16; // auditor
const EVERY: u8 = SW | PU | CA | FS | AU;

fn bit(role: &str) -> u8 {
    match role {
        "social_worker" => SW,
        "provider_user" => PU,
        "county_admin" => CA,
        "finance_system" => FS,
        "auditor" => AU,
        other => panic!("unknown role {other}"),
    }
}

/// The audit log, served by every service (`seteli_platform::audit`): auditors only.
const AUDIT: &[(&str, u8)] = &[("ListAuditEntries", AU)];

/// services/providers/src/access.rs, `rule`.
const PROVIDERS: &[(&str, u8)] = &[
    ("CreateProvider", CA),
    ("GetProvider", EVERY),
    ("ListProviders", EVERY),
    ("SearchProviders", EVERY),
    ("CheckProviderForService", EVERY),
    // Every role passes the gate; who may edit is decided on the provider (its own users and
    // county administrators).
    ("UpdateProvider", EVERY),
    ("AddSite", EVERY),
    ("RemoveSite", EVERY),
    ("SetOffering", EVERY),
    ("RemoveOffering", EVERY),
    ("AddStaffMember", EVERY),
    ("RemoveStaffMember", EVERY),
    ("AddDocument", EVERY),
    ("RemoveDocument", EVERY),
    ("SetSoteriClasses", EVERY),
    ("SubmitProvider", PU | CA),
    ("ApproveProvider", CA),
    ("RejectProvider", CA),
    ("SuspendProvider", CA),
    ("ResumeProvider", CA),
    ("RevokeProvider", CA),
    ("ListProviderHistory", EVERY),
    ("ApproveBankDetails", CA),
];

/// services/vouchers/src/access.rs.
const VOUCHERS: &[(&str, u8)] = &[
    ("CreateClient", SW | CA),
    ("GetClient", SW | CA | PU),
    ("UpdateClient", SW | CA),
    ("ListClients", SW | CA),
    ("SetCeilingPrice", CA),
    ("GetCeilingPrice", EVERY),
    ("ListCeilingPrices", EVERY),
    ("IssueVoucher", SW),
    ("GetVoucher", SW | CA | FS | PU),
    ("ListVouchers", SW | CA | FS | PU),
    ("ChooseProvider", SW | CA),
    ("AcceptVoucher", PU),
    ("DeclineVoucher", PU),
    ("StartVoucher", PU),
    ("RecordUnitsUsed", PU | CA),
    ("CompleteVoucher", PU | SW | CA),
    ("InterruptVoucher", PU | SW),
    ("CancelVoucher", SW | CA),
    ("ExpireVouchers", CA),
    ("ListVoucherChanges", EVERY),
];

/// services/attendance/src/access.rs.
const ATTENDANCE: &[(&str, u8)] = &[
    ("RecordSession", PU),
    ("CancelSession", PU),
    ("RecordAbsence", PU),
    ("CorrectSession", PU | CA),
    ("VoidSession", PU | CA),
    ("GetSession", SW | CA | PU),
    ("ListSessions", SW | CA | PU),
    ("ListAbsences", SW | CA | PU),
    ("GetVoucherUsage", SW | CA | PU),
    ("ListBillableItems", FS | CA | PU),
    ("MarkItemsInvoiced", FS | CA),
    ("ListAlerts", SW | CA | PU),
    ("ResolveAlert", SW | CA | PU),
    ("ListAlertChanges", CA | SW | FS),
    ("ListUsageChanges", CA | SW | FS),
    ("GetFeedStatus", CA),
    ("CreateGroup", PU),
    ("EnrolClient", PU),
    ("WithdrawEnrolment", PU),
    ("RecordGroupSession", PU),
    ("CancelGroup", PU),
    ("DelayGroupStart", PU),
    ("GetGroup", SW | CA | PU),
    ("ListGroups", SW | CA | PU),
    ("ListVoucherActivity", CA),
];

/// services/reporting/src/access.rs.
const REPORTING: &[(&str, u8)] = &[
    ("ListObligations", PU | SW | CA),
    ("GetReport", PU | SW | CA),
    ("SaveReportDraft", PU),
    ("SubmitReport", PU),
    ("AcknowledgeReport", SW | CA),
    ("RequestRevision", SW | CA),
    ("GetFeedStatus", CA),
    ("ListNotices", SW | PU | CA),
    ("GetNotice", SW | PU | CA),
    ("NotifyChange", PU),
    ("NotifyDamage", PU),
    ("AcknowledgeNotice", SW | CA),
    ("ListKelaNotices", PU | SW | CA),
    ("GetKelaNotice", PU | SW | CA),
    ("GetKelaNoticePdf", PU | SW | CA),
    ("MarkKelaNoticeSent", PU),
    ("GetFollowUp", CA | AU),
    ("ExportFollowUpCsv", CA | AU),
    ("GetReportPdf", PU | SW | CA),
    ("MarkClientCopyGiven", PU),
    ("MarkDeliveredToCounty", PU),
    ("GetClosingChecklist", PU | SW | CA),
    ("MarkClosingItem", PU | SW | CA),
];

/// services/billing/src/access.rs.
const BILLING: &[(&str, u8)] = &[
    ("GenerateInvoice", CA | PU),
    ("GetInvoice", CA | AU | PU | FS),
    ("ListInvoices", CA | AU | PU | FS),
    ("ExportInvoice", CA | AU | PU | FS),
    ("SubmitInvoice", PU),
    ("ApproveInvoice", CA),
    ("ReturnInvoice", CA),
    ("ListApprovedInvoices", FS),
    ("StreamApprovedInvoices", FS),
    ("AcknowledgeInvoices", FS),
    ("RecordPayment", FS | CA),
];

fn table(svc: Svc) -> &'static [(&'static str, u8)] {
    match svc {
        Svc::Providers => PROVIDERS,
        Svc::Vouchers => VOUCHERS,
        Svc::Attendance => ATTENDANCE,
        Svc::Reporting => REPORTING,
        Svc::Billing => BILLING,
    }
}

/// Every RPC a service serves: its own contract's and the audit log's.
fn served(svc: Svc) -> Vec<(seteli_platform::testing::Rpc, u8)> {
    let own = rpcs_of(svc.package()).into_iter().map(|rpc| {
        let roles = table(svc)
            .iter()
            .find(|(m, _)| *m == rpc.method)
            .map(|(_, r)| *r)
            .unwrap_or_else(|| panic!("{} has no row in the access table", rpc.path()));
        (rpc, roles)
    });
    let audit = rpcs_of("seteli.audit.v1").into_iter().map(|rpc| {
        let roles = AUDIT
            .iter()
            .find(|(m, _)| *m == rpc.method)
            .map(|(_, r)| *r)
            .unwrap_or_else(|| panic!("{} has no row in the access table", rpc.path()));
        (rpc, roles)
    });
    own.chain(audit).collect()
}

#[test]
fn every_rpc_of_every_service_is_in_the_table() {
    for svc in Svc::ALL {
        let rpcs = served(svc);
        assert!(rpcs.len() > 1, "{}", svc.name());
        // And no row names an RPC the contract does not have (a renamed or removed RPC).
        let methods: Vec<String> = rpcs_of(svc.package())
            .into_iter()
            .map(|r| r.method)
            .collect();
        for (row, _) in table(svc) {
            assert!(
                methods.iter().any(|m| m == row),
                "{}: the table names {row}, which the contract does not have",
                svc.name()
            );
        }
    }
}

#[tokio::test]
async fn every_role_is_refused_every_rpc_it_may_not_call() {
    let env = Env::builder().services(&Svc::ALL).start().await;
    let mut refused = 0;
    let mut failures = Vec::new();
    for svc in Svc::ALL {
        let server = env.server(svc);
        for (rpc, admitted) in served(svc) {
            for (role, provider) in ROLES {
                let token = env.token(role, provider);
                let status = call_raw(server.channel(), &rpc, &token, Vec::new()).await;
                let may = admitted & bit(role) != 0;
                if !may {
                    refused += 1;
                    if status.code() != Code::PermissionDenied {
                        failures.push(format!(
                            "{} as {role}: expected PERMISSION_DENIED, got {:?} {}",
                            rpc.path(),
                            status.code(),
                            status.message()
                        ));
                    }
                } else if matches!(
                    status.code(),
                    Code::Internal | Code::Unknown | Code::Unimplemented
                ) || (status.code() == Code::PermissionDenied && role != "provider_user")
                {
                    // A provider's user (of an unknown provider here) may be refused on the
                    // provider it names; any other admitted role passes the gate.
                    failures.push(format!(
                        "{} as {role} (admitted): {:?} {}",
                        rpc.path(),
                        status.code(),
                        status.message()
                    ));
                }
            }
        }
    }
    assert!(refused > 200, "only {refused} refusals checked");
    assert!(
        failures.is_empty(),
        "{} wrong answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
