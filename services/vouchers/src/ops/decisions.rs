//! Service decisions: IssueVoucher checks a decision against every rule at once (eligibility,
//! terms, value with the ceiling price in force on the decision date, extension of the client's
//! other vouchers) and creates the voucher it grants.

use chrono::Datelike;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::change::Change;
use seteli_platform::db::new_id;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::Violation;
use seteli_rules::eligibility::{
    EligibilityFacts, EmploymentPlan, FourDayRequest, NeedAssessment, PlanKind,
    UnemploymentBenefit, check_eligibility,
};
use seteli_rules::rule_ids::{SK_ELIG_NEED, VOUCHER_VALUE};
use seteli_rules::terms::{VoucherRequest, VoucherSpan, check_extension, check_terms_in_force};

use super::common::{AuditRefusal, append_change, audit_client};
use crate::access;
use crate::app::App;
use crate::model::{
    ChangeKind, ClientFacts, DecisionInput, Evaluated, ExistingVoucher, decimal_hundredths,
    units_decimal,
};
use crate::store;
use crate::wire;

/// IssueVoucher: a decision checked against every rule at once becomes a voucher.
pub async fn issue_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::IssueVoucherRequest,
) -> AppResult<pb::IssueVoucherResponse> {
    ctx.caller.require(access::ISSUERS)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let decision = wire::validate_decision(req.decision.as_ref())?;
    let year = ctx.today().year();
    let (refusal_ctx, client_id) = (ctx.clone(), decision.client_id.clone());
    let answer: pb::GetVoucherResponse = change
        .apply(move |conn| {
            Box::pin(async move {
                // The client's issue lock first: overlap checks of one client's decisions run
                // one after the other (VOUCHER-EXTENSION).
                let not_found = || AppError::NotFound(format!("client {}", decision.client_id));
                let client = store::lock_client_for_issue(conn, &decision.client_id)
                    .await?
                    .ok_or_else(not_found)?;
                // Only for a client of the social worker's caseload (or nobody's yet).
                if let Some(caseload) = access::caseload(&ctx.caller)
                    && !store::in_caseload(conn, &decision.client_id, caseload).await?
                {
                    return Err(not_found());
                }
                // VOUCHER-VALUE: the ceiling price in force on the decision date.
                let price = store::price_on(conn, decision.service, decision.decision_date)
                    .await?
                    .map(|p| p.cents);
                let existing = store::client_vouchers(conn, &decision.client_id).await?;
                let evaluated = evaluate_decision(&decision, &client, price, &existing)?;
                let number = store::next_voucher_number(conn, year).await?;
                let id = new_id();
                let (issued_by, team) = access::made_by(&ctx.caller);
                store::insert_voucher(
                    conn,
                    &id,
                    &number,
                    &decision,
                    &evaluated,
                    (&issued_by, &team),
                )
                .await?;
                audit_client(
                    conn,
                    &ctx,
                    &req.request_id,
                    &decision.client_id,
                    "IssueVoucher",
                    "voucher_issuance",
                )
                .await?;
                let v = store::load_voucher(conn, &id)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
                append_change(conn, &ctx, &req.request_id, &v, None, ChangeKind::Issued).await?;
                Ok(pb::GetVoucherResponse {
                    voucher: Some(v.view),
                })
            })
        })
        .await
        .or_else_audit(
            app,
            &refusal_ctx,
            &client_id,
            "IssueVoucher",
            "voucher_issuance",
        )
        .await?;
    Ok(pb::IssueVoucherResponse {
        voucher: answer.voucher,
    })
}

/// Checks a decision against every rule at once: eligibility, terms, value and extension.
/// `price_cents` is the ceiling price in force on the decision date, if any.
fn evaluate_decision(
    d: &DecisionInput,
    client: &ClientFacts,
    price_cents: Option<i64>,
    existing: &[ExistingVoucher],
) -> Result<Evaluated, AppError> {
    let r = &d.recorded;
    let plan = r.employment_plan.as_ref().and_then(|p| {
        let kind = match pb::PlanKind::try_from(p.kind) {
            Ok(pb::PlanKind::ActivationPlan) => PlanKind::ActivationPlan,
            Ok(pb::PlanKind::MultiSectoralEmploymentPlan) => PlanKind::MultiSectoralEmploymentPlan,
            _ => return None,
        };
        Some(EmploymentPlan {
            kind,
            reference: p.reference.as_str(),
        })
    });
    let benefit = match pb::UnemploymentBenefit::try_from(r.unemployment_benefit) {
        Ok(pb::UnemploymentBenefit::LabourMarketSubsidy) => {
            UnemploymentBenefit::LabourMarketSubsidy
        }
        Ok(pb::UnemploymentBenefit::SocialAssistance) => UnemploymentBenefit::SocialAssistance,
        _ => UnemploymentBenefit::None,
    };
    // SK-ELIG-NEED: the rules crate takes the assessment's findings; the decision must also
    // record the assessment's reference (RULES.md: "a … service-need assessment identified").
    // An assessment without a reference counts as none.
    let need = r
        .need_assessment
        .as_ref()
        .filter(|n| !n.reference.trim().is_empty())
        .map(|n| NeedAssessment {
            social_rehabilitation_need: n.social_rehabilitation_need,
            daily_living_need: n.daily_living_need,
        });
    let missing_need_reference = d.service.is_sk()
        && r.need_assessment
            .as_ref()
            .is_some_and(|n| n.reference.trim().is_empty());
    let four_day = r.four_day_variant.as_ref().map(|v| FourDayRequest {
        not_entitled_to_ktt: v.not_entitled_to_ktt,
        justification: v.justification.as_str(),
    });

    // ELIG-AGE, ELIG-RESIDENCE, KTT-ELIG-UNEMPLOYED, KTT-ELIG-PLAN, SK-ELIG-NEED, SK-TTV-4DAYS
    let mut violations = check_eligibility(&EligibilityFacts {
        service: d.service,
        start_date: d.valid_from,
        birth_date: client.birth_date,
        municipality: &client.municipality,
        job_search_in_force: r.job_search_in_force,
        benefit,
        plan,
        need_assessment: need,
        four_day_variant: four_day,
    });
    if missing_need_reference && !violations.iter().any(|v| v.rule == SK_ELIG_NEED) {
        violations.push(Violation::of(
            SK_ELIG_NEED,
            "Päätökseen on kirjattava palvelutarpeen arvioinnin viite.",
            "The decision must record the reference of the service-need assessment.",
        ));
    }

    // TERM-VALIDITY, CAP-UNITS, CAP-WEEKLY, SK-TTV-4DAYS, VOUCHER-VALUE
    let terms = match check_terms_in_force(&VoucherRequest {
        service: d.service,
        decision_date: d.decision_date,
        valid_from: d.valid_from,
        valid_until: d.valid_until,
        units: units_decimal(d.units),
        weekly_cap: d.weekly_cap.map(units_decimal),
        unit_price: price_cents
            .map(seteli_rules::money::from_cents)
            .unwrap_or_default(),
        four_day_variant: four_day.is_some(),
    }) {
        Ok(terms) => terms,
        // RULEBOOK-IN-FORCE: no rulebook covers the decision date; reported with the rest.
        Err(refusal) => {
            violations.extend(refusal);
            return Err(AppError::RuleViolations(violations));
        }
    };
    let rulebook = seteli_rules::rulebook_for(d.service, d.decision_date)
        .map_err(|e| AppError::RuleViolations(vec![e.violation()]))?;
    let price_missing = price_cents.is_none();
    for v in terms.violations {
        // The rules crate reports a zero price as VOUCHER-VALUE; with no price at all the
        // message below says what is really missing.
        if price_missing && v.rule == VOUCHER_VALUE {
            continue;
        }
        violations.push(v);
    }
    // VOUCHER-VALUE: value = units × the ceiling price in force on the decision date.
    if price_missing {
        violations.push(Violation::of(
            VOUCHER_VALUE,
            format!(
                "Palvelulle {} ei ole päätöspäivänä {} voimassa olevaa kattohintaa, joten setelin \
                 arvoa ei voi laskea.",
                d.service.code(),
                d.decision_date
            ),
            format!(
                "No ceiling price of {} is in force on the decision date {}: the voucher's value \
                 cannot be computed.",
                d.service.code(),
                d.decision_date
            ),
        ));
    }

    // VOUCHER-EXTENSION
    let new_id = "(new)";
    let spans: Vec<VoucherSpan<'_>> = existing
        .iter()
        .filter(|e| e.held || d.continues.as_deref() == Some(e.id.as_str()))
        .map(|e| VoucherSpan {
            id: &e.id,
            service: e.service,
            valid_from: e.valid_from,
            valid_until: e.valid_until,
            continues: None,
        })
        .collect();
    violations.extend(check_extension(
        &VoucherSpan {
            id: new_id,
            service: d.service,
            valid_from: d.valid_from,
            valid_until: d.valid_until,
            continues: d.continues.as_deref(),
        },
        &spans,
    ));

    if !violations.is_empty() {
        return Err(AppError::RuleViolations(violations));
    }
    let unit_price_cents = price_cents.unwrap_or_default();
    let value_cents = seteli_rules::money::to_cents(terms.value).ok_or_else(|| {
        AppError::invalid(
            "decision.granted_units",
            "the voucher's value is out of range",
        )
    })?;
    let weekly_cap = match terms.weekly_cap {
        Some(w) => Some(
            decimal_hundredths(w)
                .ok_or_else(|| AppError::invalid("decision.weekly_cap", "at most two decimals"))?,
        ),
        None => None,
    };
    Ok(Evaluated {
        rulebook_code: terms.rulebook_code,
        rulebook_version: terms.rulebook_version,
        rulebook_effective_from: rulebook.effective_from,
        weekly_cap,
        unit_price_cents,
        value_cents,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use seteli_rules::ServiceType;
    use seteli_rules::rule_ids::{
        ELIG_AGE, KTT_ELIG_PLAN, KTT_ELIG_UNEMPLOYED, RULEBOOK_IN_FORCE, VOUCHER_EXTENSION,
    };

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a date")
    }

    /// An SK individual coaching decision that passes every rule: 40 hours, February to May.
    fn sk_decision() -> DecisionInput {
        DecisionInput {
            client_id: "c1".into(),
            service: ServiceType::SkIndividual,
            decision_date: d(2026, 1, 10),
            valid_from: d(2026, 2, 1),
            valid_until: d(2026, 5, 31),
            units: 4000,
            weekly_cap: None,
            distance_exemption: false,
            continues: None,
            recorded: pb::ServiceDecision {
                need_assessment: Some(pb::NeedAssessment {
                    reference: "PTA-2026-17".into(),
                    social_rehabilitation_need: true,
                    daily_living_need: false,
                }),
                ..Default::default()
            },
        }
    }

    /// A KTT individual coaching decision that passes every rule: 30 hours, February to May.
    fn ktt_decision() -> DecisionInput {
        DecisionInput {
            service: ServiceType::KttIndividual,
            units: 3000,
            recorded: pb::ServiceDecision {
                job_search_in_force: true,
                unemployment_benefit: pb::UnemploymentBenefit::LabourMarketSubsidy as i32,
                employment_plan: Some(pb::EmploymentPlan {
                    kind: pb::PlanKind::ActivationPlan as i32,
                    reference: "AS-123".into(),
                }),
                ..Default::default()
            },
            ..sk_decision()
        }
    }

    fn client() -> ClientFacts {
        ClientFacts {
            birth_date: d(1990, 5, 17),
            municipality: "Iisalmi".into(),
        }
    }

    fn held(id: &str, service: ServiceType, from: NaiveDate, until: NaiveDate) -> ExistingVoucher {
        ExistingVoucher {
            id: id.into(),
            service,
            valid_from: from,
            valid_until: until,
            held: true,
        }
    }

    /// The rule ids of a refusal, in order (panics on anything else).
    fn refused(r: Result<Evaluated, AppError>) -> Vec<&'static str> {
        match r {
            Err(AppError::RuleViolations(v)) => v.iter().map(|v| v.rule).collect(),
            other => panic!("expected a rule refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_decision_is_priced_with_the_rulebook_in_force() {
        let e = evaluate_decision(&sk_decision(), &client(), Some(6550), &[]).expect("valid");
        assert_eq!(e.unit_price_cents, 6550);
        // VOUCHER-VALUE: 40 h × 65.50 EUR.
        assert_eq!(e.value_cents, 262_000);
        assert_eq!((e.rulebook_code, e.rulebook_version), ("SK", "2026-01-01"));
        assert_eq!(e.rulebook_effective_from, d(2026, 1, 1));

        let e = evaluate_decision(&ktt_decision(), &client(), Some(5999), &[]).expect("valid");
        assert_eq!(e.value_cents, 30 * 5999);
        assert_eq!((e.rulebook_code, e.rulebook_version), ("KTT", "2024-01-01"));
    }

    #[test]
    fn no_price_in_force_is_one_voucher_value_refusal_that_says_so() {
        match evaluate_decision(&sk_decision(), &client(), None, &[]) {
            Err(AppError::RuleViolations(v)) => {
                assert_eq!(v.len(), 1, "{v:?}");
                assert_eq!(v[0].rule, VOUCHER_VALUE);
                assert!(
                    v[0].message_en
                        .contains("No ceiling price of SK_INDIVIDUAL")
                );
                assert!(v[0].message_en.contains("2026-01-10"));
            }
            other => panic!("expected VOUCHER-VALUE, got {other:?}"),
        }
    }

    #[test]
    fn an_assessment_without_a_reference_counts_as_none() {
        let mut decision = sk_decision();
        if let Some(n) = decision.recorded.need_assessment.as_mut() {
            n.reference = "  ".into();
        }
        // Reported once, not once by the rules crate and once more here.
        assert_eq!(
            refused(evaluate_decision(&decision, &client(), Some(6550), &[])),
            vec![SK_ELIG_NEED]
        );
    }

    #[test]
    fn ktt_plan_and_benefit_map_from_the_contract() {
        let mut decision = ktt_decision();
        decision.recorded.unemployment_benefit = pb::UnemploymentBenefit::SocialAssistance as i32;
        if let Some(p) = decision.recorded.employment_plan.as_mut() {
            p.kind = pb::PlanKind::MultiSectoralEmploymentPlan as i32;
        }
        assert!(evaluate_decision(&decision, &client(), Some(5999), &[]).is_ok());

        // An unspecified plan kind is no plan; an unspecified benefit is none.
        let mut decision = ktt_decision();
        decision.recorded.unemployment_benefit = 0;
        if let Some(p) = decision.recorded.employment_plan.as_mut() {
            p.kind = 0;
        }
        assert_eq!(
            refused(evaluate_decision(&decision, &client(), Some(5999), &[])),
            vec![KTT_ELIG_UNEMPLOYED, KTT_ELIG_PLAN]
        );
    }

    #[test]
    fn the_age_is_counted_on_the_first_valid_day() {
        let young = ClientFacts {
            birth_date: d(2008, 2, 2),
            ..client()
        };
        // 17 on 2026-02-01, 18 the next day.
        assert_eq!(
            refused(evaluate_decision(&sk_decision(), &young, Some(6550), &[])),
            vec![ELIG_AGE]
        );
        let decision = DecisionInput {
            valid_from: d(2026, 2, 2),
            ..sk_decision()
        };
        assert!(evaluate_decision(&decision, &young, Some(6550), &[]).is_ok());
    }

    #[test]
    fn a_decision_before_any_rulebook_is_refused_with_the_rest() {
        let decision = DecisionInput {
            decision_date: d(2025, 6, 1),
            ..sk_decision()
        };
        let young = ClientFacts {
            birth_date: d(2010, 1, 1),
            ..client()
        };
        assert_eq!(
            refused(evaluate_decision(&decision, &young, Some(6550), &[])),
            vec![ELIG_AGE, RULEBOOK_IN_FORCE]
        );
    }

    #[test]
    fn only_held_vouchers_of_the_same_service_overlap() {
        let overlapping = held(
            "v-old",
            ServiceType::SkIndividual,
            d(2026, 1, 1),
            d(2026, 2, 28),
        );
        assert_eq!(
            refused(evaluate_decision(
                &sk_decision(),
                &client(),
                Some(6550),
                std::slice::from_ref(&overlapping)
            )),
            vec![VOUCHER_EXTENSION]
        );
        // Ended (not held) it no longer overlaps anything the client holds.
        let ended = ExistingVoucher {
            held: false,
            ..overlapping.clone()
        };
        assert!(evaluate_decision(&sk_decision(), &client(), Some(6550), &[ended]).is_ok());
        // Another service does not count.
        let other = ExistingVoucher {
            service: ServiceType::KttIndividual,
            ..overlapping
        };
        assert!(evaluate_decision(&sk_decision(), &client(), Some(6550), &[other]).is_ok());
    }

    #[test]
    fn an_extension_continues_an_ended_voucher_of_the_client() {
        let previous = ExistingVoucher {
            held: false,
            ..held(
                "v-prev",
                ServiceType::SkIndividual,
                d(2025, 10, 1),
                d(2026, 1, 31),
            )
        };
        let extension = DecisionInput {
            continues: Some("v-prev".into()),
            ..sk_decision()
        };
        assert!(
            evaluate_decision(
                &extension,
                &client(),
                Some(6550),
                std::slice::from_ref(&previous)
            )
            .is_ok()
        );
        // A voucher that is not the client's cannot be continued.
        assert_eq!(
            refused(evaluate_decision(&extension, &client(), Some(6550), &[])),
            vec![VOUCHER_EXTENSION]
        );
    }
}
