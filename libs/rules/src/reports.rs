//! Reports and their deadlines (RULES.md §7): REP-INTERIM, REP-INTERIM-SK, REP-FINAL,
//! REP-DELIVERY, REP-FEEDBACK and ARCHIVE.

use crate::calendar::{DeadlineRoll, minus_days, plus_days, roll_deadline};
use crate::catalogue::ServiceType;
use crate::rule_ids::{
    ARCHIVE, REP_DELIVERY, REP_FEEDBACK, REP_FINAL, REP_INTERIM, REP_INTERIM_SK,
};
use crate::terms::validity_end;
use crate::violation::Violation;
use chrono::NaiveDate;

/// Days before the period's end an interim report is due (3 weeks).
pub const INTERIM_DAYS_BEFORE_END: u64 = 21;
/// Days before the end an SK interim report of a short (1–2 month) contract is due (1 week).
pub const SHORT_CONTRACT_INTERIM_DAYS_BEFORE_END: u64 = 7;
/// Days after the end the final report is due at the latest (2 weeks).
pub const FINAL_DAYS_AFTER_END: u64 = 14;
/// The SK maximum contract period in months.
pub const SK_MAX_CONTRACT_MONTHS: u32 = 4;
/// SK contracts of at most this many months are "short" (interim report 1 week before the end).
pub const SK_SHORT_CONTRACT_MONTHS: u32 = 2;

/// Kind of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportKind {
    /// Väliraportti.
    Interim,
    /// Loppuraportti.
    Final,
}

/// A report that must be written, and by when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportObligation {
    /// Interim or final.
    pub kind: ReportKind,
    /// The rule that requires it.
    pub rule: &'static str,
    /// The rule's section.
    pub section: &'static str,
    /// The due date (after deadline rolling).
    pub due: NaiveDate,
}

/// The facts report obligations depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFacts {
    /// The service.
    pub service: ServiceType,
    /// First day of the period (the voucher's validity).
    pub valid_from: NaiveDate,
    /// Last day of the period.
    pub valid_until: NaiveDate,
    /// The service was interrupted (or never started) and ended on this date.
    pub interrupted_on: Option<NaiveDate>,
    /// The service was completed (ended as planned, possibly before the last valid day) on
    /// this date.
    pub completed_on: Option<NaiveDate>,
    /// SK: the service continues with a new period (a continuing decision, i.e. an extension
    /// voucher linked to this one, has been issued).
    pub continues: bool,
    /// How deadlines on weekends and holidays are moved.
    pub roll: DeadlineRoll,
}

fn obligation(
    kind: ReportKind,
    rule: &'static str,
    due: NaiveDate,
    roll: DeadlineRoll,
) -> ReportObligation {
    ReportObligation {
        kind,
        rule,
        section: crate::rule_ids::section(rule),
        due: roll_deadline(due, roll),
    }
}

impl ReportFacts {
    /// The day the service ends: the completion or interruption date, or the last valid day,
    /// whichever comes first ("kahden viikon kuluessa palvelun päättymisestä", SK 3.1).
    pub fn service_end(&self) -> NaiveDate {
        [self.interrupted_on, self.completed_on]
            .into_iter()
            .flatten()
            .fold(self.valid_until, NaiveDate::min)
    }
}

/// The reports a voucher's period requires, with due dates:
/// - REP-INTERIM (every KTT service; KTT 4 is rulebook-wide): 21 days before the period ends;
/// - REP-INTERIM-SK (SK): only when the service continues with a new period (an extension
///   linked to the voucher has been issued): 21 days before the period ends, 7 days for
///   short contracts of at most 2 months. A voucher that simply ends owes only REP-FINAL;
/// - REP-FINAL (all): at the latest 14 days after the service ends ([`ReportFacts::service_end`]).
///
/// A service that ends before its last valid day (completion or interruption) drops the
/// interim reports not yet due by then. Due dates roll by [`ReportFacts::roll`].
pub fn report_obligations(f: &ReportFacts) -> Vec<ReportObligation> {
    let end = f.service_end();
    let ended_early = end < f.valid_until;
    let mut interims: Vec<(&'static str, NaiveDate)> = Vec::new();
    if f.service.is_ktt() {
        // REP-INTERIM
        interims.push((
            REP_INTERIM,
            minus_days(f.valid_until, INTERIM_DAYS_BEFORE_END),
        ));
    } else if f.continues && !ended_early {
        // REP-INTERIM-SK
        let short = f.valid_until <= validity_end(f.valid_from, SK_SHORT_CONTRACT_MONTHS);
        let before = if short {
            SHORT_CONTRACT_INTERIM_DAYS_BEFORE_END
        } else {
            INTERIM_DAYS_BEFORE_END
        };
        interims.push((REP_INTERIM_SK, minus_days(f.valid_until, before)));
    }
    let mut out: Vec<ReportObligation> = interims
        .into_iter()
        .map(|(rule, due)| (rule, due.max(f.valid_from)))
        .filter(|(_, due)| !ended_early || *due <= end)
        .map(|(rule, due)| obligation(ReportKind::Interim, rule, due, f.roll))
        .collect();
    // REP-FINAL
    out.push(obligation(
        ReportKind::Final,
        REP_FINAL,
        plus_days(end, FINAL_DAYS_AFTER_END),
        f.roll,
    ));
    out
}

/// A report that was submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmittedReport {
    /// Interim or final.
    pub kind: ReportKind,
    /// When.
    pub submitted_on: NaiveDate,
}

/// Each obligation of [`report_obligations`] met on time: a violation for a report submitted
/// late, or not submitted when `as_of` is past the due date. Submitted reports are matched to
/// obligations of the same kind in date order.
pub fn check_reports(
    f: &ReportFacts,
    submitted: &[SubmittedReport],
    as_of: NaiveDate,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for kind in [ReportKind::Interim, ReportKind::Final] {
        let mut subs: Vec<NaiveDate> = submitted
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.submitted_on)
            .collect();
        subs.sort_unstable();
        let mut subs = subs.into_iter();
        for o in report_obligations(f).into_iter().filter(|o| o.kind == kind) {
            let (fi_kind, en_kind) = match kind {
                ReportKind::Interim => ("Väliraportti", "Interim report"),
                ReportKind::Final => ("Loppuraportti", "Final report"),
            };
            match subs.next() {
                Some(on) if on <= o.due => {}
                Some(on) => out.push(Violation::new(
                    o.rule,
                    o.section,
                    format!("{fi_kind} palautettiin {on}, määräpäivä oli {}.", o.due),
                    format!("{en_kind} was submitted on {on}; it was due on {}.", o.due),
                )),
                None if as_of > o.due => out.push(Violation::new(
                    o.rule,
                    o.section,
                    format!("{fi_kind} puuttuu; määräpäivä oli {}.", o.due),
                    format!("{en_kind} is missing; it was due on {}.", o.due),
                )),
                None => {}
            }
        }
    }
    out
}

/// What a final report contains (REP-FINAL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FinalReportContents {
    /// The goals and how they were met.
    pub goals_and_attainment: bool,
    /// The changes during the service.
    pub changes: bool,
    /// The means used, with examples.
    pub means_with_examples: bool,
    /// A realistic follow-up plan.
    pub follow_up_plan: bool,
}

/// REP-FINAL: the final report has every required part.
pub fn check_final_report_contents(c: &FinalReportContents) -> Vec<Violation> {
    [
        (
            c.goals_and_attainment,
            "tavoitteet ja niiden toteutuminen",
            "goals and how they were met",
        ),
        (
            c.changes,
            "palvelun aikana toteutuneet muutokset",
            "changes during the service",
        ),
        (
            c.means_with_examples,
            "käytetyt keinot esimerkein",
            "means used, with examples",
        ),
        (
            c.follow_up_plan,
            "realistinen jatkosuunnitelma",
            "a realistic follow-up plan",
        ),
    ]
    .into_iter()
    .filter(|(ok, _, _)| !ok)
    .map(|(_, fi, en)| {
        Violation::of(
            REP_FINAL,
            format!("Loppuraportista puuttuu: {fi}."),
            format!("The final report lacks: {en}."),
        )
    })
    .collect()
}

/// What is done when a service ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClosureFacts {
    /// The service.
    pub service: Option<ServiceType>,
    /// REP-DELIVERY: a paper copy given to the client.
    pub paper_copy_to_client: bool,
    /// REP-DELIVERY: delivered to the county by the agreed channel.
    pub delivered_to_county: bool,
    /// REP-FEEDBACK (KTT): the provider feedback form filled in for the client.
    pub provider_feedback_form: bool,
    /// REP-FEEDBACK (KTT): client feedback collected on the county's form.
    pub client_feedback_collected: bool,
    /// ARCHIVE (SK): client documents archived to the county (the controller).
    pub archived_to_county: bool,
}

/// REP-DELIVERY, REP-FEEDBACK (KTT only) and ARCHIVE (SK only) when a service ends.
pub fn check_closure(c: &ClosureFacts) -> Vec<Violation> {
    let mut out = Vec::new();
    // REP-DELIVERY
    if !c.paper_copy_to_client {
        out.push(Violation::of(
            REP_DELIVERY,
            "Raportista ei ole annettu paperikopiota asiakkaalle.",
            "No paper copy of the report was given to the client.",
        ));
    }
    if !c.delivered_to_county {
        out.push(Violation::of(
            REP_DELIVERY,
            "Raporttia ei ole toimitettu hyvinvointialueelle sovitulla tavalla.",
            "The report was not delivered to the county by the agreed channel.",
        ));
    }
    let ktt = c.service.is_some_and(ServiceType::is_ktt);
    let sk = c.service.is_some_and(ServiceType::is_sk);
    // REP-FEEDBACK
    if ktt && !c.provider_feedback_form {
        out.push(Violation::of(
            REP_FEEDBACK,
            "Asiakaskohtainen palveluntuottajapalaute puuttuu.",
            "The provider feedback form for the client is missing.",
        ));
    }
    if ktt && !c.client_feedback_collected {
        out.push(Violation::of(
            REP_FEEDBACK,
            "Asiakaspalautetta ei ole kerätty hyvinvointialueen lomakkeella.",
            "Client feedback was not collected on the county's form.",
        ));
    }
    // ARCHIVE
    if sk && !c.archived_to_county {
        out.push(Violation::of(
            ARCHIVE,
            "Asiakasasiakirjoja ei ole arkistoitu rekisterinpitäjälle (hyvinvointialue).",
            "Client documents were not archived to the controller (the county).",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ktt() -> ReportFacts {
        ReportFacts {
            service: ServiceType::KttIndividual,
            valid_from: d(2026, 2, 1),
            valid_until: d(2026, 5, 31),
            interrupted_on: None,
            completed_on: None,
            continues: false,
            roll: DeadlineRoll::Exact,
        }
    }

    #[test]
    fn ktt_interim_and_final() {
        let o = report_obligations(&ktt());
        assert_eq!(o.len(), 2);
        assert_eq!(
            (o[0].kind, o[0].rule, o[0].due),
            (ReportKind::Interim, REP_INTERIM, d(2026, 5, 10))
        );
        assert_eq!(
            (o[1].kind, o[1].rule, o[1].due),
            (ReportKind::Final, REP_FINAL, d(2026, 6, 14))
        );
        // Rolled: 2026-05-10 is a Sunday, 2026-06-14 a Sunday.
        let o = report_obligations(&ReportFacts {
            roll: DeadlineRoll::NextBusinessDay,
            ..ktt()
        });
        assert_eq!(o[0].due, d(2026, 5, 11));
        assert_eq!(o[1].due, d(2026, 6, 15));
        // Every KTT service owes the interim report (KTT 4 is rulebook-wide).
        for service in [
            ServiceType::KttIndividual,
            ServiceType::KttGroup,
            ServiceType::KttAssessment,
            ServiceType::KttWorkCapacity,
        ] {
            let o = report_obligations(&ReportFacts { service, ..ktt() });
            assert_eq!(o.len(), 2, "{service}");
            assert_eq!((o[0].rule, o[0].due), (REP_INTERIM, d(2026, 5, 10)));
        }
    }

    #[test]
    fn final_report_counts_from_the_actual_end() {
        // Completed on 15.4. although valid until 31.5.: due 29.4., and the interim (10.5.)
        // is no longer owed.
        let done = ReportFacts {
            completed_on: Some(d(2026, 4, 15)),
            ..ktt()
        };
        assert_eq!(done.service_end(), d(2026, 4, 15));
        let o = report_obligations(&done);
        assert_eq!(o.len(), 1);
        assert_eq!((o[0].rule, o[0].due), (REP_FINAL, d(2026, 4, 29)));
        let v = check_reports(
            &done,
            &[SubmittedReport {
                kind: ReportKind::Final,
                submitted_on: d(2026, 5, 20),
            }],
            d(2026, 6, 1),
        );
        assert!(has_rule(&v, REP_FINAL));
        // The earlier of completion and interruption; a date after the validity changes nothing.
        let both = ReportFacts {
            completed_on: Some(d(2026, 4, 15)),
            interrupted_on: Some(d(2026, 4, 1)),
            ..ktt()
        };
        assert_eq!(both.service_end(), d(2026, 4, 1));
        let after = ReportFacts {
            completed_on: Some(d(2026, 7, 1)),
            ..ktt()
        };
        assert_eq!(after.service_end(), d(2026, 5, 31));
        // SK too.
        let sk = ReportFacts {
            service: ServiceType::SkGroup,
            completed_on: Some(d(2026, 3, 2)),
            ..ktt()
        };
        assert_eq!(report_obligations(&sk)[0].due, d(2026, 3, 16));
    }

    #[test]
    fn interruption() {
        let o = report_obligations(&ReportFacts {
            interrupted_on: Some(d(2026, 3, 10)),
            ..ktt()
        });
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].due, d(2026, 3, 24));
        // Interrupted after the interim was due: it stays.
        let o = report_obligations(&ReportFacts {
            interrupted_on: Some(d(2026, 5, 20)),
            ..ktt()
        });
        assert_eq!(o.len(), 2);
        assert_eq!(o[1].due, d(2026, 6, 3));
    }

    #[test]
    fn sk_interim() {
        let sk = ReportFacts {
            service: ServiceType::SkGroup,
            ..ktt()
        };
        assert_eq!(report_obligations(&sk).len(), 1);
        let o = report_obligations(&ReportFacts {
            continues: true,
            ..sk
        });
        assert_eq!((o[0].rule, o[0].due), (REP_INTERIM_SK, d(2026, 5, 10)));
        // Short contract: one week before the end.
        let short = ReportFacts {
            valid_until: d(2026, 3, 31),
            continues: true,
            ..sk
        };
        assert_eq!(report_obligations(&short)[0].due, d(2026, 3, 24));
        // A six-month voucher that simply ends owes only the final report ...
        let long = ReportFacts {
            service: ServiceType::SkParticipation,
            valid_until: d(2026, 7, 31),
            ..sk
        };
        let o = report_obligations(&long);
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].rule, REP_FINAL);
        // ... and, when the service continues, the interim 3 weeks before its end.
        let o = report_obligations(&ReportFacts {
            continues: true,
            ..long
        });
        assert_eq!(o.len(), 2);
        assert_eq!((o[0].rule, o[0].due), (REP_INTERIM_SK, d(2026, 7, 10)));
        // A continuing service that ends early owes no interim.
        let o = report_obligations(&ReportFacts {
            continues: true,
            interrupted_on: Some(d(2026, 3, 1)),
            ..sk
        });
        assert_eq!(o.len(), 1);
    }

    #[test]
    fn checking_submissions() {
        let f = ktt();
        let on_time = [
            SubmittedReport {
                kind: ReportKind::Interim,
                submitted_on: d(2026, 5, 8),
            },
            SubmittedReport {
                kind: ReportKind::Final,
                submitted_on: d(2026, 6, 10),
            },
        ];
        assert!(check_reports(&f, &on_time, d(2026, 7, 1)).is_empty());
        let late = [SubmittedReport {
            kind: ReportKind::Interim,
            submitted_on: d(2026, 5, 12),
        }];
        let v = check_reports(&f, &late, d(2026, 7, 1));
        assert!(has_rule(&v, REP_INTERIM));
        assert!(has_rule(&v, REP_FINAL));
        assert!(check_reports(&f, &[], d(2026, 5, 10)).is_empty());
        let sk = ReportFacts {
            service: ServiceType::SkIndividual,
            continues: true,
            ..f
        };
        assert!(has_rule(
            &check_reports(&sk, &[], d(2026, 5, 11)),
            REP_INTERIM_SK
        ));
    }

    #[test]
    fn final_contents() {
        let all = FinalReportContents {
            goals_and_attainment: true,
            changes: true,
            means_with_examples: true,
            follow_up_plan: true,
        };
        assert!(check_final_report_contents(&all).is_empty());
        let v = check_final_report_contents(&FinalReportContents {
            follow_up_plan: false,
            ..all
        });
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, REP_FINAL);
    }

    #[test]
    fn closure() {
        let ktt = ClosureFacts {
            service: Some(ServiceType::KttGroup),
            paper_copy_to_client: true,
            delivered_to_county: true,
            provider_feedback_form: true,
            client_feedback_collected: true,
            archived_to_county: false,
        };
        assert!(check_closure(&ktt).is_empty());
        let v = check_closure(&ClosureFacts {
            paper_copy_to_client: false,
            provider_feedback_form: false,
            ..ktt
        });
        assert!(has_rule(&v, REP_DELIVERY) && has_rule(&v, REP_FEEDBACK));
        let sk = ClosureFacts {
            service: Some(ServiceType::SkGroup),
            provider_feedback_form: false,
            ..ktt
        };
        let v = check_closure(&sk);
        assert_eq!(v.iter().map(|x| x.rule).collect::<Vec<_>>(), vec![ARCHIVE]);
        assert!(
            check_closure(&ClosureFacts {
                archived_to_county: true,
                ..sk
            })
            .is_empty()
        );
    }
}
