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

const SW: u16 = 1; // social_worker
const PU: u16 = 2; // provider_user
const CA: u16 = 4; // county_admin
const FS: u16 = 8; // finance_system
const AU: u16 = 16; // auditor
const CL: u16 = 1024; // client: the voucher holder
const EVERY: u16 = SW | PU | CA | FS | AU;
// Service accounts (role `service`, the subject naming the service).
const S_PROVIDERS: u16 = 32;
const S_VOUCHERS: u16 = 64;
const S_ATTENDANCE: u16 = 128;
const S_REPORTING: u16 = 256;
const S_BILLING: u16 = 512;
/// Every service account: where the role gate admits role `service` whatever it names.
const SERVICES: u16 = S_PROVIDERS | S_VOUCHERS | S_ATTENDANCE | S_REPORTING | S_BILLING;

fn bit(role: &str) -> u16 {
    match role {
        "social_worker" => SW,
        "provider_user" => PU,
        "county_admin" => CA,
        "finance_system" => FS,
        "auditor" => AU,
        "client" => CL,
        other => panic!("unknown role {other}"),
    }
}

/// Each service's account and its bit.
fn service_bit(svc: Svc) -> u16 {
    match svc {
        Svc::Providers => S_PROVIDERS,
        Svc::Vouchers => S_VOUCHERS,
        Svc::Attendance => S_ATTENDANCE,
        Svc::Reporting => S_REPORTING,
        Svc::Billing => S_BILLING,
    }
}

/// The audit log, served by every service (`seteli_platform::audit`): auditors only.
const AUDIT: &[(&str, u16)] = &[("ListAuditEntries", AU)];

/// services/providers/src/access.rs, `rule`.
const PROVIDERS: &[(&str, u16)] = &[
    ("CreateProvider", CA),
    // A client (the voucher holder) reads approved providers as an outsider, searches near a
    // point and checks the provider their own choice is checked against.
    ("GetProvider", EVERY | SERVICES | CL),
    ("ListProviders", EVERY),
    ("SearchProviders", EVERY | CL),
    ("CheckProviderForService", EVERY | CL),
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
    ("DiscardProviderDraft", PU | CA),
    ("ApproveProvider", CA),
    ("RejectProvider", CA),
    ("SuspendProvider", CA),
    ("ResumeProvider", CA),
    ("RevokeProvider", CA),
    ("ListProviderHistory", EVERY),
    ("ApproveBankDetails", CA),
    ("ListProviderChanges", S_VOUCHERS | S_ATTENDANCE),
];

/// services/vouchers/src/access.rs.
const VOUCHERS: &[(&str, u16)] = &[
    ("CreateClient", SW | CA),
    // A client (the voucher holder) reads their own record and vouchers, and chooses on them.
    ("GetClient", SW | CA | PU | CL),
    ("UpdateClient", SW | CA),
    ("ListClients", SW | CA),
    ("SetCeilingPrice", CA),
    // The county's ceiling prices are public: every role, the voucher holder too.
    ("GetCeilingPrice", EVERY | SERVICES | CL),
    ("ListCeilingPrices", EVERY | SERVICES | CL),
    ("IssueVoucher", SW),
    ("GetVoucher", SW | CA | PU | SERVICES | CL),
    ("ListVouchers", SW | CA | PU | SERVICES | CL),
    ("ChooseProvider", SW | CA | CL),
    ("CompareProvidersForVoucher", SW | CA | CL),
    ("AcceptVoucher", PU),
    ("DeclineVoucher", PU),
    ("StartVoucher", PU),
    ("RecordUnitsUsed", PU | CA),
    ("CompleteVoucher", PU | SW | CA),
    ("InterruptVoucher", PU | SW),
    ("CancelVoucher", SW | CA),
    ("ExpireVouchers", CA),
    ("ListVoucherChanges", S_ATTENDANCE | S_REPORTING),
];

/// services/attendance/src/access.rs.
const ATTENDANCE: &[(&str, u16)] = &[
    ("RecordSession", PU),
    ("CancelSession", PU),
    ("RecordAbsence", PU),
    ("CorrectSession", PU | CA),
    ("VoidSession", PU | CA),
    ("GetSession", SW | CA | PU | CL),
    ("ListSessions", SW | CA | PU | CL),
    ("ListAbsences", SW | CA | PU | CL),
    ("GetVoucherUsage", SW | CA | PU | CL),
    ("ListBillableItems", S_BILLING),
    ("MarkItemsInvoiced", S_BILLING),
    ("ListAlerts", SW | CA | PU),
    ("ResolveAlert", SW | CA | PU),
    ("ListAlertChanges", S_REPORTING),
    ("ListUsageChanges", S_VOUCHERS),
    ("GetFeedStatus", CA),
    ("CreateGroup", PU),
    ("EnrolClient", PU),
    ("WithdrawEnrolment", PU),
    ("RecordGroupSession", PU),
    ("CancelGroup", PU),
    ("DelayGroupStart", PU),
    ("GetGroup", SW | CA | PU),
    ("ListGroups", SW | CA | PU),
    ("ListVoucherActivity", CA | S_REPORTING),
];

/// services/reporting/src/access.rs.
const REPORTING: &[(&str, u16)] = &[
    ("ListObligations", PU | SW | CA | CL),
    ("GetReport", PU | SW | CA | CL),
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
    ("GetReportPdf", PU | SW | CA | CL),
    ("MarkClientCopyGiven", PU),
    ("MarkDeliveredToCounty", PU),
    ("GetClosingChecklist", PU | SW | CA),
    ("MarkClosingItem", PU | SW | CA),
    ("GetClientFeedbackForm", SW | CA | CL),
    ("SubmitClientFeedback", CL),
    ("GetClientFeedbackSummary", CA | AU | PU),
];

/// services/billing/src/access.rs.
const BILLING: &[(&str, u16)] = &[
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

fn table(svc: Svc) -> &'static [(&'static str, u16)] {
    match svc {
        Svc::Providers => PROVIDERS,
        Svc::Vouchers => VOUCHERS,
        Svc::Attendance => ATTENDANCE,
        Svc::Reporting => REPORTING,
        Svc::Billing => BILLING,
    }
}

/// Every RPC a service serves: its own contract's and the audit log's.
fn served(svc: Svc) -> Vec<(seteli_platform::testing::Rpc, u16)> {
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
            let people = ROLES
                .iter()
                .map(|(role, provider)| (role.to_string(), env.token(role, *provider), bit(role)));
            let services = Svc::ALL.into_iter().map(|s| {
                let who = format!("service {}", s.name());
                (who, env.service(s), service_bit(s))
            });
            for (role, token, role_bit) in people.chain(services) {
                let status = call_raw(server.channel(), &rpc, &token, Vec::new()).await;
                let may = admitted & role_bit != 0;
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
