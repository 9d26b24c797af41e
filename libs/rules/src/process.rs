//! From decision to sessions, and what must be told (RULES.md §5, §6): PROC-COACH,
//! KTT-STEWARD, PROC-START, PROC-CONTRACT, NOTIFY-CHANGE and PROC-INTERRUPT.
//!
//! "Without delay" and "at once" are configurable as business days (default: by the next
//! business day).

use crate::calendar::{DeadlineRoll, add_business_days, roll_deadline};
use crate::catalogue::ServiceType;
use crate::rule_ids::{
    KTT_NOT_ONLY_REMOTE, KTT_STEWARD, NOTIFY_CHANGE, PROC_COACH, PROC_CONTRACT, PROC_INTERRUPT,
    PROC_START,
};
use crate::sessions::Modality;
use crate::violation::Violation;
use chrono::NaiveDate;

/// Configuration of the process deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessConfig {
    /// PROC-START: business days after the order within which a new client is taken when no
    /// start date was agreed (default 5).
    pub start_within_business_days: u32,
    /// NOTIFY-CHANGE / PROC-INTERRUPT: business days allowed for "without delay" (default 1).
    pub notify_within_business_days: u32,
    /// Deadline rolling.
    pub roll: DeadlineRoll,
}

impl Default for ProcessConfig {
    fn default() -> Self {
        Self {
            start_within_business_days: 5,
            notify_within_business_days: 1,
            roll: DeadlineRoll::NextBusinessDay,
        }
    }
}

/// The start-of-service checklist of a service: the rule ids that must be satisfied.
pub fn start_checklist(service: ServiceType) -> Vec<&'static str> {
    let mut v = vec![PROC_COACH, PROC_START];
    if service.is_ktt() {
        v.push(KTT_STEWARD);
        v.push(PROC_CONTRACT);
    }
    v
}

/// The facts of a client's start with a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartFacts {
    /// The service.
    pub service: ServiceType,
    /// When the service was ordered from the provider (the voucher was taken to it).
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

/// The latest start date of PROC-START.
pub fn latest_start(f: &StartFacts, cfg: &ProcessConfig) -> NaiveDate {
    f.agreed_start.unwrap_or_else(|| {
        roll_deadline(
            add_business_days(f.ordered_on, cfg.start_within_business_days),
            cfg.roll,
        )
    })
}

/// PROC-START, PROC-COACH and KTT-STEWARD at the start of a service.
pub fn check_start(f: &StartFacts, cfg: &ProcessConfig) -> Vec<Violation> {
    let mut out = Vec::new();
    let latest = latest_start(f, cfg);
    // PROC-START
    let late = match f.started_on {
        Some(s) => s > latest,
        None => f.as_of > latest,
    };
    if late {
        out.push(Violation::of(
            PROC_START,
            format!("Uusi asiakas on otettava vastaan viipymättä, viimeistään {latest}."),
            format!("A new client must be taken without delay, at the latest on {latest}."),
        ));
    }
    let started = f.started_on.is_some_and(|s| s <= f.as_of);
    // PROC-COACH
    if started && !f.responsible_coach_named {
        out.push(Violation::of(
            PROC_COACH,
            "Asiakkaalle on nimettävä vastuuohjaaja sopimusta tehtäessä.",
            "A responsible coach must be named at contract start.",
        ));
    }
    // KTT-STEWARD
    if started && f.service.is_ktt() && !f.steward_notified {
        out.push(Violation::of(
            KTT_STEWARD,
            "Kuntouttavan työtoiminnan aloittamisesta on ilmoitettava työtoimintapaikan pääluottamusmiehelle (189/2001 16 §).",
            "The chief shop steward of the work place must be notified of the start of KTT (189/2001 s. 16).",
        ));
    }
    out
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
}

/// PROC-CONTRACT (KTT): delivery modes recorded; if remote is among them, the remote share is
/// recorded (0–100). KTT-NOT-ONLY-REMOTE: a KTT contract is never remote only. SK contracts
/// are not checked (SK 4.2 asks only that modes are agreed).
pub fn check_contract(c: &ContractFacts<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    if !c.service.is_ktt() {
        return out;
    }
    if c.delivery_modes.is_empty() {
        out.push(Violation::of(
            PROC_CONTRACT,
            "Sopimukseen on kirjattava palvelun toteutustavat.",
            "The contract must record the delivery modes.",
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
}

/// NOTIFY-CHANGE / PROC-INTERRUPT: the social worker is told without delay (by
/// `occurred_on` + [`ProcessConfig::notify_within_business_days`]). Realised sessions of an
/// interrupted service stay billable.
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

    #[test]
    fn start_rules() {
        let cfg = ProcessConfig::default();
        assert!(check_start(&start(), &cfg).is_empty());
        assert_eq!(latest_start(&start(), &cfg), d(2026, 3, 9));
        let v = check_start(
            &StartFacts {
                started_on: Some(d(2026, 3, 10)),
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
            as_of: d(2026, 3, 10),
            ..start()
        };
        assert!(has_rule(&check_start(&waiting, &cfg), PROC_START));
        assert_eq!(start_checklist(ServiceType::KttGroup).len(), 4);
        assert_eq!(start_checklist(ServiceType::SkGroup).len(), 2);
    }

    #[test]
    fn contract_rules() {
        let both = [Modality::OnSite, Modality::Remote];
        let ok = ContractFacts {
            service: ServiceType::KttIndividual,
            delivery_modes: &both,
            remote_share_percent: Some(30),
        };
        assert!(check_contract(&ok).is_empty());
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
    }
}
