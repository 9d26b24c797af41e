//! # seteli-rules
//!
//! The Pohjois-Savo county's service-voucher rulebooks — KTT (kuntouttava työtoiminta,
//! rehabilitative work activity) and SK (sosiaalinen kuntoutus, social rehabilitation) — as
//! pure code: no IO, no async, no panics. Every service calls this crate, so each rule lives
//! in exactly one place.
//!
//! Every decision function returns *all* broken rules as [`Violation`]s, each carrying its
//! rule id (see [`rule_ids`]), the rulebook section and a message in Finnish and English.
//!
//! | module | rules |
//! | --- | --- |
//! | [`catalogue`] | rulebooks by effective date, the service catalogue (RULES.md §3) |
//! | [`eligibility`] | ELIG-*, KTT-ELIG-*, SK-ELIG-NEED, SK-TTV-4DAYS |
//! | [`terms`] | TERM-VALIDITY, CAP-UNITS, CAP-WEEKLY, VOUCHER-VALUE, VOUCHER-EXTENSION |
//! | [`sessions`] | session admission (CAP-*, COACHING-NOT-DURING-WORK, PROC-COACH) and period review |
//! | [`process`] | PROC-START, PROC-COACH, KTT-STEWARD, PROC-CONTRACT, NOTIFY-CHANGE, PROC-INTERRUPT |
//! | [`absences`] | BILL-*, ABS-*, SK-NO-SHOW-REPORT |
//! | [`reports`] | REP-*, ARCHIVE |
//! | [`groups`] | SK-GROUP-MIN-FILL, SK-GROUP-LATE-JOIN |
//! | [`provider`] | PROV-*, KTT-COMPANY, CAP-GROUP-SIZE of offerings |
//! | [`geo`] | PROV-DISTANCE |
//! | [`calendar`] | Finnish holidays and business days |
//! | [`ids`] | henkilötunnus, Y-tunnus, IBAN, BIC, OVT, viitenumero, RF reference |
//! | [`money`] | exact money, cents, rounding |
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod absences;
pub mod calendar;
pub mod catalogue;
pub mod eligibility;
pub mod geo;
pub mod groups;
pub mod ids;
pub mod money;
pub mod prices;
pub mod process;
pub mod provider;
pub mod reports;
pub mod rule_ids;
pub mod sessions;
pub mod terms;
pub mod violation;

pub use catalogue::{
    RuleError, Rulebook, ServiceTerms, ServiceType, Unit, rulebook_for, terms_for,
};
pub use geo::{Coordinates, GeoError, check_distance, distance_km};
pub use ids::IdError;
pub use provider::check_approval;
pub use violation::{Violation, has_rule};
