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
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let decision = wire::validate_decision(req.decision.as_ref())?;
    let year = ctx.today().year();
    let (refusal_ctx, client_id) = (ctx.clone(), decision.client_id.clone());
    let answer: pb::GetVoucherResponse = change
        .apply(move |conn| {
            Box::pin(async move {
                // The client's issue lock first: overlap checks of one client's decisions run
                // one after the other (VOUCHER-EXTENSION).
                let client = store::lock_client_for_issue(conn, &decision.client_id)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("client {}", decision.client_id)))?;
                // VOUCHER-VALUE: the ceiling price in force on the decision date.
                let price = store::price_on(conn, decision.service, decision.decision_date)
                    .await?
                    .map(|p| p.cents);
                let existing = store::client_vouchers(conn, &decision.client_id).await?;
                let evaluated = evaluate_decision(&decision, &client, price, &existing)?;
                let number = store::next_voucher_number(conn, year).await?;
                let id = new_id();
                store::insert_voucher(
                    conn,
                    &id,
                    &number,
                    &decision,
                    &evaluated,
                    &ctx.caller.subject,
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
