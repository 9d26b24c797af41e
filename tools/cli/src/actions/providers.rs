//! Providers: registering one (a new draft, or the draft with its business id resumed: its
//! details brought up to date and what it lacks added) and submitting it; approving, discarding,
//! reading, finding by business id and listing them, as a county administrator.

use anyhow::Context as _;
use seteli_api::providers::v1 as ppb;

use super::calling::{ADMIN, call, every_page};
use crate::conn::{Platform, request_id};

/// Everything a provider is registered with, as its user gave it: nothing is added here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProviderSpec {
    /// The basic details (name, Y-tunnus, legal form, contact, bank details …).
    pub details: ppb::ProviderDetails,
    /// Places of service.
    pub sites: Vec<ppb::Site>,
    /// Services offered at the provider's own prices.
    pub offerings: Vec<ppb::Offering>,
    /// Staff with their qualifications.
    pub staff: Vec<ppb::StaffMember>,
    /// Documents with their dates (PROV-DOCS).
    pub documents: Vec<ppb::Document>,
    /// Soteri service classes (PROV-SOTERI).
    pub soteri_classes: Vec<i32>,
}

fn provider_of(p: Option<ppb::Provider>) -> anyhow::Result<ppb::Provider> {
    p.context("the registry answered without the provider")
}

/// What of `spec` provider `had` lacks: the details when they differ, the sites, staff and
/// documents it has none like, the offerings it does not have at that price and size, and the
/// Soteri classes together with its own when any is new.
pub fn lacking(spec: &ProviderSpec, had: &ppb::Provider) -> ProviderSpec {
    let same_site = |a: &ppb::Site, b: &ppb::Site| {
        (a.kind, &a.name, &a.postal_code, &a.municipality)
            == (b.kind, &b.name, &b.postal_code, &b.municipality)
    };
    let same_offering = |a: &ppb::Offering, b: &ppb::Offering| {
        (a.service_type, a.unit_price, a.max_group_size)
            == (b.service_type, b.unit_price, b.max_group_size)
    };
    let same_member = |a: &ppb::StaffMember, b: &ppb::StaffMember| {
        (a.name.trim(), a.qualification) == (b.name.trim(), b.qualification)
    };
    let same_document = |a: &ppb::Document, b: &ppb::Document| {
        (a.kind, &a.issued_on, a.file_reference.trim())
            == (b.kind, &b.issued_on, b.file_reference.trim())
    };
    fn new<T: Clone>(given: &[T], had: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<T> {
        given
            .iter()
            .filter(|g| !had.iter().any(|h| same(g, h)))
            .cloned()
            .collect()
    }
    let mut classes = had.soteri_classes.clone();
    classes.extend(&spec.soteri_classes);
    classes.sort_unstable();
    classes.dedup();
    let mut had_classes = had.soteri_classes.clone();
    had_classes.sort_unstable();
    ProviderSpec {
        details: if had.details.as_ref() == Some(&spec.details) {
            ppb::ProviderDetails::default()
        } else {
            spec.details.clone()
        },
        sites: new(&spec.sites, &had.sites, same_site),
        offerings: new(&spec.offerings, &had.offerings, same_offering),
        staff: new(&spec.staff, &had.staff, same_member),
        documents: new(&spec.documents, &had.documents, same_document),
        soteri_classes: if classes == had_classes {
            Vec::new()
        } else {
            classes
        },
    }
}

/// The provider registered with Y-tunnus `business_id`, with everything the registry holds of
/// it, if there is one (a discarded draft no longer holds its business id).
pub async fn provider_by_business_id(
    p: &Platform,
    business_id: &str,
) -> anyhow::Result<Option<ppb::Provider>> {
    let request = ppb::ListProvidersRequest {
        business_id: business_id.into(),
        page_size: 1,
        ..Default::default()
    };
    let c = p.providers()?;
    let listed = call!(p, ADMIN, c.list_providers(request), "ListProviders").await?;
    match listed.providers.into_iter().next() {
        Some(found) => Ok(Some(get_provider(p, &found.id).await?)),
        None => Ok(None),
    }
}

/// Registers `spec` as a county administrator: on `draft` when one is resumed (its details
/// replaced when they differ, what it lacks of `spec` added), else on a new draft; then, when
/// `submit`, submits it for approval. When a step is refused after the draft exists, the error
/// says the draft is kept and how to go on.
pub async fn register_provider(
    p: &Platform,
    spec: &ProviderSpec,
    draft: Option<&ppb::Provider>,
    submit: bool,
) -> anyhow::Result<ppb::Provider> {
    let (id, to_add) = match draft {
        Some(d) => (d.id.clone(), lacking(spec, d)),
        None => {
            let c = p.providers()?;
            let created = ppb::CreateProviderRequest {
                request_id: request_id(),
                validate_only: false,
                details: Some(spec.details.clone()),
            };
            let created = call!(p, ADMIN, c.create_provider(created), "CreateProvider").await?;
            let id = provider_of(created.provider)?.id;
            let details = ppb::ProviderDetails::default();
            (
                id,
                ProviderSpec {
                    details,
                    ..spec.clone()
                },
            )
        }
    };
    let business_id = &spec.details.business_id;
    complete_draft(p, &id, &to_add, submit).await.map_err(|e| {
        let step = e.to_string();
        e.context(format!(
            "{step}: the draft {id} is kept — complete it and run `seteli provider register` \
                 with business id {business_id} again (it resumes the draft), submit it with \
                 `seteli provider submit {id}`, or give it up with `seteli provider discard {id}`"
        ))
    })
}

/// Adds `add` to draft `id` (its details replaced when given) and, when `submit`, submits it.
async fn complete_draft(
    p: &Platform,
    id: &str,
    add: &ProviderSpec,
    submit: bool,
) -> anyhow::Result<ppb::Provider> {
    let c = p.providers()?;
    let provider_id = || id.to_owned();
    if add.details != ppb::ProviderDetails::default() {
        let update = ppb::UpdateProviderRequest {
            request_id: request_id(),
            validate_only: false,
            provider_id: provider_id(),
            details: Some(add.details.clone()),
        };
        call!(p, ADMIN, c.update_provider(update), "UpdateProvider").await?;
    }
    for site in &add.sites {
        let site = ppb::AddSiteRequest {
            request_id: request_id(),
            validate_only: false,
            provider_id: provider_id(),
            site: Some(site.clone()),
        };
        call!(p, ADMIN, c.add_site(site), "AddSite").await?;
    }
    for document in &add.documents {
        let document = ppb::AddDocumentRequest {
            request_id: request_id(),
            validate_only: false,
            provider_id: provider_id(),
            document: Some(document.clone()),
        };
        call!(p, ADMIN, c.add_document(document), "AddDocument").await?;
    }
    for member in &add.staff {
        let member = ppb::AddStaffMemberRequest {
            request_id: request_id(),
            validate_only: false,
            provider_id: provider_id(),
            staff_member: Some(member.clone()),
        };
        call!(p, ADMIN, c.add_staff_member(member), "AddStaffMember").await?;
    }
    for offering in &add.offerings {
        let offering = ppb::SetOfferingRequest {
            request_id: request_id(),
            validate_only: false,
            provider_id: provider_id(),
            offering: Some(offering.clone()),
            price_effective_from: None,
        };
        call!(p, ADMIN, c.set_offering(offering), "SetOffering").await?;
    }
    if !add.soteri_classes.is_empty() {
        let classes = ppb::SetSoteriClassesRequest {
            request_id: request_id(),
            validate_only: false,
            provider_id: provider_id(),
            soteri_classes: add.soteri_classes.clone(),
        };
        call!(p, ADMIN, c.set_soteri_classes(classes), "SetSoteriClasses").await?;
    }
    if submit {
        submit_provider(p, id).await
    } else {
        get_provider(p, id).await
    }
}

/// Submits a draft (or a rejected provider) for approval, as a county administrator.
pub async fn submit_provider(p: &Platform, id: &str) -> anyhow::Result<ppb::Provider> {
    let request = ppb::SubmitProviderRequest {
        request_id: request_id(),
        validate_only: false,
        provider_id: id.into(),
    };
    let c = p.providers()?;
    let answer = call!(p, ADMIN, c.submit_provider(request), "SubmitProvider").await?;
    provider_of(answer.provider)
}

/// Gives a draft up, as a county administrator: its business id is free again.
pub async fn discard_provider(p: &Platform, id: &str) -> anyhow::Result<ppb::Provider> {
    let request = ppb::DiscardProviderDraftRequest {
        request_id: request_id(),
        validate_only: false,
        provider_id: id.into(),
    };
    let c = p.providers()?;
    let answer = call!(
        p,
        ADMIN,
        c.discard_provider_draft(request),
        "DiscardProviderDraft"
    );
    provider_of(answer.await?.provider)
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
    fn a_resumed_draft_gets_only_what_it_lacks() {
        let site = |name: &str| ppb::Site {
            name: name.into(),
            municipality: "Kuopio".into(),
            ..Default::default()
        };
        let member = |name: &str| ppb::StaffMember {
            name: name.into(),
            qualification: ppb::Qualification::Sosionomi as i32,
            ..Default::default()
        };
        let details = ppb::ProviderDetails {
            name: "Esimerkki ry".into(),
            ..Default::default()
        };
        let had = ppb::Provider {
            details: Some(details.clone()),
            sites: vec![site("A")],
            staff: vec![member("Sanna")],
            soteri_classes: vec![2903],
            ..Default::default()
        };
        let spec = ProviderSpec {
            details: details.clone(),
            sites: vec![site("A"), site("B")],
            staff: vec![member(" Sanna "), member("Olli")],
            soteri_classes: vec![2903],
            ..Default::default()
        };
        let add = lacking(&spec, &had);
        assert_eq!(add.details, ppb::ProviderDetails::default(), "unchanged");
        assert_eq!(add.sites, [site("B")]);
        assert_eq!(add.staff, [member("Olli")]);
        assert!(add.soteri_classes.is_empty(), "no new class");
        let renamed = ProviderSpec {
            details: ppb::ProviderDetails {
                name: "Uusi ry".into(),
                ..details
            },
            soteri_classes: vec![2464],
            ..spec
        };
        let add = lacking(&renamed, &had);
        assert_eq!(add.details.name, "Uusi ry");
        assert_eq!(add.soteri_classes, [2464, 2903], "its own kept");
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
