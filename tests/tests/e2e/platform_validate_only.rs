//! Validate without writing (issue 26; Google AIP-163): every mutating RPC takes
//! `validate_only`, so a portal can show the rulebook's refusals while a form is filled.
//!
//! - The contract: every request with a `request_id` (each RPC that is not a read has one) has
//!   `bool validate_only` — read from the descriptor set, so a new RPC is held to it by its
//!   proto alone (the api crate's build script refuses to build one without it, too).
//! - For a representative set across the five services (CreateProvider, SubmitProvider refused
//!   and valid, ApproveProvider; CreateClient, IssueVoucher refused and valid, ChooseProvider,
//!   AcceptVoucher; RecordSession refused and valid, RecordAbsence; SubmitReport; GenerateInvoice,
//!   SubmitInvoice, ApproveInvoice): a validation answers what the call then answers (the same
//!   refusal and rule ids, or the same answer but for the ids it would make) and leaves every
//!   row of every table of every service as it was — the object, its state, the feeds, the
//!   stored answers, the audit log (a validation's own entries are marked `(validate only)`) —
//!   and the same `request_id` then makes the change for real.
//!
//! `platform_validate_only_sweep.rs` calls every mutating RPC with `validate_only`.

use std::future::Future;

use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as bpb;
use seteli_api::providers::v1 as ppb;
use seteli_api::reporting::v1 as rpb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::db_state::{Databases, changes, validations_audited};
use seteli_tests::fixtures::*;
use seteli_tests::object_matrix::{every_rpc, is_read};
use tonic::{Code, Status};

/// A request a test sends twice: as a validation, then as itself.
trait Validate: Clone {
    /// This request with `validate_only` set to `on`.
    fn validating(&self, on: bool) -> Self;
}

macro_rules! validate {
    ($($t:path),* $(,)?) => {$(
        impl Validate for $t {
            fn validating(&self, on: bool) -> Self {
                Self { validate_only: on, ..self.clone() }
            }
        }
    )*};
}

validate!(
    ppb::CreateProviderRequest,
    ppb::SubmitProviderRequest,
    ppb::ApproveProviderRequest,
    pb::CreateClientRequest,
    pb::IssueVoucherRequest,
    pb::ChooseProviderRequest,
    pb::AcceptVoucherRequest,
    apb::RecordSessionRequest,
    apb::RecordAbsenceRequest,
    rpb::SubmitReportRequest,
    bpb::GenerateInvoiceRequest,
    bpb::SubmitInvoiceRequest,
    bpb::ApproveInvoiceRequest,
);

/// A call of `method` on the client `client` makes (`env.p()` …) as `token`'s holder, for
/// [`validate_then_call`]: answering the response's `field`, or the whole response.
macro_rules! as_caller {
    ($client:expr, $token:ident, $method:ident => $field:ident) => {
        |req| {
            let (mut client, token) = ($client, $token.clone());
            async move {
                let answer = client.$method(with_token(&token, req)).await?;
                Ok(answer.into_inner().$field.expect(stringify!($field)))
            }
        }
    };
    ($client:expr, $token:ident, $method:ident) => {
        |req| {
            let (mut client, token) = ($client, $token.clone());
            async move { Ok(client.$method(with_token(&token, req)).await?.into_inner()) }
        }
    };
}

/// What a validation and then the call itself answered.
struct Validated<T> {
    /// The validation's answer.
    validated: Result<T, Status>,
    /// The call's answer under the same request id.
    real: Result<T, Status>,
    /// How many audit entries the validation recorded (each marked `(validate only)`).
    audited: usize,
}

impl<T: std::fmt::Debug> Validated<T> {
    /// Both answers, which must be answers.
    fn answers(self) -> (T, T) {
        (
            self.validated.expect("the validation answers"),
            self.real.expect("the call answers"),
        )
    }
}

/// Calls `call` with `req` as a validation, then as itself (the same request id). The
/// validation must change no row of any database of the environment (its own audit entries,
/// marked, aside) and answer as the call does: a refusal with the same code, message and rule
/// ids; an answer where the call answers one, and then the call must change something (it was
/// not answered from a stored validation). The databases must be still before (`settled`).
async fn validate_then_call<Req, T, F, Fut>(dbs: &Databases, req: Req, call: F) -> Validated<T>
where
    Req: Validate,
    T: std::fmt::Debug,
    F: Fn(Req) -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    let before = dbs.settled().await;
    let validated = call(req.validating(true)).await;
    let after = dbs.snapshot().await;
    let changed = changes(&before, &after);
    assert!(
        changed.is_empty(),
        "the validation ({validated:?}) changed:\n{}",
        changed.join("\n")
    );
    let audited = validations_audited(&before, &after);
    let real = call(req.validating(false)).await;
    match (&validated, &real) {
        (Err(v), Err(r)) => {
            assert_eq!(
                (v.code(), v.message(), rule_ids(v)),
                (r.code(), r.message(), rule_ids(r)),
                "the validation is refused as the call is"
            );
        }
        (Ok(_), Ok(_)) => {
            let done = dbs.snapshot().await;
            assert!(
                !changes(&after, &done).is_empty(),
                "the call under the validation's request id changed nothing"
            );
        }
        _ => panic!("the validation answered {validated:?}, the call {real:?}"),
    }
    Validated {
        validated,
        real,
        audited,
    }
}

/// A provider without the moment it was changed (a validation's and the call's differ).
fn unstamped(p: ppb::Provider) -> ppb::Provider {
    ppb::Provider {
        updated_at_micros: 0,
        ..p
    }
}

/// A voucher without the moment it was changed.
fn unstamped_voucher(v: pb::Voucher) -> pb::Voucher {
    pb::Voucher {
        updated_at_micros: 0,
        ..v
    }
}

#[test]
fn every_mutating_request_takes_validate_only() {
    let mut mutations = 0;
    for rpc in every_rpc() {
        let input = rpc.input();
        let request_id = input.get_field_by_name("request_id");
        assert!(
            request_id.is_some() || is_read(&rpc),
            "{}: changes something (not a read) but takes no request_id",
            rpc.path()
        );
        if request_id.is_none() {
            continue;
        }
        mutations += 1;
        let field = input.get_field_by_name("validate_only");
        assert!(
            field
                .as_ref()
                .is_some_and(|f| f.kind() == prost_reflect::Kind::Bool && !f.is_list()),
            "{}: a request with a request_id takes `bool validate_only` (AIP-163)",
            rpc.path()
        );
    }
    // 61 when validate_only came; a generator that lost the RPCs cannot pass.
    assert!(mutations >= 61, "only {mutations} mutating RPCs found");
}

#[tokio::test]
async fn a_validated_provider_change_answers_as_the_change_and_writes_nothing() {
    let (env, actors, mut c) = registry_desk().await;
    let dbs = Databases::of(&env).await;
    let admin = actors.admin.clone();

    // CreateProvider: the provider it would make, which then does not exist.
    let create = ppb::CreateProviderRequest {
        request_id: rid(),
        validate_only: false,
        details: Some(details(
            "Validoitu ry",
            &business_id(1_420_001),
            ppb::LegalForm::Association,
        )),
    };
    let (would, made) = validate_then_call(
        &dbs,
        create,
        as_caller!(env.p(), admin, create_provider => provider),
    )
    .await
    .answers();
    assert_eq!(
        (would.state, &would.details),
        (ppb::ProviderState::Draft as i32, &made.details)
    );
    assert_ne!(would.id, made.id, "a validation's id is not reserved");
    let gone = read_provider(&mut c, &admin, &would.id).await;
    refused_with(gone, Code::NotFound, "the validated provider");

    // SubmitProvider of a provider without sites, documents or staff: the same refusal.
    let submit = |id: &str| ppb::SubmitProviderRequest {
        request_id: rid(),
        validate_only: false,
        provider_id: id.into(),
    };
    let submit_call = as_caller!(env.p(), admin, submit_provider => provider);
    let refused = validate_then_call(&dbs, submit(&made.id), submit_call).await;
    let err = refused_with(refused.validated, Code::FailedPrecondition, "incomplete");
    assert!(rule_ids(&err).contains(&"PROV-DOCS".to_owned()), "{err:?}");

    // SubmitProvider and ApproveProvider of a complete provider: the state it would be in.
    let id = draft_provider(&mut c, &admin, "Valmis ry", 1_420_101, SIILINJARVI).await;
    let (would, real) = validate_then_call(&dbs, submit(&id), submit_call)
        .await
        .answers();
    assert_eq!(would.state, ppb::ProviderState::Submitted as i32);
    assert_eq!(
        unstamped(would),
        unstamped(real),
        "the provider it would be"
    );
    let approve = ppb::ApproveProviderRequest {
        request_id: rid(),
        validate_only: false,
        provider_id: id.clone(),
    };
    let (would, real) = validate_then_call(
        &dbs,
        approve,
        as_caller!(env.p(), admin, approve_provider => provider),
    )
    .await
    .answers();
    assert_eq!(would.state, ppb::ProviderState::Approved as i32);
    assert_eq!(unstamped(would), unstamped(real));
}

#[tokio::test]
async fn validated_vouchers_and_attendance_answer_as_the_change_and_write_nothing() {
    let env = Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers, Svc::Attendance])
        .prices(Prices::County)
        .start()
        .await;
    let provider = approved_provider(&env, "Valmennus ry", 1_420_201, SIILINJARVI).await;
    let dbs = Databases::of(&env).await;
    let worker = env.social_worker();

    // CreateClient: the client it would make, which then does not exist.
    let create = create_client_request(client_details(
        &hetu(ymd(1990, 5, 5), 421),
        "Siilinjärvi",
        SIILINJARVI,
    ));
    let (would, client) = validate_then_call(
        &dbs,
        create,
        as_caller!(env.v(), worker, create_client => client),
    )
    .await
    .answers();
    assert_eq!(would.name, client.name);
    assert_ne!(would.id, client.id);
    refused_with(
        read_client(&env, &worker, &would.id).await,
        Code::NotFound,
        "the validated client",
    );

    // IssueVoucher: a valid decision's voucher (the client's data read for it is audited as a
    // validation's), then an overlapping one refused by VOUCHER-EXTENSION.
    let issue = || pb::IssueVoucherRequest {
        request_id: rid(),
        validate_only: false,
        decision: Some(ktt_decision(&client.id)),
    };
    let issue_call = as_caller!(env.v(), worker, issue_voucher => voucher);
    let issued = validate_then_call(&dbs, issue(), issue_call).await;
    assert!(issued.audited > 0, "the validation's access is audited");
    let (would, voucher) = issued.answers();
    assert_eq!(
        (would.state, &would.decision),
        (pb::VoucherState::Issued as i32, &voucher.decision)
    );
    assert_ne!(would.id, voucher.id);
    refused_with(
        read_voucher(&env, &worker, &would.id).await,
        Code::NotFound,
        "the validated voucher",
    );
    let actions: Vec<String> = audit_actions(&env, &client.id)
        .await
        .into_iter()
        .map(|(action, _)| action)
        .collect();
    assert!(
        actions.contains(&"IssueVoucher (validate only)".to_owned())
            && actions.iter().filter(|a| *a == "IssueVoucher").count() == 1,
        "one real issue and its validation: {actions:?}"
    );
    let overlap = validate_then_call(&dbs, issue(), issue_call).await;
    refused_by(overlap.validated, ["VOUCHER-EXTENSION"], "an overlap");

    // ChooseProvider and AcceptVoucher: the voucher as it would then be.
    let choose = pb::ChooseProviderRequest {
        request_id: rid(),
        validate_only: false,
        voucher_id: voucher.id.clone(),
        provider_id: provider.clone(),
        agreed_start_on: None,
    };
    let (would, real) = validate_then_call(
        &dbs,
        choose,
        as_caller!(env.v(), worker, choose_provider => voucher),
    )
    .await
    .answers();
    assert_eq!(would.provider_id, provider);
    assert_eq!(
        unstamped_voucher(would),
        unstamped_voucher(real),
        "the voucher it would be"
    );
    let user = env.provider_user(&provider);
    let mut accept = accept_request(&voucher.id, "Olli Ohjaaja", None);
    accept.steward_notified_on = d(today());
    let (would, real) = validate_then_call(
        &dbs,
        accept,
        as_caller!(env.v(), user, accept_voucher => voucher),
    )
    .await
    .answers();
    assert_eq!(would.state, pb::VoucherState::Assigned as i32);
    assert_eq!(unstamped_voucher(would), unstamped_voucher(real));

    // RecordSession: before the voucher's first valid day (TERM-VALIDITY), then today.
    poll_until(
        || voucher_usage_as(&env, &user, &voucher.id),
        |u| u.is_ok(),
        |u| format!("attendance follows the voucher: {u:?}"),
    )
    .await
    .expect("usage");
    let early = record_request(&voucher.id, at(days(today(), -1), 9, 11));
    let refused = validate_then_call(
        &dbs,
        early,
        as_caller!(env.a(), user, record_session => session),
    )
    .await;
    let err = refused_with(refused.validated, Code::FailedPrecondition, "early");
    assert!(
        rule_ids(&err).contains(&"TERM-VALIDITY".to_owned()),
        "{err:?}"
    );
    let (would, real) = validate_then_call(
        &dbs,
        record_request(&voucher.id, at(today(), 9, 11)),
        as_caller!(env.a(), user, record_session => session),
    )
    .await
    .answers();
    assert_eq!(
        (would.units, would.details.as_ref()),
        (real.units, real.details.as_ref())
    );
    let sessions = sessions_of(&env, &user, &voucher.id)
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 1, "only the real session: {sessions:?}");

    // RecordAbsence, today, on another voucher (this one has today's session).
    let other = ktt_voucher(&env, &provider, 423, today(), validity_end(today(), 3)).await;
    poll_until(
        || voucher_usage_as(&env, &user, &other),
        |u| u.is_ok(),
        |u| format!("attendance follows the voucher: {u:?}"),
    )
    .await
    .expect("usage");
    let absence = apb::RecordAbsenceRequest {
        request_id: rid(),
        voucher_id: other,
        date: d(today()),
        kind: apb::AbsenceKind::Absent as i32,
        reason: apb::AbsenceReason::OwnIllness as i32,
        ..Default::default()
    };
    let (would, real) =
        validate_then_call(&dbs, absence, as_caller!(env.a(), user, record_absence))
            .await
            .answers();
    assert_eq!(
        would.absence.map(|a| a.date),
        real.absence.map(|a| a.date),
        "the absence it would record"
    );
}

#[tokio::test]
async fn validated_reports_and_invoices_answer_as_the_change_and_write_nothing() {
    let env = Env::builder()
        .services(&Svc::ALL)
        .prices(Prices::County)
        .start()
        .await;
    let provider = approved_provider(&env, "Valmennus ry", 1_420_301, SIILINJARVI).await;
    let last_month = month_ago(1);
    let voucher = billed_voucher(&env, &provider, 422, last_month, &[5, 12], 2).await;
    let user = env.provider_user(&provider);
    let admin = env.admin();
    let dbs = Databases::of(&env).await;

    // SubmitReport of a saved draft: the report as it would be, still a draft after.
    let report = report_id(&voucher, "REP-INTERIM");
    poll_until(
        || get_report(&env, &admin, &report),
        |r| r.is_ok(),
        |r| format!("reporting follows the voucher: {r:?}"),
    )
    .await
    .expect("report");
    save_draft(&env, &provider, &report, full_sections())
        .await
        .expect("draft");
    let submit = rpb::SubmitReportRequest {
        request_id: rid(),
        validate_only: false,
        report_id: report.clone(),
    };
    let (would, real) = validate_then_call(
        &dbs,
        submit,
        as_caller!(env.r(), user, submit_report => report),
    )
    .await
    .answers();
    let state = |r: &rpb::Report| r.obligation.as_ref().map(|o| o.report_state);
    assert_eq!(state(&would), Some(rpb::ReportState::Submitted as i32));
    assert_eq!(would, real);

    // GenerateInvoice of last month: the invoice with its lines and items, which then is not
    // there; attendance is told nothing (its rows are compared too).
    let generate = bpb::GenerateInvoiceRequest {
        request_id: rid(),
        validate_only: false,
        provider_id: provider.clone(),
        year: chrono::Datelike::year(&last_month),
        month: chrono::Datelike::month(&last_month) as i32,
    };
    let generate_call = as_caller!(env.b(), admin, generate_invoice);
    let (would, real) = validate_then_call(&dbs, generate, generate_call)
        .await
        .answers();
    let (would, real) = (
        would.invoice.expect("invoice"),
        real.invoice.expect("invoice"),
    );
    let items = |i: &bpb::Invoice| -> usize { i.lines.iter().map(|l| l.items.len()).sum() };
    assert_eq!(
        (&would.lines.len(), items(&would), &would.total),
        (&real.lines.len(), items(&real), &real.total),
        "the invoice it would make, items and all"
    );
    assert!(items(&would) == 2, "{would:?}");
    refused_with(
        invoice(&env, &admin, &would.id).await,
        Code::NotFound,
        "the validated invoice",
    );

    // SubmitInvoice (the provider) and ApproveInvoice (the county): the state each would
    // reach; attendance hears of neither.
    let submit = bpb::SubmitInvoiceRequest {
        request_id: rid(),
        validate_only: false,
        invoice_id: real.id.clone(),
    };
    let (would, submitted) = validate_then_call(
        &dbs,
        submit,
        as_caller!(env.b(), user, submit_invoice => invoice),
    )
    .await
    .answers();
    assert_eq!(would.state, bpb::InvoiceState::Submitted as i32);
    assert_eq!(would.state, submitted.state);
    let approve = bpb::ApproveInvoiceRequest {
        request_id: rid(),
        validate_only: false,
        invoice_id: real.id.clone(),
    };
    let (would, approved) = validate_then_call(
        &dbs,
        approve,
        as_caller!(env.b(), admin, approve_invoice => invoice),
    )
    .await
    .answers();
    assert_eq!(would.state, bpb::InvoiceState::Approved as i32);
    assert_eq!(
        (would.state, &would.lines),
        (approved.state, &approved.lines)
    );
}
