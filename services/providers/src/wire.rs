//! Protobuf ↔ model: requests checked into model types (every malformed field named at once),
//! the views of a provider a caller gets, and the ceiling prices the vouchers service answers.
//!
//! Enums are paired variant by variant, never through their names: the registry's own with
//! `seteli_platform::pb_enum!`, the rulebook's (foreign to this crate, so the macro cannot
//! implement `PbEnum` for them) with a local `rules_enum!`, two exhaustive matches each.

use chrono::NaiveDate;
use seteli_api::catalogue::v1 as cpb;
use seteli_api::common::v1 as common;
use seteli_api::providers::v1 as pb;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::convert::{PbEnum, coordinates, date, money, service_type, to_date, to_money};
use seteli_platform::{AppError, FieldErrors};
use seteli_rules::ServiceType;
use seteli_rules::geo::{Coordinates, DEFAULT_DISTANCE_LIMIT_KM};
use seteli_rules::prices::CeilingPrices;

use crate::gazetteer::{Gazetteer, Place, is_digits};
use crate::model::{
    Candidate, Contact, Detail, Details, Document, DocumentKind, FreePlaces, HistoryEntry,
    LegalForm, Offering, Provider, ProviderState, Qualification, Site, SiteKind, StaffMember,
};

seteli_platform::pb_enum!(ProviderState, pb::ProviderState {
    Draft => Draft,
    Submitted => Submitted,
    Approved => Approved,
    Rejected => Rejected,
    Suspended => Suspended,
    Revoked => Revoked,
    Discarded => Discarded,
});

seteli_platform::pb_enum!(SiteKind, pb::SiteKind {
    Site => Site,
    WorkerLocation => WorkerLocation,
});

seteli_platform::pb_enum!(fn legal_form_to_pb, fn legal_form: LegalForm, pb::LegalForm {
    Company => Company,
    Association => Association,
    Foundation => Foundation,
    Cooperative => Cooperative,
    PublicBody => PublicBody,
    Other => Other,
});

seteli_platform::pb_enum!(fn qualification_to_pb, fn qualification: Qualification, pb::Qualification {
    Sosionomi => Sosionomi,
    SocialEducator => SocialEducator,
    SocialInstructor => SocialInstructor,
    SocialWorker => SocialWorker,
    OtherSocialScienceDegree => OtherSocialScienceDegree,
    CommunityPedagogueAviRegistered => CommunityPedagogueAviRegistered,
    CommunityPedagogue => CommunityPedagogue,
    UasSocialOrHealth => UasSocialOrHealth,
    CollegeSocialOrHealth => CollegeSocialOrHealth,
    VocationalMentalHealthSpecialist => VocationalMentalHealthSpecialist,
    VocationalNeuropsychiatricCoach => VocationalNeuropsychiatricCoach,
    WorkGuidance => WorkGuidance,
    OtherField => OtherField,
});

seteli_platform::pb_enum!(fn document_kind_to_pb, fn document_kind: DocumentKind, pb::DocumentKind {
    ServiceDescription => ServiceDescription,
    StaffForm => StaffForm,
    SelfMonitoringPlan => SelfMonitoringPlan,
    LiabilityInsurance => LiabilityInsurance,
    GroupInsurance => GroupInsurance,
    TaxCertificate => TaxCertificate,
    PensionInsuranceCertificate => PensionInsuranceCertificate,
    AviLicenceOrRegistration => AviLicenceOrRegistration,
    SubcontractorStatement => SubcontractorStatement,
});

/// Checks and normalises a provider's basic details.
pub fn details(d: Option<&pb::ProviderDetails>) -> Result<Details, AppError> {
    let d = d.ok_or_else(|| AppError::invalid("details", "required"))?;
    let mut errors = FieldErrors::new();
    let name = errors.text("details.name", &d.name, 200);
    let business_id = d.business_id.trim().to_owned();
    errors.take(
        "details.business_id",
        seteli_rules::ids::validate_y_tunnus(&business_id),
    );
    let legal = legal_form(d.legal_form);
    errors.check(legal.is_none(), "details.legal_form", "required");
    let contact = d.contact.clone().unwrap_or_default();
    errors.check(
        contact.name.trim().is_empty(),
        "details.contact.name",
        "required",
    );
    let email = contact.email.trim();
    errors.check(
        !(email.contains('@')
            && !email.starts_with('@')
            && !email.ends_with('@')
            && !email.contains(' ')),
        "details.contact.email",
        "must be an e-mail address",
    );
    let iban = errors.take("details.iban", seteli_rules::ids::validate_iban(&d.iban));
    let bic = d.bic.trim().to_ascii_uppercase();
    errors.take("details.bic", seteli_rules::ids::validate_bic(&bic));
    let einvoice = d.einvoice_address.trim().to_owned();
    if !einvoice.is_empty() {
        errors.take(
            "details.einvoice_address",
            seteli_rules::ids::validate_ovt(&einvoice),
        );
    }
    errors.check(
        d.supplier_number.chars().count() > 50,
        "details.supplier_number",
        "at most 50 characters",
    );
    errors.finish()?;
    Ok(Details {
        name,
        business_id,
        legal_form: legal.unwrap_or(LegalForm::Other),
        contact: Contact {
            name: contact.name.trim().to_owned(),
            email: email.to_owned(),
            phone: contact.phone.trim().to_owned(),
            postal_address: contact.postal_address.trim().to_owned(),
        },
        iban: iban.unwrap_or_default(),
        bic,
        einvoice_address: einvoice,
        supplier_number: d.supplier_number.trim().to_owned(),
        uses_subcontractors: d.uses_subcontractors,
    })
}

/// The business id ListProviders filters by: empty for none, else a checked Y-tunnus.
pub fn business_id_filter(given: &str) -> Result<String, AppError> {
    let business_id = given.trim();
    if !business_id.is_empty() {
        seteli_rules::ids::validate_y_tunnus(business_id)
            .map_err(|e| AppError::invalid("business_id", e.to_string()))?;
    }
    Ok(business_id.to_owned())
}

/// Checks a new site (its fields are stored as given).
pub fn site(site: Option<&pb::Site>) -> Result<Site, AppError> {
    let site = site.ok_or_else(|| AppError::invalid("site", "required"))?;
    let mut errors = FieldErrors::new();
    let kind = SiteKind::from_pb(site.kind);
    errors.check(kind.is_none(), "site.kind", "required");
    errors.check(site.name.trim().is_empty(), "site.name", "required");
    errors.check(
        !(site.postal_code.len() == 5 && site.postal_code.bytes().all(|b| b.is_ascii_digit())),
        "site.postal_code",
        "five digits",
    );
    errors.check(
        site.municipality.trim().is_empty(),
        "site.municipality",
        "required",
    );
    let at = errors.take(
        "site.coordinates",
        coordinates("site.coordinates", site.coordinates.as_ref()).map_err(AppError::describe),
    );
    errors.finish()?;
    let at = at.ok_or_else(|| AppError::invalid("site.coordinates", "required"))?;
    Ok(Site {
        id: String::new(),
        kind: kind.unwrap_or(SiteKind::Site),
        name: site.name.clone(),
        street_address: site.street_address.clone(),
        postal_code: site.postal_code.clone(),
        municipality: site.municipality.clone(),
        latitude: at.lat,
        longitude: at.lon,
    })
}

/// Checks an offering's shape (its price and group size are the rules' to judge).
pub fn offering(o: Option<&pb::Offering>, today: NaiveDate) -> Result<Offering, AppError> {
    let o = o.ok_or_else(|| AppError::invalid("offering", "required"))?;
    let service = service_type("offering.service_type", o.service_type)?;
    money("offering.unit_price", o.unit_price.as_ref())?;
    if o.max_group_size < 0 {
        return Err(AppError::invalid(
            "offering.max_group_size",
            "must not be negative",
        ));
    }
    Ok(Offering {
        service,
        unit_price_cents: o.unit_price.map(|m| m.cents).unwrap_or_default(),
        max_group_size: u32::try_from(o.max_group_size).ok().filter(|s| *s > 0),
        prices: Vec::new(),
        free_places: free_places(o.free_places, today)?,
    })
}

/// The free places an offering declares, as of `today` (the day they are declared: a
/// `free_places_on` in the request is ignored); `None` when unset. `INVALID_ARGUMENT` outside
/// 0–[`FreePlaces::MAX`].
pub fn free_places(given: Option<i32>, today: NaiveDate) -> Result<Option<FreePlaces>, AppError> {
    let Some(n) = given else {
        return Ok(None);
    };
    let count = u32::try_from(n)
        .ok()
        .filter(|n| *n <= FreePlaces::MAX)
        .ok_or_else(|| {
            AppError::invalid(
                "offering.free_places",
                format!(
                    "{n} free places: declare between 0 and {} (leave it unset when not declared)",
                    FreePlaces::MAX
                ),
            )
        })?;
    Ok(Some(FreePlaces {
        count,
        declared_on: today,
    }))
}

/// The free places as the contract shows them: the count and its day, both unset when none
/// were declared.
pub fn free_places_view(f: Option<FreePlaces>) -> (Option<i32>, Option<common::Date>) {
    match f {
        Some(f) => (i32::try_from(f.count).ok(), Some(to_date(f.declared_on))),
        None => (None, None),
    }
}

/// The first day a price being set is in force (SetOffering's `price_effective_from`): `today`
/// when unset; never after `today` (`INVALID_ARGUMENT`: the price in force today is what
/// searches and the approval rules read, and nothing would move a later one into force).
pub fn price_effective_from(
    d: Option<&common::Date>,
    today: NaiveDate,
) -> Result<NaiveDate, AppError> {
    let Some(d) = d else {
        return Ok(today);
    };
    let on = date("price_effective_from", Some(d))?;
    if on > today {
        return Err(AppError::invalid(
            "price_effective_from",
            "a price takes effect today or earlier: set it on the day it takes effect",
        ));
    }
    Ok(on)
}

/// Checks and trims a new staff member.
pub fn staff_member(s: Option<&pb::StaffMember>) -> Result<StaffMember, AppError> {
    let s = s.ok_or_else(|| AppError::invalid("staff_member", "required"))?;
    let mut errors = FieldErrors::new();
    errors.check(
        s.name.trim().is_empty() || s.name.chars().count() > 200,
        "staff_member.name",
        "required, at most 200 characters",
    );
    let q = qualification(s.qualification);
    errors.check(q.is_none(), "staff_member.qualification", "required");
    errors.check(
        s.register_number.chars().count() > 50,
        "staff_member.register_number",
        "at most 50 characters",
    );
    // PROV-STAFF-SOCIAL: the county accepts only an other social-science degree case by case.
    errors.check(
        s.degree_accepted_by_county && q.is_some_and(|q| !q.needs_county_acceptance()),
        "staff_member.degree_accepted_by_county",
        "only for QUALIFICATION_OTHER_SOCIAL_SCIENCE_DEGREE",
    );
    errors.finish()?;
    Ok(StaffMember {
        id: String::new(),
        name: s.name.trim().to_owned(),
        role: s.role.trim().to_owned(),
        qualification: q.unwrap_or(Qualification::OtherField),
        register_number: s.register_number.trim().to_owned(),
        degree_accepted_by_county: s.degree_accepted_by_county,
        does_coaching: s.does_coaching,
    })
}

/// Checks a new document.
pub fn document(d: Option<&pb::Document>) -> Result<Document, AppError> {
    let d = d.ok_or_else(|| AppError::invalid("document", "required"))?;
    let mut errors = FieldErrors::new();
    let kind = document_kind(d.kind);
    errors.check(kind.is_none(), "document.kind", "required");
    let issued = errors.take(
        "document.issued_on",
        date("document.issued_on", d.issued_on.as_ref()).map_err(AppError::describe),
    );
    let expires = match &d.expires_on {
        Some(e) => errors.take(
            "document.expires_on",
            date("document.expires_on", Some(e)).map_err(AppError::describe),
        ),
        None => None,
    };
    if let (Some(i), Some(e)) = (issued, expires) {
        errors.check(e < i, "document.expires_on", "before the issue date");
    }
    errors.check(
        d.file_reference.trim().is_empty(),
        "document.file_reference",
        "required",
    );
    errors.finish()?;
    Ok(Document {
        id: String::new(),
        kind: kind.unwrap_or(DocumentKind::ServiceDescription),
        issued_on: issued.unwrap_or_default(),
        expires_on: expires,
        file_reference: d.file_reference.trim().to_owned(),
    })
}

/// Checks Soteri class numbers (four digits); sorted, without duplicates.
pub fn soteri_classes(classes: &[i32]) -> Result<Vec<i32>, AppError> {
    if let Some(bad) = classes.iter().find(|c| !(1000..=9999).contains(*c)) {
        return Err(AppError::invalid(
            "soteri_classes",
            format!("{bad} is not a four-digit Soteri service class"),
        ));
    }
    let mut v = classes.to_vec();
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

/// The non-blank reasons given in `field`; at least one is required.
pub fn reasons(field: &str, given: &[String]) -> Result<Vec<String>, AppError> {
    let reasons: Vec<String> = given
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    if reasons.is_empty() {
        return Err(AppError::invalid(field, "at least one reason is required"));
    }
    Ok(reasons)
}

/// The id of a child row to remove (`field` names it), trimmed; required.
pub fn child_key(field: &str, key: &str) -> Result<String, AppError> {
    let key = key.trim();
    if key.is_empty() {
        return Err(AppError::invalid(field, "required"));
    }
    Ok(key.to_owned())
}

/// A service asked about at a point: `service_type` and `near`.
pub fn service_near(
    service: i32,
    near: Option<&common::Coordinates>,
) -> Result<(ServiceType, Coordinates), AppError> {
    Ok((
        service_type("service_type", service)?,
        coordinates("near", near)?,
    ))
}

/// A checked SearchProviders request.
#[derive(Debug, Clone, Copy)]
pub struct SearchQuery {
    /// The service.
    pub service: ServiceType,
    /// Where the client is.
    pub near: Coordinates,
    /// How far to look, km (0 asks for the PROV-DISTANCE limit).
    pub radius_km: f64,
    /// How many matches at most.
    pub limit: usize,
}

/// Checks a SearchProviders request.
pub fn search_query(req: &pb::SearchProvidersRequest) -> Result<SearchQuery, AppError> {
    let (service, near) = service_near(req.service_type, req.near.as_ref())?;
    let radius_km = if req.radius_km == 0.0 {
        DEFAULT_DISTANCE_LIMIT_KM
    } else {
        req.radius_km
    };
    if !(radius_km.is_finite() && radius_km > 0.0 && radius_km <= 500.0) {
        return Err(AppError::invalid("radius_km", "between 0 and 500 km"));
    }
    let limit = seteli_platform::paging::page_size(req.page_size, 50, 200)?;
    Ok(SearchQuery {
        service,
        near,
        radius_km,
        limit: usize::try_from(limit).unwrap_or(50),
    })
}

/// A place of service as the contract shows it.
pub fn site_view(s: &Site) -> pb::Site {
    pb::Site {
        id: s.id.clone(),
        kind: s.kind.to_pb(),
        name: s.name.clone(),
        street_address: s.street_address.clone(),
        postal_code: s.postal_code.clone(),
        municipality: s.municipality.clone(),
        coordinates: Some(common::Coordinates {
            latitude: s.latitude,
            longitude: s.longitude,
        }),
    }
}

/// The provider as a caller entitled to `detail` sees it: staff (personal data) and
/// documents only with [`Detail::Full`].
pub fn provider_view(p: &Provider, detail: Detail) -> pb::Provider {
    let full = detail == Detail::Full;
    let d = &p.details;
    // Another provider's user (Detail::Public) gets no bank details, contact person, supplier
    // number or e-invoice address (access::detail).
    let private = |value: &String| if full { value.clone() } else { String::new() };
    pb::Provider {
        id: p.id.clone(),
        details: Some(pb::ProviderDetails {
            name: d.name.clone(),
            business_id: d.business_id.clone(),
            legal_form: legal_form_to_pb(d.legal_form),
            contact: full.then(|| pb::Contact {
                name: d.contact.name.clone(),
                email: d.contact.email.clone(),
                phone: d.contact.phone.clone(),
                postal_address: d.contact.postal_address.clone(),
            }),
            iban: private(&d.iban),
            bic: private(&d.bic),
            einvoice_address: private(&d.einvoice_address),
            supplier_number: private(&d.supplier_number),
            uses_subcontractors: d.uses_subcontractors,
        }),
        pending_bank_details: p.pending_bank.as_ref().filter(|_| full).map(|b| {
            pb::BankDetailsChange {
                iban: b.iban.clone(),
                bic: b.bic.clone(),
                requested_at_micros: b.requested_at_micros,
                requested_by: b.requested_by.clone(),
            }
        }),
        state: p.state.to_pb(),
        state_reasons: p.state_reasons.clone(),
        version: p.version,
        created_at_micros: p.created_at_micros,
        updated_at_micros: p.updated_at_micros,
        sites: p.sites.iter().map(site_view).collect(),
        offerings: p
            .offerings
            .iter()
            .map(|o| pb::Offering {
                service_type: o.service.to_pb(),
                unit_price: Some(to_money(o.unit_price_cents)),
                max_group_size: o
                    .max_group_size
                    .and_then(|n| i32::try_from(n).ok())
                    .unwrap_or_default(),
                price_history: o
                    .prices
                    .iter()
                    .map(|p| pb::OfferingPrice {
                        unit_price: Some(to_money(p.unit_price_cents)),
                        effective_from: Some(to_date(p.effective_from)),
                        set_at_micros: p.set_at_micros,
                    })
                    .collect(),
                free_places: free_places_view(o.free_places).0,
                free_places_on: free_places_view(o.free_places).1,
            })
            .collect(),
        soteri_classes: p.soteri_classes.clone(),
        staff: if full {
            p.staff
                .iter()
                .map(|s| pb::StaffMember {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    role: s.role.clone(),
                    qualification: qualification_to_pb(s.qualification),
                    register_number: s.register_number.clone(),
                    degree_accepted_by_county: s.degree_accepted_by_county,
                    does_coaching: s.does_coaching,
                })
                .collect()
        } else {
            Vec::new()
        },
        documents: if full {
            p.documents
                .iter()
                .map(|doc| pb::Document {
                    id: doc.id.clone(),
                    kind: document_kind_to_pb(doc.kind),
                    issued_on: Some(to_date(doc.issued_on)),
                    expires_on: doc.expires_on.map(to_date),
                    file_reference: doc.file_reference.clone(),
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// The provider as the registry's change feed carries it (ListProviderChanges): what the
/// services following the registry decide by — its name and public details, approval state,
/// offerings with their prices and group sizes, and version — and nothing else: no contact,
/// bank details, sites, staff, documents or free-text reasons, nor the free places declared (no
/// follower decides by them).
pub fn feed_view(p: &Provider) -> pb::Provider {
    let public = provider_view(p, Detail::Public);
    pb::Provider {
        id: public.id,
        details: public.details,
        state: public.state,
        offerings: public
            .offerings
            .into_iter()
            .map(|o| pb::Offering {
                free_places: None,
                free_places_on: None,
                ..o
            })
            .collect(),
        version: public.version,
        ..Default::default()
    }
}

/// A distance in kilometres rounded to the metre.
fn to_the_metre(km: f64) -> f64 {
    (km * 1000.0).round() / 1000.0
}

/// The largest group the candidate's offering takes (0: not limited).
fn largest_group(c: &Candidate) -> i32 {
    c.max_group_size
        .and_then(|n| i32::try_from(n).ok())
        .unwrap_or_default()
}

/// A search match `distance_km` away (shown to the metre).
pub fn match_view(distance_km: f64, c: &Candidate) -> pb::ProviderMatch {
    let (free_places, free_places_on) = free_places_view(c.free_places);
    pb::ProviderMatch {
        provider_id: c.provider_id.clone(),
        name: c.name.clone(),
        nearest_site: Some(site_view(&c.site)),
        distance_km: to_the_metre(distance_km),
        unit_price: Some(to_money(c.unit_price_cents)),
        max_group_size: largest_group(c),
        free_places,
        free_places_on,
    }
}

/// A checked public comparison (CompareProviders): the service, the place compared from and
/// how many providers at most.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The service.
    pub service: ServiceType,
    /// The municipality or postal code area whose centre distances are measured from.
    pub place: Place,
    /// Most providers answered.
    pub limit: usize,
}

/// Checks a CompareProviders request against the gazetteer: a service, and exactly one of a
/// municipality (Finnish name in any case, or its three-digit code) and a five-digit postal
/// code (`INVALID_ARGUMENT` naming every malformed field); a place the gazetteer does not know
/// is `NOT_FOUND`.
pub fn comparison(
    req: &cpb::CompareProvidersRequest,
    places: &Gazetteer,
) -> Result<Comparison, AppError> {
    let mut errors = FieldErrors::new();
    let service = errors.take(
        "service_type",
        service_type("service_type", req.service_type).map_err(AppError::describe),
    );
    let limit = errors.take(
        "page_size",
        seteli_platform::paging::page_size(req.page_size, 50, 200).map_err(AppError::describe),
    );
    let (municipality, postal_code) = (req.municipality.trim(), req.postal_code.trim());
    match (municipality.is_empty(), postal_code.is_empty()) {
        (true, true) => errors.add(
            "municipality",
            "give a municipality (name or three-digit code) or a postal code, one of them",
        ),
        (false, false) => errors.add(
            "postal_code",
            "give a municipality or a postal code, not both",
        ),
        (true, false) if !is_digits(postal_code, 5) => {
            errors.add("postal_code", "a postal code is five digits, e.g. 70100")
        }
        _ => {}
    }
    errors.finish()?;
    let place = if postal_code.is_empty() {
        places
            .municipality(municipality)
            .ok_or_else(|| AppError::NotFound(format!("municipality {municipality}")))?
    } else {
        places
            .postal_code(postal_code)
            .ok_or_else(|| AppError::NotFound(format!("postal code {postal_code}")))?
    };
    Ok(Comparison {
        service: service.unwrap_or(ServiceType::KttIndividual),
        place: place.clone(),
        limit: limit.and_then(|n| usize::try_from(n).ok()).unwrap_or(50),
    })
}

/// The place a comparison measured from, as the contract shows it.
pub fn compared_place(p: &Place) -> cpb::ComparedPlace {
    cpb::ComparedPlace {
        name: p.display_name(),
        municipality_code: p.municipality_code.clone(),
        postal_code: match p.kind {
            crate::gazetteer::PlaceKind::PostalCode => p.code.clone(),
            crate::gazetteer::PlaceKind::Municipality => String::new(),
        },
        centre: Some(common::Coordinates {
            latitude: p.centre.lat,
            longitude: p.centre.lon,
        }),
    }
}

/// A provider in the public comparison, `distance_km` from the place's centre (to the metre):
/// its name, its nearest own site's name and address, the unit price in force today, the largest
/// group and the free places declared. Nothing of a person.
pub fn compared_provider(distance_km: f64, c: &Candidate) -> cpb::ComparedProvider {
    let (free_places, free_places_on) = free_places_view(c.free_places);
    cpb::ComparedProvider {
        provider_id: c.provider_id.clone(),
        name: c.name.clone(),
        site_name: c.site.name.clone(),
        street_address: c.site.street_address.clone(),
        postal_code: c.site.postal_code.clone(),
        municipality: c.site.municipality.clone(),
        distance_km: to_the_metre(distance_km),
        unit_price: Some(to_money(c.unit_price_cents)),
        max_group_size: largest_group(c),
        free_places,
        free_places_on,
    }
}

/// Whether `p` may deliver a service it offers as `offering`, its nearest place of service
/// that counts `nearest_km` away (`-1` when none does), with the facts a choice is checked
/// against: its places of service and (with `documents`, see
/// `access::sees_document_dates`) its documents' kinds and dates.
pub fn check_view(
    p: &Provider,
    offering: Option<&Offering>,
    nearest_km: Option<f64>,
    documents: bool,
) -> pb::CheckProviderForServiceResponse {
    let documents = if documents {
        p.documents
            .iter()
            .map(|doc| pb::DocumentValidity {
                kind: document_kind_to_pb(doc.kind),
                issued_on: Some(to_date(doc.issued_on)),
                expires_on: doc.expires_on.map(to_date),
            })
            .collect()
    } else {
        Vec::new()
    };
    pb::CheckProviderForServiceResponse {
        approved: p.state == ProviderState::Approved,
        offers_service: offering.is_some(),
        unit_price: offering.map(|o| to_money(o.unit_price_cents)),
        nearest_distance_km: nearest_km.unwrap_or(-1.0),
        name: p.details.name.clone(),
        uses_subcontractors: p.details.uses_subcontractors,
        documents,
        places: p.sites.iter().map(site_view).collect(),
    }
}

/// One history entry as the contract shows it.
pub fn history_view(e: &HistoryEntry) -> pb::HistoryEntry {
    pb::HistoryEntry {
        occurred_at_micros: e.stamp.at_micros,
        actor: Some(common::Actor {
            subject: e.stamp.subject.clone(),
            role: e.stamp.role.clone(),
            organisation: e.stamp.organisation.clone(),
        }),
        action: e.stamp.action.clone(),
        summary: e.summary.clone(),
        request_id: e.stamp.request_id.clone(),
    }
}

/// The ceiling prices of a vouchers service answer; a malformed entry is logged and ignored.
pub fn ceiling_prices(answer: vpb::ListCeilingPricesResponse) -> CeilingPrices {
    let mut entries = Vec::with_capacity(answer.ceiling_prices.len());
    for p in answer.ceiling_prices {
        let (Ok(service), Ok(from), Some(price)) = (
            service_type("service_type", p.service_type),
            date("effective_from", p.effective_from.as_ref()),
            p.unit_price,
        ) else {
            tracing::warn!(
                id = p.id,
                "vouchers answered a malformed ceiling price; ignored"
            );
            continue;
        };
        entries.push((service, from, seteli_rules::money::from_cents(price.cents)));
    }
    CeilingPrices::from_entries(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rulebook_enums_round_trip_and_unspecified_is_none() {
        for l in LegalForm::ALL {
            assert_eq!(legal_form(legal_form_to_pb(l)), Some(l));
        }
        for q in Qualification::ALL {
            assert_eq!(qualification(qualification_to_pb(q)), Some(q));
        }
        for k in DocumentKind::ALL {
            assert_eq!(document_kind(document_kind_to_pb(k)), Some(k));
        }
        assert_eq!(legal_form(0), None);
        assert_eq!(qualification(999), None);
        assert_eq!(
            legal_form_to_pb(LegalForm::PublicBody),
            pb::LegalForm::PublicBody as i32
        );
    }

    #[test]
    fn registry_enums_round_trip() {
        for s in ProviderState::ALL {
            assert_eq!(ProviderState::from_pb(s.to_pb()), Some(s));
        }
        assert_eq!(ProviderState::optional("state", 0).ok(), Some(None));
        assert!(ProviderState::optional("state", 99).is_err());
        assert_eq!(
            SiteKind::from_pb(pb::SiteKind::WorkerLocation as i32),
            Some(SiteKind::WorkerLocation)
        );
    }
}
