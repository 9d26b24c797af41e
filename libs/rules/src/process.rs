//! From decision to sessions, and what must be told (RULES.md §4–§6): PROC-COACH,
//! KTT-STEWARD, PROC-START, PROC-CONTRACT, NOTIFY-CHANGE, PROC-INTERRUPT, ABS-PROLONGED (a
//! service not going as planned) and PROV-DAMAGE-NOTICE.
//!
//! "Without delay" and "at once" are configurable as business days (default: by the next
//! business day). Deadlines roll to the next business day (RULES.md §9, Act 150/1930 § 5).

use crate::calendar::{DeadlineRoll, add_business_days, roll_deadline};
use crate::catalogue::ServiceType;
use crate::rule_ids::{
    ABS_PROLONGED, KTT_NOT_ONLY_REMOTE, KTT_STEWARD, NOTIFY_CHANGE, PROC_COACH, PROC_CONTRACT,
    PROC_INTERRUPT, PROC_START, PROV_DAMAGE_NOTICE,
};
use crate::sessions::Modality;
use crate::violation::Violation;
use chrono::NaiveDate;

/// Default of [`ProcessConfig::start_within_business_days`] (RULES.md §5: 10 business days).
pub const DEFAULT_START_WITHIN_BUSINESS_DAYS: u32 = 10;
/// Default of [`ProcessConfig::notify_within_business_days`]: by the next business day.
pub const DEFAULT_NOTIFY_WITHIN_BUSINESS_DAYS: u32 = 1;

/// Configuration of the process deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessConfig {
    /// PROC-START: business days after the client chose the provider (ChooseProvider) within
    /// which the service starts when no start date was agreed (default
    /// [`DEFAULT_START_WITHIN_BUSINESS_DAYS`] = 10).
    pub start_within_business_days: u32,
    /// NOTIFY-CHANGE / PROC-INTERRUPT / ABS-PROLONGED / PROV-DAMAGE-NOTICE: business days
    /// allowed for "without delay" and "at once" (default 1).
    pub notify_within_business_days: u32,
    /// Deadline rolling.
    pub roll: DeadlineRoll,
}

impl Default for ProcessConfig {
    fn default() -> Self {
        Self {
            start_within_business_days: DEFAULT_START_WITHIN_BUSINESS_DAYS,
            notify_within_business_days: DEFAULT_NOTIFY_WITHIN_BUSINESS_DAYS,
            roll: DeadlineRoll::NextBusinessDay,
        }
    }
}

/// The start-of-service checklist of a service: the rule ids that must be satisfied.
/// KTT-STEWARD only for KTT work activity (optional for coaching), PROC-CONTRACT for KTT.
pub fn start_checklist(service: ServiceType) -> Vec<&'static str> {
    let mut v = vec![PROC_COACH, PROC_START];
    if service.is_ktt_work_activity() {
        v.push(KTT_STEWARD);
    }
    if service.is_ktt() {
        v.push(PROC_CONTRACT);
    }
    v
}

/// The facts of a client's start with a provider, as the start rules need them dated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceStart {
    /// The service.
    pub service: ServiceType,
    /// PROC-START counts from here: the day the client chose the provider (ChooseProvider),
    /// i.e. ordered the service from it (or from [`ServiceStart::valid_from`] when later).
    pub provider_chosen_on: NaiveDate,
    /// The voucher's first valid day: PROC-START counts from the later of it and the choice
    /// (RULES.md §10, "Start of service": a voucher valid from a later day cannot start before
    /// it). `None`: from the choice.
    pub valid_from: Option<NaiveDate>,
    /// A continuation (VOUCHER-EXTENSION: the voucher continues another) with the same
    /// provider: no new client, so PROC-START owes no new start.
    pub continues_with_same_provider: bool,
    /// A start date agreed separately with the client and social worker (or a closed group's
    /// announced start); replaces the default limit.
    pub agreed_start: Option<NaiveDate>,
    /// When the service actually started (its first day), if it has.
    pub started_on: Option<NaiveDate>,
    /// Today (Europe/Helsinki).
    pub as_of: NaiveDate,
    /// When the client–provider contract was made (KTT: the responsible coach is named then).
    pub contract_made_on: Option<NaiveDate>,
    /// PROC-COACH: when the responsible coach was named, if they were.
    pub responsible_coach_named_on: Option<NaiveDate>,
    /// KTT-STEWARD: when the chief shop steward of the work place was notified, if they were.
    pub steward_notified_on: Option<NaiveDate>,
}

/// The facts of a client's start with a provider (the original, undated form of
/// [`ServiceStart`]; kept for existing callers of [`check_start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartFacts {
    /// The service.
    pub service: ServiceType,
    /// When the service was ordered from the provider: the day the client chose it
    /// (ChooseProvider). Passing "today" here makes PROC-START unable to fail.
    pub ordered_on: NaiveDate,
    /// A start date agreed separately with the client and social worker (or a closed group's
    /// announced start).
    pub agreed_start: Option<NaiveDate>,
    /// When the service actually started.
    pub started_on: Option<NaiveDate>,
    /// Today.
    pub as_of: NaiveDate,
    /// PROC-COACH: a responsible coach is named.
    pub responsible_coach_named: bool,
    /// KTT-STEWARD: the chief shop steward of the work place is notified.
    pub steward_notified: bool,
}

impl From<&StartFacts> for ServiceStart {
    /// Undated facts: a named coach and a notified steward count as done before anything
    /// (their dates cannot be checked).
    fn from(f: &StartFacts) -> Self {
        ServiceStart {
            service: f.service,
            provider_chosen_on: f.ordered_on,
            valid_from: None,
            continues_with_same_provider: false,
            agreed_start: f.agreed_start,
            started_on: f.started_on,
            as_of: f.as_of,
            contract_made_on: None,
            responsible_coach_named_on: f.responsible_coach_named.then_some(NaiveDate::MIN),
            steward_notified_on: f.steward_notified.then_some(NaiveDate::MIN),
        }
    }
}

/// The latest start date of PROC-START: the agreed start, else
/// [`ProcessConfig::start_within_business_days`] business days after the later of the day the
/// provider was chosen and the voucher's first valid day (rolled to a business day).
pub fn latest_service_start(f: &ServiceStart, cfg: &ProcessConfig) -> NaiveDate {
    let counted_from = f
        .valid_from
        .map_or(f.provider_chosen_on, |v| v.max(f.provider_chosen_on));
    f.agreed_start.unwrap_or_else(|| {
        roll_deadline(
            add_business_days(counted_from, cfg.start_within_business_days),
            cfg.roll,
        )
    })
}

/// The latest start date of PROC-START for [`StartFacts`] (see [`latest_service_start`]).
pub fn latest_start(f: &StartFacts, cfg: &ProcessConfig) -> NaiveDate {
    latest_service_start(&ServiceStart::from(f), cfg)
}

/// PROC-COACH: the day by which the responsible coach must be named — KTT at the contract
/// ("heti sopimusta tehtäessä"; the start when the contract date is not known), SK at the
/// service start ("heti palvelun käynnistyessä"). `None` while neither has happened.
pub fn coach_due_by(
    service: ServiceType,
    contract_made_on: Option<NaiveDate>,
    started_on: Option<NaiveDate>,
) -> Option<NaiveDate> {
    if service.is_ktt() {
        contract_made_on.or(started_on)
    } else {
        started_on
    }
}

/// PROC-START, PROC-COACH and KTT-STEWARD at the start of a service:
/// - PROC-START: the service starts by [`latest_service_start`] (counted from the later of the
///   day the provider was chosen and the first valid day); not started when `as_of` is past it
///   is a violation too; a continuation with the same provider owes no new start;
/// - PROC-COACH: the responsible coach is named by [`coach_due_by`];
/// - KTT-STEWARD: KTT work activity (`KTT_ASSESSMENT`, `KTT_WORK_CAPACITY`) cannot start
///   before the chief shop steward is notified ([`check_steward_notice`], whatever the date
///   of the start); for KTT coaching the notice is optional.
pub fn check_service_start(f: &ServiceStart, cfg: &ProcessConfig) -> Vec<Violation> {
    let mut out = Vec::new();
    let latest = latest_service_start(f, cfg);
    // PROC-START
    let late = !f.continues_with_same_provider
        && match f.started_on {
            Some(s) => s > latest,
            None => f.as_of > latest,
        };
    if late {
        out.push(Violation::of(
            PROC_START,
            format!(
                "Uusi asiakas on otettava vastaan viipymättä: palveluntuottaja valittiin {}, \
                 palvelun on alettava viimeistään {latest}.",
                f.provider_chosen_on
            ),
            format!(
                "A new client must be taken without delay: the provider was chosen on {}, the \
                 service must start by {latest}.",
                f.provider_chosen_on
            ),
        ));
    }
    let started = f.started_on.filter(|s| *s <= f.as_of);

    // PROC-COACH
    if let Some(due) = coach_due_by(f.service, f.contract_made_on, started)
        && due <= f.as_of
        && f.responsible_coach_named_on.is_none_or(|n| n > due)
    {
        let (fi, en) = if f.service.is_ktt() {
            ("sopimusta tehtäessä", "when the contract is made")
        } else {
            ("palvelun käynnistyessä", "when the service starts")
        };
        out.push(Violation::of(
            PROC_COACH,
            format!("Asiakkaalle on nimettävä vastuuohjaaja {fi} ({due})."),
            format!("A responsible coach must be named {en} ({due})."),
        ));
    }

    // KTT-STEWARD
    out.extend(check_steward_notice(
        f.service,
        f.steward_notified_on,
        f.started_on,
        f.as_of,
    ));
    out
}

/// KTT-STEWARD (KTT 2.1, law 189/2001 §16): KTT work activity (`KTT_ASSESSMENT`,
/// `KTT_WORK_CAPACITY`) has no first work day before the chief shop steward is notified —
/// whatever the day's date: a first work day agreed for a later day needs the notice as one of
/// today does (RULES.md §10). `first_day` is the service's first work day (agreed or realised),
/// if it has one. A notice date is never after the first day nor after `as_of`; for KTT
/// coaching the notice is optional (but dated the same way when given); SK has none.
pub fn check_steward_notice(
    service: ServiceType,
    notified_on: Option<NaiveDate>,
    first_day: Option<NaiveDate>,
    as_of: NaiveDate,
) -> Option<Violation> {
    if !service.is_ktt() {
        return None;
    }
    match (notified_on, first_day) {
        (None, Some(_)) if service.is_ktt_work_activity() => Some(Violation::of(
            KTT_STEWARD,
            "Kuntouttavan työtoiminnan aloittamisesta on ilmoitettava työtoimintapaikan \
             pääluottamusmiehelle ennen ensimmäistä toimintapäivää (189/2001 16 §).",
            "The chief shop steward of the work place must be notified before the first day \
             of KTT work activity (189/2001 s. 16).",
        )),
        (Some(n), _) if first_day.is_some_and(|s| n > s) || n > as_of => Some(Violation::of(
            KTT_STEWARD,
            format!(
                "Pääluottamusmiehelle ilmoittamisen päivä {n} ei voi olla palvelun alkamisen \
                 tai tämän päivän jälkeen."
            ),
            format!(
                "The chief shop steward's notice date {n} cannot be after the start or after \
                 today."
            ),
        )),
        _ => None,
    }
}

/// PROC-START, PROC-COACH and KTT-STEWARD for undated [`StartFacts`]: [`check_service_start`]
/// with the coach and steward taken as done before anything when their flags are set (their
/// dates cannot be checked). Kept for existing callers; new callers use
/// [`check_service_start`] with the ChooseProvider date, so that PROC-START can fail.
pub fn check_start(f: &StartFacts, cfg: &ProcessConfig) -> Vec<Violation> {
    check_service_start(&ServiceStart::from(f), cfg)
}

/// What the client–provider contract records (PROC-CONTRACT, KTT 2.2, 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractFacts<'a> {
    /// The service.
    pub service: ServiceType,
    /// Agreed delivery modes.
    pub delivery_modes: &'a [Modality],
    /// Agreed share of remote coaching, in percent.
    pub remote_share_percent: Option<u8>,
    /// The tools used ("käytettävät välineet"), e.g. "puhelin", "Teams", "työvälineet".
    pub tools: &'a [&'a str],
}

/// PROC-CONTRACT (KTT 2.2, 3): delivery modes recorded; the tools used recorded (at least one
/// non-blank); if remote is among the modes, the remote share is recorded (0–100), and a
/// remote share above 0 needs remote among the modes. KTT-NOT-ONLY-REMOTE: a KTT contract is
/// never remote only. SK contracts are not checked (SK 4.2 asks only that modes are agreed).
pub fn check_contract(c: &ContractFacts<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    if !c.service.is_ktt() {
        return out;
    }
    // PROC-CONTRACT
    if c.delivery_modes.is_empty() {
        out.push(Violation::of(
            PROC_CONTRACT,
            "Sopimukseen on kirjattava palvelun toteutustavat.",
            "The contract must record the delivery modes.",
        ));
    }
    if !c.tools.iter().any(|t| !t.trim().is_empty()) {
        out.push(Violation::of(
            PROC_CONTRACT,
            "Sopimukseen on kirjattava käytettävät välineet.",
            "The contract must record the tools used.",
        ));
    }
    let remote = c.delivery_modes.contains(&Modality::Remote);
    match c.remote_share_percent {
        None if remote => out.push(Violation::of(
            PROC_CONTRACT,
            "Sopimukseen on kirjattava etävalmennuksen osuus.",
            "The contract must record the share of remote coaching.",
        )),
        Some(p) if p > 100 => out.push(Violation::of(
            PROC_CONTRACT,
            format!("Etävalmennuksen osuus {p} % ei ole välillä 0–100."),
            format!("Remote share {p} % is not within 0-100."),
        )),
        Some(p) if p > 0 && !remote => out.push(Violation::of(
            PROC_CONTRACT,
            format!(
                "Etävalmennuksen osuus on {p} %, mutta etävalmennus ei ole sovittu toteutustapa."
            ),
            format!(
                "A remote share of {p} % is recorded but remote coaching is not an agreed mode."
            ),
        )),
        _ => {}
    }
    // KTT-NOT-ONLY-REMOTE
    let only_remote = (remote && !c.delivery_modes.contains(&Modality::OnSite))
        || c.remote_share_percent.is_some_and(|p| p >= 100);
    if only_remote {
        out.push(Violation::of(
            KTT_NOT_ONLY_REMOTE,
            "Kuntouttavaa työtoimintaa ei voida toteuttaa pelkästään etävalmennuksena.",
            "KTT cannot be delivered only as remote coaching.",
        ));
    }
    out
}

/// What happened that the social worker must be told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// NOTIFY-CHANGE: a change in the client's situation affecting the service (working
    /// hours, functional capacity), a service that turns out not to fit, or concern.
    Change,
    /// PROC-INTERRUPT: the service stopped or never started for client reasons.
    Interruption,
    /// ABS-PROLONGED (KTT 2.2.3 (9), 2.2.4 (9)): the service is not going as planned and as
    /// agreed (prolonged absences: [`crate::absences::check_prolonged_absence`]).
    NotGoingAsPlanned,
    /// PROV-DAMAGE-NOTICE (KTT 1.4, SK 2.5): a damage in the service.
    Damage,
}

/// NOTIFY-CHANGE / PROC-INTERRUPT / ABS-PROLONGED / PROV-DAMAGE-NOTICE: the social worker is
/// told without delay (by `occurred_on` + [`ProcessConfig::notify_within_business_days`],
/// rolled). Realised sessions of an interrupted service stay billable.
pub fn check_notice(
    kind: NoticeKind,
    occurred_on: NaiveDate,
    notified_on: Option<NaiveDate>,
    as_of: NaiveDate,
    cfg: &ProcessConfig,
) -> Vec<Violation> {
    let due = roll_deadline(
        add_business_days(occurred_on, cfg.notify_within_business_days),
        cfg.roll,
    );
    let late = match notified_on {
        Some(n) => n > due,
        None => as_of > due,
    };
    if !late {
        return Vec::new();
    }
    let (rule, fi, en) = match kind {
        NoticeKind::Change => (
            NOTIFY_CHANGE,
            "Asiakkaan tilanteen muutoksesta",
            "A change in the client's situation",
        ),
        NoticeKind::Interruption => (
            PROC_INTERRUPT,
            "Palvelun keskeytymisestä tai käynnistymättä jäämisestä",
            "The interruption (or non-start) of the service",
        ),
        NoticeKind::NotGoingAsPlanned => (
            ABS_PROLONGED,
            "Tilanteesta, jossa palvelu ei etene suunnitelman mukaisesti,",
            "A service not going as planned",
        ),
        NoticeKind::Damage => (
            PROV_DAMAGE_NOTICE,
            "Palvelussa sattuneesta vahingosta",
            "A damage in the service",
        ),
    };
    vec![Violation::of(
        rule,
        format!(
            "{fi} ({occurred_on}) on ilmoitettava omatyöntekijälle viipymättä, viimeistään {due}."
        ),
        format!(
            "{en} ({occurred_on}) must be notified to the social worker without delay, by {due}."
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn start() -> StartFacts {
        StartFacts {
            service: ServiceType::KttWorkCapacity,
            ordered_on: d(2026, 3, 2),
            agreed_start: None,
            started_on: Some(d(2026, 3, 5)),
            as_of: d(2026, 3, 20),
            responsible_coach_named: true,
            steward_notified: true,
        }
    }

    fn service_start() -> ServiceStart {
        ServiceStart {
            service: ServiceType::KttWorkCapacity,
            provider_chosen_on: d(2026, 3, 2),
            valid_from: None,
            continues_with_same_provider: false,
            agreed_start: None,
            started_on: Some(d(2026, 3, 9)),
            as_of: d(2026, 3, 20),
            contract_made_on: Some(d(2026, 3, 4)),
            responsible_coach_named_on: Some(d(2026, 3, 4)),
            steward_notified_on: Some(d(2026, 3, 6)),
        }
    }

    #[test]
    fn start_rules() {
        let cfg = ProcessConfig::default();
        assert!(check_start(&start(), &cfg).is_empty());
        // 10 business days after Monday 2.3.2026.
        assert_eq!(latest_start(&start(), &cfg), d(2026, 3, 16));
        let v = check_start(
            &StartFacts {
                started_on: Some(d(2026, 3, 17)),
                responsible_coach_named: false,
                steward_notified: false,
                ..start()
            },
            &cfg,
        );
        assert!(has_rule(&v, PROC_START) && has_rule(&v, PROC_COACH) && has_rule(&v, KTT_STEWARD));
        let agreed = StartFacts {
            agreed_start: Some(d(2026, 4, 1)),
            started_on: Some(d(2026, 4, 1)),
            ..start()
        };
        assert!(check_start(&agreed, &cfg).is_empty());
        let sk = StartFacts {
            service: ServiceType::SkGroup,
            steward_notified: false,
            ..start()
        };
        assert!(check_start(&sk, &cfg).is_empty());
        let waiting = StartFacts {
            started_on: None,
            as_of: d(2026, 3, 17),
            ..start()
        };
        assert!(has_rule(&check_start(&waiting, &cfg), PROC_START));
        assert_eq!(
            start_checklist(ServiceType::KttAssessment),
            vec![PROC_COACH, PROC_START, KTT_STEWARD, PROC_CONTRACT]
        );
        assert_eq!(
            start_checklist(ServiceType::KttGroup),
            vec![PROC_COACH, PROC_START, PROC_CONTRACT]
        );
        assert_eq!(start_checklist(ServiceType::SkGroup).len(), 2);
    }

    #[test]
    fn proc_start_counts_from_the_choice() {
        let cfg = ProcessConfig::default();
        assert!(check_service_start(&service_start(), &cfg).is_empty());
        // Chosen on 2.3., started on 17.3.: later than 10 business days.
        let late = ServiceStart {
            started_on: Some(d(2026, 3, 17)),
            ..service_start()
        };
        assert!(has_rule(&check_service_start(&late, &cfg), PROC_START));
        // The start agreed with the social worker replaces the default.
        let agreed = ServiceStart {
            agreed_start: Some(d(2026, 3, 20)),
            ..late
        };
        assert!(!has_rule(&check_service_start(&agreed, &cfg), PROC_START));
        // Not started and past the limit.
        let waiting = ServiceStart {
            started_on: None,
            as_of: d(2026, 3, 17),
            ..service_start()
        };
        assert!(has_rule(&check_service_start(&waiting, &cfg), PROC_START));
        // A configured limit.
        let five = ProcessConfig {
            start_within_business_days: 5,
            ..cfg
        };
        assert!(!has_rule(
            &check_service_start(&service_start(), &five),
            PROC_START
        ));
        let v = check_service_start(
            &ServiceStart {
                started_on: Some(d(2026, 3, 10)),
                ..service_start()
            },
            &five,
        );
        assert!(has_rule(&v, PROC_START));
    }

    #[test]
    fn ktt_steward_for_work_activity_only_and_dated() {
        let cfg = ProcessConfig::default();
        // Work activity: required by the start.
        let none = ServiceStart {
            steward_notified_on: None,
            ..service_start()
        };
        assert!(has_rule(&check_service_start(&none, &cfg), KTT_STEWARD));
        // Not yet started: nothing is due.
        let before = ServiceStart {
            started_on: None,
            as_of: d(2026, 3, 5),
            ..none
        };
        assert!(check_service_start(&before, &cfg).is_empty());
        // The date cannot be after the start.
        let after = ServiceStart {
            steward_notified_on: Some(d(2026, 3, 10)),
            ..service_start()
        };
        assert!(has_rule(&check_service_start(&after, &cfg), KTT_STEWARD));
        let same_day = ServiceStart {
            steward_notified_on: Some(d(2026, 3, 9)),
            ..service_start()
        };
        assert!(check_service_start(&same_day, &cfg).is_empty());
        // Optional for coaching.
        for service in [ServiceType::KttIndividual, ServiceType::KttGroup] {
            let coaching = ServiceStart {
                service,
                steward_notified_on: None,
                ..service_start()
            };
            assert!(check_service_start(&coaching, &cfg).is_empty(), "{service}");
        }
        // SK: no steward at all.
        let sk = ServiceStart {
            service: ServiceType::SkSupportedWork,
            steward_notified_on: Some(d(2026, 12, 1)),
            ..service_start()
        };
        assert!(check_service_start(&sk, &cfg).is_empty());
    }

    #[test]
    fn ktt_steward_holds_for_a_first_work_day_agreed_for_a_later_day() {
        let cfg = ProcessConfig::default();
        // KTT-STEWARD: the first work day agreed for 23.3., checked on 20.3. without a notice.
        let agreed = ServiceStart {
            started_on: Some(d(2026, 3, 23)),
            steward_notified_on: None,
            agreed_start: Some(d(2026, 3, 23)),
            ..service_start()
        };
        assert!(has_rule(&check_service_start(&agreed, &cfg), KTT_STEWARD));
        // Notified today (before the agreed day): in order.
        let notified = ServiceStart {
            steward_notified_on: Some(d(2026, 3, 20)),
            ..agreed
        };
        assert!(check_service_start(&notified, &cfg).is_empty());
        // The notice function itself: work activity needs it, dated no later than the first
        // day and today; coaching does not need it; SK has none.
        let work = ServiceType::KttAssessment;
        let (first, today) = (Some(d(2026, 3, 23)), d(2026, 3, 20));
        assert_eq!(
            check_steward_notice(work, None, first, today).map(|v| v.rule),
            Some(KTT_STEWARD)
        );
        assert!(check_steward_notice(work, None, None, today).is_none());
        assert!(check_steward_notice(work, Some(d(2026, 3, 23)), first, today).is_some());
        assert!(check_steward_notice(work, Some(d(2026, 3, 24)), first, d(2026, 3, 25)).is_some());
        assert!(check_steward_notice(work, Some(d(2026, 3, 19)), first, today).is_none());
        assert!(check_steward_notice(ServiceType::KttIndividual, None, first, today).is_none());
        assert!(check_steward_notice(ServiceType::SkSupportedWork, None, first, today).is_none());
    }

    #[test]
    fn proc_start_counts_from_the_first_valid_day_when_later() {
        let cfg = ProcessConfig::default();
        // PROC-START: chosen 2.3., valid from Monday 4.5.: ten business days from 4.5. (19.5.,
        // Ascension Day 14.5. is a holiday).
        let later_validity = ServiceStart {
            valid_from: Some(d(2026, 5, 4)),
            started_on: Some(d(2026, 5, 8)),
            as_of: d(2026, 5, 8),
            steward_notified_on: Some(d(2026, 5, 4)),
            ..service_start()
        };
        assert_eq!(latest_service_start(&later_validity, &cfg), d(2026, 5, 19));
        assert!(check_service_start(&later_validity, &cfg).is_empty());
        // Counted from the choice alone, the same start would be late.
        let from_choice = ServiceStart {
            valid_from: None,
            ..later_validity
        };
        assert!(has_rule(
            &check_service_start(&from_choice, &cfg),
            PROC_START
        ));
        // A first valid day before the choice: still from the choice.
        let earlier_validity = ServiceStart {
            valid_from: Some(d(2026, 1, 1)),
            ..service_start()
        };
        assert_eq!(
            latest_service_start(&earlier_validity, &cfg),
            d(2026, 3, 16)
        );
        // Past the limit counted from the first valid day.
        let late = ServiceStart {
            started_on: Some(d(2026, 5, 20)),
            as_of: d(2026, 5, 20),
            ..later_validity
        };
        assert!(has_rule(&check_service_start(&late, &cfg), PROC_START));
    }

    #[test]
    fn proc_start_owes_no_new_start_on_a_continuation_with_the_same_provider() {
        let cfg = ProcessConfig::default();
        // PROC-START, VOUCHER-EXTENSION: started two months after the choice.
        let late = ServiceStart {
            started_on: Some(d(2026, 5, 4)),
            as_of: d(2026, 5, 4),
            ..service_start()
        };
        assert!(has_rule(&check_service_start(&late, &cfg), PROC_START));
        let continuation = ServiceStart {
            continues_with_same_provider: true,
            ..late
        };
        assert!(!has_rule(
            &check_service_start(&continuation, &cfg),
            PROC_START
        ));
        // The other start rules still hold on a continuation.
        let unnotified = ServiceStart {
            steward_notified_on: None,
            ..continuation
        };
        assert!(has_rule(
            &check_service_start(&unnotified, &cfg),
            KTT_STEWARD
        ));
    }

    #[test]
    fn proc_coach_ktt_at_contract_sk_at_start() {
        let cfg = ProcessConfig::default();
        // KTT: named after the contract was made.
        let late = ServiceStart {
            responsible_coach_named_on: Some(d(2026, 3, 5)),
            ..service_start()
        };
        assert!(has_rule(&check_service_start(&late, &cfg), PROC_COACH));
        // SK: by the start is enough.
        let sk = ServiceStart {
            service: ServiceType::SkIndividual,
            responsible_coach_named_on: Some(d(2026, 3, 9)),
            ..service_start()
        };
        assert!(check_service_start(&sk, &cfg).is_empty());
        let sk_late = ServiceStart {
            responsible_coach_named_on: Some(d(2026, 3, 10)),
            ..sk
        };
        assert!(has_rule(&check_service_start(&sk_late, &cfg), PROC_COACH));
        let sk_never = ServiceStart {
            responsible_coach_named_on: None,
            ..sk
        };
        assert!(has_rule(&check_service_start(&sk_never, &cfg), PROC_COACH));
        assert_eq!(
            coach_due_by(ServiceType::KttGroup, None, Some(d(2026, 3, 9))),
            Some(d(2026, 3, 9))
        );
        assert_eq!(
            coach_due_by(ServiceType::SkGroup, Some(d(2026, 3, 4)), None),
            None
        );
    }

    #[test]
    fn contract_rules() {
        let both = [Modality::OnSite, Modality::Remote];
        let ok = ContractFacts {
            service: ServiceType::KttIndividual,
            delivery_modes: &both,
            remote_share_percent: Some(30),
            tools: &["puhelin", "Teams"],
        };
        assert!(check_contract(&ok).is_empty());
        let v = check_contract(&ContractFacts {
            tools: &[" "],
            ..ok
        });
        assert!(has_rule(&v, PROC_CONTRACT));
        let v = check_contract(&ContractFacts {
            delivery_modes: &[Modality::OnSite],
            ..ok
        });
        assert!(has_rule(&v, PROC_CONTRACT));
        let on_site = ContractFacts {
            delivery_modes: &[Modality::OnSite],
            remote_share_percent: None,
            ..ok
        };
        assert!(check_contract(&on_site).is_empty());
        let v = check_contract(&ContractFacts {
            remote_share_percent: None,
            ..ok
        });
        assert!(has_rule(&v, PROC_CONTRACT));
        let v = check_contract(&ContractFacts {
            delivery_modes: &[],
            remote_share_percent: None,
            ..ok
        });
        assert!(has_rule(&v, PROC_CONTRACT));
        let v = check_contract(&ContractFacts {
            delivery_modes: &[Modality::Remote],
            ..ok
        });
        assert!(has_rule(&v, KTT_NOT_ONLY_REMOTE));
        let v = check_contract(&ContractFacts {
            remote_share_percent: Some(100),
            ..ok
        });
        assert!(has_rule(&v, KTT_NOT_ONLY_REMOTE));
        let v = check_contract(&ContractFacts {
            remote_share_percent: Some(101),
            ..ok
        });
        assert!(has_rule(&v, PROC_CONTRACT));
        let sk = ContractFacts {
            service: ServiceType::SkIndividual,
            delivery_modes: &[Modality::Remote],
            remote_share_percent: Some(100),
            tools: &[],
        };
        assert!(check_contract(&sk).is_empty());
    }

    #[test]
    fn notices() {
        let cfg = ProcessConfig::default();
        // Friday 2026-03-06 → due Monday 2026-03-09.
        let occurred = d(2026, 3, 6);
        assert!(
            check_notice(
                NoticeKind::Change,
                occurred,
                Some(d(2026, 3, 9)),
                d(2026, 3, 20),
                &cfg
            )
            .is_empty()
        );
        assert!(check_notice(NoticeKind::Change, occurred, None, d(2026, 3, 9), &cfg).is_empty());
        let v = check_notice(
            NoticeKind::Change,
            occurred,
            Some(d(2026, 3, 10)),
            d(2026, 3, 20),
            &cfg,
        );
        assert!(has_rule(&v, NOTIFY_CHANGE));
        let v = check_notice(
            NoticeKind::Interruption,
            occurred,
            None,
            d(2026, 3, 10),
            &cfg,
        );
        assert!(has_rule(&v, PROC_INTERRUPT));
        let v = check_notice(NoticeKind::Damage, occurred, None, d(2026, 3, 10), &cfg);
        assert!(has_rule(&v, PROV_DAMAGE_NOTICE));
        assert!(
            check_notice(
                NoticeKind::Damage,
                occurred,
                Some(occurred),
                d(2026, 3, 10),
                &cfg
            )
            .is_empty()
        );
        let v = check_notice(
            NoticeKind::NotGoingAsPlanned,
            occurred,
            Some(d(2026, 3, 11)),
            d(2026, 3, 20),
            &cfg,
        );
        assert!(has_rule(&v, ABS_PROLONGED));
    }
}
