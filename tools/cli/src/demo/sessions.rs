//! The month's sessions: every voucher's weekly sessions of the month walked, then what the
//! rules say of its exceptions: a day of illness recorded as a Kela absence instead, a session
//! the rules refuse, a no-show, and a provider's cancellation with its replacement.

use anyhow::Context as _;
use chrono::{Datelike, NaiveDate, Weekday};
use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::ServiceType;

use super::summary::{DemoSession, DemoVoucher, Rejected};
use crate::actions;
use crate::conn::Platform;
use crate::failure::{Refusal, status_of};

/// The weekdays `day` of the month starting on `first`.
pub(super) fn weekdays(first: NaiveDate, day: Weekday) -> Vec<NaiveDate> {
    first
        .iter_days()
        .take_while(|d| d.month() == first.month())
        .filter(|d| d.weekday() == day)
        .collect()
}

/// A demo session on `on` from `from` to `to` (hours, minutes), on site, with made-up notes.
pub(super) fn session_at(on: NaiveDate, from: (i32, i32), to: (i32, i32)) -> apb::SessionDetails {
    apb::SessionDetails {
        date: actions::date(on),
        start_time: Some(apb::ClockTime {
            hours: from.0,
            minutes: from.1,
        }),
        end_time: Some(apb::ClockTime {
            hours: to.0,
            minutes: to.1,
        }),
        modality: apb::Modality::OnSite as i32,
        notes: "Harjoiteltiin arjen taitoja.".into(),
        ..Default::default()
    }
}

/// What the month's sessions came to.
#[derive(Debug, Clone)]
pub(super) struct Sessions {
    /// The sessions recorded.
    pub sessions: Vec<DemoSession>,
    /// The refused session.
    pub rejected: Rejected,
    /// The no-show session's id.
    pub no_show: String,
    /// The session the provider cancelled.
    pub provider_cancelled: String,
    /// The session that replaced it.
    pub replacement: String,
    /// The Kela absence.
    pub absence: apb::Absence,
}

/// Phase 4, the sessions on `vouchers` (Aino, Eero, Kaisa, Mikko, Lauri in this order) of the
/// month starting on `month_first`: with a refusal, a no-show, a provider's cancellation.
pub(super) async fn sessions(
    p: &Platform,
    vouchers: &[DemoVoucher],
    month_first: NaiveDate,
) -> anyhow::Result<Sessions> {
    let mut sessions = Vec::new();
    let by_weekday = [
        Weekday::Tue,
        Weekday::Thu,
        Weekday::Wed,
        Weekday::Fri,
        Weekday::Mon,
    ];
    let record = |v: &DemoVoucher, on: NaiveDate, ktt: bool| {
        let details = if ktt {
            session_at(on, (9, 0), (11, 0))
        } else {
            apb::SessionDetails {
                participants: 5,
                ..session_at(on, (12, 0), (13, 30))
            }
        };
        let (provider, voucher) = (v.provider_id.clone(), v.id.clone());
        async move {
            let r = actions::record_session(p, &provider, &voucher, details, None)
                .await
                .with_context(|| format!("recording a session on {on}"))?;
            let s = r.session.context("no session")?;
            Ok::<_, anyhow::Error>(DemoSession {
                voucher_id: voucher,
                session_id: s.id,
                date: on,
                status: "RECORDED".into(),
            })
        }
    };
    for (v, day) in vouchers.iter().zip(by_weekday) {
        let ktt = v.service == ServiceType::KttIndividual;
        for on in weekdays(month_first, day) {
            sessions.push(record(v, on, ktt).await?);
        }
    }
    // Kaisa (KTT) was ill on one of her days: an absence for Kela instead of that session.
    let kaisa = &vouchers[2];
    let ill_day = weekdays(month_first, Weekday::Wed)[1];
    if let Some(i) = sessions
        .iter()
        .position(|s| s.voucher_id == kaisa.id && s.date == ill_day)
    {
        let s = sessions.remove(i);
        p.attendance()?
            .void_session(p.request(
                crate::conn::Role::ProviderUser,
                Some(&kaisa.provider_id),
                apb::VoidSessionRequest {
                    request_id: crate::conn::request_id(),
                    validate_only: false,
                    session_id: s.session_id,
                    reason: "Asiakas oli sairaana: kirjattu poissaoloksi.".into(),
                },
            )?)
            .await
            .context("VoidSession")?;
    }
    let absence = actions::record_absence(
        p,
        &kaisa.provider_id,
        apb::RecordAbsenceRequest {
            voucher_id: kaisa.id.clone(),
            date: actions::date(ill_day),
            kind: apb::AbsenceKind::Absent as i32,
            reason: apb::AbsenceReason::OwnIllness as i32,
            notes: "Flunssa, ilmoitti aamulla puhelimitse.".into(),
            ..Default::default()
        },
    )
    .await?
    .absence
    .context("no absence")?;

    // Eero's (SK group) session of 3.5 h: a group session lasts at most 3 h (CAP-SESSION-LENGTH;
    // with his weekly 1.5 h it stays within the 5 h a week, CAP-WEEKLY).
    let eero = &vouchers[1];
    let long_day = weekdays(month_first, Weekday::Tue)[0];
    let refused = actions::record_session(
        p,
        &eero.provider_id,
        &eero.id,
        apb::SessionDetails {
            participants: 5,
            ..session_at(long_day, (9, 0), (12, 30))
        },
        None,
    )
    .await
    .err()
    .context("a 3.5-hour SK group session was accepted")?;
    let rejected = Rejected {
        voucher_id: eero.id.clone(),
        date: long_day,
        refusal: status_of(&refused)
            .map(Refusal::of)
            .with_context(|| format!("the refusal was not a gRPC status: {refused:#}"))?,
    };

    // Aino (KTT) did not come on her second Tuesday: a no-show.
    let aino = &vouchers[0];
    let second_tuesday = weekdays(month_first, Weekday::Tue)[1];
    let no_show = sessions
        .iter_mut()
        .find(|s| s.voucher_id == aino.id && s.date == second_tuesday)
        .context("Aino's second Tuesday")?;
    actions::cancel_session(
        p,
        &aino.provider_id,
        &no_show.session_id,
        apb::Cancellation {
            by: apb::CancelledBy::Client as i32,
            ..Default::default()
        },
    )
    .await?;
    no_show.status = "NO_SHOW".into();
    let no_show = no_show.session_id.clone();

    // Aino's coach fell ill before her third Tuesday; no substitute suits her: the provider
    // cancels, tells her at once and agrees Thursday instead.
    let third_tuesday = weekdays(month_first, Weekday::Tue)[2];
    let thursday = third_tuesday + chrono::Duration::days(2);
    let replaced_index = sessions
        .iter()
        .position(|s| s.voucher_id == aino.id && s.date == third_tuesday)
        .context("Aino's third Tuesday")?;
    let replacement = actions::record_session(
        p,
        &aino.provider_id,
        &aino.id,
        session_at(thursday, (9, 0), (11, 0)),
        Some(&sessions[replaced_index].session_id),
    )
    .await?
    .session
    .context("no session")?;
    let the_day_before = third_tuesday - chrono::Duration::days(1);
    actions::cancel_session(
        p,
        &aino.provider_id,
        &sessions[replaced_index].session_id,
        apb::Cancellation {
            by: apb::CancelledBy::Provider as i32,
            cancelled_on: actions::date(the_day_before),
            substitute_unsuitable: true,
            client_told_on: actions::date(the_day_before),
            replacement_session_id: replacement.id.clone(),
            documentation: "Valmentaja sairastui; sijainen ei sovi asiakkaalle. Asiakkaalle \
                            ilmoitettu puhelimitse, uusi aika torstaina."
                .into(),
        },
    )
    .await?;
    sessions[replaced_index].status = "CANCELLED_BY_PROVIDER".into();
    let provider_cancelled = sessions[replaced_index].session_id.clone();
    sessions.push(DemoSession {
        voucher_id: aino.id.clone(),
        session_id: replacement.id.clone(),
        date: thursday,
        status: "RECORDED".into(),
    });
    Ok(Sessions {
        sessions,
        rejected,
        no_show,
        provider_cancelled,
        replacement: replacement.id,
        absence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_at_a_time_of_day_on_site() {
        let on = NaiveDate::from_ymd_opt(2026, 3, 10).expect("a day");
        let s = session_at(on, (9, 0), (11, 30));
        assert_eq!(s.date, actions::date(on));
        assert_eq!(
            s.start_time,
            Some(apb::ClockTime {
                hours: 9,
                minutes: 0
            })
        );
        assert_eq!(
            s.end_time,
            Some(apb::ClockTime {
                hours: 11,
                minutes: 30
            })
        );
        assert_eq!(s.modality, apb::Modality::OnSite as i32);
        assert!(!s.notes.is_empty());
        assert_eq!(s.participants, 0);
        assert_eq!(s.hours, None);
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a calendar day")
    }

    #[test]
    fn the_tuesdays_of_february_2026() {
        assert_eq!(
            weekdays(day(2026, 2, 1), Weekday::Tue),
            [
                day(2026, 2, 3),
                day(2026, 2, 10),
                day(2026, 2, 17),
                day(2026, 2, 24)
            ]
        );
    }

    #[test]
    fn a_month_may_hold_five_of_a_weekday_and_the_first_counts() {
        // March 2026 starts on a Sunday.
        let sundays = weekdays(day(2026, 3, 1), Weekday::Sun);
        assert_eq!(sundays.len(), 5);
        assert_eq!(sundays.first(), Some(&day(2026, 3, 1)));
        assert_eq!(sundays.last(), Some(&day(2026, 3, 29)));
    }

    #[test]
    fn every_day_is_that_weekday_in_that_month() {
        for first in [day(2025, 12, 1), day(2024, 2, 1)] {
            let mondays = weekdays(first, Weekday::Mon);
            assert!(mondays.len() >= 4);
            assert!(
                mondays
                    .iter()
                    .all(|d| d.weekday() == Weekday::Mon && d.month() == first.month())
            );
        }
    }
}
