//! Registry decisions that are not rulebook rules: the approval state machine, validation of
//! input, ceiling prices from configuration, and conversions between contract and rule types.
//! The rulebook rules themselves live in `seteli_rules::provider`.

use seteli_api::providers::v1 as pb;
use seteli_platform::convert::{coordinates, date, money, service_type};
use seteli_platform::{AppError, FieldErrors};
use seteli_rules::provider::{
    DocumentKind, LegalForm, Offering, ProviderDocument, Qualification, StaffMember,
};

use crate::store::{Details, Facts};

/// Approval state of a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderState {
    /// Being filled in.
    Draft,
    /// Waiting for the county.
    Submitted,
    /// Approved.
    Approved,
    /// Not approved; may be corrected and submitted again.
    Rejected,
    /// Temporarily not approved.
    Suspended,
    /// Approval withdrawn for good.
    Revoked,
}

impl ProviderState {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Submitted => "SUBMITTED",
            Self::Approved => "APPROVED",
            Self::Rejected => "REJECTED",
            Self::Suspended => "SUSPENDED",
            Self::Revoked => "REVOKED",
        }
    }

    /// Contract value.
    pub fn to_pb(self) -> i32 {
        (match self {
            Self::Draft => pb::ProviderState::Draft,
            Self::Submitted => pb::ProviderState::Submitted,
            Self::Approved => pb::ProviderState::Approved,
            Self::Rejected => pb::ProviderState::Rejected,
            Self::Suspended => pb::ProviderState::Suspended,
            Self::Revoked => pb::ProviderState::Revoked,
        }) as i32
    }

    /// From a contract filter value; `None` for unspecified.
    pub fn from_pb(v: i32) -> Result<Option<Self>, AppError> {
        match pb::ProviderState::try_from(v) {
            Ok(pb::ProviderState::Unspecified) => Ok(None),
            Ok(s) => parse_state(s.as_str_name().trim_start_matches("PROVIDER_STATE_")).map(Some),
            Err(_) => Err(AppError::invalid("state", "unknown provider state")),
        }
    }

    /// States in which the provider's data may be edited.
    pub const EDITABLE: &'static [ProviderState] = &[
        Self::Draft,
        Self::Submitted,
        Self::Rejected,
        Self::Approved,
        Self::Suspended,
    ];
}

/// Parses a stored state.
pub fn parse_state(s: &str) -> Result<ProviderState, AppError> {
    [
        ProviderState::Draft,
        ProviderState::Submitted,
        ProviderState::Approved,
        ProviderState::Rejected,
        ProviderState::Suspended,
        ProviderState::Revoked,
    ]
    .into_iter()
    .find(|st| st.code() == s)
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown stored provider state {s:?}")))
}

/// Maps a contract enum name (`PREFIX_CODE`) to a rules type by its code.
fn by_code<T>(name: &str, prefix: &str, from_code: fn(&str) -> Option<T>) -> Option<T> {
    name.strip_prefix(prefix).and_then(from_code)
}

/// Contract legal form → rules legal form.
pub fn legal_form(v: i32) -> Option<LegalForm> {
    pb::LegalForm::try_from(v)
        .ok()
        .and_then(|l| by_code(l.as_str_name(), "LEGAL_FORM_", LegalForm::from_code))
}

/// Rules legal form → contract value.
pub fn legal_form_to_pb(l: LegalForm) -> i32 {
    pb::LegalForm::from_str_name(&format!("LEGAL_FORM_{}", l.code()))
        .map(|v| v as i32)
        .unwrap_or_default()
}

/// Contract qualification → rules qualification.
pub fn qualification(v: i32) -> Option<Qualification> {
    pb::Qualification::try_from(v)
        .ok()
        .and_then(|q| by_code(q.as_str_name(), "QUALIFICATION_", Qualification::from_code))
}

/// Rules qualification → contract value.
pub fn qualification_to_pb(q: Qualification) -> i32 {
    pb::Qualification::from_str_name(&format!("QUALIFICATION_{}", q.code()))
        .map(|v| v as i32)
        .unwrap_or_default()
}

/// Contract document kind → rules document kind.
pub fn document_kind(v: i32) -> Option<DocumentKind> {
    pb::DocumentKind::try_from(v)
        .ok()
        .and_then(|k| by_code(k.as_str_name(), "DOCUMENT_KIND_", DocumentKind::from_code))
}

/// Rules document kind → contract value.
pub fn document_kind_to_pb(k: DocumentKind) -> i32 {
    pb::DocumentKind::from_str_name(&format!("DOCUMENT_KIND_{}", k.code()))
        .map(|v| v as i32)
        .unwrap_or_default()
}

/// Stored site kind → contract value.
pub fn site_kind_from_code(s: &str) -> pb::SiteKind {
    match s {
        "WORKER_LOCATION" => pb::SiteKind::WorkerLocation,
        _ => pb::SiteKind::Site,
    }
}

/// Checks and normalises basic details; every malformed field at once.
pub fn validate_details(d: Option<&pb::ProviderDetails>) -> Result<Details, AppError> {
    let d = d.ok_or_else(|| AppError::invalid("details", "required"))?;
    let mut errors = FieldErrors::new();
    let name = d.name.trim().to_owned();
    errors.check(
        name.is_empty() || name.chars().count() > 200,
        "details.name",
        "required, at most 200 characters",
    );
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
        contact: pb::Contact {
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

/// Checks a site; returns its stored kind code.
pub fn validate_site(site: Option<&pb::Site>) -> Result<(pb::Site, &'static str), AppError> {
    let site = site.ok_or_else(|| AppError::invalid("site", "required"))?;
    let mut errors = FieldErrors::new();
    let kind = match pb::SiteKind::try_from(site.kind) {
        Ok(pb::SiteKind::Site) => Some("SITE"),
        Ok(pb::SiteKind::WorkerLocation) => Some("WORKER_LOCATION"),
        _ => None,
    };
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
    errors.take(
        "site.coordinates",
        coordinates("site.coordinates", site.coordinates.as_ref()).map_err(describe),
    );
    errors.finish()?;
    Ok((site.clone(), kind.unwrap_or("SITE")))
}

fn describe(e: AppError) -> String {
    match e {
        AppError::InvalidArgument(v) => v
            .into_iter()
            .map(|f| f.description)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// Checks an offering's shape (the rules on price and group size are checked by the rules).
pub fn validate_offering(o: Option<&pb::Offering>) -> Result<(Offering, i64), AppError> {
    let o = o.ok_or_else(|| AppError::invalid("offering", "required"))?;
    let service = service_type("offering.service_type", o.service_type)?;
    let price = money("offering.unit_price", o.unit_price.as_ref())?;
    let cents = o.unit_price.map(|m| m.cents).unwrap_or_default();
    if o.max_group_size < 0 {
        return Err(AppError::invalid(
            "offering.max_group_size",
            "must not be negative",
        ));
    }
    let size = u32::try_from(o.max_group_size).ok().filter(|s| *s > 0);
    Ok((
        Offering {
            service,
            unit_price: price,
            max_group_size: size,
        },
        cents,
    ))
}

/// Checks a staff member's shape.
pub fn validate_staff(
    s: Option<&pb::StaffMember>,
) -> Result<(pb::StaffMember, Qualification), AppError> {
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
    errors.finish()?;
    Ok((s.clone(), q.unwrap_or(Qualification::OtherField)))
}

/// Checks a document's shape.
pub fn validate_document(d: Option<&pb::Document>) -> Result<(ProviderDocument, String), AppError> {
    let d = d.ok_or_else(|| AppError::invalid("document", "required"))?;
    let mut errors = FieldErrors::new();
    let kind = document_kind(d.kind);
    errors.check(kind.is_none(), "document.kind", "required");
    let issued = errors.take(
        "document.issued_on",
        date("document.issued_on", d.issued_on.as_ref()).map_err(describe),
    );
    let expires = match &d.expires_on {
        Some(e) => errors.take(
            "document.expires_on",
            date("document.expires_on", Some(e)).map_err(describe),
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
    Ok((
        ProviderDocument {
            kind: kind.unwrap_or(DocumentKind::ServiceDescription),
            issued_on: issued.unwrap_or_default(),
            expires_on: expires,
        },
        d.file_reference.trim().to_owned(),
    ))
}

/// Checks Soteri class numbers (four digits).
pub fn validate_soteri(classes: &[i32]) -> Result<Vec<i32>, AppError> {
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

/// The approval facts of a loaded provider.
pub fn facts_of(p: &pb::Provider) -> Result<Facts, AppError> {
    let details = p.details.clone().unwrap_or_default();
    Ok(Facts {
        legal_form: legal_form(details.legal_form).unwrap_or(LegalForm::Other),
        uses_subcontractors: details.uses_subcontractors,
        documents: p
            .documents
            .iter()
            .filter_map(|d| {
                Some(ProviderDocument {
                    kind: document_kind(d.kind)?,
                    issued_on: date("", d.issued_on.as_ref()).ok()?,
                    expires_on: d.expires_on.as_ref().and_then(|e| date("", Some(e)).ok()),
                })
            })
            .collect(),
        staff: p
            .staff
            .iter()
            .filter_map(|s| {
                Some(StaffMember {
                    qualification: qualification(s.qualification)?,
                    register_number: Some(s.register_number.clone()).filter(|r| !r.is_empty()),
                })
            })
            .collect(),
        offerings: p
            .offerings
            .iter()
            .filter_map(|o| {
                Some(Offering {
                    service: service_type("", o.service_type).ok()?,
                    unit_price: seteli_rules::money::from_cents(o.unit_price?.cents),
                    max_group_size: u32::try_from(o.max_group_size).ok().filter(|s| *s > 0),
                })
            })
            .collect(),
        soteri_classes: p
            .soteri_classes
            .iter()
            .filter_map(|c| u32::try_from(*c).ok())
            .collect(),
    })
}

pub use seteli_rules::prices::CeilingPrices;

/// A latitude/longitude box around a point, for the SQL prefilter of a radius search.
#[derive(Debug, Clone, Copy)]
pub struct BoundingBox {
    /// South edge.
    pub min_lat: f64,
    /// North edge.
    pub max_lat: f64,
    /// West edge.
    pub min_lon: f64,
    /// East edge.
    pub max_lon: f64,
}

impl BoundingBox {
    /// A box that surely contains every point within `radius_km` of (`lat`, `lon`).
    pub fn around(lat: f64, lon: f64, radius_km: f64) -> Self {
        // One degree of latitude is at least 110.5 km; shrink it a little to stay generous.
        let dlat = radius_km / 110.0;
        let cos = lat.to_radians().cos().abs().max(0.01);
        let dlon = (radius_km / (111.0 * cos)).min(180.0);
        Self {
            min_lat: lat - dlat,
            max_lat: lat + dlat,
            min_lon: lon - dlon,
            max_lon: lon + dlon,
        }
    }
}
