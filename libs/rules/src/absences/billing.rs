//! What is billed of a session that did not happen (RULES.md §6: KTT 3, SK 5): a cancellation
//! classified as a no-show, an in-time client cancellation or a provider cancellation
//! ([`classify`]); BILL-REALISED, BILL-NO-SHOW (one unit per calendar month) and
//! BILL-PROVIDER-CANCEL over a voucher's billed items ([`check_billing`]); what a provider's
//! cancellation asks of it ([`check_provider_cancellation`]); and SK-NO-SHOW-REPORT, the SK
//! no-shows listed in the billing report ([`check_no_show_report`]).

use crate::catalogue::ServiceType;
use crate::rule_ids::{BILL_NO_SHOW, BILL_PROVIDER_CANCEL, BILL_REALISED, SK_NO_SHOW_REPORT};
use crate::violation::Violation;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// Who cancelled a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelledBy {
    /// The client.
    Client,
    /// The provider.
    Provider,
}

/// A session that did not take place as agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancellation {
    /// The agreed session date.
    pub session_date: NaiveDate,
    /// When it was cancelled; `None` = the client simply did not come.
    pub cancelled_on: Option<NaiveDate>,
    /// Who cancelled (ignored when `cancelled_on` is `None`: a failure to come is the client's).
    pub by: CancelledBy,
}

/// What a cancellation is for billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancellationClass {
    /// The client cancelled on the session day (or later) or did not come: a no-show,
    /// billable at most one unit per calendar month per voucher (BILL-NO-SHOW).
    NoShow,
    /// The client cancelled before the session day: not billable, not a no-show.
    ClientCancelledInTime,
    /// The provider cancelled: never billable (BILL-PROVIDER-CANCEL).
    ProviderCancelled,
}

/// Classifies a cancellation (KTT 3, SK 5).
pub fn classify(c: &Cancellation) -> CancellationClass {
    match (c.cancelled_on, c.by) {
        (None, _) => CancellationClass::NoShow,
        (Some(_), CancelledBy::Provider) => CancellationClass::ProviderCancelled,
        (Some(on), CancelledBy::Client) if on < c.session_date => {
            CancellationClass::ClientCancelledInTime
        }
        (Some(_), CancelledBy::Client) => CancellationClass::NoShow,
    }
}

/// BILL-NO-SHOW: units billable for a no-show on `date`, given the dates of no-shows already
/// billed on the same voucher: one unit (one hour or one day price) if none was billed in the
/// same calendar month, else zero.
pub fn billable_no_show_units(date: NaiveDate, billed_no_show_dates: &[NaiveDate]) -> Decimal {
    let same_month = billed_no_show_dates
        .iter()
        .any(|d| d.year() == date.year() && d.month() == date.month());
    if same_month {
        Decimal::ZERO
    } else {
        Decimal::ONE
    }
}

/// What a billed item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BilledKind {
    /// A realised session.
    Realised,
    /// A no-show.
    NoShow,
    /// A client cancellation before the session day.
    ClientCancelledInTime,
    /// A provider cancellation.
    ProviderCancelled,
}

/// One billed item of a voucher in a billing period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BilledItem {
    /// The session date.
    pub date: NaiveDate,
    /// What it is.
    pub kind: BilledKind,
    /// Units realised (0 for anything not realised).
    pub realised_units: Decimal,
    /// Units billed.
    pub billed_units: Decimal,
}

/// The billing rules over one voucher's items: BILL-REALISED (realised items billed at most
/// their realised units; in-time client cancellations not billed), BILL-NO-SHOW (no-shows at
/// most one unit per calendar month in total), BILL-PROVIDER-CANCEL (never billed).
/// Interruption does not matter: realised sessions stay billable (PROC-INTERRUPT).
pub fn check_billing(items: &[BilledItem]) -> Vec<Violation> {
    let mut out = Vec::new();
    for i in items {
        if i.billed_units < Decimal::ZERO {
            out.push(Violation::of(
                BILL_REALISED,
                format!(
                    "Laskutettu määrä {} ({}) on negatiivinen.",
                    i.billed_units, i.date
                ),
                format!("Billed units {} ({}) are negative.", i.billed_units, i.date),
            ));
        }
        match i.kind {
            // BILL-REALISED
            BilledKind::Realised if i.billed_units > i.realised_units => out.push(Violation::of(
                BILL_REALISED,
                format!(
                    "Käynnistä {} laskutetaan {} yksikköä, toteutunut {}.",
                    i.date, i.billed_units, i.realised_units
                ),
                format!(
                    "Session {} is billed {} units but {} were realised.",
                    i.date, i.billed_units, i.realised_units
                ),
            )),
            BilledKind::ClientCancelledInTime if i.billed_units > Decimal::ZERO => {
                out.push(Violation::of(
                    BILL_REALISED,
                    format!(
                        "Asiakkaan ennen palvelupäivää perumaa käyntiä {} ei voi laskuttaa.",
                        i.date
                    ),
                    format!(
                        "A session the client cancelled before the day ({}) is not billable.",
                        i.date
                    ),
                ))
            }
            // BILL-PROVIDER-CANCEL
            BilledKind::ProviderCancelled if i.billed_units > Decimal::ZERO => {
                out.push(Violation::of(
                    BILL_PROVIDER_CANCEL,
                    format!(
                        "Palveluntuottajan perumaa käyntiä {} ei voi laskuttaa.",
                        i.date
                    ),
                    format!(
                        "A session the provider cancelled ({}) is never billable.",
                        i.date
                    ),
                ))
            }
            _ => {}
        }
    }
    // BILL-NO-SHOW: per calendar month at most one unit.
    let mut months: Vec<(i32, u32)> = items
        .iter()
        .filter(|i| i.kind == BilledKind::NoShow)
        .map(|i| (i.date.year(), i.date.month()))
        .collect();
    months.sort_unstable();
    months.dedup();
    for (y, m) in months {
        let total = items
            .iter()
            .filter(|i| i.kind == BilledKind::NoShow && i.date.year() == y && i.date.month() == m)
            .fold(Decimal::ZERO, |a, i| a.saturating_add(i.billed_units));
        if total > Decimal::ONE {
            out.push(Violation::of(
                BILL_NO_SHOW,
                format!("Toteutumattomia käyntejä laskutetaan {total} yksikköä kuukaudelta {m}/{y}; enintään 1."),
                format!("No-shows billed {total} units for {y}-{m:02}; at most 1 per calendar month."),
            ));
        }
    }
    out
}

/// A provider's cancellation and its follow-up (BILL-PROVIDER-CANCEL, KTT 3, SK 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderCancellation {
    /// The agreed session date.
    pub session_date: NaiveDate,
    /// The reason: a substitute worker would not suit the client in the situation (the only
    /// reason a provider may cancel for).
    pub substitute_unsuitable: bool,
    /// When the provider learned of what led to the cancellation.
    pub learned_on: NaiveDate,
    /// When the client was told of the cancellation, if they were.
    pub client_told_on: Option<NaiveDate>,
    /// A replacement time was agreed with the client.
    pub replacement_agreed: bool,
    /// The situation is documented in the client's daily record.
    pub documented: bool,
}

/// BILL-PROVIDER-CANCEL (KTT 3, SK 5): a provider may cancel an agreed session only when a
/// substitute worker would not suit the client; the client is told at once (on the day the
/// provider learned of it: [`ProviderCancellation::learned_on`]); a replacement time is
/// agreed and the situation documented in the client's daily record. The cancelled session
/// is never billable ([`check_billing`]).
pub fn check_provider_cancellation(c: &ProviderCancellation) -> Vec<Violation> {
    let mut out = Vec::new();
    // BILL-PROVIDER-CANCEL
    if !c.substitute_unsuitable {
        out.push(Violation::of(
            BILL_PROVIDER_CANCEL,
            format!(
                "Palveluntuottaja voi perua käynnin {} vain, jos sijaistyöntekijän käyttäminen \
                 ei ole asiakkaan kannalta tarkoituksenmukaista.",
                c.session_date
            ),
            format!(
                "The provider may cancel the session of {} only when a substitute worker would \
                 not suit the client.",
                c.session_date
            ),
        ));
    }
    match c.client_told_on {
        Some(told) if told <= c.learned_on => {}
        told => {
            let (fi, en) = match told {
                Some(t) => (format!("vasta {t}"), format!("only on {t}")),
                None => ("ei lainkaan".to_string(), "not at all".to_string()),
            };
            out.push(Violation::of(
                BILL_PROVIDER_CANCEL,
                format!(
                    "Peruutuksesta on ilmoitettava asiakkaalle välittömästi ({}); ilmoitettu {fi}.",
                    c.learned_on
                ),
                format!(
                    "The client must be told of the cancellation at once ({}); told {en}.",
                    c.learned_on
                ),
            ));
        }
    }
    if !c.replacement_agreed {
        out.push(Violation::of(
            BILL_PROVIDER_CANCEL,
            format!(
                "Perutun käynnin {} tilalle ei ole sovittu korvaavaa aikaa.",
                c.session_date
            ),
            format!(
                "No replacement time is agreed for the cancelled session of {}.",
                c.session_date
            ),
        ));
    }
    if !c.documented {
        out.push(Violation::of(
            BILL_PROVIDER_CANCEL,
            format!(
                "Käynnin {} peruutusta ei ole kirjattu asiakaskertomukseen.",
                c.session_date
            ),
            format!(
                "The cancellation of {} is not documented in the client record.",
                c.session_date
            ),
        ));
    }
    out
}

/// SK-NO-SHOW-REPORT (SK 5): every SK no-show of the billing period is listed in the billing
/// report. Not applied to KTT.
pub fn check_no_show_report(
    service: ServiceType,
    no_shows: &[NaiveDate],
    listed: &[NaiveDate],
) -> Vec<Violation> {
    if !service.is_sk() {
        return Vec::new();
    }
    no_shows
        .iter()
        .filter(|d| !listed.contains(d))
        .map(|d| {
            Violation::of(
                SK_NO_SHOW_REPORT,
                format!("Toteutumaton käynti {d} puuttuu laskutusraportista."),
                format!("The no-show of {d} is missing from the billing report."),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn classification() {
        let c = |on, by| {
            classify(&Cancellation {
                session_date: d(2026, 3, 10),
                cancelled_on: on,
                by,
            })
        };
        assert_eq!(c(None, CancelledBy::Provider), CancellationClass::NoShow);
        assert_eq!(
            c(Some(d(2026, 3, 10)), CancelledBy::Client),
            CancellationClass::NoShow
        );
        assert_eq!(
            c(Some(d(2026, 3, 9)), CancelledBy::Client),
            CancellationClass::ClientCancelledInTime
        );
        assert_eq!(
            c(Some(d(2026, 3, 1)), CancelledBy::Provider),
            CancellationClass::ProviderCancelled
        );
    }

    #[test]
    fn no_show_units_per_month() {
        assert_eq!(billable_no_show_units(d(2026, 3, 10), &[]), dec!(1));
        assert_eq!(
            billable_no_show_units(d(2026, 3, 10), &[d(2026, 3, 2)]),
            dec!(0)
        );
        assert_eq!(
            billable_no_show_units(d(2026, 3, 10), &[d(2026, 2, 27), d(2025, 3, 10)]),
            dec!(1)
        );
    }

    fn item(date: NaiveDate, kind: BilledKind, realised: Decimal, billed: Decimal) -> BilledItem {
        BilledItem {
            date,
            kind,
            realised_units: realised,
            billed_units: billed,
        }
    }

    #[test]
    fn billing_rules() {
        let ok = [
            item(d(2026, 3, 2), BilledKind::Realised, dec!(2), dec!(2)),
            item(d(2026, 3, 3), BilledKind::NoShow, dec!(0), dec!(1)),
            item(d(2026, 3, 4), BilledKind::NoShow, dec!(0), dec!(0)),
            item(d(2026, 4, 4), BilledKind::NoShow, dec!(0), dec!(1)),
            item(
                d(2026, 3, 5),
                BilledKind::ProviderCancelled,
                dec!(0),
                dec!(0),
            ),
            item(
                d(2026, 3, 6),
                BilledKind::ClientCancelledInTime,
                dec!(0),
                dec!(0),
            ),
        ];
        assert!(check_billing(&ok).is_empty());
        let bad = [
            item(d(2026, 3, 2), BilledKind::Realised, dec!(2), dec!(3)),
            item(d(2026, 3, 3), BilledKind::NoShow, dec!(0), dec!(1)),
            item(d(2026, 3, 4), BilledKind::NoShow, dec!(0), dec!(1)),
            item(
                d(2026, 3, 5),
                BilledKind::ProviderCancelled,
                dec!(0),
                dec!(1),
            ),
            item(
                d(2026, 3, 6),
                BilledKind::ClientCancelledInTime,
                dec!(0),
                dec!(1),
            ),
        ];
        let v = check_billing(&bad);
        assert!(has_rule(&v, BILL_NO_SHOW));
        assert!(has_rule(&v, BILL_PROVIDER_CANCEL));
        assert_eq!(v.iter().filter(|x| x.rule == BILL_REALISED).count(), 2);
    }

    #[test]
    fn provider_cancellation_follow_up() {
        let ok = ProviderCancellation {
            session_date: d(2026, 3, 2),
            substitute_unsuitable: true,
            learned_on: d(2026, 2, 27),
            client_told_on: Some(d(2026, 2, 27)),
            replacement_agreed: true,
            documented: true,
        };
        assert!(check_provider_cancellation(&ok).is_empty());
        let bad = ProviderCancellation {
            replacement_agreed: false,
            documented: false,
            ..ok
        };
        assert_eq!(check_provider_cancellation(&bad).len(), 2);
        // Only when a substitute would not suit the client.
        let no_reason = ProviderCancellation {
            substitute_unsuitable: false,
            ..ok
        };
        assert!(has_rule(
            &check_provider_cancellation(&no_reason),
            BILL_PROVIDER_CANCEL
        ));
        // The client is told at once: the day the provider learned of it.
        let told_late = ProviderCancellation {
            client_told_on: Some(d(2026, 2, 28)),
            ..ok
        };
        let v = check_provider_cancellation(&told_late);
        assert_eq!(v.len(), 1);
        assert!(v[0].message_en.contains("at once"));
        let never_told = ProviderCancellation {
            client_told_on: None,
            ..ok
        };
        assert_eq!(check_provider_cancellation(&never_told).len(), 1);
    }

    #[test]
    fn sk_no_show_report() {
        let ns = [d(2026, 3, 2), d(2026, 3, 9)];
        assert!(check_no_show_report(ServiceType::SkGroup, &ns, &ns).is_empty());
        let v = check_no_show_report(ServiceType::SkGroup, &ns, &ns[..1]);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, SK_NO_SHOW_REPORT);
        assert!(check_no_show_report(ServiceType::KttGroup, &ns, &[]).is_empty());
    }
}
