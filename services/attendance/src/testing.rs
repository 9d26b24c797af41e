//! Rows for the capabilities' unit tests: a followed voucher, its stored sessions and a session
//! to admit, built from the model types with plain defaults a test overrides by struct update.

use chrono::NaiveDate;
use seteli_api::attendance::v1 as pb;
use seteli_rules::ServiceType;

use crate::model::{
    Modality, SessionInput, SessionKind, SessionRow, SessionStatus, StartDates, Voucher,
};

/// A calendar day.
pub(crate) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

/// An ACTIVE voucher `v1` of client `c1` at provider `p1` with a coach, decided 2026-01-15 and
/// valid 2026-02-01..=2026-05-31, with `granted` hundredths of units.
pub(crate) fn voucher(service: ServiceType, granted: i64) -> Voucher {
    Voucher {
        id: "v1".into(),
        client_id: "c1".into(),
        provider_id: "p1".into(),
        service,
        state: "ACTIVE".into(),
        decision_date: day(2026, 1, 15),
        valid_from: day(2026, 2, 1),
        valid_until: day(2026, 5, 31),
        units_granted: granted,
        weekly_cap: None,
        responsible_coach: "coach-1".into(),
        social_worker: "sw-1".into(),
        social_worker_team: String::new(),
        ended_on: None,
        version: 1,
        feed_sequence: 1,
        content_stamp: (1, 1),
        units_used: 0,
        units_reserved: 0,
        start: StartDates::default(),
        continues: None,
        approved_month: None,
    }
}

/// A stored regular SK individual session `id` of voucher `voucher_id` (client `c1`) on `date`,
/// in `status`, of `units` hundredths (as many hours), on site, not invoiced.
pub(crate) fn session(
    id: &str,
    voucher_id: &str,
    date: NaiveDate,
    status: SessionStatus,
    units: i64,
) -> SessionRow {
    SessionRow {
        id: id.into(),
        voucher_id: voucher_id.into(),
        client_id: "c1".into(),
        provider_id: "p1".into(),
        service: ServiceType::SkIndividual,
        date,
        time: None,
        hours: units,
        units,
        modality: Modality::OnSite,
        kind: SessionKind::Regular,
        excursion: false,
        status,
        invoice_id: None,
        invoiced_units: None,
        corrected_after_invoicing: false,
        view: pb::Session {
            id: id.into(),
            voucher_id: voucher_id.into(),
            ..Default::default()
        },
    }
}

/// A regular on-site session to admit on `date` of `hours` hundredths, outside any group.
pub(crate) fn input(date: NaiveDate, hours: i64) -> SessionInput {
    SessionInput {
        date,
        time: None,
        hours,
        modality: Modality::OnSite,
        kind: SessionKind::Regular,
        excursion: false,
        participants: 0,
        group_max: None,
        details: pb::SessionDetails::default(),
    }
}
