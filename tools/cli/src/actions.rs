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

// ------------------------------------------------------------------------------ calling

/// Calls `rpc` on (a clone of) `client` with `message`, carrying the token that `p` gives the
/// `caller`: a future of the answer's message, or of the failure with the RPC's `name` as its
/// context (the `tonic::Status` stays reachable through `downcast_ref`). The client and the
/// request are made before the future, which owns them and so borrows nothing.
macro_rules! call {
    ($p:ident, $caller:expr, $client:ident.$rpc:ident($message:expr), $name:literal) => {{
        let mut client = $client.clone();
        let (role, provider): Caller = $caller;
        let request = $p.request(role, provider, $message);
        async move { anyhow::Ok(client.$rpc(request?).await.context($name)?.into_inner()) }
    }};
    // The answer's `field`, which must be there.
    (
        $p:ident, $caller:expr, $client:ident.$rpc:ident($message:expr), $name:literal
        => $field:ident
    ) => {{
        let answer = call!($p, $caller, $client.$rpc($message), $name);
        async move {
            let what = concat!("no ", stringify!($field), " in the answer");
            answer.await?.$field.context(what)
        }
    }};
}

/// `None` when the answer was NOT_FOUND (not there, or not yet), else the answer.
fn found<T>(answer: anyhow::Result<T>) -> anyhow::Result<Option<T>> {
    match answer {
        Ok(v) => Ok(Some(v)),
        Err(e)
            if e.downcast_ref::<tonic::Status>()
                .is_some_and(|s| s.code() == tonic::Code::NotFound) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Who calls: a role, and the provider of a provider's user.
type Caller<'a> = (Role, Option<&'a str>);

/// A county administrator.
const ADMIN: Caller = (Role::CountyAdmin, None);
/// A social worker.
const WORKER: Caller = (Role::SocialWorker, None);
/// The county's financial system.
const FINANCE: Caller = (Role::FinanceSystem, None);

/// A user of `provider`.
fn user(provider: &str) -> Caller<'_> {
    (Role::ProviderUser, Some(provider))
}

/// A user of `provider` when one is named, else `otherwise`.
fn provider_user_or(provider: Option<&str>, otherwise: Role) -> Role {
    if provider.is_some() {
        Role::ProviderUser
    } else {
        otherwise
    }
}

/// The answer of a paged listing, gathered page by page.
trait Paged: Default {
    /// Moves `page`'s items into `self`; the next page's token (empty after the last).
    fn absorb(&mut self, page: Self) -> String;
}

macro_rules! paged {
    ($($answer:ty => $items:ident),* $(,)?) => {$(
        impl Paged for $answer {
            fn absorb(&mut self, page: Self) -> String {
                self.$items.extend(page.$items);
                page.next_page_token
            }
        }
    )*};
}

paged! {
    ppb::ListProvidersResponse => providers,
    vpb::ListClientsResponse => clients,
    vpb::ListVouchersResponse => vouchers,
    apb::ListSessionsResponse => sessions,
    apb::ListAbsencesResponse => absences,
    rpb::ListObligationsResponse => obligations,
    rpb::ListKelaNoticesResponse => notices,
    bpb::ListInvoicesResponse => invoices,
}

/// Every page of a listing, `page(token)` fetching one: the items of all of them (the other
/// fields of the answer left default).
async fn every_page<R, F>(mut page: impl FnMut(String) -> F) -> anyhow::Result<R>
where
    R: Paged,
    F: std::future::Future<Output = anyhow::Result<R>>,
{
    let mut all = R::default();
    let mut token = String::new();
    loop {
        token = all.absorb(page(token).await?);
        if token.is_empty() {
            return Ok(all);
        }
    }
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
    let c = p.providers()?;
    let details = ppb::ProviderDetails {
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
    };
    let created = ppb::CreateProviderRequest {
        request_id: request_id(),
        details: Some(details),
    };
    let created = call!(p, ADMIN, c.create_provider(created), "CreateProvider").await?;
    let id = provider_of(created.provider)?.id;
    let site = ppb::Site {
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
    };
    let site = ppb::AddSiteRequest {
        request_id: request_id(),
        provider_id: id.clone(),
        site: Some(site),
    };
    call!(p, ADMIN, c.add_site(site), "AddSite").await?;
    let issued = today() - chrono::Duration::days(60);
    let expires = today() + chrono::Duration::days(3 * 365);
    for kind in REQUIRED_DOCUMENTS {
        let document = ppb::Document {
            kind: kind as i32,
            issued_on: date(issued),
            expires_on: date(expires),
            file_reference: format!("docs/{}.pdf", kind.as_str_name().to_lowercase()),
            ..Default::default()
        };
        let document = ppb::AddDocumentRequest {
            request_id: request_id(),
            provider_id: id.clone(),
            document: Some(document),
        };
        call!(p, ADMIN, c.add_document(document), "AddDocument").await?;
    }
    for (name, q, register) in [
        (
            "Sanna Sosionomi",
            ppb::Qualification::Sosionomi,
            "JS-123456",
        ),
        ("Olli Ohjaaja", ppb::Qualification::UasSocialOrHealth, ""),
    ] {
        let member = ppb::StaffMember {
            name: name.into(),
            role: "ohjaaja".into(),
            qualification: q as i32,
            register_number: register.into(),
            ..Default::default()
        };
        let member = ppb::AddStaffMemberRequest {
            request_id: request_id(),
            provider_id: id.clone(),
            staff_member: Some(member),
        };
        call!(p, ADMIN, c.add_staff_member(member), "AddStaffMember").await?;
    }
    for (service, cents, size) in &spec.offerings {
        let offering = ppb::Offering {
            service_type: *service as i32,
            unit_price: Some(Money { cents: *cents }),
            max_group_size: *size,
        };
        let offering = ppb::SetOfferingRequest {
            request_id: request_id(),
            provider_id: id.clone(),
            offering: Some(offering),
        };
        call!(p, ADMIN, c.set_offering(offering), "SetOffering").await?;
    }
    let classes = ppb::SetSoteriClassesRequest {
        request_id: request_id(),
        provider_id: id.clone(),
        soteri_classes: vec![2903],
    };
    call!(p, ADMIN, c.set_soteri_classes(classes), "SetSoteriClasses").await?;
    let submit = ppb::SubmitProviderRequest {
        request_id: request_id(),
        provider_id: id,
    };
    let answer = call!(p, ADMIN, c.submit_provider(submit), "SubmitProvider").await?;
    provider_of(answer.provider)
}

/// Approves a submitted provider, as a county administrator.
pub async fn approve_provider(p: &Platform, id: &str) -> anyhow::Result<ppb::Provider> {
    let request = ppb::ApproveProviderRequest {
        request_id: request_id(),
        provider_id: id.into(),
    };
    let c = p.providers()?;
    let answer = call!(p, ADMIN, c.approve_provider(request), "ApproveProvider").await?;
    provider_of(answer.provider)
}

/// A provider, as a county administrator sees it.
pub async fn get_provider(p: &Platform, id: &str) -> anyhow::Result<ppb::Provider> {
    let request = ppb::GetProviderRequest {
        provider_id: id.into(),
    };
    let c = p.providers()?;
    let answer = call!(p, ADMIN, c.get_provider(request), "GetProvider").await?;
    provider_of(answer.provider)
}

/// Every provider (all pages), as a county administrator lists them.
pub async fn list_providers(p: &Platform) -> anyhow::Result<ppb::ListProvidersResponse> {
    let c = p.providers()?;
    every_page(|page_token| {
        let request = ppb::ListProvidersRequest {
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, ADMIN, c.list_providers(request), "ListProviders")
    })
    .await
}

// ------------------------------------------------------------------------------ clients and vouchers

/// Registers a client, as a social worker.
pub async fn add_client(p: &Platform, details: vpb::ClientDetails) -> anyhow::Result<vpb::Client> {
    let request = vpb::CreateClientRequest {
        request_id: request_id(),
        details: Some(details),
    };
    let c = p.vouchers()?;
    call!(p, WORKER, c.create_client(request), "CreateClient" => client).await
}

/// Every client (all pages), as a social worker lists them.
pub async fn list_clients(p: &Platform) -> anyhow::Result<vpb::ListClientsResponse> {
    let c = p.vouchers()?;
    every_page(|page_token| {
        let request = vpb::ListClientsRequest {
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, WORKER, c.list_clients(request), "ListClients")
    })
    .await
}

/// The ceiling price of `service` in force today, if any (any role may read prices).
pub async fn ceiling_price(p: &Platform, service: ServiceType) -> anyhow::Result<Option<i64>> {
    let request = vpb::GetCeilingPriceRequest {
        service_type: service as i32,
        on: None,
    };
    let c = p.vouchers()?;
    let r = call!(p, ADMIN, c.get_ceiling_price(request), "GetCeilingPrice");
    Ok(found(r.await)?
        .and_then(|r| r.ceiling_price)
        .and_then(|c| c.unit_price)
        .map(|m| m.cents))
}

/// Records a ceiling price of `service` from `from`, as a county administrator.
pub async fn set_ceiling_price(
    p: &Platform,
    service: ServiceType,
    from: NaiveDate,
    cents: i64,
) -> anyhow::Result<vpb::CeilingPrice> {
    let request = vpb::SetCeilingPriceRequest {
        request_id: request_id(),
        service_type: service as i32,
        effective_from: date(from),
        unit_price: Some(Money { cents }),
    };
    let c = p.vouchers()?;
    call!(p, ADMIN, c.set_ceiling_price(request), "SetCeilingPrice")
        .await?
        .ceiling_price
        .context("no price in the answer")
}

/// Issues a voucher on `decision`, as a social worker.
pub async fn issue_voucher(
    p: &Platform,
    decision: vpb::ServiceDecision,
) -> anyhow::Result<vpb::Voucher> {
    let request = vpb::IssueVoucherRequest {
        request_id: request_id(),
        decision: Some(decision),
    };
    let c = p.vouchers()?;
    call!(p, WORKER, c.issue_voucher(request), "IssueVoucher" => voucher).await
}

/// Records the client's choice of `provider`, as a social worker.
pub async fn choose_provider(
    p: &Platform,
    voucher: &str,
    provider: &str,
    agreed_start: Option<NaiveDate>,
) -> anyhow::Result<vpb::Voucher> {
    let request = vpb::ChooseProviderRequest {
        request_id: request_id(),
        voucher_id: voucher.into(),
        provider_id: provider.into(),
        agreed_start_on: agreed_start.and_then(date),
    };
    let c = p.vouchers()?;
    call!(p, WORKER, c.choose_provider(request), "ChooseProvider" => voucher).await
}

/// The chosen provider's user accepts the voucher, naming the responsible coach.
pub async fn accept_voucher(
    p: &Platform,
    provider: &str,
    voucher: &str,
    coach: &str,
    steward_notified: Option<NaiveDate>,
) -> anyhow::Result<vpb::Voucher> {
    let request = vpb::AcceptVoucherRequest {
        request_id: request_id(),
        voucher_id: voucher.into(),
        responsible_coach: coach.into(),
        steward_notified_on: steward_notified.and_then(date),
    };
    let c = p.vouchers()?;
    call!(p, user(provider), c.accept_voucher(request), "AcceptVoucher" => voucher).await
}

/// A voucher by id or number, as a county administrator reads it.
pub async fn get_voucher(p: &Platform, id_or_number: &str) -> anyhow::Result<vpb::Voucher> {
    let (voucher_id, voucher_number) = if id_or_number.starts_with("PS-") {
        (String::new(), id_or_number.into())
    } else {
        (id_or_number.into(), String::new())
    };
    let request = vpb::GetVoucherRequest {
        voucher_id,
        voucher_number,
    };
    let c = p.vouchers()?;
    call!(p, ADMIN, c.get_voucher(request), "GetVoucher" => voucher).await
}

/// Vouchers (all pages) of a client and/or provider, as a county administrator lists them.
pub async fn list_vouchers(
    p: &Platform,
    client: Option<&str>,
    provider: Option<&str>,
) -> anyhow::Result<vpb::ListVouchersResponse> {
    let c = p.vouchers()?;
    every_page(|page_token| {
        let request = vpb::ListVouchersRequest {
            client_id: client.unwrap_or_default().into(),
            provider_id: provider.unwrap_or_default().into(),
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, ADMIN, c.list_vouchers(request), "ListVouchers")
    })
    .await
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
    let request = apb::RecordSessionRequest {
        request_id: request_id(),
        voucher_id: voucher.into(),
        details: Some(details),
        replaces_session_id: replaces.unwrap_or_default().into(),
    };
    let c = p.attendance()?;
    call!(
        p,
        user(provider),
        c.record_session(request),
        "RecordSession"
    )
    .await
}

/// Cancels a session, as a user of `provider`.
pub async fn cancel_session(
    p: &Platform,
    provider: &str,
    session: &str,
    cancellation: apb::Cancellation,
) -> anyhow::Result<apb::Session> {
    let request = apb::CancelSessionRequest {
        request_id: request_id(),
        session_id: session.into(),
        cancellation: Some(cancellation),
    };
    let c = p.attendance()?;
    call!(p, user(provider), c.cancel_session(request), "CancelSession" => session).await
}

/// The sessions of a voucher (all pages), as a county administrator lists them.
pub async fn list_sessions(
    p: &Platform,
    voucher: &str,
) -> anyhow::Result<apb::ListSessionsResponse> {
    let c = p.attendance()?;
    every_page(|page_token| {
        let request = apb::ListSessionsRequest {
            voucher_id: voucher.into(),
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, ADMIN, c.list_sessions(request), "ListSessions")
    })
    .await
}

/// Records an absence (or a day with no service arranged), as a user of `provider`.
pub async fn record_absence(
    p: &Platform,
    provider: &str,
    req: apb::RecordAbsenceRequest,
) -> anyhow::Result<apb::RecordAbsenceResponse> {
    let request = apb::RecordAbsenceRequest {
        request_id: request_id(),
        ..req
    };
    let c = p.attendance()?;
    call!(
        p,
        user(provider),
        c.record_absence(request),
        "RecordAbsence"
    )
    .await
}

/// The absences of a voucher (all pages), as a county administrator lists them.
pub async fn list_absences(
    p: &Platform,
    voucher: &str,
) -> anyhow::Result<apb::ListAbsencesResponse> {
    let c = p.attendance()?;
    every_page(|page_token| {
        let request = apb::ListAbsencesRequest {
            voucher_id: voucher.into(),
            page_size: 500,
            page_token,
        };
        call!(p, ADMIN, c.list_absences(request), "ListAbsences")
    })
    .await
}

/// The units used on a voucher as attendance counts them, once attendance follows it.
pub async fn usage(p: &Platform, voucher: &str) -> anyhow::Result<Option<apb::VoucherUsage>> {
    let request = apb::GetVoucherUsageRequest {
        voucher_id: voucher.into(),
    };
    let c = p.attendance()?;
    let r = call!(p, ADMIN, c.get_voucher_usage(request), "GetVoucherUsage");
    Ok(found(r.await)?.and_then(|r| r.usage))
}

// ------------------------------------------------------------------------------ reporting

/// The report obligations (all pages) in `status` (unspecified: any): of `provider` as its
/// user sees them, or every one as a county administrator sees them.
pub async fn list_obligations(
    p: &Platform,
    provider: Option<&str>,
    status: rpb::ObligationStatus,
) -> anyhow::Result<rpb::ListObligationsResponse> {
    let c = p.reporting()?;
    let caller = (provider_user_or(provider, Role::CountyAdmin), provider);
    every_page(|page_token| {
        let request = rpb::ListObligationsRequest {
            provider_id: provider.unwrap_or_default().into(),
            status: status as i32,
            page_size: 500,
            page_token,
            ..Default::default()
        };
        call!(p, caller, c.list_obligations(request), "ListObligations")
    })
    .await
}

/// A report, as a county administrator reads it.
pub async fn get_report(p: &Platform, report: &str) -> anyhow::Result<rpb::Report> {
    let request = rpb::GetReportRequest {
        report_id: report.into(),
    };
    let c = p.reporting()?;
    call!(p, ADMIN, c.get_report(request), "GetReport" => report).await
}

/// Saves a draft of a report, as a user of `provider`.
pub async fn save_report(
    p: &Platform,
    provider: &str,
    report: &str,
    sections: rpb::ReportSections,
) -> anyhow::Result<rpb::Report> {
    let request = rpb::SaveReportDraftRequest {
        request_id: request_id(),
        report_id: report.into(),
        sections: Some(sections),
    };
    let c = p.reporting()?;
    call!(p, user(provider), c.save_report_draft(request), "SaveReportDraft" => report).await
}

/// Submits a report to the social worker, as a user of `provider`.
pub async fn submit_report(
    p: &Platform,
    provider: &str,
    report: &str,
) -> anyhow::Result<rpb::Report> {
    let request = rpb::SubmitReportRequest {
        request_id: request_id(),
        report_id: report.into(),
    };
    let c = p.reporting()?;
    call!(p, user(provider), c.submit_report(request), "SubmitReport" => report).await
}

/// The printable PDF of a report (REP-DELIVERY): as a user of `provider` (the voucher's), or,
/// without one, as the voucher's social worker. County administrators read the report itself.
pub async fn report_pdf(
    p: &Platform,
    provider: Option<&str>,
    report: &str,
) -> anyhow::Result<rpb::GetReportPdfResponse> {
    let request = rpb::GetReportPdfRequest {
        report_id: report.into(),
    };
    let caller = (provider_user_or(provider, Role::SocialWorker), provider);
    let c = p.reporting()?;
    call!(p, caller, c.get_report_pdf(request), "GetReportPdf").await
}

/// Kela's absence notices (ABS-KELA), every page: of `provider` as its user, or every one as a
/// county administrator; of one voucher when `voucher` is given.
pub async fn list_kela_notices(
    p: &Platform,
    provider: Option<&str>,
    voucher: Option<&str>,
    status: rpb::KelaNoticeStatus,
) -> anyhow::Result<rpb::ListKelaNoticesResponse> {
    let c = p.reporting()?;
    let caller = (provider_user_or(provider, Role::CountyAdmin), provider);
    every_page(|page_token| {
        let request = rpb::ListKelaNoticesRequest {
            provider_id: provider.unwrap_or_default().into(),
            voucher_id: voucher.unwrap_or_default().into(),
            status: status as i32,
            page_size: 500,
            page_token,
        };
        call!(p, caller, c.list_kela_notices(request), "ListKelaNotices")
    })
    .await
}

/// The Kela absence notice of the period holding `day` on a KTT voucher, as a printable PDF,
/// as a user of `provider` (or a county administrator without one).
pub async fn kela_notice_pdf(
    p: &Platform,
    provider: Option<&str>,
    voucher: &str,
    day: NaiveDate,
) -> anyhow::Result<rpb::GetKelaNoticePdfResponse> {
    let request = rpb::GetKelaNoticePdfRequest {
        voucher_id: voucher.into(),
        day: date(day),
    };
    let caller = (provider_user_or(provider, Role::CountyAdmin), provider);
    let c = p.reporting()?;
    call!(
        p,
        caller,
        c.get_kela_notice_pdf(request),
        "GetKelaNoticePdf"
    )
    .await
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
    let c = p.billing()?;
    let request = bpb::GenerateInvoiceRequest {
        request_id: request_id(),
        provider_id: provider.into(),
        year,
        month: i32::try_from(month).context("month")?,
    };
    let caller = (role, Some(provider));
    call!(p, caller, c.generate_invoice(request), "GenerateInvoice").await
}

/// Submits an invoice for approval, as a user of `provider`.
pub async fn submit_invoice(
    p: &Platform,
    provider: &str,
    invoice: &str,
) -> anyhow::Result<bpb::Invoice> {
    let request = bpb::SubmitInvoiceRequest {
        request_id: request_id(),
        invoice_id: invoice.into(),
    };
    let c = p.billing()?;
    call!(p, user(provider), c.submit_invoice(request), "SubmitInvoice" => invoice).await
}

/// Approves a submitted invoice, as a county administrator.
pub async fn approve_invoice(p: &Platform, invoice: &str) -> anyhow::Result<bpb::Invoice> {
    let request = bpb::ApproveInvoiceRequest {
        request_id: request_id(),
        invoice_id: invoice.into(),
    };
    let c = p.billing()?;
    call!(p, ADMIN, c.approve_invoice(request), "ApproveInvoice" => invoice).await
}

/// An invoice, as a county administrator reads it.
pub async fn get_invoice(p: &Platform, invoice: &str) -> anyhow::Result<bpb::Invoice> {
    let request = bpb::GetInvoiceRequest {
        invoice_id: invoice.into(),
    };
    let c = p.billing()?;
    call!(p, ADMIN, c.get_invoice(request), "GetInvoice" => invoice).await
}

/// Invoices (all pages) of a provider, or every one, as a county administrator lists them.
pub async fn list_invoices(
    p: &Platform,
    provider: Option<&str>,
) -> anyhow::Result<bpb::ListInvoicesResponse> {
    let c = p.billing()?;
    every_page(|page_token| {
        let request = bpb::ListInvoicesRequest {
            provider_id: provider.unwrap_or_default().into(),
            page_size: 100,
            page_token,
            ..Default::default()
        };
        call!(p, ADMIN, c.list_invoices(request), "ListInvoices")
    })
    .await
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
    let c = p.billing()?;
    let request = bpb::StreamApprovedInvoicesRequest {
        after_sequence: 0,
        formats: formats.iter().map(|f| *f as i32).collect(),
    };
    let stream = call!(
        p,
        FINANCE,
        c.stream_approved_invoices(request),
        "StreamApprovedInvoices"
    );
    let mut stream = stream.await?;
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
        let request = bpb::AcknowledgeInvoicesRequest {
            request_id: request_id(),
            acknowledgements: acks,
        };
        let acked = call!(
            p,
            FINANCE,
            c.acknowledge_invoices(request),
            "AcknowledgeInvoices"
        );
        for r in acked.await?.results {
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
    let request = bpb::ExportInvoiceRequest {
        invoice_id: invoice.into(),
        format: format as i32,
    };
    let c = p.billing()?;
    call!(p, ADMIN, c.export_invoice(request), "ExportInvoice" => document).await
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
