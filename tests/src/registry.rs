//! Fixtures of the provider registry on its own: a running registry with configured ceiling
//! prices, and a provider that meets every approval rule.

use seteli_api::common::v1::{Coordinates, Date, Money, ServiceType};
use seteli_api::providers::v1 as pb;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_platform::testing::{TestServer, with_token};
pub use seteli_platform::testing::{bad_fields, rule_ids};
pub use seteli_providers::Providers;
use tonic::transport::Channel;

/// Placeholder ceiling prices for tests (the county's real ones are configuration).
pub const CEILING_PRICES: &str = "KTT_INDIVIDUAL@2024-01-01=65.00,KTT_GROUP@2024-01-01=90.00,\
KTT_ASSESSMENT@2024-01-01=95.00,KTT_WORK_CAPACITY@2024-01-01=95.00,SK_INDIVIDUAL@2026-01-01=70.00,\
SK_INDIVIDUAL_DAILY_LIVING@2026-01-01=70.00,SK_GROUP@2026-01-01=35.00,\
SK_SUPPORTED_WORK@2026-01-01=85.00,SK_PARTICIPATION@2026-01-01=80.00";

/// Kuopio market square.
pub const KUOPIO: (f64, f64) = (62.8924, 27.6770);
/// Siilinjärvi centre.
pub const SIILINJARVI: (f64, f64) = (63.0745, 27.6600);
/// Iisalmi centre (≈ 80 km north of Kuopio).
pub const IISALMI: (f64, f64) = (63.5581, 27.1906);

pub async fn start() -> TestServer {
    TestServer::start::<Providers>(|c| {
        c.vars
            .insert("SETELI_CEILING_PRICES".into(), CEILING_PRICES.into());
    })
    .await
}

pub fn client(server: &TestServer) -> ProvidersServiceClient<Channel> {
    ProvidersServiceClient::new(server.channel())
}

pub fn rid() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn date(year: i32, month: i32, day: i32) -> Option<Date> {
    Some(Date { year, month, day })
}

pub fn point((latitude, longitude): (f64, f64)) -> Option<Coordinates> {
    Some(Coordinates {
        latitude,
        longitude,
    })
}

pub fn details(name: &str, business_id: &str, legal_form: pb::LegalForm) -> pb::ProviderDetails {
    pb::ProviderDetails {
        name: name.into(),
        business_id: business_id.into(),
        legal_form: legal_form as i32,
        contact: Some(pb::Contact {
            name: "Maija Meikäläinen".into(),
            email: "maija@example.fi".into(),
            phone: "+358 40 123 4567".into(),
            postal_address: "Kauppakatu 1, 70100 Kuopio".into(),
        }),
        iban: "FI21 1234 5600 0007 85".into(),
        bic: "NDEAFIHH".into(),
        einvoice_address: "003707375462".into(),
        supplier_number: "S-1001".into(),
        uses_subcontractors: false,
    }
}

pub struct Actors {
    pub admin: String,
    pub social_worker: String,
    pub auditor: String,
}

pub fn actors(server: &TestServer) -> Actors {
    Actors {
        admin: server.keys.token("county_admin", None),
        social_worker: server.keys.token("social_worker", None),
        auditor: server.keys.token("auditor", None),
    }
}

pub async fn create(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    d: pb::ProviderDetails,
) -> pb::Provider {
    c.create_provider(with_token(
        token,
        pb::CreateProviderRequest {
            request_id: rid(),
            details: Some(d),
        },
    ))
    .await
    .expect("create provider")
    .into_inner()
    .provider
    .expect("provider")
}

pub async fn try_add_site(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    provider_id: &str,
    kind: pb::SiteKind,
    at: (f64, f64),
    municipality: &str,
) -> Result<pb::Provider, tonic::Status> {
    c.add_site(with_token(
        token,
        pb::AddSiteRequest {
            request_id: rid(),
            provider_id: provider_id.into(),
            site: Some(pb::Site {
                kind: kind as i32,
                name: format!("{municipality} site"),
                street_address: "Katu 1".into(),
                postal_code: "70100".into(),
                municipality: municipality.into(),
                coordinates: point(at),
                ..Default::default()
            }),
        },
    ))
    .await
    .map(|r| r.into_inner().provider.expect("provider"))
}

/// Adds a site, which must succeed.
pub async fn add_site(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    provider_id: &str,
    kind: pb::SiteKind,
    at: (f64, f64),
    municipality: &str,
) -> pb::Provider {
    try_add_site(c, token, provider_id, kind, at, municipality)
        .await
        .expect("add site")
}

pub async fn set_offering(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    provider_id: &str,
    service: ServiceType,
    cents: i64,
    max_group_size: i32,
) -> Result<pb::Provider, tonic::Status> {
    c.set_offering(with_token(
        token,
        pb::SetOfferingRequest {
            request_id: rid(),
            provider_id: provider_id.into(),
            offering: Some(pb::Offering {
                service_type: service as i32,
                unit_price: Some(Money { cents }),
                max_group_size,
            }),
        },
    ))
    .await
    .map(|r| r.into_inner().provider.expect("provider"))
}

pub async fn add_staff(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    provider_id: &str,
    name: &str,
    q: pb::Qualification,
    register_number: &str,
) -> pb::Provider {
    c.add_staff_member(with_token(
        token,
        pb::AddStaffMemberRequest {
            request_id: rid(),
            provider_id: provider_id.into(),
            staff_member: Some(pb::StaffMember {
                name: name.into(),
                role: "ohjaaja".into(),
                qualification: q as i32,
                register_number: register_number.into(),
                ..Default::default()
            }),
        },
    ))
    .await
    .expect("add staff")
    .into_inner()
    .provider
    .expect("provider")
}

pub async fn add_document(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    provider_id: &str,
    kind: pb::DocumentKind,
    issued: Option<Date>,
    expires: Option<Date>,
) -> pb::Provider {
    c.add_document(with_token(
        token,
        pb::AddDocumentRequest {
            request_id: rid(),
            provider_id: provider_id.into(),
            document: Some(pb::Document {
                kind: kind as i32,
                issued_on: issued,
                expires_on: expires,
                file_reference: format!("docs/{kind:?}.pdf"),
                ..Default::default()
            }),
        },
    ))
    .await
    .expect("add document")
    .into_inner()
    .provider
    .expect("provider")
}

pub const REQUIRED_DOCUMENTS: [pb::DocumentKind; 8] = [
    pb::DocumentKind::ServiceDescription,
    pb::DocumentKind::StaffForm,
    pb::DocumentKind::SelfMonitoringPlan,
    pb::DocumentKind::LiabilityInsurance,
    pb::DocumentKind::GroupInsurance,
    pb::DocumentKind::TaxCertificate,
    pb::DocumentKind::PensionInsuranceCertificate,
    pb::DocumentKind::AviLicenceOrRegistration,
];

/// A DRAFT association that meets every approval rule for KTT individual coaching and SK
/// group coaching, with a site at `at`.
pub async fn complete_provider(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    name: &str,
    business_id: &str,
    at: (f64, f64),
) -> pb::Provider {
    let p = create(
        c,
        token,
        details(name, business_id, pb::LegalForm::Association),
    )
    .await;
    add_site(c, token, &p.id, pb::SiteKind::Site, at, "Kuopio").await;
    for kind in REQUIRED_DOCUMENTS {
        add_document(c, token, &p.id, kind, date(2026, 1, 15), date(2099, 12, 31)).await;
    }
    add_staff(
        c,
        token,
        &p.id,
        "Sanna Sosionomi",
        pb::Qualification::Sosionomi,
        "JS-123456",
    )
    .await;
    add_staff(
        c,
        token,
        &p.id,
        "Olli Ohjaaja",
        pb::Qualification::UasSocialOrHealth,
        "",
    )
    .await;
    set_offering(c, token, &p.id, ServiceType::KttIndividual, 6000, 0)
        .await
        .expect("KTT offering");
    set_offering(c, token, &p.id, ServiceType::SkGroup, 3000, 8)
        .await
        .expect("SK offering");
    c.set_soteri_classes(with_token(
        token,
        pb::SetSoteriClassesRequest {
            request_id: rid(),
            provider_id: p.id.clone(),
            soteri_classes: vec![2903],
        },
    ))
    .await
    .expect("soteri")
    .into_inner()
    .provider
    .expect("provider")
}

pub async fn submit(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    provider_id: &str,
) -> Result<pb::Provider, tonic::Status> {
    c.submit_provider(with_token(
        token,
        pb::SubmitProviderRequest {
            request_id: rid(),
            provider_id: provider_id.into(),
        },
    ))
    .await
    .map(|r| r.into_inner().provider.expect("provider"))
}

pub async fn approve(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    provider_id: &str,
) -> Result<pb::Provider, tonic::Status> {
    c.approve_provider(with_token(
        token,
        pb::ApproveProviderRequest {
            request_id: rid(),
            provider_id: provider_id.into(),
        },
    ))
    .await
    .map(|r| r.into_inner().provider.expect("provider"))
}

/// A staff member with a qualification; the facts of the staff rules unstated.
pub fn staff_member(name: &str, q: pb::Qualification, register_number: &str) -> pb::StaffMember {
    pb::StaffMember {
        name: name.into(),
        role: "ohjaaja".into(),
        qualification: q as i32,
        register_number: register_number.into(),
        ..Default::default()
    }
}

/// Adds `member` as given (its county acceptance and coaching work included).
pub async fn try_add_staff_member(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    provider_id: &str,
    member: pb::StaffMember,
) -> Result<pb::Provider, tonic::Status> {
    c.add_staff_member(with_token(
        token,
        pb::AddStaffMemberRequest {
            request_id: rid(),
            provider_id: provider_id.into(),
            staff_member: Some(member),
        },
    ))
    .await
    .map(|r| r.into_inner().provider.expect("provider"))
}

/// Removes staff member `name` of the provider.
pub async fn remove_staff_named(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    provider: &pb::Provider,
    name: &str,
) -> pb::Provider {
    let id = provider
        .staff
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.id.clone())
        .unwrap_or_else(|| panic!("no staff member {name}"));
    c.remove_staff_member(with_token(
        token,
        pb::RemoveStaffMemberRequest {
            request_id: rid(),
            provider_id: provider.id.clone(),
            staff_member_id: id,
        },
    ))
    .await
    .expect("remove staff member")
    .into_inner()
    .provider
    .expect("provider")
}

/// A DRAFT provider of `legal_form` with a site at KUOPIO, the documents of `documents` (in
/// force until 2099) and Soteri class 2903, but no staff and no offerings.
pub async fn provider_without_staff(
    c: &mut ProvidersServiceClient<Channel>,
    token: &str,
    name: &str,
    business_id: &str,
    legal_form: pb::LegalForm,
    documents: &[pb::DocumentKind],
) -> pb::Provider {
    let p = create(c, token, details(name, business_id, legal_form)).await;
    add_site(c, token, &p.id, pb::SiteKind::Site, KUOPIO, "Kuopio").await;
    for kind in documents {
        add_document(
            c,
            token,
            &p.id,
            *kind,
            date(2026, 1, 15),
            date(2099, 12, 31),
        )
        .await;
    }
    c.set_soteri_classes(with_token(
        token,
        pb::SetSoteriClassesRequest {
            request_id: rid(),
            provider_id: p.id.clone(),
            soteri_classes: vec![2903],
        },
    ))
    .await
    .expect("soteri")
    .into_inner()
    .provider
    .expect("provider")
}
