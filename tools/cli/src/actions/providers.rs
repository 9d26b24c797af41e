//! Providers: registering one with everything an approval needs, approving it, reading and
//! listing them, as a county administrator.

use anyhow::Context as _;
use seteli_api::common::v1::{Coordinates, Money, ServiceType};
use seteli_api::providers::v1 as ppb;

use super::calling::{ADMIN, call, every_page};
use super::convert::{date, today};
use crate::conn::{Platform, request_id};

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
        validate_only: false,
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
        validate_only: false,
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
            validate_only: false,
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
            validate_only: false,
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
            ..Default::default()
        };
        let offering = ppb::SetOfferingRequest {
            request_id: request_id(),
            validate_only: false,
            provider_id: id.clone(),
            offering: Some(offering),
            price_effective_from: None,
        };
        call!(p, ADMIN, c.set_offering(offering), "SetOffering").await?;
    }
    let classes = ppb::SetSoteriClassesRequest {
        request_id: request_id(),
        validate_only: false,
        provider_id: id.clone(),
        soteri_classes: vec![2903],
    };
    call!(p, ADMIN, c.set_soteri_classes(classes), "SetSoteriClasses").await?;
    let submit = ppb::SubmitProviderRequest {
        request_id: request_id(),
        validate_only: false,
        provider_id: id,
    };
    let answer = call!(p, ADMIN, c.submit_provider(submit), "SubmitProvider").await?;
    provider_of(answer.provider)
}

/// Approves a submitted provider, as a county administrator.
pub async fn approve_provider(p: &Platform, id: &str) -> anyhow::Result<ppb::Provider> {
    let request = ppb::ApproveProviderRequest {
        request_id: request_id(),
        validate_only: false,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_required_documents_are_eight_distinct_kinds() {
        let mut kinds: Vec<i32> = REQUIRED_DOCUMENTS.iter().map(|k| *k as i32).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), 8);
        assert!(!kinds.contains(&(ppb::DocumentKind::Unspecified as i32)));
    }

    #[test]
    fn an_answer_without_its_provider_is_an_error() {
        assert!(provider_of(None).is_err());
        let p = provider_of(Some(ppb::Provider {
            id: "p-1".into(),
            ..Default::default()
        }))
        .expect("the provider");
        assert_eq!(p.id, "p-1");
    }
}
