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

/// Audit entries about a subject, as an auditor reads them from the vouchers service.
pub async fn audit_actions(env: &Env, subject_id: &str) -> Vec<(String, String)> {
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
