//! The demo's first phases: the county's ceiling prices (set when a platform has none), and
//! three made-up providers registered with everything an approval needs (the example contact,
//! bank details, site, documents and staff of [`crate::examples`]), submitted and approved.

use anyhow::Context as _;
use chrono::NaiveDate;
use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as ppb;

use super::made_up::{KUOPIO, SIILINJARVI, business_id};
use super::summary::{DemoProvider, state_name};
use crate::actions;
use crate::conn::Platform;

/// Phase 1, the county's ceiling prices (a dev platform seeds them; set them when missing).
pub(super) async fn ceiling_prices(p: &Platform) -> anyhow::Result<()> {
    for (service, from, cents) in [
        (
            ServiceType::KttIndividual,
            NaiveDate::from_ymd_opt(2024, 1, 1),
            6500,
        ),
        (
            ServiceType::SkGroup,
            NaiveDate::from_ymd_opt(2026, 1, 1),
            3500,
        ),
    ] {
        if actions::ceiling_price(p, service).await?.is_none() {
            actions::set_ceiling_price(p, service, from.context("date")?, cents).await?;
        }
    }
    Ok(())
}

/// Phase 2, providers: registered with everything an approval needs, submitted, approved;
/// their Y-tunnus drawn from `s`.
pub(super) async fn providers(p: &Platform, s: u32) -> anyhow::Result<Vec<DemoProvider>> {
    let specs = [
        (
            "Kuopion Kuntoutuspolku ry",
            ppb::LegalForm::Association,
            "Kuopio",
            KUOPIO,
            vec![
                (ServiceType::KttIndividual, 6000, 0),
                (ServiceType::SkGroup, 3000, 8),
            ],
        ),
        (
            "Siilinjärven Osallisuussäätiö sr",
            ppb::LegalForm::Foundation,
            "Siilinjärvi",
            SIILINJARVI,
            vec![
                (ServiceType::KttIndividual, 6200, 0),
                (ServiceType::SkGroup, 3200, 10),
            ],
        ),
        (
            "Valmennus Virta Oy",
            ppb::LegalForm::Company,
            "Kuopio",
            KUOPIO,
            vec![(ServiceType::KttIndividual, 5800, 0)],
        ),
    ];
    let mut providers = Vec::new();
    let (contact, email, phone) = crate::examples::CONTACT;
    let (iban, bic) = crate::examples::BANK;
    for (i, (name, form, town, at, offerings)) in specs.into_iter().enumerate() {
        let details = ppb::ProviderDetails {
            name: name.into(),
            business_id: business_id(s.wrapping_add(u32::try_from(i).unwrap_or(0) * 101))?,
            legal_form: form as i32,
            contact: Some(ppb::Contact {
                name: contact.into(),
                email: email.into(),
                phone: phone.into(),
                postal_address: format!("Kauppakatu 1, {town}"),
            }),
            iban: iban.into(),
            bic: bic.into(),
            ..Default::default()
        };
        let today = actions::today();
        let spec = actions::ProviderSpec {
            details,
            sites: vec![crate::examples::site(town, at)],
            offerings: offerings
                .into_iter()
                .map(|(service, cents, size)| crate::registration::offering(service, cents, size))
                .collect(),
            staff: crate::examples::staff(),
            documents: crate::examples::REQUIRED_DOCUMENTS
                .into_iter()
                .map(|kind| crate::examples::document_of(kind, today))
                .collect(),
            soteri_classes: vec![crate::examples::SOTERI_CLASS],
        };
        let submitted = actions::register_provider(p, &spec, None, true)
            .await
            .with_context(|| format!("registering {name}"))?;
        let approved = actions::approve_provider(p, &submitted.id).await?;
        providers.push(DemoProvider {
            id: approved.id,
            name: name.into(),
            state: state_name(
                ppb::ProviderState::try_from(approved.state)
                    .map(|s| s.as_str_name())
                    .unwrap_or_default(),
                "PROVIDER_STATE_",
            ),
        });
    }
    Ok(providers)
}
