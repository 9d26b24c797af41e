//! Cancellations, absences and billing of what did not happen (RULES.md §6):
//! BILL-REALISED, BILL-NO-SHOW, BILL-PROVIDER-CANCEL, ABS-RECORD, ABS-KELA (and Kela's TT3
//! absence notice), ABS-PROLONGED, ABS-SICK-CERT, ABS-REPEATED, SK-NO-SHOW-REPORT and
//! NO-EXTRA-FEES.

use crate::calendar::{DeadlineRoll, add_business_days, plus_days, roll_deadline};
use crate::catalogue::ServiceType;
use crate::rule_ids::{
    ABS_KELA, ABS_PROLONGED, ABS_RECORD, ABS_REPEATED, ABS_SICK_CERT, BILL_NO_SHOW,
    BILL_PROVIDER_CANCEL, BILL_REALISED, NO_EXTRA_FEES, SK_NO_SHOW_REPORT,
};
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

/// An absence as recorded by the provider (ABS-RECORD, ABS-KELA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceEntry {
    /// The day.
    pub date: NaiveDate,
    /// The service was arranged that day and the client should have attended.
    pub service_arranged: bool,
    /// The reason, as recorded.
    pub reason: Option<String>,
    /// Reported to Kela (KTT).
    pub reported_to_kela: bool,
}

/// ABS-RECORD (KTT 3): an absence is a day the service was arranged, and its reason is
/// recorded. ABS-KELA (KTT 3): KTT absences are reported to Kela. Not applied to SK.
pub fn check_absences(service: ServiceType, absences: &[AbsenceEntry]) -> Vec<Violation> {
    let mut out = Vec::new();
    if !service.is_ktt() {
        return out;
    }
    for a in absences {
        // ABS-RECORD
        if !a.service_arranged {
            out.push(Violation::of(
                ABS_RECORD,
                format!(
                    "Päivä {} ei ole poissaolo: palvelua ei ollut järjestetty.",
                    a.date
                ),
                format!(
                    "{} is not an absence: no service was arranged that day.",
                    a.date
                ),
            ));
        }
        if a.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            out.push(Violation::of(
                ABS_RECORD,
                format!("Poissaolon {} syy puuttuu.", a.date),
                format!("The absence of {} has no recorded reason.", a.date),
            ));
        }
        // ABS-KELA
        if a.service_arranged && !a.reported_to_kela {
            out.push(Violation::of(
                ABS_KELA,
                format!("Poissaoloa {} ei ole ilmoitettu Kelaan.", a.date),
                format!("The absence of {} is not reported to Kela.", a.date),
            ));
        }
    }
    out
}

/// A sick absence (ABS-SICK-CERT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SickAbsence {
    /// First day (inclusive).
    pub first_day: NaiveDate,
    /// Last day (inclusive).
    pub last_day: NaiveDate,
    /// A nurse's or doctor's certificate was delivered to Kela.
    pub certificate_delivered: bool,
    /// With repeated absences a certificate was required from the first day.
    pub required_from_first_day: bool,
}

/// Calendar days of sick absence above which a certificate is needed (more than 3 days).
pub const SICK_DAYS_WITHOUT_CERTIFICATE: i64 = 3;

/// ABS-SICK-CERT (KTT 3): a sick absence of more than 3 calendar days (or any, when required
/// from the first day for repeated absences) needs a certificate. Not applied to SK.
pub fn check_sick_absence(service: ServiceType, a: &SickAbsence) -> Vec<Violation> {
    if !service.is_ktt() || a.certificate_delivered {
        return Vec::new();
    }
    let days = (a.last_day - a.first_day).num_days() + 1;
    if days > SICK_DAYS_WITHOUT_CERTIFICATE || a.required_from_first_day {
        vec![Violation::of(
            ABS_SICK_CERT,
            format!(
                "Sairauspoissaolosta ({}–{}, {days} pv) on toimitettava Kelaan terveydenhoitajan tai lääkärin todistus.",
                a.first_day, a.last_day
            ),
            format!(
                "The sick absence ({} to {}, {days} days) needs a nurse's or doctor's certificate delivered to Kela.",
                a.first_day, a.last_day
            ),
        )]
    } else {
        Vec::new()
    }
}

/// An agreed session and what became of it, for ABS-REPEATED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgreedSession {
    /// The agreed date.
    pub date: NaiveDate,
    /// The client did not come for reasons of their own (a no-show).
    pub no_show: bool,
    /// After a no-show, the provider tried to contact the client at once.
    pub client_contacted: bool,
}

/// Configuration of ABS-REPEATED (defaults: consecutive no-shows within 7 days, or 3 in a row
/// regardless of spacing; notify by the next business day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatedAbsenceConfig {
    /// Two consecutive no-shows at most this many days apart are "repeated".
    pub window_days: i64,
    /// This many consecutive no-shows are "continuing" regardless of spacing.
    pub continuing_count: usize,
    /// Business days allowed for "without delay".
    pub notify_within_business_days: u32,
    /// Deadline rolling.
    pub roll: DeadlineRoll,
}

impl Default for RepeatedAbsenceConfig {
    fn default() -> Self {
        Self {
            window_days: 7,
            continuing_count: 3,
            notify_within_business_days: 1,
            roll: DeadlineRoll::NextBusinessDay,
        }
    }
}

/// The outcome of [`check_absence_follow_up`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FollowUp {
    /// When the repeated pattern first appeared, if it did.
    pub repeated_since: Option<NaiveDate>,
    /// The social worker must be notified by this date.
    pub notify_social_worker_by: Option<NaiveDate>,
    /// Broken rules.
    pub violations: Vec<Violation>,
}

/// ABS-REPEATED (KTT 3, SK 5): after each no-show the provider contacts the client at once;
/// repeated no-shows (consecutive agreed sessions within the window) or continuing absences
/// → the social worker is notified without delay. `sessions` are the agreed sessions of one
/// voucher; `notified_on` is when the social worker was notified, `as_of` today.
pub fn check_absence_follow_up(
    sessions: &[AgreedSession],
    notified_on: Option<NaiveDate>,
    as_of: NaiveDate,
    cfg: &RepeatedAbsenceConfig,
) -> FollowUp {
    let mut sorted: Vec<AgreedSession> = sessions.to_vec();
    sorted.sort_by_key(|s| s.date);
    let mut out = FollowUp::default();
    for s in sorted.iter().filter(|s| s.no_show && !s.client_contacted) {
        out.violations.push(Violation::of(
            ABS_REPEATED,
            format!(
                "Asiakkaaseen ei ole oltu yhteydessä poisjäännin {} jälkeen.",
                s.date
            ),
            format!(
                "The client was not contacted after the no-show of {}.",
                s.date
            ),
        ));
    }
    let mut run = 0usize;
    let mut prev: Option<NaiveDate> = None;
    for s in &sorted {
        if s.no_show {
            let close = prev.is_some_and(|p| (s.date - p).num_days() <= cfg.window_days);
            run += 1;
            if (run >= 2 && close) || run >= cfg.continuing_count.max(2) {
                out.repeated_since = Some(s.date);
                break;
            }
            prev = Some(s.date);
        } else {
            run = 0;
            prev = None;
        }
    }
    if let Some(since) = out.repeated_since {
        let due = roll_deadline(
            add_business_days(since, cfg.notify_within_business_days),
            cfg.roll,
        );
        out.notify_social_worker_by = Some(due);
        let late = match notified_on {
            Some(n) => n > due,
            None => as_of > due,
        };
        if late {
            out.violations.push(Violation::of(
                ABS_REPEATED,
                format!(
                    "Toistuvista poisjäänneistä ({since} alkaen) ei ole ilmoitettu sosiaalihuollon omatyöntekijälle viimeistään {due}."
                ),
                format!(
                    "Repeated no-shows (since {since}) were not notified to the social worker by {due}."
                ),
            ));
        }
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

// ------------------------------------------------------------------ Kela's absence notice

coded_enum! {
    /// The reason of a KTT absence as Kela's TT3 notice knows it (ABS-KELA).
    AbsenceReason, 5 {
        /// The client's own illness (over 3 days needs a certificate: ABS-SICK-CERT).
        OwnIllness = "OWN_ILLNESS", "oma sairaus";
        /// Illness of the client's child under 10 (at most [`CHILD_ILLNESS_MAX_DAYS`] days).
        ChildIllness = "CHILD_ILLNESS", "alle 10-vuotiaan lapsen sairaus";
        /// A job interview or similar.
        JobInterview = "JOB_INTERVIEW", "työhaastattelu tai vastaava";
        /// A public office of trust (julkinen luottamustoimi).
        PublicOffice = "PUBLIC_OFFICE", "julkinen luottamustoimi";
        /// Any other reason: the benefit is lost for that day.
        Other = "OTHER", "muu syy";
    }
}

/// Days of a child's illness that keep the benefit, per consecutive episode (ABS-KELA).
pub const CHILD_ILLNESS_MAX_DAYS: usize = 4;
/// Kela's absence notice goes at least every two weeks: a day is reported within this many
/// days (ABS-KELA).
pub const KELA_NOTICE_INTERVAL_DAYS: u64 = 14;

/// One day on Kela's TT3 absence notice ("Ilmoitus poissaolosta").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KelaDayStatus {
    /// The service was arranged and the client attended.
    Present,
    /// The service was arranged and the client should have attended, but was absent.
    Absent(AbsenceReason),
    /// No service is arranged that day (public holiday, break): "palvelua ei järjestetä";
    /// not an absence.
    NotArranged,
}

/// A day of a KTT client's service as Kela is told of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KelaDay {
    /// The day.
    pub date: NaiveDate,
    /// Present, absent with the reason, or no service arranged.
    pub status: KelaDayStatus,
}

/// A TT3 notice sent to Kela for one client, covering `covers_from..=covers_until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KelaNotice {
    /// When it was sent.
    pub sent_on: NaiveDate,
    /// First day covered.
    pub covers_from: NaiveDate,
    /// Last day covered.
    pub covers_until: NaiveDate,
}

/// ABS-KELA: for each absent day, whether the client keeps the benefit for it: own illness,
/// a job interview or similar and a public office of trust keep it; a child's illness keeps
/// it for at most [`CHILD_ILLNESS_MAX_DAYS`] consecutive absent days (an episode, counted over
/// the arranged days; a present day ends it); any other reason loses it. Days sorted by date.
pub fn benefit_kept(days: &[KelaDay]) -> Vec<(NaiveDate, bool)> {
    let mut sorted: Vec<KelaDay> = days.to_vec();
    sorted.sort_by_key(|d| d.date);
    let mut out = Vec::new();
    let mut child_run = 0usize;
    // ABS-KELA: which absent days keep the benefit.
    for d in sorted {
        match d.status {
            KelaDayStatus::NotArranged => {}
            KelaDayStatus::Present => child_run = 0,
            KelaDayStatus::Absent(reason) => {
                let kept = match reason {
                    AbsenceReason::ChildIllness => {
                        child_run = child_run.saturating_add(1);
                        child_run <= CHILD_ILLNESS_MAX_DAYS
                    }
                    AbsenceReason::OwnIllness
                    | AbsenceReason::JobInterview
                    | AbsenceReason::PublicOffice => true,
                    AbsenceReason::Other => false,
                };
                if reason != AbsenceReason::ChildIllness {
                    child_run = 0;
                }
                out.push((d.date, kept));
            }
        }
    }
    out
}

/// ABS-KELA (KTT 3): the provider sends Kela's absence notice (TT3) at least every two weeks,
/// one per client, listing every arranged day present or absent: each arranged day must be on
/// a notice sent within [`KELA_NOTICE_INTERVAL_DAYS`] days of it (the deadline rolled by
/// `roll`). A day past its deadline on no notice, or on a notice sent late, is a violation
/// (one per kind, naming the first such day and the count). Days with no service arranged
/// need not be listed. Not applied to SK.
pub fn check_kela_notices(
    service: ServiceType,
    days: &[KelaDay],
    notices: &[KelaNotice],
    as_of: NaiveDate,
    roll: DeadlineRoll,
) -> Vec<Violation> {
    let mut out = Vec::new();
    if !service.is_ktt() {
        return out;
    }
    let mut missing: Vec<NaiveDate> = Vec::new();
    let mut late: Vec<NaiveDate> = Vec::new();
    for d in days
        .iter()
        .filter(|d| d.status != KelaDayStatus::NotArranged)
    {
        let due = roll_deadline(plus_days(d.date, KELA_NOTICE_INTERVAL_DAYS), roll);
        let first = notices
            .iter()
            .filter(|n| n.covers_from <= d.date && d.date <= n.covers_until)
            .map(|n| n.sent_on)
            .min();
        match first {
            Some(sent) if sent <= due => {}
            Some(_) => late.push(d.date),
            None if as_of > due => missing.push(d.date),
            None => {}
        }
    }
    missing.sort_unstable();
    late.sort_unstable();
    // ABS-KELA
    if let Some(first) = missing.first() {
        out.push(Violation::of(
            ABS_KELA,
            format!(
                "Kelan poissaoloilmoitus (TT3) puuttuu {} päivältä (ensimmäinen {first}); \
                 ilmoitus lähetetään vähintään kahden viikon välein.",
                missing.len()
            ),
            format!(
                "Kela's absence notice (TT3) is missing for {} day(s) (first {first}); it goes at \
                 least every two weeks.",
                missing.len()
            ),
        ));
    }
    if let Some(first) = late.first() {
        out.push(Violation::of(
            ABS_KELA,
            format!(
                "{} päivää (ensimmäinen {first}) ilmoitettiin Kelalle yli kahden viikon kuluttua.",
                late.len()
            ),
            format!(
                "{} day(s) (first {first}) were reported to Kela more than two weeks later.",
                late.len()
            ),
        ));
    }
    out
}

// ------------------------------------------------------------------ ABS-PROLONGED

/// Default of [`ProlongedAbsenceConfig::consecutive_absent_days`].
pub const DEFAULT_PROLONGED_ABSENCE_DAYS: usize = 5;

/// Configuration of ABS-PROLONGED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProlongedAbsenceConfig {
    /// This many consecutive arranged days absent (any cause) make a prolonged absence
    /// (default [`DEFAULT_PROLONGED_ABSENCE_DAYS`] = 5).
    pub consecutive_absent_days: usize,
    /// Business days allowed for "at once" (default 1: by the next business day).
    pub notify_within_business_days: u32,
    /// Deadline rolling.
    pub roll: DeadlineRoll,
}

impl Default for ProlongedAbsenceConfig {
    fn default() -> Self {
        Self {
            consecutive_absent_days: DEFAULT_PROLONGED_ABSENCE_DAYS,
            notify_within_business_days: 1,
            roll: DeadlineRoll::NextBusinessDay,
        }
    }
}

/// A day the service was arranged and the client should have attended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrangedDay {
    /// The day.
    pub date: NaiveDate,
    /// The client attended.
    pub attended: bool,
}

/// ABS-PROLONGED (KTT 2.2.3 (9), 2.2.4 (9)): prolonged absences of any cause are told to the
/// social worker at once: [`ProlongedAbsenceConfig::consecutive_absent_days`] consecutive
/// arranged days absent (days with no service arranged are left out and do not break the run)
/// → notify by the next business day. Applies to KTT work activity (`KTT_ASSESSMENT`,
/// `KTT_WORK_CAPACITY`, the sections the rule comes from). The outcome's `repeated_since` is
/// the day the absence became prolonged. (A service not going as planned is told with
/// [`crate::process::check_notice`] and `NoticeKind::NotGoingAsPlanned`.)
pub fn check_prolonged_absence(
    service: ServiceType,
    days: &[ArrangedDay],
    notified_on: Option<NaiveDate>,
    as_of: NaiveDate,
    cfg: &ProlongedAbsenceConfig,
) -> FollowUp {
    let mut out = FollowUp::default();
    if !service.is_ktt_work_activity() {
        return out;
    }
    let mut sorted: Vec<ArrangedDay> = days.to_vec();
    sorted.sort_by_key(|d| d.date);
    let threshold = cfg.consecutive_absent_days.max(1);
    let mut run = 0usize;
    for d in &sorted {
        if d.attended {
            run = 0;
            continue;
        }
        run = run.saturating_add(1);
        if run >= threshold {
            out.repeated_since = Some(d.date);
            break;
        }
    }
    if let Some(since) = out.repeated_since {
        let due = roll_deadline(
            add_business_days(since, cfg.notify_within_business_days),
            cfg.roll,
        );
        out.notify_social_worker_by = Some(due);
        let late = match notified_on {
            Some(n) => n > due,
            None => as_of > due,
        };
        if late {
            // ABS-PROLONGED
            out.violations.push(Violation::of(
                ABS_PROLONGED,
                format!(
                    "Pitkittyneestä poissaolosta ({threshold} peräkkäistä päivää, {since} \
                     alkaen) on ilmoitettava omatyöntekijälle välittömästi, viimeistään {due}."
                ),
                format!(
                    "A prolonged absence ({threshold} consecutive arranged days, as of {since}) \
                     must be told to the social worker at once, by {due}."
                ),
            ));
        }
    }
    out
}

// ------------------------------------------------------------------ NO-EXTRA-FEES

/// Who a charge is made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payer {
    /// The county (the voucher).
    County,
    /// The client.
    Client,
}

/// What an invoice line (or any charge) is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargeKind {
    /// Realised units (hours or days) of the voucher.
    RealisedUnits,
    /// An allowed no-show unit (BILL-NO-SHOW).
    NoShow,
    /// An introductory visit (tutustumiskäynti): never charged.
    IntroductoryVisit,
    /// A follow-up meeting with the county: attended without extra pay.
    FollowUpMeeting,
    /// Materials, equipment, travel or any other cost of arranging the service.
    Costs,
    /// A client fee or co-payment (SK is free to the client, 734/1992).
    ClientFee,
    /// Anything else.
    Other,
}

/// One charge on an invoice, or to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    /// What it is for.
    pub kind: ChargeKind,
    /// Who pays.
    pub payer: Payer,
    /// The amount (EUR).
    pub amount: Decimal,
}

/// NO-EXTRA-FEES (KTT 6, SK 6, KTT 1.2, SK 2.3): the voucher covers every cost. An invoice to
/// the county carries only realised units and allowed no-shows (their amounts are
/// BILL-REALISED / BILL-NO-SHOW): any other line — an introductory visit, a follow-up
/// meeting, costs, fees — is refused, whatever its amount; nothing at all is charged to the
/// client.
pub fn check_charges(charges: &[Charge]) -> Vec<Violation> {
    let mut out = Vec::new();
    for c in charges {
        // NO-EXTRA-FEES
        if c.payer == Payer::Client {
            out.push(Violation::of(
                NO_EXTRA_FEES,
                format!(
                    "Asiakkaalta ei voi periä mitään ({} €): palveluseteli kattaa kaikki kustannukset.",
                    c.amount
                ),
                format!(
                    "Nothing may be charged to the client ({} EUR): the voucher covers every cost.",
                    c.amount
                ),
            ));
            continue;
        }
        let what = match c.kind {
            ChargeKind::RealisedUnits | ChargeKind::NoShow => continue,
            ChargeKind::IntroductoryVisit => ("tutustumiskäynti", "an introductory visit"),
            ChargeKind::FollowUpMeeting => ("seurantatapaaminen", "a follow-up meeting"),
            ChargeKind::Costs => ("kulut", "costs"),
            ChargeKind::ClientFee => ("asiakasmaksu", "a client fee"),
            ChargeKind::Other => ("muu veloitus", "another charge"),
        };
        out.push(Violation::of(
            NO_EXTRA_FEES,
            format!(
                "Laskulla voi olla vain toteutuneita yksiköitä ja sallittuja poisjääntejä, ei: {} ({} €).",
                what.0, c.amount
            ),
            format!(
                "An invoice carries only realised units and allowed no-shows, not {} ({} EUR).",
                what.1, c.amount
            ),
        ));
    }
    out
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
    fn kela_benefit_per_reason() {
        let day = |n, status| KelaDay {
            date: d(2026, 3, n),
            status,
        };
        use AbsenceReason::*;
        use KelaDayStatus::*;
        let days = [
            day(2, Absent(OwnIllness)),
            day(3, Absent(JobInterview)),
            day(4, Absent(PublicOffice)),
            day(5, Absent(Other)),
            day(6, NotArranged),
            day(9, Absent(ChildIllness)),
            day(10, Absent(ChildIllness)),
            day(11, Absent(ChildIllness)),
            day(12, NotArranged),
            day(13, Absent(ChildIllness)),
            day(16, Absent(ChildIllness)),
            day(17, Present),
            day(18, Absent(ChildIllness)),
        ];
        let kept = benefit_kept(&days);
        assert_eq!(
            kept,
            vec![
                (d(2026, 3, 2), true),
                (d(2026, 3, 3), true),
                (d(2026, 3, 4), true),
                (d(2026, 3, 5), false),
                (d(2026, 3, 9), true),
                (d(2026, 3, 10), true),
                (d(2026, 3, 11), true),
                (d(2026, 3, 13), true),
                (d(2026, 3, 16), false), // the fifth day of the child's illness
                (d(2026, 3, 18), true),  // a new episode
            ]
        );
        for r in AbsenceReason::ALL {
            assert_eq!(AbsenceReason::from_code(r.code()), Some(r));
        }
    }

    #[test]
    fn kela_notices_every_two_weeks() {
        use KelaDayStatus::*;
        let days: Vec<KelaDay> = (2..=13)
            .map(|n| KelaDay {
                date: d(2026, 3, n),
                status: if n == 6 {
                    NotArranged
                } else if n == 10 {
                    Absent(AbsenceReason::OwnIllness)
                } else {
                    Present
                },
            })
            .collect();
        let on_time = [KelaNotice {
            sent_on: d(2026, 3, 16),
            covers_from: d(2026, 3, 2),
            covers_until: d(2026, 3, 15),
        }];
        let kela = |n: &[KelaNotice], as_of| {
            check_kela_notices(
                ServiceType::KttWorkCapacity,
                &days,
                n,
                as_of,
                DeadlineRoll::NextBusinessDay,
            )
        };
        assert!(kela(&on_time, d(2026, 4, 1)).is_empty());
        // Nothing sent: not yet due on 16.3. (2.3. + 14 days), overdue on 17.3.
        assert!(kela(&[], d(2026, 3, 16)).is_empty());
        let v = kela(&[], d(2026, 3, 17));
        assert!(has_rule(&v, ABS_KELA));
        assert!(v[0].message_en.contains("first 2026-03-02"));
        // One notice for four weeks: the first days are late.
        let monthly = [KelaNotice {
            sent_on: d(2026, 3, 31),
            covers_from: d(2026, 3, 1),
            covers_until: d(2026, 3, 31),
        }];
        let v = kela(&monthly, d(2026, 4, 1));
        assert_eq!(v.len(), 1);
        assert!(v[0].message_en.contains("more than two weeks"));
        // Not applied to SK.
        assert!(
            check_kela_notices(
                ServiceType::SkParticipation,
                &days,
                &[],
                d(2026, 5, 1),
                DeadlineRoll::Exact
            )
            .is_empty()
        );
    }

    #[test]
    fn prolonged_absence() {
        let cfg = ProlongedAbsenceConfig::default();
        let days = |absent: &[u32]| -> Vec<ArrangedDay> {
            [2, 3, 4, 5, 9, 10, 11, 12]
                .into_iter()
                .map(|n| ArrangedDay {
                    date: d(2026, 3, n),
                    attended: !absent.contains(&n),
                })
                .collect()
        };
        // Four absent days: not yet prolonged.
        let f = check_prolonged_absence(
            ServiceType::KttAssessment,
            &days(&[2, 3, 4, 5]),
            None,
            d(2026, 3, 31),
            &cfg,
        );
        assert!(f.violations.is_empty() && f.repeated_since.is_none());
        // Five consecutive arranged days absent (a week-end between does not break it).
        let five = days(&[4, 5, 9, 10, 11]);
        let f = check_prolonged_absence(
            ServiceType::KttAssessment,
            &five,
            None,
            d(2026, 3, 12),
            &cfg,
        );
        assert_eq!(f.repeated_since, Some(d(2026, 3, 11)));
        assert_eq!(f.notify_social_worker_by, Some(d(2026, 3, 12)));
        assert!(f.violations.is_empty());
        let f = check_prolonged_absence(
            ServiceType::KttAssessment,
            &five,
            None,
            d(2026, 3, 13),
            &cfg,
        );
        assert!(has_rule(&f.violations, ABS_PROLONGED));
        let f = check_prolonged_absence(
            ServiceType::KttWorkCapacity,
            &five,
            Some(d(2026, 3, 12)),
            d(2026, 3, 31),
            &cfg,
        );
        assert!(f.violations.is_empty());
        // Broken by attendance.
        let broken = days(&[2, 3, 4, 9, 10]);
        assert!(
            check_prolonged_absence(
                ServiceType::KttAssessment,
                &broken,
                None,
                d(2026, 3, 31),
                &cfg
            )
            .repeated_since
            .is_none()
        );
        // Other services: NOTIFY-CHANGE covers them.
        assert!(
            check_prolonged_absence(
                ServiceType::SkSupportedWork,
                &five,
                None,
                d(2026, 3, 31),
                &cfg
            )
            .violations
            .is_empty()
        );
    }

    #[test]
    fn no_extra_fees() {
        let c = |kind, payer, amount| Charge {
            kind,
            payer,
            amount,
        };
        let ok = [
            c(ChargeKind::RealisedUnits, Payer::County, dec!(600)),
            c(ChargeKind::NoShow, Payer::County, dec!(60)),
        ];
        assert!(check_charges(&ok).is_empty());
        for kind in [
            ChargeKind::IntroductoryVisit,
            ChargeKind::FollowUpMeeting,
            ChargeKind::Costs,
            ChargeKind::ClientFee,
            ChargeKind::Other,
        ] {
            let v = check_charges(&[c(kind, Payer::County, dec!(0))]);
            assert!(has_rule(&v, NO_EXTRA_FEES), "{kind:?}");
        }
        let v = check_charges(&[c(ChargeKind::RealisedUnits, Payer::Client, dec!(5))]);
        assert!(has_rule(&v, NO_EXTRA_FEES));
    }

    #[test]
    fn absence_records_and_kela() {
        let good = AbsenceEntry {
            date: d(2026, 3, 2),
            service_arranged: true,
            reason: Some("sairaus".into()),
            reported_to_kela: true,
        };
        assert!(
            check_absences(ServiceType::KttWorkCapacity, std::slice::from_ref(&good)).is_empty()
        );
        let bad = AbsenceEntry {
            reason: Some(" ".into()),
            reported_to_kela: false,
            ..good.clone()
        };
        let v = check_absences(ServiceType::KttWorkCapacity, std::slice::from_ref(&bad));
        assert!(has_rule(&v, ABS_RECORD) && has_rule(&v, ABS_KELA));
        let not_arranged = AbsenceEntry {
            service_arranged: false,
            ..good
        };
        assert!(has_rule(
            &check_absences(ServiceType::KttGroup, &[not_arranged]),
            ABS_RECORD
        ));
        assert!(check_absences(ServiceType::SkGroup, &[bad]).is_empty());
    }

    #[test]
    fn sick_certificate() {
        let a = SickAbsence {
            first_day: d(2026, 3, 2),
            last_day: d(2026, 3, 4),
            certificate_delivered: false,
            required_from_first_day: false,
        };
        assert!(check_sick_absence(ServiceType::KttAssessment, &a).is_empty()); // 3 days
        let four = SickAbsence {
            last_day: d(2026, 3, 5),
            ..a
        };
        assert!(has_rule(
            &check_sick_absence(ServiceType::KttAssessment, &four),
            ABS_SICK_CERT
        ));
        let with_cert = SickAbsence {
            certificate_delivered: true,
            ..four
        };
        assert!(check_sick_absence(ServiceType::KttAssessment, &with_cert).is_empty());
        let day_one = SickAbsence {
            last_day: d(2026, 3, 2),
            required_from_first_day: true,
            ..a
        };
        assert!(has_rule(
            &check_sick_absence(ServiceType::KttAssessment, &day_one),
            ABS_SICK_CERT
        ));
        assert!(check_sick_absence(ServiceType::SkParticipation, &four).is_empty());
    }

    #[test]
    fn repeated_no_shows() {
        let cfg = RepeatedAbsenceConfig::default();
        let s = |date, no_show| AgreedSession {
            date,
            no_show,
            client_contacted: true,
        };
        // One no-show, contacted: fine.
        let one = [s(d(2026, 3, 2), true), s(d(2026, 3, 4), false)];
        let f = check_absence_follow_up(&one, None, d(2026, 3, 20), &cfg);
        assert!(f.violations.is_empty() && f.repeated_since.is_none());
        // Not contacted.
        let nc = [AgreedSession {
            client_contacted: false,
            ..s(d(2026, 3, 2), true)
        }];
        assert!(has_rule(
            &check_absence_follow_up(&nc, None, d(2026, 3, 3), &cfg).violations,
            ABS_REPEATED
        ));
        // Two consecutive within a week: notify by the next business day.
        let two = [s(d(2026, 3, 2), true), s(d(2026, 3, 4), true)];
        let f = check_absence_follow_up(&two, None, d(2026, 3, 5), &cfg);
        assert_eq!(f.repeated_since, Some(d(2026, 3, 4)));
        assert_eq!(f.notify_social_worker_by, Some(d(2026, 3, 5)));
        assert!(f.violations.is_empty());
        let f = check_absence_follow_up(&two, None, d(2026, 3, 6), &cfg);
        assert!(has_rule(&f.violations, ABS_REPEATED));
        let f = check_absence_follow_up(&two, Some(d(2026, 3, 5)), d(2026, 3, 30), &cfg);
        assert!(f.violations.is_empty());
        // Far apart but three in a row: continuing.
        let three = [
            s(d(2026, 3, 2), true),
            s(d(2026, 3, 16), true),
            s(d(2026, 3, 30), true),
        ];
        assert_eq!(
            check_absence_follow_up(&three, None, d(2026, 3, 30), &cfg).repeated_since,
            Some(d(2026, 3, 30))
        );
        // Interrupted by attendance: not repeated.
        let broken = [
            s(d(2026, 3, 2), true),
            s(d(2026, 3, 3), false),
            s(d(2026, 3, 4), true),
        ];
        assert!(
            check_absence_follow_up(&broken, None, d(2026, 3, 30), &cfg)
                .repeated_since
                .is_none()
        );
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
