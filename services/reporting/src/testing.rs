//! Values for the unit tests: a calendar day and a followed voucher with plain defaults a test
//! overrides by struct update.

use chrono::NaiveDate;
use seteli_rules::ServiceType;

use crate::model::Voucher;

/// A calendar day.
pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("a date")
}

/// ACTIVE voucher `v-2` of client `c-1` at provider `p-1`, social worker `sw-1`, valid
/// 2.3.–31.8.2026, version 1 from the feed's first change.
pub(crate) fn voucher(service: ServiceType) -> Voucher {
    Voucher {
        id: "v-2".into(),
        client_id: "c-1".into(),
        provider_id: "p-1".into(),
        social_worker: "sw-1".into(),
        social_worker_team: String::new(),
        service,
        state: "ACTIVE".into(),
        valid_from: d(2026, 3, 2),
        valid_until: d(2026, 8, 31),
        ended_on: None,
        continues_voucher_id: String::new(),
        version: 1,
        feed_sequence: 1,
    }
}
