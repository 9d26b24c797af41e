//! What the provider rules' unit tests share: a provider with every document in force, a
//! staff that passes the staff rules, an offering at a price under the ceiling, and staff
//! records by qualification.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::{DocumentKind, Offering, ProviderDocument, Qualification, StaffMember, StaffRecord};
use crate::catalogue::ServiceType;

pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// One document of every kind, issued 1.1.2025, not expiring.
pub(super) fn all_docs() -> Vec<ProviderDocument> {
    DocumentKind::ALL
        .into_iter()
        .map(|kind| ProviderDocument {
            kind,
            issued_on: d(2025, 1, 1),
            expires_on: None,
        })
        .collect()
}

/// A registered sosionomi and a work guide: enough for every service.
pub(super) fn staff() -> Vec<StaffMember> {
    vec![
        StaffMember {
            qualification: Qualification::Sosionomi,
            register_number: Some("123456789".into()),
        },
        StaffMember {
            qualification: Qualification::WorkGuidance,
            register_number: None,
        },
    ]
}

/// A ceiling price of 70 for every service.
pub(super) fn ceiling(_: ServiceType) -> Option<Decimal> {
    Some(dec!(70))
}

/// `service` at 60, with a group size of 10 for a group service.
pub(super) fn offering(service: ServiceType) -> Offering {
    Offering {
        service,
        unit_price: dec!(60),
        max_group_size: service.is_group().then_some(10),
    }
}

/// A staff member of qualification `q` (registered when it must be), not county-accepted.
pub(super) fn record(q: Qualification, does_coaching: bool) -> StaffRecord {
    StaffRecord {
        qualification: q,
        register_number: q.requires_register_number().then(|| "123".to_string()),
        degree_accepted_by_county: false,
        does_coaching,
    }
}
