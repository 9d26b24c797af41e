//! Every rule id of RULES.md has a scenario that breaks it and one that passes.
#![allow(clippy::unwrap_used, missing_docs)]

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use seteli_rules::absences::{
    self, AgreedSession, ArrangedDay, BilledItem, BilledKind, Charge, ChargeKind, Payer,
    ProlongedAbsenceConfig,
};
use seteli_rules::calendar::DeadlineRoll;
use seteli_rules::eligibility::{
    self, EligibilityFacts, EmploymentPlan, FourDayRequest, NeedAssessment, PlanKind,
    UnemploymentBenefit,
};
use seteli_rules::groups::{self, GroupMode, GroupStartAction, GroupStartFacts};
use seteli_rules::process::{self, ContractFacts, NoticeKind, ProcessConfig, ServiceStart};
use seteli_rules::provider::{
    ApprovalFacts, DocumentKind, LegalForm, Offering, ProviderDocument, ProviderFacts,
    Qualification, StaffMember, StaffRecord,
};
use seteli_rules::reports::{self, ClosureFacts, ReportFacts};
use seteli_rules::rule_ids::{self, *};
use seteli_rules::sessions::{
    self, GroupContext, Modality, PeriodFacts, Session, SessionContext, SessionKind, TimeSlot,
    VoucherTerms,
};
use seteli_rules::terms::{self, VoucherRequest, VoucherSpan};
use seteli_rules::{
    ServiceType, Violation, check_approval, check_distance, check_provider_approval,
    check_rulebook_in_force,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

// ------------------------------------------------------------------ fixtures

fn eligible(service: ServiceType) -> EligibilityFacts<'static> {
    EligibilityFacts {
        service,
        start_date: d(2026, 3, 1),
        birth_date: d(1990, 1, 1),
        municipality: "Iisalmi",
        job_search_in_force: true,
        benefit: UnemploymentBenefit::LabourMarketSubsidy,
        plan: Some(EmploymentPlan {
            kind: PlanKind::ActivationPlan,
            reference: "AS-1",
        }),
        need_assessment: Some(NeedAssessment {
            social_rehabilitation_need: true,
            daily_living_need: true,
        }),
        four_day_variant: None,
    }
}

fn request(service: ServiceType, units: Decimal) -> VoucherRequest {
    VoucherRequest {
        service,
        decision_date: d(2026, 1, 15),
        valid_from: d(2026, 2, 2),
        valid_until: d(2026, 6, 1),
        units,
        weekly_cap: None,
        unit_price: dec!(60),
        four_day_variant: false,
    }
}

fn voucher(service: ServiceType, units: Decimal) -> VoucherTerms {
    VoucherTerms {
        service,
        decision_date: d(2026, 1, 15),
        valid_from: d(2026, 2, 2),
        valid_until: d(2026, 6, 1),
        granted_units: units,
        weekly_cap: None,
        four_day_variant: false,
    }
}

fn t(h: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, 0, 0).unwrap()
}

/// A session 8–14 (KTT coaching and work days need clock times).
fn session(date: NaiveDate, units: Decimal, hours: Decimal) -> Session {
    Session {
        date,
        units,
        hours,
        modality: Modality::OnSite,
        kind: SessionKind::Regular,
        excursion: false,
        time: Some((t(8), t(14))),
    }
}

fn context<'a>(v: &'a VoucherTerms, recorded: &'a [Session]) -> SessionContext<'a> {
    SessionContext {
        voucher: v,
        recorded,
        group: Some(GroupContext {
            participants: 6,
            provider_max: Some(8),
        }),
        work_activity: &[],
        coaching: &[],
        other_ktt_work_days: &[],
        responsible_coach_named: true,
    }
}

fn admit(v: &VoucherTerms, recorded: &[Session], s: &Session) -> Vec<Violation> {
    sessions::check_session(&context(v, recorded), s).unwrap()
}

fn docs() -> Vec<ProviderDocument> {
    DocumentKind::ALL
        .into_iter()
        .map(|kind| ProviderDocument {
            kind,
            issued_on: d(2025, 6, 1),
            expires_on: Some(d(2027, 1, 1)),
        })
        .collect()
}

fn staff() -> Vec<StaffMember> {
    vec![
        StaffMember {
            qualification: Qualification::SocialInstructor,
            register_number: Some("1".into()),
        },
        StaffMember {
            qualification: Qualification::WorkGuidance,
            register_number: None,
        },
    ]
}

fn approval(
    legal_form: LegalForm,
    documents: &[ProviderDocument],
    staff: &[StaffMember],
    offerings: &[Offering],
    soteri: &[u32],
) -> Vec<Violation> {
    let facts = ProviderFacts {
        legal_form,
        uses_subcontractors: false,
        documents,
        staff,
        offerings,
        soteri_classes: soteri,
    };
    check_approval(&facts, d(2026, 2, 1), &|_| Some(dec!(70)))
}

fn offer(service: ServiceType) -> Offering {
    Offering {
        service,
        unit_price: dec!(65),
        max_group_size: service.is_group().then_some(8),
    }
}

fn ktt_report() -> ReportFacts {
    ReportFacts {
        service: ServiceType::KttWorkCapacity,
        valid_from: d(2026, 2, 2),
        valid_until: d(2026, 6, 1),
        interrupted_on: None,
        completed_on: None,
        continues: false,
        roll: DeadlineRoll::NextBusinessDay,
    }
}

fn record(qualification: Qualification, does_coaching: bool) -> StaffRecord {
    StaffRecord {
        qualification,
        register_number: qualification
            .requires_register_number()
            .then(|| "12".to_string()),
        degree_accepted_by_county: false,
        does_coaching,
    }
}

fn approval_records(
    legal_form: LegalForm,
    staff: &[StaffRecord],
    offerings: &[Offering],
    soteri: &[u32],
) -> Vec<Violation> {
    let documents = docs();
    check_provider_approval(
        &ApprovalFacts {
            legal_form,
            uses_subcontractors: false,
            documents: &documents,
            staff,
            offerings,
            soteri_classes: soteri,
        },
        d(2026, 2, 1),
        &|_| Some(dec!(70)),
    )
}

fn service_start() -> ServiceStart {
    ServiceStart {
        service: ServiceType::KttAssessment,
        provider_chosen_on: d(2026, 2, 2),
        valid_from: None,
        continues_with_same_provider: false,
        agreed_start: None,
        started_on: Some(d(2026, 2, 9)),
        as_of: d(2026, 2, 20),
        contract_made_on: Some(d(2026, 2, 4)),
        responsible_coach_named_on: Some(d(2026, 2, 4)),
        steward_notified_on: Some(d(2026, 2, 6)),
    }
}

// ------------------------------------------------------------------ scenarios

/// (breaks, passes) for a rule id.
fn scenario(rule: &str) -> (Vec<Violation>, Vec<Violation>) {
    use ServiceType::*;
    match rule {
        ELIG_AGE => (
            eligibility::check_eligibility(&EligibilityFacts {
                birth_date: d(1960, 1, 1),
                ..eligible(KttGroup)
            }),
            eligibility::check_eligibility(&eligible(KttGroup)),
        ),
        ELIG_RESIDENCE => (
            eligibility::check_eligibility(&EligibilityFacts {
                municipality: "Joensuu",
                ..eligible(SkGroup)
            }),
            eligibility::check_eligibility(&eligible(SkGroup)),
        ),
        KTT_ELIG_UNEMPLOYED => (
            eligibility::check_eligibility(&EligibilityFacts {
                job_search_in_force: false,
                ..eligible(KttGroup)
            }),
            eligibility::check_eligibility(&eligible(KttGroup)),
        ),
        KTT_ELIG_PLAN => (
            eligibility::check_eligibility(&EligibilityFacts {
                plan: None,
                ..eligible(KttIndividual)
            }),
            eligibility::check_eligibility(&eligible(KttIndividual)),
        ),
        SK_ELIG_NEED => (
            eligibility::check_eligibility(&EligibilityFacts {
                need_assessment: None,
                ..eligible(SkParticipation)
            }),
            eligibility::check_eligibility(&eligible(SkParticipation)),
        ),
        SK_TTV_4DAYS => {
            let ok = FourDayRequest {
                not_entitled_to_ktt: true,
                justification: "koulu",
            };
            let bad = FourDayRequest {
                not_entitled_to_ktt: false,
                ..ok
            };
            (
                eligibility::check_eligibility(&EligibilityFacts {
                    four_day_variant: Some(bad),
                    ..eligible(SkSupportedWork)
                }),
                eligibility::check_eligibility(&EligibilityFacts {
                    four_day_variant: Some(ok),
                    ..eligible(SkSupportedWork)
                }),
            )
        }
        TERM_VALIDITY => (
            terms::check_terms(&VoucherRequest {
                valid_until: d(2026, 6, 2),
                ..request(SkGroup, dec!(80))
            })
            .unwrap()
            .violations,
            terms::check_terms(&request(SkGroup, dec!(80)))
                .unwrap()
                .violations,
        ),
        CAP_UNITS => (
            terms::check_terms(&request(SkGroup, dec!(81)))
                .unwrap()
                .violations,
            terms::check_terms(&request(SkGroup, dec!(80)))
                .unwrap()
                .violations,
        ),
        CAP_WEEKLY => {
            let v = voucher(KttGroup, dec!(30));
            let rec = [
                session(d(2026, 2, 2), dec!(1), dec!(4)),
                session(d(2026, 2, 3), dec!(1), dec!(4)),
            ];
            (
                admit(&v, &rec, &session(d(2026, 2, 5), dec!(1), dec!(4))),
                admit(&v, &rec, &session(d(2026, 2, 9), dec!(1), dec!(4))),
            )
        }
        CAP_DAY_LENGTH => {
            let v = voucher(SkSupportedWork, dec!(54));
            (
                admit(&v, &[], &session(d(2026, 2, 3), dec!(1), dec!(5))),
                admit(&v, &[], &session(d(2026, 2, 3), dec!(1), dec!(3))),
            )
        }
        CAP_SESSION_LENGTH => {
            let v = voucher(SkGroup, dec!(80));
            (
                admit(&v, &[], &session(d(2026, 2, 3), dec!(3.5), dec!(3.5))),
                admit(
                    &v,
                    &[],
                    &Session {
                        excursion: true,
                        ..session(d(2026, 2, 3), dec!(3.5), dec!(3.5))
                    },
                ),
            )
        }
        CAP_GROUP_SIZE => {
            let v = voucher(SkGroup, dec!(80));
            let s = session(d(2026, 2, 3), dec!(2), dec!(2));
            let mut ctx = SessionContext {
                group: Some(GroupContext {
                    participants: 9,
                    provider_max: Some(8),
                }),
                ..context(&v, &[])
            };
            let broken = sessions::check_session(&ctx, &s).unwrap();
            ctx.group = Some(GroupContext {
                participants: 8,
                provider_max: Some(8),
            });
            (broken, sessions::check_session(&ctx, &s).unwrap())
        }
        VOUCHER_VALUE => {
            let t = terms::check_terms(&request(SkGroup, dec!(80))).unwrap();
            assert_eq!(t.value, dec!(4800.00));
            (
                terms::check_terms(&VoucherRequest {
                    unit_price: dec!(-1),
                    ..request(SkGroup, dec!(80))
                })
                .unwrap()
                .violations,
                t.violations,
            )
        }
        VOUCHER_EXTENSION => {
            let a = VoucherSpan {
                id: "a",
                service: SkIndividual,
                valid_from: d(2026, 1, 1),
                valid_until: d(2026, 4, 30),
                continues: None,
            };
            let b = VoucherSpan {
                id: "b",
                valid_from: d(2026, 5, 1),
                valid_until: d(2026, 8, 31),
                continues: Some("a"),
                ..a
            };
            // Daily-living coaching is the same "Yksilövalmennus -seteli": no overlap.
            let overlapping = VoucherSpan {
                service: SkIndividualDailyLiving,
                valid_from: d(2026, 4, 1),
                continues: None,
                ..b
            };
            (
                terms::check_extension(&overlapping, &[a]),
                terms::check_extension(&b, &[a]),
            )
        }
        RULEBOOK_IN_FORCE => (
            check_rulebook_in_force(SkGroup, d(2025, 12, 31)),
            check_rulebook_in_force(SkGroup, d(2026, 1, 1)),
        ),
        KTT_COMPANY => {
            let (dd, st) = (docs(), staff());
            (
                approval(
                    LegalForm::Cooperative,
                    &dd,
                    &st,
                    &[offer(KttAssessment)],
                    &[],
                ),
                approval(
                    LegalForm::Cooperative,
                    &dd,
                    &st,
                    &[offer(KttIndividual)],
                    &[],
                ),
            )
        }
        KTT_NOT_ONLY_REMOTE => {
            let v = voucher(KttIndividual, dec!(30));
            let remote = Session {
                modality: Modality::Remote,
                ..session(d(2026, 2, 3), dec!(1), dec!(1))
            };
            let facts = |s: &[Session]| {
                sessions::review_period(&PeriodFacts {
                    voucher: &v,
                    sessions: s,
                    as_of: d(2026, 7, 1),
                    min_discussion_hours_per_month: dec!(1),
                })
                .unwrap()
                .violations
            };
            (
                facts(&[remote]),
                facts(&[remote, session(d(2026, 2, 4), dec!(1), dec!(1))]),
            )
        }
        COACHING_NOT_DURING_WORK => {
            let v = voucher(KttIndividual, dec!(30));
            let work = [TimeSlot {
                date: d(2026, 2, 3),
                start: t(8),
                end: t(12),
            }];
            let ctx = SessionContext {
                work_activity: &work,
                ..context(&v, &[])
            };
            let s = session(d(2026, 2, 3), dec!(1), dec!(1));
            (
                sessions::check_session(
                    &ctx,
                    &Session {
                        time: Some((t(11), t(12))),
                        ..s
                    },
                )
                .unwrap(),
                sessions::check_session(
                    &ctx,
                    &Session {
                        time: Some((t(12), t(13))),
                        ..s
                    },
                )
                .unwrap(),
            )
        }
        KTT_GROUP_DISCUSSIONS => {
            let v = voucher(KttGroup, dec!(30));
            let group_day = session(d(2026, 2, 3), dec!(1), dec!(4));
            let talk = Session {
                kind: SessionKind::IndividualDiscussion,
                ..session(d(2026, 2, 5), dec!(0), dec!(1.5))
            };
            let review = |s: &[Session]| {
                sessions::review_period(&PeriodFacts {
                    voucher: &v,
                    sessions: s,
                    as_of: d(2026, 3, 2),
                    min_discussion_hours_per_month: dec!(1),
                })
                .unwrap()
                .violations
            };
            (review(&[group_day]), review(&[group_day, talk]))
        }
        SK_GROUP_WEEKLY => {
            let v = voucher(SkGroup, dec!(80));
            let review = |s: &[Session]| {
                sessions::review_period(&PeriodFacts {
                    voucher: &v,
                    sessions: s,
                    as_of: d(2026, 2, 16),
                    min_discussion_hours_per_month: dec!(1),
                })
                .unwrap()
                .warnings
            };
            (
                review(&[session(d(2026, 2, 3), dec!(2), dec!(2))]),
                review(&[
                    session(d(2026, 2, 3), dec!(2), dec!(2)),
                    session(d(2026, 2, 10), dec!(2), dec!(2)),
                ]),
            )
        }
        PROV_DOCS | PROV_INSURANCE => {
            let (dd, st) = (docs(), staff());
            let mut short = dd.clone();
            short.retain(|x| x.kind != DocumentKind::LiabilityInsurance);
            (
                approval(LegalForm::Association, &short, &st, &[offer(KttGroup)], &[]),
                approval(LegalForm::Association, &dd, &st, &[offer(KttGroup)], &[]),
            )
        }
        PROV_STAFF_SOCIAL => {
            // Another social-science degree counts only once the county accepted it.
            let coach = record(Qualification::UasSocialOrHealth, true);
            let not_accepted = [
                record(Qualification::OtherSocialScienceDegree, false),
                coach.clone(),
            ];
            let accepted = [
                StaffRecord {
                    degree_accepted_by_county: true,
                    ..not_accepted[0].clone()
                },
                coach,
            ];
            (
                approval_records(
                    LegalForm::Association,
                    &not_accepted,
                    &[offer(KttIndividual)],
                    &[],
                ),
                approval_records(
                    LegalForm::Association,
                    &accepted,
                    &[offer(KttIndividual)],
                    &[],
                ),
            )
        }
        PROV_STAFF_COACH => {
            // KTT work activity includes individual coaching: every coach qualifies.
            let weak = [
                record(Qualification::Sosionomi, true),
                record(Qualification::CommunityPedagogue, true),
            ];
            let strong = [
                weak[0].clone(),
                record(Qualification::CommunityPedagogue, false),
            ];
            (
                approval_records(LegalForm::Association, &weak, &[offer(KttAssessment)], &[]),
                approval_records(
                    LegalForm::Association,
                    &strong,
                    &[offer(KttAssessment)],
                    &[],
                ),
            )
        }
        PROV_STAFF_WORK => {
            let dd = docs();
            let without = [StaffMember {
                qualification: Qualification::SocialWorker,
                register_number: Some("7".into()),
            }];
            let with = [
                without[0].clone(),
                StaffMember {
                    qualification: Qualification::WorkGuidance,
                    register_number: None,
                },
            ];
            (
                approval(
                    LegalForm::Association,
                    &dd,
                    &without,
                    &[offer(SkParticipation)],
                    &[2903],
                ),
                approval(
                    LegalForm::Association,
                    &dd,
                    &with,
                    &[offer(SkParticipation)],
                    &[2903],
                ),
            )
        }
        PROV_SOTERI => {
            let (dd, st) = (docs(), staff());
            (
                approval(LegalForm::Association, &dd, &st, &[offer(SkGroup)], &[]),
                approval(LegalForm::Association, &dd, &st, &[offer(SkGroup)], &[2464]),
            )
        }
        PROV_PRICE => {
            let (dd, st) = (docs(), staff());
            let dear = Offering {
                unit_price: dec!(70.01),
                ..offer(SkIndividual)
            };
            (
                approval(LegalForm::Association, &dd, &st, &[dear], &[2903]),
                approval(
                    LegalForm::Association,
                    &dd,
                    &st,
                    &[offer(SkIndividual)],
                    &[2903],
                ),
            )
        }
        PROV_DISTANCE => (
            check_distance(25.0, 20.0, false),
            check_distance(25.0, 20.0, true),
        ),
        PROC_COACH => {
            let v = voucher(SkIndividual, dec!(40));
            let s = session(d(2026, 2, 3), dec!(1), dec!(1));
            let mut ctx = SessionContext {
                group: None,
                responsible_coach_named: false,
                ..context(&v, &[])
            };
            let broken = sessions::check_session(&ctx, &s).unwrap();
            ctx.responsible_coach_named = true;
            (broken, sessions::check_session(&ctx, &s).unwrap())
        }
        KTT_STEWARD => {
            let cfg = ProcessConfig::default();
            // Notified only after the work activity started.
            let late = ServiceStart {
                steward_notified_on: Some(d(2026, 2, 10)),
                ..service_start()
            };
            (
                process::check_service_start(&late, &cfg),
                process::check_service_start(&service_start(), &cfg),
            )
        }
        PROC_START => {
            let cfg = ProcessConfig::default();
            // Chosen on 2.2., started on 17.2.: over 10 business days.
            let late = ServiceStart {
                started_on: Some(d(2026, 2, 17)),
                steward_notified_on: Some(d(2026, 2, 6)),
                ..service_start()
            };
            (
                process::check_service_start(&late, &cfg),
                process::check_service_start(&service_start(), &cfg),
            )
        }
        PROC_CONTRACT => {
            let modes = [Modality::OnSite, Modality::Remote];
            let ok = ContractFacts {
                service: KttIndividual,
                delivery_modes: &modes,
                remote_share_percent: Some(20),
                tools: &["puhelin"],
            };
            (
                process::check_contract(&ContractFacts { tools: &[], ..ok }),
                process::check_contract(&ok),
            )
        }
        BILL_REALISED | BILL_NO_SHOW => {
            let i = |day, kind, r, b| BilledItem {
                date: d(2026, 3, day),
                kind,
                realised_units: r,
                billed_units: b,
            };
            (
                absences::check_billing(&[
                    i(2, BilledKind::Realised, dec!(1), dec!(2)),
                    i(3, BilledKind::NoShow, dec!(0), dec!(1)),
                    i(4, BilledKind::NoShow, dec!(0), dec!(1)),
                ]),
                absences::check_billing(&[
                    i(2, BilledKind::Realised, dec!(1), dec!(1)),
                    i(3, BilledKind::NoShow, dec!(0), dec!(1)),
                    i(4, BilledKind::NoShow, dec!(0), dec!(0)),
                ]),
            )
        }
        BILL_PROVIDER_CANCEL => {
            let ok = absences::ProviderCancellation {
                session_date: d(2026, 3, 5),
                substitute_unsuitable: true,
                learned_on: d(2026, 3, 4),
                client_told_on: Some(d(2026, 3, 4)),
                replacement_agreed: true,
                documented: true,
            };
            let mut broken = absences::check_billing(&[BilledItem {
                date: d(2026, 3, 5),
                kind: BilledKind::ProviderCancelled,
                realised_units: dec!(0),
                billed_units: dec!(1),
            }]);
            broken.extend(absences::check_provider_cancellation(
                &absences::ProviderCancellation {
                    client_told_on: Some(d(2026, 3, 5)),
                    ..ok
                },
            ));
            (broken, absences::check_provider_cancellation(&ok))
        }
        ABS_RECORD | ABS_KELA => {
            let ok = absences::AbsenceEntry {
                date: d(2026, 3, 2),
                service_arranged: true,
                reason: Some("flunssa".into()),
                reported_to_kela: true,
            };
            let bad = absences::AbsenceEntry {
                reason: None,
                reported_to_kela: false,
                ..ok.clone()
            };
            (
                absences::check_absences(KttGroup, &[bad]),
                absences::check_absences(KttGroup, &[ok]),
            )
        }
        ABS_PROLONGED => {
            let days: Vec<ArrangedDay> = [2, 3, 4, 5, 6, 9]
                .into_iter()
                .map(|n| ArrangedDay {
                    date: d(2026, 3, n),
                    attended: n == 9,
                })
                .collect();
            let cfg = ProlongedAbsenceConfig::default();
            (
                absences::check_prolonged_absence(
                    KttWorkCapacity,
                    &days,
                    None,
                    d(2026, 3, 10),
                    &cfg,
                )
                .violations,
                absences::check_prolonged_absence(
                    KttWorkCapacity,
                    &days,
                    Some(d(2026, 3, 9)),
                    d(2026, 3, 10),
                    &cfg,
                )
                .violations,
            )
        }
        ABS_SICK_CERT => {
            let a = absences::SickAbsence {
                first_day: d(2026, 3, 2),
                last_day: d(2026, 3, 6),
                certificate_delivered: false,
                required_from_first_day: false,
            };
            (
                absences::check_sick_absence(KttWorkCapacity, &a),
                absences::check_sick_absence(
                    KttWorkCapacity,
                    &absences::SickAbsence {
                        certificate_delivered: true,
                        ..a
                    },
                ),
            )
        }
        ABS_REPEATED => {
            let s = |day| AgreedSession {
                date: d(2026, 3, day),
                no_show: true,
                client_contacted: true,
            };
            let cfg = absences::RepeatedAbsenceConfig::default();
            (
                absences::check_absence_follow_up(&[s(2), s(4)], None, d(2026, 3, 10), &cfg)
                    .violations,
                absences::check_absence_follow_up(
                    &[s(2), s(4)],
                    Some(d(2026, 3, 4)),
                    d(2026, 3, 10),
                    &cfg,
                )
                .violations,
            )
        }
        SK_NO_SHOW_REPORT => {
            let ns = [d(2026, 3, 2)];
            (
                absences::check_no_show_report(SkGroup, &ns, &[]),
                absences::check_no_show_report(SkGroup, &ns, &ns),
            )
        }
        NO_EXTRA_FEES => {
            let line = |kind, payer| Charge {
                kind,
                payer,
                amount: dec!(25),
            };
            (
                absences::check_charges(&[
                    line(ChargeKind::RealisedUnits, Payer::County),
                    line(ChargeKind::IntroductoryVisit, Payer::County),
                ]),
                absences::check_charges(&[
                    line(ChargeKind::RealisedUnits, Payer::County),
                    line(ChargeKind::NoShow, Payer::County),
                ]),
            )
        }
        NOTIFY_CHANGE | PROC_INTERRUPT | PROV_DAMAGE_NOTICE => {
            let cfg = ProcessConfig::default();
            let kind = match rule {
                NOTIFY_CHANGE => NoticeKind::Change,
                PROC_INTERRUPT => NoticeKind::Interruption,
                _ => NoticeKind::Damage,
            };
            (
                process::check_notice(
                    kind,
                    d(2026, 3, 2),
                    Some(d(2026, 3, 5)),
                    d(2026, 3, 10),
                    &cfg,
                ),
                process::check_notice(
                    kind,
                    d(2026, 3, 2),
                    Some(d(2026, 3, 3)),
                    d(2026, 3, 10),
                    &cfg,
                ),
            )
        }
        REP_INTERIM | REP_FINAL => {
            // KTT group owes the interim report too (KTT 4 is rulebook-wide).
            let on_time = [
                reports::SubmittedReport {
                    kind: reports::ReportKind::Interim,
                    submitted_on: d(2026, 5, 11),
                },
                reports::SubmittedReport {
                    kind: reports::ReportKind::Final,
                    submitted_on: d(2026, 6, 15),
                },
            ];
            let group = ReportFacts {
                service: KttGroup,
                ..ktt_report()
            };
            (
                reports::check_reports(&group, &[], d(2026, 7, 1)),
                reports::check_reports(&group, &on_time, d(2026, 7, 1)),
            )
        }
        REP_INTERIM_SK => {
            let f = ReportFacts {
                service: SkGroup,
                continues: true,
                ..ktt_report()
            };
            let interim = [reports::SubmittedReport {
                kind: reports::ReportKind::Interim,
                submitted_on: d(2026, 5, 8),
            }];
            (
                reports::check_reports(&f, &[], d(2026, 5, 20)),
                reports::check_reports(&f, &interim, d(2026, 5, 20)),
            )
        }
        REP_DELIVERY | REP_FEEDBACK => {
            let ok = ClosureFacts {
                service: Some(KttIndividual),
                paper_copy_to_client: true,
                delivered_to_county: true,
                provider_feedback_form: true,
                client_feedback_collected: true,
                archived_to_county: false,
            };
            (
                reports::check_closure(&ClosureFacts {
                    delivered_to_county: false,
                    client_feedback_collected: false,
                    ..ok
                }),
                reports::check_closure(&ok),
            )
        }
        ARCHIVE => {
            let ok = ClosureFacts {
                service: Some(SkParticipation),
                paper_copy_to_client: true,
                delivered_to_county: true,
                archived_to_county: true,
                ..ClosureFacts::default()
            };
            (
                reports::check_closure(&ClosureFacts {
                    archived_to_county: false,
                    ..ok
                }),
                reports::check_closure(&ok),
            )
        }
        SK_GROUP_MIN_FILL => {
            let f = GroupStartFacts {
                service: SkGroup,
                mode: GroupMode::Closed,
                announced_start: d(2026, 8, 17),
                max_size: 10,
                enrolled_week_before: 7,
                action: GroupStartAction::Cancel,
                notified: true,
            };
            (
                groups::check_group_start(&f),
                groups::check_group_start(&GroupStartFacts {
                    enrolled_week_before: 5,
                    ..f
                }),
            )
        }
        SK_GROUP_LATE_JOIN => (
            groups::check_late_join(GroupMode::Closed, d(2026, 8, 17), d(2026, 9, 1)),
            groups::check_late_join(GroupMode::Closed, d(2026, 8, 17), d(2026, 8, 31)),
        ),
        other => panic!("no scenario for rule {other}"),
    }
}

#[test]
fn every_rule_has_a_breaking_and_a_passing_scenario() {
    for info in rule_ids::ALL {
        let (broken, passing) = scenario(info.id);
        assert!(
            broken.iter().any(|v| v.rule == info.id),
            "{}: breaking scenario did not report it: {broken:#?}",
            info.id
        );
        assert!(
            !passing.iter().any(|v| v.rule == info.id),
            "{}: passing scenario reported it: {passing:#?}",
            info.id
        );
        for v in &broken {
            assert!(!v.section.is_empty(), "{} has no section", v.rule);
            assert!(!v.message_fi.is_empty() && !v.message_en.is_empty());
            assert!(
                rule_ids::info(v.rule).is_some(),
                "unknown rule id {}",
                v.rule
            );
        }
    }
}

#[test]
fn rule_ids_are_unique_and_well_formed() {
    let mut ids: Vec<&str> = rule_ids::ALL.iter().map(|r| r.id).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n);
    assert_eq!(n, 53);
    for refusal in rule_ids::REFUSALS {
        assert!(rule_ids::info(refusal).is_none(), "{refusal} is in ALL");
    }
    for r in rule_ids::ALL {
        assert!(
            r.id.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        );
        assert!(!r.section.is_empty() && !r.summary_en.is_empty());
    }
}

/// When the shared rulebook digest is present (a developer checkout), every rule id it
/// defines (any backticked upper-case word of 4+ characters) is known here, and vice versa.
#[test]
fn rule_ids_match_rules_md_when_available() {
    let Ok(text) = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/RULES.md"
    )) else {
        return;
    };
    let mut found: Vec<String> = Vec::new();
    for part in text.split('`').skip(1).step_by(2) {
        let looks_like_id = part.len() > 3
            && part
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if looks_like_id {
            found.push(part.to_string());
        }
    }
    found.sort();
    found.dedup();
    let known: Vec<&str> = rule_ids::ALL.iter().map(|r| r.id).collect();
    for id in &found {
        assert!(
            known.contains(&id.as_str()),
            "RULES.md id {id} has no constant"
        );
    }
    for id in known {
        assert!(
            found.iter().any(|f| f == id),
            "constant {id} is not in RULES.md"
        );
    }
}

/// Issue 9: each disagreement between RULES.md and this crate, broken and seen by its id.
#[test]
fn issue_9_disagreements_are_fixed() {
    use ServiceType::*;
    let has = |v: &[Violation], rule: &str| v.iter().any(|x| x.rule == rule);

    // KTT-COMPANY: a cooperative or "other" form offers only individual coaching under KTT;
    // an association, foundation or public body anything.
    let (dd, st) = (docs(), staff());
    for form in [LegalForm::Cooperative, LegalForm::Other, LegalForm::Company] {
        for s in [KttGroup, KttAssessment, KttWorkCapacity] {
            assert!(has(
                &approval(form, &dd, &st, &[offer(s)], &[]),
                KTT_COMPANY
            ));
        }
        assert!(!has(
            &approval(form, &dd, &st, &[offer(SkGroup)], &[2903]),
            KTT_COMPANY
        ));
    }
    for form in [
        LegalForm::Association,
        LegalForm::Foundation,
        LegalForm::PublicBody,
    ] {
        assert!(!has(
            &approval(form, &dd, &st, &[offer(KttWorkCapacity)], &[]),
            KTT_COMPANY
        ));
    }

    // COACHING-NOT-DURING-WORK: not for SK nor group coaching; no clock times cannot pass;
    // a work day recorded over coaching is checked too.
    let work = [TimeSlot {
        date: d(2026, 2, 3),
        start: t(8),
        end: t(12),
    }];
    for s in [SkIndividual, SkGroup, KttGroup] {
        let v = voucher(s, dec!(40));
        let ctx = SessionContext {
            work_activity: &work,
            ..context(&v, &[])
        };
        let hours = if s == KttGroup { dec!(4) } else { dec!(2) };
        let units = if s == KttGroup { dec!(1) } else { dec!(2) };
        let r = sessions::check_session(&ctx, &session(d(2026, 2, 3), units, hours)).unwrap();
        assert!(!has(&r, COACHING_NOT_DURING_WORK), "{s}: {r:?}");
    }
    let ind = voucher(KttIndividual, dec!(30));
    let untimed = Session {
        time: None,
        ..session(d(2026, 2, 3), dec!(1), dec!(1))
    };
    assert!(has(&admit(&ind, &[], &untimed), COACHING_NOT_DURING_WORK));
    let wc = voucher(KttWorkCapacity, dec!(60));
    let coaching = [TimeSlot {
        date: d(2026, 2, 3),
        start: t(9),
        end: t(10),
    }];
    let ctx = SessionContext {
        coaching: &coaching,
        ..context(&wc, &[])
    };
    let day = session(d(2026, 2, 3), dec!(1), dec!(5));
    assert!(has(
        &sessions::check_session(&ctx, &day).unwrap(),
        COACHING_NOT_DURING_WORK
    ));

    // PROV-DOCS: no group insurance is asked of an SK-only provider.
    let mut no_group = docs();
    no_group.retain(|x| x.kind != DocumentKind::GroupInsurance);
    assert!(
        approval(
            LegalForm::Association,
            &no_group,
            &st,
            &[offer(SkGroup)],
            &[2903]
        )
        .is_empty()
    );
    assert!(has(
        &approval(
            LegalForm::Association,
            &no_group,
            &st,
            &[offer(KttGroup)],
            &[]
        ),
        PROV_DOCS
    ));

    // PROV-STAFF-SOCIAL: an other social-science degree is not accepted automatically (the
    // old StaffMember cannot carry the county's acceptance).
    let other_degree = [
        StaffMember {
            qualification: Qualification::OtherSocialScienceDegree,
            register_number: None,
        },
        StaffMember {
            qualification: Qualification::UasSocialOrHealth,
            register_number: None,
        },
    ];
    let v = approval(
        LegalForm::Association,
        &dd,
        &other_degree,
        &[offer(SkGroup)],
        &[2903],
    );
    assert!(has(&v, PROV_STAFF_SOCIAL));

    // PROV-STAFF-COACH: every coach, and KTT work activity too.
    let v = approval_records(
        LegalForm::Association,
        &[
            record(Qualification::Sosionomi, false),
            record(Qualification::WorkGuidance, false),
        ],
        &[offer(KttWorkCapacity)],
        &[],
    );
    assert!(has(&v, PROV_STAFF_COACH));

    // CAP-WEEKLY: 54 supported-work days in one month; KTT work days across vouchers.
    let one_month = terms::check_terms(&VoucherRequest {
        valid_from: d(2026, 2, 2),
        valid_until: d(2026, 3, 1),
        ..request(SkSupportedWork, dec!(54))
    })
    .unwrap();
    assert!(has(&one_month.violations, CAP_WEEKLY));
    let assessment = voucher(KttAssessment, dec!(60));
    let rec = [session(d(2026, 2, 2), dec!(1), dec!(5))];
    let other = [d(2026, 2, 3), d(2026, 2, 4), d(2026, 2, 5)];
    let ctx = SessionContext {
        other_ktt_work_days: &other,
        ..context(&assessment, &rec)
    };
    assert!(has(
        &sessions::check_session(&ctx, &session(d(2026, 2, 6), dec!(1), dec!(5))).unwrap(),
        CAP_WEEKLY
    ));

    // VOUCHER-EXTENSION: SK individual and daily-living coaching may not overlap.
    assert!(terms::may_not_overlap(
        SkIndividual,
        SkIndividualDailyLiving
    ));

    // RULEBOOK-IN-FORCE: a decision on a date no rulebook covers.
    let early = terms::check_terms_in_force(&VoucherRequest {
        decision_date: d(2025, 6, 1),
        ..request(SkGroup, dec!(80))
    })
    .unwrap_err();
    assert!(has(&early, RULEBOOK_IN_FORCE));
    assert!(seteli_rules::rulebook_for(SkGroup, d(2025, 6, 1)).is_err());

    // PROC-START can fail (counted from the choice); KTT-STEWARD not asked of coaching, dated.
    let cfg = ProcessConfig::default();
    let late = ServiceStart {
        started_on: Some(d(2026, 2, 17)),
        ..service_start()
    };
    assert!(has(&process::check_service_start(&late, &cfg), PROC_START));
    let coaching_start = ServiceStart {
        service: KttIndividual,
        steward_notified_on: None,
        ..service_start()
    };
    assert!(process::check_service_start(&coaching_start, &cfg).is_empty());

    // An approved provider with an expired liability insurance or tax certificate cannot be
    // chosen from the expiry date.
    let mut expiring = docs();
    for doc in &mut expiring {
        if doc.kind == DocumentKind::TaxCertificate {
            doc.expires_on = Some(d(2026, 3, 31));
        }
    }
    assert!(
        seteli_rules::provider::check_choosable(&expiring, false, SkGroup, d(2026, 3, 31))
            .is_empty()
    );
    assert!(has(
        &seteli_rules::provider::check_choosable(&expiring, false, SkGroup, d(2026, 4, 1)),
        PROV_DOCS
    ));

    // A KTT group session of 1 h is no group day; discussions only on KTT group vouchers.
    let group = voucher(KttGroup, dec!(30));
    assert!(has(
        &admit(&group, &[], &session(d(2026, 2, 3), dec!(1), dec!(1))),
        CAP_SESSION_LENGTH
    ));
    let talk = Session {
        kind: SessionKind::IndividualDiscussion,
        ..session(d(2026, 2, 3), dec!(0), dec!(1))
    };
    assert!(has(
        &admit(&voucher(SkIndividual, dec!(40)), &[], &talk),
        KTT_GROUP_DISCUSSIONS
    ));
    assert!(admit(&group, &[], &talk).is_empty());

    // REP-INTERIM for all four KTT services; REP-FINAL from the actual end; no SK interim for
    // a voucher that simply ends.
    for s in [KttIndividual, KttGroup, KttAssessment, KttWorkCapacity] {
        let o = reports::report_obligations(&ReportFacts {
            service: s,
            ..ktt_report()
        });
        assert!(o.iter().any(|x| x.rule == REP_INTERIM), "{s}");
    }
    let completed = ReportFacts {
        completed_on: Some(d(2026, 3, 2)),
        ..ktt_report()
    };
    let v = reports::check_reports(&completed, &[], d(2026, 3, 17));
    assert!(has(&v, REP_FINAL));
    let six_months = reports::report_obligations(&ReportFacts {
        service: SkParticipation,
        valid_until: d(2026, 8, 1),
        ..ktt_report()
    });
    assert!(six_months.iter().all(|x| x.rule != REP_INTERIM_SK));

    // ABS-KELA: Kela's TT3 notice at least every two weeks.
    let days = [absences::KelaDay {
        date: d(2026, 3, 2),
        status: absences::KelaDayStatus::Present,
    }];
    assert!(has(
        &absences::check_kela_notices(
            KttGroup,
            &days,
            &[],
            d(2026, 3, 17),
            DeadlineRoll::NextBusinessDay
        ),
        ABS_KELA
    ));
}
