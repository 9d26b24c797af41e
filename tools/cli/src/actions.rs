//! The calls the client makes, one function per step of the journey, each through the
//! generated gRPC clients with the token of the role that takes the step. The commands print
//! what these return; `seteli demo` strings them together.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as bpb;
use seteli_api::common::v1::{Coordinates, Date, Money, ServiceType};
use seteli_api::providers::v1 as ppb;
use seteli_api::reporting::v1 as rpb;
use seteli_api::vouchers::v1 as vpb;

use crate::conn::{Platform, Role, request_id};

/// A date as the contracts carry it.
pub fn date(d: NaiveDate) -> Option<Date> {
    Some(seteli_platform::convert::to_date(d))
}

/// A contract date as a calendar date, if it is one.
pub fn naive(d: Option<&Date>) -> Option<NaiveDate> {
    let d = d?;
    NaiveDate::from_ymd_opt(
        d.year,
        u32::try_from(d.month).ok()?,
        u32::try_from(d.day).ok()?,
    )
}

/// Today in Finland, as the services count days.
pub fn today() -> NaiveDate {
    seteli_platform::clock::Clock::system().today()
}

/// Units (hours or days) in hundredths.
pub fn hundredths(units: f64) -> i64 {
    (units * 100.0).round() as i64
}

// ------------------------------------------------------------------------------ providers

/// What a provider registers with: enough to meet every approval rule (a site, the required
/// documents in force, a qualified staff, Soteri class 2903) for the services it offers.
#[derive(Debug, Clone)]
pub struct ProviderSpec {
    /// Official name.
    pub name: String,
    /// Y-tunnus.
    pub business_id: String,
    /// Legal form (KTT-COMPANY: a company offers only KTT individual coaching under KTT).
    pub legal_form: ppb::LegalForm,
    /// The site's municipality.
    pub municipality: String,
    /// The site's coordinates.
    pub at: (f64, f64),
    /// `(service, own unit price in cents, largest group; 0 for individual services)`.
    pub offerings: Vec<(ServiceType, i64, i32)>,
}

/// The documents an approval needs (PROV-DOCS).
pub const REQUIRED_DOCUMENTS: [ppb::DocumentKind; 8] = [
    ppb::DocumentKind::ServiceDescription,
    ppb::DocumentKind::StaffForm,
    ppb::DocumentKind::SelfMonitoringPlan,
    ppb::DocumentKind::LiabilityInsurance,
    ppb::DocumentKind::GroupInsurance,
    ppb::DocumentKind::TaxCertificate,
    ppb::DocumentKind::PensionInsuranceCertificate,
    ppb::DocumentKind::AviLicenceOrRegistration,
];

fn provider_of(p: Option<ppb::Provider>) -> anyhow::Result<ppb::Provider> {
    p.context("the registry answered without the provider")
}

/// Registers `spec` as a county administrator: creates the provider, adds its site,
/// documents, staff, offerings and Soteri class, and submits it for approval.
pub async fn register_provider(p: &Platform, spec: &ProviderSpec) -> anyhow::Result<ppb::Provider> {
    let admin = Role::CountyAdmin;
    let mut c = p.providers()?;
    let created = c
        .create_provider(p.request(
            admin,
            None,
            ppb::CreateProviderRequest {
                request_id: request_id(),
                details: Some(ppb::ProviderDetails {
                    name: spec.name.clone(),
                    business_id: spec.business_id.clone(),
                    legal_form: spec.legal_form as i32,
                    contact: Some(ppb::Contact {
                        name: "Maija Meikäläinen".into(),
                        email: "maija@example.fi".into(),
                        phone: "+358 40 123 4567".into(),
                        postal_address: format!("Kauppakatu 1, {}", spec.municipality),
                    }),
                    iban: "FI21 1234 5600 0007 85".into(),
                    bic: "NDEAFIHH".into(),
                    ..Default::default()
                }),
            },
        )?)
        .await
        .context("CreateProvider")?
        .into_inner()
        .provider;
    let id = provider_of(created)?.id;
    c.add_site(p.request(
        admin,
        None,
        ppb::AddSiteRequest {
            request_id: request_id(),
            provider_id: id.clone(),
            site: Some(ppb::Site {
                kind: ppb::SiteKind::Site as i32,
                name: format!("{} toimipiste", spec.municipality),
                street_address: "Kauppakatu 1".into(),
                postal_code: "70100".into(),
                municipality: spec.municipality.clone(),
                coordinates: Some(Coordinates {
                    latitude: spec.at.0,
                    longitude: spec.at.1,
                }),
                ..Default::default()
            }),
        },
    )?)
    .await
    .context("AddSite")?;
    let issued = today() - chrono::Duration::days(60);
    let expires = today() + chrono::Duration::days(3 * 365);
    for kind in REQUIRED_DOCUMENTS {
        c.add_document(p.request(
            admin,
            None,
            ppb::AddDocumentRequest {
                request_id: request_id(),
                provider_id: id.clone(),
                document: Some(ppb::Document {
                    kind: kind as i32,
                    issued_on: date(issued),
                    expires_on: date(expires),
                    file_reference: format!("docs/{}.pdf", kind.as_str_name().to_lowercase()),
                    ..Default::default()
                }),
            },
        )?)
        .await
        .context("AddDocument")?;
    }
    for (name, q, register) in [
        (
            "Sanna Sosionomi",
            ppb::Qualification::Sosionomi,
            "JS-123456",
        ),
        ("Olli Ohjaaja", ppb::Qualification::UasSocialOrHealth, ""),
    ] {
        c.add_staff_member(p.request(
            admin,
            None,
            ppb::AddStaffMemberRequest {
                request_id: request_id(),
                provider_id: id.clone(),
                staff_member: Some(ppb::StaffMember {
                    name: name.into(),
                    role: "ohjaaja".into(),
                    qualification: q as i32,
                    register_number: register.into(),
                    ..Default::default()
                }),
            },
        )?)
        .await
        .context("AddStaffMember")?;
    }
    for (service, cents, size) in &spec.offerings {
        c.set_offering(p.request(
            admin,
            None,
            ppb::SetOfferingRequest {
                request_id: request_id(),
                provider_id: id.clone(),
                offering: Some(ppb::Offering {
                    service_type: *service as i32,
                    unit_price: Some(Money { cents: *cents }),
                    max_group_size: *size,
                }),
            },
        )?)
        .await
        .context("SetOffering")?;
    }
    c.set_soteri_classes(p.request(
        admin,
        None,
        ppb::SetSoteriClassesRequest {
            request_id: request_id(),
            provider_id: id.clone(),
            soteri_classes: vec![2903],
        },
    )?)
    .await
    .context("SetSoteriClasses")?;
    let submitted = c
        .submit_provider(p.request(
            admin,
            None,
            ppb::SubmitProviderRequest {
                request_id: request_id(),
                provider_id: id,
            },
        )?)
        .await
        .context("SubmitProvider")?
        .into_inner()
        .provider;
    provider_of(submitted)
}

/// Approves a submitted provider, as a county administrator.
pub async fn approve_provider(p: &Platform, id: &str) -> anyhow::Result<ppb::Provider> {
    let r = p
        .providers()?
        .approve_provider(p.request(
            Role::CountyAdmin,
            None,
            ppb::ApproveProviderRequest {
                request_id: request_id(),
                provider_id: id.into(),
            },
        )?)
        .await
        .context("ApproveProvider")?;
    provider_of(r.into_inner().provider)
}

/// A provider, as a county administrator sees it.
pub async fn get_provider(p: &Platform, id: &str) -> anyhow::Result<ppb::Provider> {
    let r = p
        .providers()?
        .get_provider(p.request(
            Role::CountyAdmin,
            None,
            ppb::GetProviderRequest {
                provider_id: id.into(),
            },
        )?)
        .await
        .context("GetProvider")?;
    provider_of(r.into_inner().provider)
}

/// Every provider (all pages), as a county administrator lists them.
pub async fn list_providers(p: &Platform) -> anyhow::Result<ppb::ListProvidersResponse> {
    let mut c = p.providers()?;
    let mut all = ppb::ListProvidersResponse::default();
    let mut token = String::new();
    loop {
        let page = c
            .list_providers(p.request(
                Role::CountyAdmin,
                None,
                ppb::ListProvidersRequest {
                    page_size: 500,
                    page_token: token,
                    ..Default::default()
                },
            )?)
            .await
            .context("ListProviders")?
            .into_inner();
        all.providers.extend(page.providers);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        token = page.next_page_token;
    }
}

// ------------------------------------------------------------------------------ clients and vouchers

/// Registers a client, as a social worker.
pub async fn add_client(p: &Platform, details: vpb::ClientDetails) -> anyhow::Result<vpb::Client> {
    p.vouchers()?
        .create_client(p.request(
            Role::SocialWorker,
            None,
            vpb::CreateClientRequest {
                request_id: request_id(),
                details: Some(details),
            },
        )?)
        .await
        .context("CreateClient")?
        .into_inner()
        .client
        .context("no client in the answer")
}

/// Every client (all pages), as a social worker lists them.
pub async fn list_clients(p: &Platform) -> anyhow::Result<vpb::ListClientsResponse> {
    let mut c = p.vouchers()?;
    let mut all = vpb::ListClientsResponse::default();
    let mut token = String::new();
    loop {
        let page = c
            .list_clients(p.request(
                Role::SocialWorker,
                None,
                vpb::ListClientsRequest {
                    page_size: 500,
                    page_token: token,
                    ..Default::default()
                },
            )?)
            .await
            .context("ListClients")?
            .into_inner();
        all.clients.extend(page.clients);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        token = page.next_page_token;
    }
}

/// The ceiling price of `service` in force today, if any (any role may read prices).
pub async fn ceiling_price(p: &Platform, service: ServiceType) -> anyhow::Result<Option<i64>> {
    match p
        .vouchers()?
        .get_ceiling_price(p.request(
            Role::CountyAdmin,
            None,
            vpb::GetCeilingPriceRequest {
                service_type: service as i32,
                on: None,
            },
        )?)
        .await
    {
        Ok(r) => Ok(r
            .into_inner()
            .ceiling_price
            .and_then(|c| c.unit_price)
            .map(|m| m.cents)),
        Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
        Err(s) => Err(s).context("GetCeilingPrice"),
    }
}

/// Records a ceiling price of `service` from `from`, as a county administrator.
pub async fn set_ceiling_price(
    p: &Platform,
    service: ServiceType,
    from: NaiveDate,
    cents: i64,
) -> anyhow::Result<vpb::CeilingPrice> {
    p.vouchers()?
        .set_ceiling_price(p.request(
            Role::CountyAdmin,
            None,
            vpb::SetCeilingPriceRequest {
                request_id: request_id(),
                service_type: service as i32,
                effective_from: date(from),
                unit_price: Some(Money { cents }),
            },
        )?)
        .await
        .context("SetCeilingPrice")?
        .into_inner()
        .ceiling_price
        .context("no price in the answer")
}

/// Issues a voucher on `decision`, as a social worker.
pub async fn issue_voucher(
    p: &Platform,
    decision: vpb::ServiceDecision,
) -> anyhow::Result<vpb::Voucher> {
    p.vouchers()?
        .issue_voucher(p.request(
            Role::SocialWorker,
            None,
            vpb::IssueVoucherRequest {
                request_id: request_id(),
                decision: Some(decision),
            },
        )?)
        .await
        .context("IssueVoucher")?
        .into_inner()
        .voucher
        .context("no voucher in the answer")
}

/// Records the client's choice of `provider`, as a social worker.
pub async fn choose_provider(
    p: &Platform,
    voucher: &str,
    provider: &str,
    agreed_start: Option<NaiveDate>,
) -> anyhow::Result<vpb::Voucher> {
    p.vouchers()?
        .choose_provider(p.request(
            Role::SocialWorker,
            None,
            vpb::ChooseProviderRequest {
                request_id: request_id(),
                voucher_id: voucher.into(),
                provider_id: provider.into(),
                agreed_start_on: agreed_start.and_then(date),
            },
        )?)
        .await
        .context("ChooseProvider")?
        .into_inner()
        .voucher
        .context("no voucher in the answer")
}

/// The chosen provider's user accepts the voucher, naming the responsible coach.
pub async fn accept_voucher(
    p: &Platform,
    provider: &str,
    voucher: &str,
    coach: &str,
    steward_notified: Option<NaiveDate>,
) -> anyhow::Result<vpb::Voucher> {
    p.vouchers()?
        .accept_voucher(p.request(
            Role::ProviderUser,
            Some(provider),
            vpb::AcceptVoucherRequest {
                request_id: request_id(),
                voucher_id: voucher.into(),
                responsible_coach: coach.into(),
                steward_notified_on: steward_notified.and_then(date),
            },
        )?)
        .await
        .context("AcceptVoucher")?
        .into_inner()
        .voucher
        .context("no voucher in the answer")
}

/// A voucher by id or number, as a county administrator reads it.
pub async fn get_voucher(p: &Platform, id_or_number: &str) -> anyhow::Result<vpb::Voucher> {
    let number = id_or_number.starts_with("PS-");
    p.vouchers()?
        .get_voucher(p.request(
            Role::CountyAdmin,
            None,
            vpb::GetVoucherRequest {
                voucher_id: if number {
                    String::new()
                } else {
                    id_or_number.into()
                },
                voucher_number: if number {
                    id_or_number.into()
                } else {
                    String::new()
                },
            },
        )?)
        .await
        .context("GetVoucher")?
        .into_inner()
        .voucher
        .context("no voucher in the answer")
}

/// Vouchers (all pages) of a client and/or provider, as a county administrator lists them.
pub async fn list_vouchers(
    p: &Platform,
    client: Option<&str>,
    provider: Option<&str>,
) -> anyhow::Result<vpb::ListVouchersResponse> {
    let mut c = p.vouchers()?;
    let mut all = vpb::ListVouchersResponse::default();
    let mut token = String::new();
    loop {
        let page = c
            .list_vouchers(p.request(
                Role::CountyAdmin,
                None,
                vpb::ListVouchersRequest {
                    client_id: client.unwrap_or_default().into(),
                    provider_id: provider.unwrap_or_default().into(),
                    page_size: 500,
                    page_token: token,
                    ..Default::default()
                },
            )?)
            .await
            .context("ListVouchers")?
            .into_inner();
        all.vouchers.extend(page.vouchers);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        token = page.next_page_token;
    }
}

// ------------------------------------------------------------------------------ attendance

/// A session on `on` from `from` to `to` (hours, minutes), on site, with notes.
pub fn session_at(on: NaiveDate, from: (i32, i32), to: (i32, i32)) -> apb::SessionDetails {
    apb::SessionDetails {
        date: date(on),
        start_time: Some(apb::ClockTime {
            hours: from.0,
            minutes: from.1,
        }),
        end_time: Some(apb::ClockTime {
            hours: to.0,
            minutes: to.1,
        }),
        modality: apb::Modality::OnSite as i32,
        notes: "Harjoiteltiin arjen taitoja.".into(),
        ..Default::default()
    }
}

/// Records a session, as a user of `provider`.
pub async fn record_session(
    p: &Platform,
    provider: &str,
    voucher: &str,
    details: apb::SessionDetails,
    replaces: Option<&str>,
) -> anyhow::Result<apb::RecordSessionResponse> {
    Ok(p.attendance()?
        .record_session(p.request(
            Role::ProviderUser,
            Some(provider),
            apb::RecordSessionRequest {
                request_id: request_id(),
                voucher_id: voucher.into(),
                details: Some(details),
                replaces_session_id: replaces.unwrap_or_default().into(),
            },
        )?)
        .await
        .context("RecordSession")?
        .into_inner())
}

/// Cancels a session, as a user of `provider`.
pub async fn cancel_session(
    p: &Platform,
    provider: &str,
    session: &str,
    cancellation: apb::Cancellation,
) -> anyhow::Result<apb::Session> {
    p.attendance()?
        .cancel_session(p.request(
            Role::ProviderUser,
            Some(provider),
            apb::CancelSessionRequest {
                request_id: request_id(),
                session_id: session.into(),
                cancellation: Some(cancellation),
            },
        )?)
        .await
        .context("CancelSession")?
        .into_inner()
        .session
        .context("no session in the answer")
}

/// The sessions of a voucher (all pages), as a county administrator lists them.
pub async fn list_sessions(
    p: &Platform,
    voucher: &str,
) -> anyhow::Result<apb::ListSessionsResponse> {
    let mut c = p.attendance()?;
    let mut all = apb::ListSessionsResponse::default();
    let mut token = String::new();
    loop {
        let page = c
            .list_sessions(p.request(
                Role::CountyAdmin,
                None,
                apb::ListSessionsRequest {
                    voucher_id: voucher.into(),
                    page_size: 500,
                    page_token: token,
                    ..Default::default()
                },
            )?)
            .await
            .context("ListSessions")?
            .into_inner();
        all.sessions.extend(page.sessions);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        token = page.next_page_token;
    }
}

/// Records an absence (or a day with no service arranged), as a user of `provider`.
pub async fn record_absence(
    p: &Platform,
    provider: &str,
    req: apb::RecordAbsenceRequest,
) -> anyhow::Result<apb::RecordAbsenceResponse> {
    Ok(p.attendance()?
        .record_absence(p.request(
            Role::ProviderUser,
            Some(provider),
            apb::RecordAbsenceRequest {
                request_id: request_id(),
                ..req
            },
        )?)
        .await
        .context("RecordAbsence")?
        .into_inner())
}

/// The absences of a voucher (all pages), as a county administrator lists them.
pub async fn list_absences(
    p: &Platform,
    voucher: &str,
) -> anyhow::Result<apb::ListAbsencesResponse> {
    let mut c = p.attendance()?;
    let mut all = apb::ListAbsencesResponse::default();
    let mut token = String::new();
    loop {
        let page = c
            .list_absences(p.request(
                Role::CountyAdmin,
                None,
                apb::ListAbsencesRequest {
                    voucher_id: voucher.into(),
                    page_size: 500,
                    page_token: token,
                },
            )?)
            .await
            .context("ListAbsences")?
            .into_inner();
        all.absences.extend(page.absences);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        token = page.next_page_token;
    }
}

/// The units used on a voucher as attendance counts them, once attendance follows it.
pub async fn usage(p: &Platform, voucher: &str) -> anyhow::Result<Option<apb::VoucherUsage>> {
    match p
        .attendance()?
        .get_voucher_usage(p.request(
            Role::CountyAdmin,
            None,
            apb::GetVoucherUsageRequest {
                voucher_id: voucher.into(),
            },
        )?)
        .await
    {
        Ok(r) => Ok(r.into_inner().usage),
        Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
        Err(s) => Err(s).context("GetVoucherUsage"),
    }
}

// ------------------------------------------------------------------------------ reporting

/// The report obligations (all pages) in `status` (unspecified: any): of `provider` as its
/// user sees them, or every one as a county administrator sees them.
pub async fn list_obligations(
    p: &Platform,
    provider: Option<&str>,
    status: rpb::ObligationStatus,
) -> anyhow::Result<rpb::ListObligationsResponse> {
    let mut c = p.reporting()?;
    let mut all = rpb::ListObligationsResponse::default();
    let mut token = String::new();
    let role = if provider.is_some() {
        Role::ProviderUser
    } else {
        Role::CountyAdmin
    };
    loop {
        let page = c
            .list_obligations(p.request(
                role,
                provider,
                rpb::ListObligationsRequest {
                    provider_id: provider.unwrap_or_default().into(),
                    status: status as i32,
                    page_size: 500,
                    page_token: token,
                    ..Default::default()
                },
            )?)
            .await
            .context("ListObligations")?
            .into_inner();
        all.obligations.extend(page.obligations);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        token = page.next_page_token;
    }
}

/// A report, as a county administrator reads it.
pub async fn get_report(p: &Platform, report: &str) -> anyhow::Result<rpb::Report> {
    p.reporting()?
        .get_report(p.request(
            Role::CountyAdmin,
            None,
            rpb::GetReportRequest {
                report_id: report.into(),
            },
        )?)
        .await
        .context("GetReport")?
        .into_inner()
        .report
        .context("no report in the answer")
}

/// Saves a draft of a report, as a user of `provider`.
pub async fn save_report(
    p: &Platform,
    provider: &str,
    report: &str,
    sections: rpb::ReportSections,
) -> anyhow::Result<rpb::Report> {
    p.reporting()?
        .save_report_draft(p.request(
            Role::ProviderUser,
            Some(provider),
            rpb::SaveReportDraftRequest {
                request_id: request_id(),
                report_id: report.into(),
                sections: Some(sections),
            },
        )?)
        .await
        .context("SaveReportDraft")?
        .into_inner()
        .report
        .context("no report in the answer")
}

/// Submits a report to the social worker, as a user of `provider`.
pub async fn submit_report(
    p: &Platform,
    provider: &str,
    report: &str,
) -> anyhow::Result<rpb::Report> {
    p.reporting()?
        .submit_report(p.request(
            Role::ProviderUser,
            Some(provider),
            rpb::SubmitReportRequest {
                request_id: request_id(),
                report_id: report.into(),
            },
        )?)
        .await
        .context("SubmitReport")?
        .into_inner()
        .report
        .context("no report in the answer")
}

/// The printable PDF of a report (REP-DELIVERY): as a user of `provider` (the voucher's), or,
/// without one, as the voucher's social worker. County administrators read the report itself.
pub async fn report_pdf(
    p: &Platform,
    provider: Option<&str>,
    report: &str,
) -> anyhow::Result<rpb::GetReportPdfResponse> {
    let role = if provider.is_some() {
        Role::ProviderUser
    } else {
        Role::SocialWorker
    };
    Ok(p.reporting()?
        .get_report_pdf(p.request(
            role,
            provider,
            rpb::GetReportPdfRequest {
                report_id: report.into(),
            },
        )?)
        .await
        .context("GetReportPdf")?
        .into_inner())
}

/// Kela's absence notices (ABS-KELA), every page: of `provider` as its user, or every one as a
/// county administrator; of one voucher when `voucher` is given.
pub async fn list_kela_notices(
    p: &Platform,
    provider: Option<&str>,
    voucher: Option<&str>,
    status: rpb::KelaNoticeStatus,
) -> anyhow::Result<rpb::ListKelaNoticesResponse> {
    let mut c = p.reporting()?;
    let mut all = rpb::ListKelaNoticesResponse::default();
    let mut token = String::new();
    let role = if provider.is_some() {
        Role::ProviderUser
    } else {
        Role::CountyAdmin
    };
    loop {
        let page = c
            .list_kela_notices(p.request(
                role,
                provider,
                rpb::ListKelaNoticesRequest {
                    provider_id: provider.unwrap_or_default().into(),
                    voucher_id: voucher.unwrap_or_default().into(),
                    status: status as i32,
                    page_size: 500,
                    page_token: token,
                },
            )?)
            .await
            .context("ListKelaNotices")?
            .into_inner();
        all.notices.extend(page.notices);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        token = page.next_page_token;
    }
}

/// The Kela absence notice of the period holding `day` on a KTT voucher, as a printable PDF,
/// as a user of `provider` (or a county administrator without one).
pub async fn kela_notice_pdf(
    p: &Platform,
    provider: Option<&str>,
    voucher: &str,
    day: NaiveDate,
) -> anyhow::Result<rpb::GetKelaNoticePdfResponse> {
    let role = if provider.is_some() {
        Role::ProviderUser
    } else {
        Role::CountyAdmin
    };
    Ok(p.reporting()?
        .get_kela_notice_pdf(p.request(
            role,
            provider,
            rpb::GetKelaNoticePdfRequest {
                voucher_id: voucher.into(),
                day: date(day),
            },
        )?)
        .await
        .context("GetKelaNoticePdf")?
        .into_inner())
}

/// Writes `content` into `dir` as `name` (only its last component: a name from a service never
/// leaves the folder), creating the folder.
pub fn write_file(dir: &Path, name: &str, content: &[u8]) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .context("an empty file name")?;
    let path = dir.join(name);
    std::fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

// ------------------------------------------------------------------------------ billing

/// Generates `provider`'s invoice of a closed month, as its user (or, with `as_county`, as a
/// county administrator).
pub async fn generate_invoice(
    p: &Platform,
    provider: &str,
    year: i32,
    month: u32,
    as_county: bool,
) -> anyhow::Result<bpb::GenerateInvoiceResponse> {
    let role = if as_county {
        Role::CountyAdmin
    } else {
        Role::ProviderUser
    };
    Ok(p.billing()?
        .generate_invoice(p.request(
            role,
            Some(provider),
            bpb::GenerateInvoiceRequest {
                request_id: request_id(),
                provider_id: provider.into(),
                year,
                month: i32::try_from(month).context("month")?,
            },
        )?)
        .await
        .context("GenerateInvoice")?
        .into_inner())
}

/// Submits an invoice for approval, as a user of `provider`.
pub async fn submit_invoice(
    p: &Platform,
    provider: &str,
    invoice: &str,
) -> anyhow::Result<bpb::Invoice> {
    p.billing()?
        .submit_invoice(p.request(
            Role::ProviderUser,
            Some(provider),
            bpb::SubmitInvoiceRequest {
                request_id: request_id(),
                invoice_id: invoice.into(),
            },
        )?)
        .await
        .context("SubmitInvoice")?
        .into_inner()
        .invoice
        .context("no invoice in the answer")
}

/// Approves a submitted invoice, as a county administrator.
pub async fn approve_invoice(p: &Platform, invoice: &str) -> anyhow::Result<bpb::Invoice> {
    p.billing()?
        .approve_invoice(p.request(
            Role::CountyAdmin,
            None,
            bpb::ApproveInvoiceRequest {
                request_id: request_id(),
                invoice_id: invoice.into(),
            },
        )?)
        .await
        .context("ApproveInvoice")?
        .into_inner()
        .invoice
        .context("no invoice in the answer")
}

/// An invoice, as a county administrator reads it.
pub async fn get_invoice(p: &Platform, invoice: &str) -> anyhow::Result<bpb::Invoice> {
    p.billing()?
        .get_invoice(p.request(
            Role::CountyAdmin,
            None,
            bpb::GetInvoiceRequest {
                invoice_id: invoice.into(),
            },
        )?)
        .await
        .context("GetInvoice")?
        .into_inner()
        .invoice
        .context("no invoice in the answer")
}

/// Invoices (all pages) of a provider, or every one, as a county administrator lists them.
pub async fn list_invoices(
    p: &Platform,
    provider: Option<&str>,
) -> anyhow::Result<bpb::ListInvoicesResponse> {
    let mut c = p.billing()?;
    let mut all = bpb::ListInvoicesResponse::default();
    let mut token = String::new();
    loop {
        let page = c
            .list_invoices(p.request(
                Role::CountyAdmin,
                None,
                bpb::ListInvoicesRequest {
                    provider_id: provider.unwrap_or_default().into(),
                    page_size: 100,
                    page_token: token,
                    ..Default::default()
                },
            )?)
            .await
            .context("ListInvoices")?
            .into_inner();
        all.invoices.extend(page.invoices);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        token = page.next_page_token;
    }
}

/// The file extension-free stem and extension of a format's documents.
pub fn format_name(format: bpb::ExportFormat) -> &'static str {
    match format {
        bpb::ExportFormat::Finvoice30 => "finvoice",
        bpb::ExportFormat::PeppolBis30 => "ubl",
        bpb::ExportFormat::Unspecified => "unspecified",
    }
}

/// An invoice the financial system pulled, with where its documents were written.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The invoice.
    pub invoice: bpb::Invoice,
    /// The files written, one per format.
    pub files: Vec<PathBuf>,
    /// What the acknowledgement answered, if acknowledged.
    pub ack: Option<bpb::AckOutcome>,
}

fn write_document(
    dir: &Path,
    invoice: &bpb::Invoice,
    doc: &bpb::Document,
) -> anyhow::Result<PathBuf> {
    let format = bpb::ExportFormat::try_from(doc.format).unwrap_or(bpb::ExportFormat::Unspecified);
    let name = if doc.file_name.is_empty() {
        format!("{}-{}.xml", invoice.invoice_number, format_name(format))
    } else {
        doc.file_name.clone()
    };
    // A file name from the service never leaves the folder.
    let name = Path::new(&name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("{}.xml", invoice.id));
    let path = dir.join(name);
    std::fs::write(&path, &doc.content).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// As the financial system: streams the approved invoices not acknowledged yet with their
/// e-invoices in `formats`, writes each document into `dir`, and (with `acknowledge`)
/// acknowledges each once written, so the next pull does not bring it again. `progress` is
/// told of each invoice.
pub async fn pull_invoices(
    p: &Platform,
    formats: &[bpb::ExportFormat],
    dir: &Path,
    acknowledge: bool,
    mut progress: impl FnMut(&bpb::Invoice),
) -> anyhow::Result<Vec<Pulled>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut c = p.billing()?;
    let mut stream = c
        .stream_approved_invoices(p.request(
            Role::FinanceSystem,
            None,
            bpb::StreamApprovedInvoicesRequest {
                after_sequence: 0,
                formats: formats.iter().map(|f| *f as i32).collect(),
            },
        )?)
        .await
        .context("StreamApprovedInvoices")?
        .into_inner();
    let mut pulled = Vec::new();
    while let Some(item) = stream.message().await.context("StreamApprovedInvoices")? {
        let Some(approved) = item.invoice else {
            continue;
        };
        let invoice = approved
            .invoice
            .context("an approved invoice without its invoice")?;
        let files = approved
            .documents
            .iter()
            .map(|d| write_document(dir, &invoice, d))
            .collect::<anyhow::Result<Vec<_>>>()?;
        progress(&invoice);
        pulled.push(Pulled {
            invoice,
            files,
            ack: None,
        });
    }
    if acknowledge && !pulled.is_empty() {
        let acks = pulled
            .iter()
            .map(|p| bpb::Acknowledgement {
                invoice_id: p.invoice.id.clone(),
                export_id: format!("demo-export-{}", p.invoice.invoice_number),
            })
            .collect();
        let results = c
            .acknowledge_invoices(p.request(
                Role::FinanceSystem,
                None,
                bpb::AcknowledgeInvoicesRequest {
                    request_id: request_id(),
                    acknowledgements: acks,
                },
            )?)
            .await
            .context("AcknowledgeInvoices")?
            .into_inner()
            .results;
        for r in results {
            if let Some(p) = pulled.iter_mut().find(|p| p.invoice.id == r.invoice_id) {
                p.ack = bpb::AckOutcome::try_from(r.outcome).ok();
            }
        }
    }
    Ok(pulled)
}

/// An invoice as an e-invoice document, as a county administrator exports it.
pub async fn export_invoice(
    p: &Platform,
    invoice: &str,
    format: bpb::ExportFormat,
) -> anyhow::Result<bpb::Document> {
    p.billing()?
        .export_invoice(p.request(
            Role::CountyAdmin,
            None,
            bpb::ExportInvoiceRequest {
                invoice_id: invoice.into(),
                format: format as i32,
            },
        )?)
        .await
        .context("ExportInvoice")?
        .into_inner()
        .document
        .context("no document in the answer")
}

// ------------------------------------------------------------------------------ waiting

/// Polls `check` every 100 ms until it answers `Some`, for at most `limit`; the feeds between
/// services are followed asynchronously, so a step may have to wait for the one before it.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            anyhow::bail!("timed out after {limit:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
