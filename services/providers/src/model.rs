//! The registry's own types: a provider as it is stored, its approval states and the table of
//! changes between them, and what the approval rules of `seteli_rules::provider` read from it.
//!
//! This module is a leaf: it knows neither protobuf (`wire.rs`) nor SQL (`store.rs`). The
//! rulebook's enums (legal form, qualification, document kind) are used as they are.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use seteli_rules::ServiceType;
use seteli_rules::geo::{Coordinates, PlaceKind, ServicePlace};
pub use seteli_rules::provider::{DocumentKind, LegalForm, Qualification};
use seteli_rules::provider::{
    Offering as RuleOffering, ProviderDocument, StaffMember as RuleStaff, StaffRecord,
};

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
    /// A draft given up before it was submitted: its business id is free again.
    Discarded,
}

impl ProviderState {
    /// Every state.
    pub const ALL: [ProviderState; 7] = [
        Self::Draft,
        Self::Submitted,
        Self::Approved,
        Self::Rejected,
        Self::Suspended,
        Self::Revoked,
        Self::Discarded,
    ];

    /// States in which the provider's data may be edited (all but REVOKED and DISCARDED).
    pub const EDITABLE: &'static [ProviderState] = &[
        Self::Draft,
        Self::Submitted,
        Self::Rejected,
        Self::Approved,
        Self::Suspended,
    ];

    /// The stored code, e.g. `DRAFT`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Submitted => "SUBMITTED",
            Self::Approved => "APPROVED",
            Self::Rejected => "REJECTED",
            Self::Suspended => "SUSPENDED",
            Self::Revoked => "REVOKED",
            Self::Discarded => "DISCARDED",
        }
    }

    /// The state of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A change of approval state, as the county or the provider asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    /// The provider (or the county) submits it for approval.
    Submit,
    /// The county approves it.
    Approve,
    /// The county rejects it, with reasons.
    Reject,
    /// The county suspends an approved provider, with a reason.
    Suspend,
    /// The county lifts a suspension.
    Resume,
    /// The county withdraws the approval for good, with a reason.
    Revoke,
    /// Whoever may edit a draft gives it up before it is submitted.
    Discard,
}

/// One row of the approval state table.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    /// The states the change starts from.
    pub from: &'static [ProviderState],
    /// The state it leads to.
    pub to: ProviderState,
    /// Whether every approval rule must hold first.
    pub checks_rules: bool,
}

impl StateChange {
    /// The state table: DRAFT/REJECTED → SUBMITTED → APPROVED/REJECTED, APPROVED ↔ SUSPENDED,
    /// APPROVED/SUSPENDED → REVOKED, DRAFT → DISCARDED; entering SUBMITTED or APPROVED checks
    /// every approval rule.
    pub const fn transition(self) -> Transition {
        use ProviderState::{Approved, Discarded, Draft, Rejected, Revoked, Submitted, Suspended};
        let (from, to, checks_rules): (&'static [ProviderState], _, _) = match self {
            Self::Submit => (&[Draft, Rejected], Submitted, true),
            Self::Approve => (&[Submitted], Approved, true),
            Self::Reject => (&[Submitted], Rejected, false),
            Self::Suspend => (&[Approved], Suspended, false),
            Self::Resume => (&[Suspended], Approved, true),
            Self::Revoke => (&[Approved, Suspended], Revoked, false),
            Self::Discard => (&[Draft], Discarded, false),
        };
        Transition {
            from,
            to,
            checks_rules,
        }
    }
}

/// Whether a place of service is a site of the provider's own or a worker's work location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// A site (toimipiste).
    Site,
    /// Where an SK provider's worker works (counts for SK distances only).
    WorkerLocation,
}

impl SiteKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Site => "SITE",
            Self::WorkerLocation => "WORKER_LOCATION",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Site, Self::WorkerLocation]
            .into_iter()
            .find(|k| k.code() == code)
    }

    /// The place kind PROV-DISTANCE reads (whether it counts is the rules' to say:
    /// `seteli_rules::geo::PlaceKind::counts_for`).
    pub fn place_kind(self) -> PlaceKind {
        match self {
            Self::Site => PlaceKind::Site,
            Self::WorkerLocation => PlaceKind::WorkerLocation,
        }
    }
}

/// The provider's contact person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number.
    pub phone: String,
    /// Postal address.
    pub postal_address: String,
}

/// A provider's basic details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    /// Name.
    pub name: String,
    /// Y-tunnus.
    pub business_id: String,
    /// Legal form.
    pub legal_form: LegalForm,
    /// Contact person.
    pub contact: Contact,
    /// Normalised IBAN.
    pub iban: String,
    /// BIC.
    pub bic: String,
    /// OVT e-invoice address, or empty.
    pub einvoice_address: String,
    /// The county's supplier number, or empty.
    pub supplier_number: String,
    /// Whether the provider uses subcontractors.
    pub uses_subcontractors: bool,
}

/// A place of service. `id` is empty until the site is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Id.
    pub id: String,
    /// Site or worker location.
    pub kind: SiteKind,
    /// Name.
    pub name: String,
    /// Street address.
    pub street_address: String,
    /// Postal code.
    pub postal_code: String,
    /// Municipality.
    pub municipality: String,
    /// WGS84 latitude.
    pub latitude: f64,
    /// WGS84 longitude.
    pub longitude: f64,
}

impl Site {
    /// Its position, when the stored coordinates are valid.
    pub fn point(&self) -> Option<Coordinates> {
        Coordinates::new(self.latitude, self.longitude).ok()
    }

    /// The place of service as PROV-DISTANCE reads it, when the stored coordinates are valid.
    pub fn place(&self) -> Option<ServicePlace> {
        self.point().map(|coordinates| ServicePlace {
            kind: self.kind.place_kind(),
            coordinates,
        })
    }
}

/// A service offered at the provider's own unit price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offering {
    /// The service.
    pub service: ServiceType,
    /// Unit price in cents: the one in force today (the latest of [`Offering::prices`]).
    pub unit_price_cents: i64,
    /// Largest group, for group services.
    pub max_group_size: Option<u32>,
    /// The price's history, oldest first (PROV-PRICE); empty on an offering being set.
    pub prices: Vec<OfferingPrice>,
    /// The free places the provider declared for the service, and when; `None`: not declared.
    pub free_places: Option<FreePlaces>,
}

/// Free places a provider declared for a service it offers (vapaat paikat): shown to those
/// comparing providers, never decided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreePlaces {
    /// How many, 0–[`FreePlaces::MAX`].
    pub count: u32,
    /// The day they were declared (SetOffering's day).
    pub declared_on: NaiveDate,
}

impl FreePlaces {
    /// The most free places a provider may declare for one service.
    pub const MAX: u32 = 999;
}

/// One price of an offering and the first day it is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferingPrice {
    /// The first day the price is in force.
    pub effective_from: NaiveDate,
    /// Unit price in cents.
    pub unit_price_cents: i64,
    /// When it was set, microseconds since the Unix epoch, UTC (0: before prices had dates).
    pub set_at_micros: i64,
}

impl Offering {
    /// The unit price in euros.
    pub fn unit_price(&self) -> Decimal {
        seteli_rules::money::from_cents(self.unit_price_cents)
    }

    /// The offering as the approval rules read it.
    pub fn rule(&self) -> RuleOffering {
        RuleOffering {
            service: self.service,
            unit_price: self.unit_price(),
            max_group_size: self.max_group_size,
        }
    }
}

/// A member of the provider's staff (personal data). `id` is empty until stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role or title at the provider.
    pub role: String,
    /// Qualification.
    pub qualification: Qualification,
    /// Professional register number (JulkiSuosikki), or empty.
    pub register_number: String,
    /// PROV-STAFF-SOCIAL: the county accepted the member's other social-science degree.
    pub degree_accepted_by_county: bool,
    /// PROV-STAFF-COACH: whether the member does coaching client work; `None` when not stated
    /// (the rules presume it from the qualification).
    pub does_coaching: Option<bool>,
}

impl StaffMember {
    /// The member as the staff rules read it: what is not stated is presumed as
    /// `seteli_rules::provider::StaffRecord::from` presumes it.
    pub fn rule(&self) -> StaffRecord {
        let presumed = StaffRecord::from(&RuleStaff {
            qualification: self.qualification,
            register_number: Some(self.register_number.clone()).filter(|r| !r.is_empty()),
        });
        StaffRecord {
            degree_accepted_by_county: self.degree_accepted_by_county,
            does_coaching: self.does_coaching.unwrap_or(presumed.does_coaching),
            ..presumed
        }
    }
}

/// A document the provider supplied. `id` is empty until stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Id.
    pub id: String,
    /// What it is.
    pub kind: DocumentKind,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Last day valid, where it expires.
    pub expires_on: Option<NaiveDate>,
    /// Where the file is kept.
    pub file_reference: String,
}

/// What of a provider is loaded and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Details, state, sites, offerings and Soteri classes.
    Public,
    /// Also staff and documents (the provider's own users and the county).
    Full,
}

/// Which providers a caller may list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility<'a> {
    /// Every provider (county roles).
    All,
    /// APPROVED providers and the caller's own (provider users).
    ApprovedAndOwn(&'a str),
}

/// A provider as stored; `staff` and `documents` are empty unless loaded with
/// [`Detail::Full`].
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// Id.
    pub id: String,
    /// Basic details.
    pub details: Details,
    /// Approval state.
    pub state: ProviderState,
    /// Reasons of the last rejection, suspension or revocation.
    pub state_reasons: Vec<String>,
    /// Bumped by every change.
    pub version: i64,
    /// Created, microseconds since the epoch.
    pub created_at_micros: i64,
    /// Last changed, microseconds since the epoch.
    pub updated_at_micros: i64,
    /// Places of service, by name.
    pub sites: Vec<Site>,
    /// Services offered, by service.
    pub offerings: Vec<Offering>,
    /// Soteri service classes, ascending.
    pub soteri_classes: Vec<i32>,
    /// Staff, by name ([`Detail::Full`] only).
    pub staff: Vec<StaffMember>,
    /// Documents, by kind and issue date ([`Detail::Full`] only).
    pub documents: Vec<Document>,
    /// Bank details the provider's user asked for, waiting for the county.
    pub pending_bank: Option<PendingBank>,
}

/// A change of bank details a provider's own user asked for: not used (not on invoices) until
/// a county administrator approves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingBank {
    /// The IBAN asked for (normalised).
    pub iban: String,
    /// The BIC asked for.
    pub bic: String,
    /// When, microseconds since the epoch.
    pub requested_at_micros: i64,
    /// Who asked.
    pub requested_by: String,
}

/// The root of a provider as a change locks and loads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRoot {
    /// Id.
    pub id: String,
    /// Approval state at the time of the change.
    pub state: ProviderState,
}

/// The facts the approval rules read, as owned values.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Legal form.
    pub legal_form: LegalForm,
    /// Uses subcontractors.
    pub uses_subcontractors: bool,
    /// Documents.
    pub documents: Vec<ProviderDocument>,
    /// Staff, with the facts the staff rules need.
    pub staff: Vec<StaffRecord>,
    /// Offerings.
    pub offerings: Vec<RuleOffering>,
    /// Soteri classes.
    pub soteri_classes: Vec<u32>,
}

impl Facts {
    /// The approval facts of a provider loaded with [`Detail::Full`].
    pub fn of(p: &Provider) -> Self {
        Self {
            legal_form: p.details.legal_form,
            uses_subcontractors: p.details.uses_subcontractors,
            documents: p
                .documents
                .iter()
                .map(|d| ProviderDocument {
                    kind: d.kind,
                    issued_on: d.issued_on,
                    expires_on: d.expires_on,
                })
                .collect(),
            staff: p.staff.iter().map(StaffMember::rule).collect(),
            offerings: p.offerings.iter().map(Offering::rule).collect(),
            soteri_classes: p
                .soteri_classes
                .iter()
                .filter_map(|c| u32::try_from(*c).ok())
                .collect(),
        }
    }
}

/// A place of service of an approved provider offering a service, found by a search.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Provider id.
    pub provider_id: String,
    /// Provider name.
    pub name: String,
    /// Unit price of the service in force today, cents.
    pub unit_price_cents: i64,
    /// For a group service: the largest group (CAP-GROUP-SIZE).
    pub max_group_size: Option<u32>,
    /// The free places the provider declared for the service.
    pub free_places: Option<FreePlaces>,
    /// The place of service.
    pub site: Site,
}

/// Who changed a provider, how and when: what its history records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The caller's subject.
    pub subject: String,
    /// The caller's role.
    pub role: String,
    /// The caller's organisation (provider id, or `county`).
    pub organisation: String,
    /// What was done: the RPC, e.g. `SetOffering`.
    pub action: String,
    /// The change's request id.
    pub request_id: String,
    /// When, microseconds since the epoch.
    pub at_micros: i64,
}

/// One change in a provider's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Row id (the tie-breaker of the history's order).
    pub id: String,
    /// Who, how and when.
    pub stamp: Stamp,
    /// What changed, for people.
    pub summary: String,
}

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
    /// A box that surely contains every point within `radius_km` of `at`.
    pub fn around(at: Coordinates, radius_km: f64) -> Self {
        // One degree of latitude is at least 110.5 km; shrink it a little to stay generous.
        let dlat = radius_km / 110.0;
        let cos = at.lat.to_radians().cos().abs().max(0.01);
        let dlon = (radius_km / (111.0 * cos)).min(180.0);
        Self {
            min_lat: at.lat - dlat,
            max_lat: at.lat + dlat,
            min_lon: at.lon - dlon,
            max_lon: at.lon + dlon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_codes_round_trip() {
        for s in ProviderState::ALL {
            assert_eq!(ProviderState::from_code(s.code()), Some(s));
        }
        for k in [SiteKind::Site, SiteKind::WorkerLocation] {
            assert_eq!(SiteKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ProviderState::from_code("draft"), None);
    }

    #[test]
    fn unstated_staff_facts_are_the_rules_presumption() {
        let member = |qualification, does_coaching| StaffMember {
            id: String::new(),
            name: String::new(),
            role: String::new(),
            qualification,
            register_number: String::new(),
            degree_accepted_by_county: false,
            does_coaching,
        };
        assert!(
            member(Qualification::CommunityPedagogue, None)
                .rule()
                .does_coaching
        );
        assert!(!member(Qualification::OtherField, None).rule().does_coaching);
        assert!(
            member(Qualification::OtherField, Some(true))
                .rule()
                .does_coaching
        );
        assert!(
            !member(Qualification::Sosionomi, Some(false))
                .rule()
                .does_coaching
        );
        let accepted = StaffMember {
            degree_accepted_by_county: true,
            ..member(Qualification::OtherSocialScienceDegree, Some(false))
        };
        assert!(accepted.rule().is_social_welfare_professional("SK"));
        assert_eq!(
            member(Qualification::Sosionomi, None)
                .rule()
                .register_number,
            None
        );
    }

    #[test]
    fn revoked_and_discarded_are_final() {
        for last in [ProviderState::Revoked, ProviderState::Discarded] {
            assert!(!ProviderState::EDITABLE.contains(&last));
            for change in [
                StateChange::Submit,
                StateChange::Approve,
                StateChange::Reject,
                StateChange::Suspend,
                StateChange::Resume,
                StateChange::Revoke,
                StateChange::Discard,
            ] {
                assert!(!change.transition().from.contains(&last), "{change:?}");
            }
        }
        // Only a draft is discarded: what was submitted is rejected or revoked instead.
        assert_eq!(
            StateChange::Discard.transition().from,
            &[ProviderState::Draft]
        );
    }
}
