//! Protobuf ↔ model: requests checked into model inputs (every malformed field at once), and
//! the views of a voucher or client that each role gets.

use chrono::NaiveDate;
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::auth::{Caller, Role};
use seteli_platform::convert::{PbEnum, coordinates, date, service_type};
pub use seteli_platform::convert::{optional_date, required_id, required_text};
use seteli_platform::{AppError, AppResult, FieldErrors};
use seteli_rules::geo::{Coordinates, PlaceKind, ServicePlace};
use seteli_rules::provider::{DocumentKind, ProviderDocument};

use crate::model::{
    ClientInput, DecisionInput, DeclineReasonKind, EndReasonKind, MAX_UNITS_HUNDREDTHS,
};

/// Checks a client's details; every malformed field at once. The identity code is checked
/// with `seteli_rules::ids::parse_hetu` and never echoed.
pub fn validate_client(d: Option<&pb::ClientDetails>) -> Result<ClientInput, AppError> {
    let d = d.ok_or_else(|| AppError::invalid("details", "required"))?;
    let mut errors = FieldErrors::new();
    let hetu = errors.take(
        "details.identity_code",
        seteli_rules::ids::parse_hetu(&d.identity_code),
    );
    let name = errors.text("details.name", &d.name, 200);
    let municipality = errors.text("details.home_municipality", &d.home_municipality, 100);
    let point = match coordinates("details.home_coordinates", d.home_coordinates.as_ref()) {
        Ok(p) => Some(p),
        Err(AppError::InvalidArgument(v)) => {
            for f in v {
                errors.add(f.field, f.description);
            }
            None
        }
        Err(e) => return Err(e),
    };
    let contact = d.contact.clone().unwrap_or_default();
    let email = contact.email.trim();
    errors.check(
        !(email.is_empty()
            || (email.contains('@')
                && !email.starts_with('@')
                && !email.ends_with('@')
                && !email.contains(' '))),
        "details.contact.email",
        "must be an e-mail address or empty",
    );
    errors.check(
        contact.phone.chars().count() > 50,
        "details.contact.phone",
        "at most 50 characters",
    );
    errors.check(
        contact.postal_address.chars().count() > 300,
        "details.contact.postal_address",
        "at most 300 characters",
    );
    errors.finish()?;
    let (Some(hetu), Some(point)) = (hetu, point) else {
        return Err(AppError::invalid("details", "invalid"));
    };
    Ok(ClientInput {
        identity_code: hetu.to_string(),
        identity_code_masked: hetu.masked(),
        birth_date: hetu.birth_date(),
        name,
        home_municipality: municipality,
        latitude: point.lat,
        longitude: point.lon,
        contact: pb::ClientContact {
            phone: contact.phone.trim().to_owned(),
            email: email.to_owned(),
            postal_address: contact.postal_address.trim().to_owned(),
        },
    })
}

fn field_of(errors: &mut FieldErrors, r: Result<NaiveDate, AppError>) -> Option<NaiveDate> {
    match r {
        Ok(d) => Some(d),
        Err(AppError::InvalidArgument(v)) => {
            for f in v {
                errors.add(f.field, f.description);
            }
            None
        }
        Err(_) => None,
    }
}

/// Checks a decision's shape; every malformed field at once.
pub fn validate_decision(d: Option<&pb::ServiceDecision>) -> Result<DecisionInput, AppError> {
    let d = d.ok_or_else(|| AppError::invalid("decision", "required"))?;
    let mut errors = FieldErrors::new();
    errors.check(
        d.client_id.trim().is_empty(),
        "decision.client_id",
        "required",
    );
    let service = match service_type("decision.service_type", d.service_type) {
        Ok(s) => Some(s),
        Err(_) => {
            errors.add(
                "decision.service_type",
                "required: one of the nine voucher services",
            );
            None
        }
    };
    let decision_date = field_of(
        &mut errors,
        date("decision.decision_date", d.decision_date.as_ref()),
    );
    let valid_from = field_of(
        &mut errors,
        date("decision.valid_from", d.valid_from.as_ref()),
    );
    let valid_until = field_of(
        &mut errors,
        date("decision.valid_until", d.valid_until.as_ref()),
    );
    let units = d.granted_units.map(|u| u.hundredths);
    errors.check(
        !units.is_some_and(|u| (1..=MAX_UNITS_HUNDREDTHS).contains(&u)),
        "decision.granted_units",
        "required: a positive number of hundredths of a unit, at most 100 000 units",
    );
    let weekly_cap = d.weekly_cap.map(|u| u.hundredths);
    errors.check(
        weekly_cap.is_some_and(|w| !(1..=MAX_UNITS_HUNDREDTHS).contains(&w)),
        "decision.weekly_cap",
        "when set: a positive number of hundredths of a unit",
    );
    errors.check(
        pb::UnemploymentBenefit::try_from(d.unemployment_benefit).is_err(),
        "decision.unemployment_benefit",
        "unknown value",
    );
    if let Some(plan) = &d.employment_plan {
        errors.check(
            !matches!(
                pb::PlanKind::try_from(plan.kind),
                Ok(pb::PlanKind::ActivationPlan | pb::PlanKind::MultiSectoralEmploymentPlan)
            ),
            "decision.employment_plan.kind",
            "required when a plan is given",
        );
        errors.check(
            plan.reference.chars().count() > 200,
            "decision.employment_plan.reference",
            "at most 200 characters",
        );
    }
    if let Some(n) = &d.need_assessment {
        errors.check(
            n.reference.chars().count() > 200,
            "decision.need_assessment.reference",
            "at most 200 characters",
        );
    }
    if let Some(v) = &d.four_day_variant {
        errors.check(
            v.justification.chars().count() > 2000,
            "decision.four_day_variant.justification",
            "at most 2000 characters",
        );
    }
    if let Some(x) = &d.distance_exemption {
        errors.check(
            x.reason.trim().is_empty() || x.reason.chars().count() > 2000,
            "decision.distance_exemption.reason",
            "required when an exemption is given, at most 2000 characters",
        );
    }
    errors.finish()?;
    let (Some(service), Some(decision_date), Some(valid_from), Some(valid_until), Some(units)) =
        (service, decision_date, valid_from, valid_until, units)
    else {
        return Err(AppError::invalid("decision", "invalid"));
    };
    let mut recorded = d.clone();
    recorded.client_id = d.client_id.trim().to_owned();
    recorded.continues_voucher_id = d.continues_voucher_id.trim().to_owned();
    Ok(DecisionInput {
        client_id: recorded.client_id.clone(),
        service,
        decision_date,
        valid_from,
        valid_until,
        units,
        weekly_cap,
        distance_exemption: d.distance_exemption.is_some(),
        continues: Some(recorded.continues_voucher_id.clone()).filter(|c| !c.is_empty()),
        recorded,
    })
}

/// The code of why a service ended (InterruptVoucher, CancelVoucher: `reason_kind`); required.
pub fn end_reason_kind(value: i32) -> Result<EndReasonKind, AppError> {
    EndReasonKind::from_pb(value).ok_or_else(|| {
        AppError::invalid(
            "reason_kind",
            "required: why the service ended, as an EndReasonKind code \
             (END_REASON_KIND_OTHER when none fits); the change feed carries it instead of the \
             free-text reason",
        )
    })
}

/// The code of why a provider declined (DeclineVoucher: `reason_kind`); required.
pub fn decline_reason_kind(value: i32) -> Result<DeclineReasonKind, AppError> {
    DeclineReasonKind::from_pb(value).ok_or_else(|| {
        AppError::invalid(
            "reason_kind",
            "required: why the provider declined, as a DeclineReasonKind code \
             (DECLINE_REASON_KIND_OTHER when none fits); the change feed carries it instead of \
             the free-text reason",
        )
    })
}

/// Why a voucher ended or was declined, as the life cycle records it: the free text (`reason`:
/// required, at most 2000 characters) and its code (`reason_kind`, checked by `kind`), each
/// malformed one added to `errors`; both when both are fine.
pub fn reason<K>(
    errors: &mut FieldErrors,
    text: &str,
    kind: Result<K, AppError>,
) -> Option<(String, K)> {
    let text = errors.take(
        "reason",
        required_text("reason", text, 2000).map_err(AppError::describe),
    );
    let kind = errors.take("reason_kind", kind.map_err(AppError::describe));
    text.zip(kind)
}

/// [`reason`] of a change that asks for nothing else: both fields, or every malformed one.
pub fn required_reason<K>(text: &str, kind: Result<K, AppError>) -> AppResult<(String, K)> {
    let mut errors = FieldErrors::new();
    let reason = reason(&mut errors, text, kind);
    errors.finish()?;
    reason.ok_or_else(|| AppError::invalid("reason", "required"))
}

/// The decision as a provider's user sees it: service, dates, units and weekly cap; none of
/// the client's eligibility facts.
pub fn decision_for_provider(d: &pb::ServiceDecision) -> pb::ServiceDecision {
    pb::ServiceDecision {
        client_id: d.client_id.clone(),
        service_type: d.service_type,
        decision_date: d.decision_date,
        valid_from: d.valid_from,
        valid_until: d.valid_until,
        granted_units: d.granted_units,
        weekly_cap: d.weekly_cap,
        continues_voucher_id: d.continues_voucher_id.clone(),
        ..Default::default()
    }
}

/// The voucher as a provider's user sees it: the decision without eligibility facts.
pub fn provider_view(v: &pb::Voucher) -> pb::Voucher {
    let mut out = v.clone();
    out.decision = v.decision.as_ref().map(decision_for_provider);
    out
}

/// The voucher as the change feed carries it: no client personal data, no eligibility facts, no
/// free text (the codes of an end or a decline stay).
pub fn feed_view(v: &pb::Voucher) -> pb::Voucher {
    let mut out = provider_view(v);
    out.client = v.client.as_ref().map(|c| pb::ClientSummary {
        client_id: c.client_id.clone(),
        ..Default::default()
    });
    // No free text: why a service ended or a provider declined can tell of the client's health
    // or life ("asiakas joutui sairaalahoitoon"). The state and the reason's code
    // (`end_reason_kind`, `declined_reason_kind`, kept) say what happened; the reason itself is
    // read through GetVoucher (audited) by those who may see the client.
    out.end_reason.clear();
    out.declined_reason.clear();
    out
}

/// The voucher as its holder (the client, their own) sees it: everything about them — the
/// terms, state, validity, units, provider, coach, dates, the decision with what it rests on and
/// the reasons given — but not the issuing social worker's team, the county's internal
/// organisation (see the field table in `access.rs`).
pub fn holder_view(v: &pb::Voucher) -> pb::Voucher {
    let mut out = v.clone();
    out.social_worker_team.clear();
    out
}

/// The voucher as `caller` may see it: a provider's user without the decision's eligibility
/// facts; a service's account (billing invoicing it) without them and without the client's
/// name and code (what it invoices needs neither); the client their own ([`holder_view`]); the
/// county's staff all of it.
pub fn voucher_for(caller: &Caller, v: &pb::Voucher) -> pb::Voucher {
    match caller.role {
        Role::SocialWorker | Role::CountyAdmin => v.clone(),
        Role::ProviderUser => provider_view(v),
        Role::Client => holder_view(v),
        Role::Service | Role::FinanceSystem | Role::Auditor => feed_view(v),
    }
}

/// A provider a voucher's holder may choose (CompareProvidersForVoucher), from the registry's
/// search match: its nearest place of service that counts, the distance from home, the unit
/// price in force today, the largest group and the free places declared. A worker's work
/// location (SK) is named with its municipality only: its street address may be a person's
/// home.
pub fn provider_option(m: &ppb::ProviderMatch) -> pb::ProviderOption {
    let place = m.nearest_site.clone().unwrap_or_default();
    let own_site = place.kind == ppb::SiteKind::Site as i32;
    pb::ProviderOption {
        provider_id: m.provider_id.clone(),
        name: m.name.clone(),
        place_name: place.name,
        street_address: if own_site {
            place.street_address
        } else {
            String::new()
        },
        postal_code: if own_site {
            place.postal_code
        } else {
            String::new()
        },
        municipality: place.municipality,
        distance_km: m.distance_km,
        unit_price: m.unit_price,
        max_group_size: m.max_group_size,
        free_places: m.free_places,
        free_places_on: m.free_places_on,
    }
}

/// A client's own record as they see it (GetClient): all of it but the full identity code,
/// which they know (the masked one stays).
pub fn client_for_holder(mut c: pb::Client) -> pb::Client {
    c.identity_code.clear();
    c
}

/// A client as CreateClient and UpdateClient answer: without the full identity code the caller
/// has just sent (GetClient shows it to the county's staff).
pub fn client_answer(mut c: pb::Client) -> pb::Client {
    c.identity_code.clear();
    c
}

/// A client as a provider's user sees it: name and masked identity code.
pub fn client_for_provider(c: &pb::Client) -> pb::Client {
    pb::Client {
        id: c.id.clone(),
        identity_code_masked: c.identity_code_masked.clone(),
        name: c.name.clone(),
        version: c.version,
        created_at_micros: c.created_at_micros,
        updated_at_micros: c.updated_at_micros,
        ..Default::default()
    }
}

/// The registry's document kind as the rules name it (an exhaustive match: a kind added to the
/// contract without its twin does not compile); `None` when unspecified or unknown.
fn document_kind(kind: i32) -> Option<DocumentKind> {
    use ppb::DocumentKind as K;
    Some(match K::try_from(kind).ok()? {
        K::Unspecified => return None,
        K::ServiceDescription => DocumentKind::ServiceDescription,
        K::StaffForm => DocumentKind::StaffForm,
        K::SelfMonitoringPlan => DocumentKind::SelfMonitoringPlan,
        K::LiabilityInsurance => DocumentKind::LiabilityInsurance,
        K::GroupInsurance => DocumentKind::GroupInsurance,
        K::TaxCertificate => DocumentKind::TaxCertificate,
        K::PensionInsuranceCertificate => DocumentKind::PensionInsuranceCertificate,
        K::AviLicenceOrRegistration => DocumentKind::AviLicenceOrRegistration,
        K::SubcontractorStatement => DocumentKind::SubcontractorStatement,
    })
}

/// The documents of a registry answer as the rules read them (PROV-DOCS, PROV-INSURANCE); an
/// entry the registry should never send (no kind, no issue date, a bad date) is logged and
/// left out, so it counts as missing.
pub fn provider_documents(answer: &ppb::CheckProviderForServiceResponse) -> Vec<ProviderDocument> {
    let mut out = Vec::with_capacity(answer.documents.len());
    for d in &answer.documents {
        let kind = document_kind(d.kind);
        let issued_on = date("issued_on", d.issued_on.as_ref()).ok();
        let expires_on = optional_date("expires_on", d.expires_on.as_ref());
        let (Some(kind), Some(issued_on), Ok(expires_on)) = (kind, issued_on, expires_on) else {
            tracing::warn!(
                kind = d.kind,
                "the registry answered a malformed document; ignored"
            );
            continue;
        };
        out.push(ProviderDocument {
            kind,
            issued_on,
            expires_on,
        });
    }
    out
}

/// The places of service of a registry answer as PROV-DISTANCE reads them (sites and workers'
/// work locations; whether each counts is the rules' to say); one without a kind or valid
/// coordinates is left out.
pub fn provider_places(answer: &ppb::CheckProviderForServiceResponse) -> Vec<ServicePlace> {
    answer
        .places
        .iter()
        .filter_map(|site| {
            let kind = match ppb::SiteKind::try_from(site.kind).ok()? {
                ppb::SiteKind::Site => PlaceKind::Site,
                ppb::SiteKind::WorkerLocation => PlaceKind::WorkerLocation,
                ppb::SiteKind::Unspecified => return None,
            };
            let at = site.coordinates.as_ref()?;
            let coordinates = Coordinates::new(at.latitude, at.longitude).ok()?;
            Some(ServicePlace { kind, coordinates })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields an INVALID_ARGUMENT names.
    fn fields<T: std::fmt::Debug>(r: Result<T, AppError>) -> Vec<String> {
        match r {
            Err(AppError::InvalidArgument(v)) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("expected INVALID_ARGUMENT, got {other:?}"),
        }
    }

    #[test]
    fn the_feed_keeps_the_reason_codes_and_drops_the_texts() {
        let v = pb::Voucher {
            end_reason: "Asiakas joutui sairaalahoitoon.".into(),
            end_reason_kind: pb::EndReasonKind::ClientHealth as i32,
            declined_reason: "Ryhmä on täynnä.".into(),
            declined_reason_kind: pb::DeclineReasonKind::NoPlace as i32,
            ..Default::default()
        };
        let fed = feed_view(&v);
        assert!(fed.end_reason.is_empty() && fed.declined_reason.is_empty());
        assert_eq!(fed.end_reason_kind, pb::EndReasonKind::ClientHealth as i32);
        assert_eq!(
            fed.declined_reason_kind,
            pb::DeclineReasonKind::NoPlace as i32
        );
        // Idempotent: the feed shows its stored snapshots through it again.
        assert_eq!(feed_view(&fed), fed);
    }

    #[test]
    fn a_reason_needs_its_code_and_its_text() {
        assert_eq!(
            end_reason_kind(pb::EndReasonKind::ClientMoved as i32).expect("a code"),
            EndReasonKind::ClientMoved
        );
        assert_eq!(
            decline_reason_kind(pb::DeclineReasonKind::Other as i32).expect("a code"),
            DeclineReasonKind::Other
        );
        for unset_or_unknown in [0, 999] {
            assert_eq!(fields(end_reason_kind(unset_or_unknown)), ["reason_kind"]);
            assert_eq!(
                fields(decline_reason_kind(unset_or_unknown)),
                ["reason_kind"]
            );
        }
        // Whole in the status's field violation (at most 200 characters there).
        for e in [
            end_reason_kind(0),
            decline_reason_kind(0).map(|_| EndReasonKind::Other),
        ] {
            match e {
                Err(AppError::InvalidArgument(v)) => {
                    assert!(v[0].description.chars().count() <= 200, "{v:?}");
                }
                other => panic!("expected INVALID_ARGUMENT, got {other:?}"),
            }
        }
        // Both fields wrong: both told at once.
        let mut errors = FieldErrors::new();
        assert_eq!(reason(&mut errors, " ", end_reason_kind(0)), None);
        assert_eq!(fields(errors.finish()), ["reason", "reason_kind"]);
        let mut errors = FieldErrors::new();
        let given = reason(&mut errors, " Muutti ", end_reason_kind(2));
        assert_eq!(given, Some(("Muutti".into(), EndReasonKind::ClientMoved)));
        errors.finish().expect("no errors");
    }
}
