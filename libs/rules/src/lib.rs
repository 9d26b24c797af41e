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
//! | [`catalogue`] | rulebooks by effective date, the service catalogue (RULES.md §3), RULEBOOK-IN-FORCE |
//! | [`eligibility`] | ELIG-*, KTT-ELIG-*, SK-ELIG-NEED, SK-TTV-4DAYS |
//! | [`terms`] | TERM-VALIDITY, CAP-UNITS, CAP-WEEKLY, VOUCHER-VALUE, VOUCHER-EXTENSION, use dates and units |
//! | [`sessions`] | session admission (CAP-*, COACHING-NOT-DURING-WORK, PROC-COACH, KTT-GROUP-DISCUSSIONS) and period review |
//! | [`process`] | PROC-START, PROC-COACH, KTT-STEWARD, PROC-CONTRACT, NOTIFY-CHANGE, PROC-INTERRUPT, notices (ABS-PROLONGED, PROV-DAMAGE-NOTICE) |
//! | [`absences`] | BILL-*, ABS-* (Kela TT3, ABS-PROLONGED), SK-NO-SHOW-REPORT, NO-EXTRA-FEES |
//! | [`ledger`] | RULES.md §10, the ledger as a whole: one record per hour, a day attended or missed, no-shows and absences in time, replacements, repeated absences (BILL-REALISED, BILL-NO-SHOW, BILL-PROVIDER-CANCEL, ABS-RECORD, ABS-REPEATED) |
//! | [`reports`] | REP-*, ARCHIVE |
//! | [`groups`] | SK-GROUP-MIN-FILL, SK-GROUP-LATE-JOIN |
//! | [`provider`] | PROV-*, KTT-COMPANY, CAP-GROUP-SIZE of offerings, choosing a provider |
//! | [`geo`] | PROV-DISTANCE (nearest counting place of service) |
//! | [`calendar`] | Finnish holidays and business days |
//! | [`ids`] | henkilötunnus, Y-tunnus, IBAN, BIC, OVT, viitenumero, RF reference |
//! | [`money`] | exact money, cents, rounding |
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

/// An enum with stable SCREAMING_SNAKE codes and Finnish names (`ALL`, `code`, `from_code`,
/// `name_fi`).
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident, $n:literal { $( $(#[$vm:meta])* $v:ident = $code:literal, $fi:literal; )* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $(#[$vm])* $v, )* }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; $n] = [ $( $name::$v, )* ];
            /// The stable SCREAMING_SNAKE code.
            pub fn code(self) -> &'static str { match self { $( $name::$v => $code, )* } }
            /// Parses a code of [`Self::code`] (exact).
            pub fn from_code(s: &str) -> Option<Self> { Self::ALL.into_iter().find(|x| x.code() == s) }
            /// Finnish name.
            pub fn name_fi(self) -> &'static str { match self { $( $name::$v => $fi, )* } }
        }
    };
}

pub mod absences;
pub mod calendar;
pub mod catalogue;
pub mod eligibility;
pub mod geo;
pub mod groups;
pub mod ids;
pub mod ledger;
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
    RuleError, Rulebook, ServiceTerms, ServiceType, Unit, check_rulebook_in_force, rulebook_for,
    terms_for,
};
pub use geo::{
    Coordinates, GeoError, PlaceKind, ServicePlace, check_distance, check_provider_distance,
    distance_km, nearest_place,
};
pub use ids::IdError;
pub use provider::{check_approval, check_choice, check_offering, check_provider_approval};
pub use violation::{Violation, has_rule};
