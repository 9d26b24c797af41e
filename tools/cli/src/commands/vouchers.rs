//! `seteli client …` and `seteli voucher …`: clients, and vouchers from the decision (with the
//! facts its rulebook asks of it, as given) to their end.

use seteli_api::common::v1::{Coordinates, ServiceType};
use seteli_api::vouchers::v1 as vpb;

use super::{decline_reason_of, end_reason_of};
use crate::actions::{self, today};
use crate::cli::{BenefitArg, ClientCmd, IssueArgs, VoucherCmd};
use crate::conn::Platform;
use crate::examples::{self, Used};
use crate::output::{self, Out};

/// Runs a `seteli client` command.
pub(super) async fn client(p: &Platform, out: Out, c: ClientCmd) -> anyhow::Result<()> {
    match c {
        ClientCmd::Add {
            name,
            identity_code,
            municipality,
            at,
            phone,
            email,
            postal_address,
            example,
        } => {
            let mut used = Used::default();
            let mut municipality = municipality.unwrap_or_default();
            used.fill(example, &mut municipality, "Kuopio", "home municipality");
            let at = at.unwrap_or_else(|| {
                let (lat, lon) = examples::KUOPIO;
                used.note(format!("home coordinates ({lat},{lon})"));
                examples::KUOPIO
            });
            used.tell();
            let details = vpb::ClientDetails {
                identity_code,
                name,
                home_municipality: municipality,
                home_coordinates: Some(Coordinates {
                    latitude: at.0,
                    longitude: at.1,
                }),
                contact: Some(vpb::ClientContact {
                    phone: phone.unwrap_or_default(),
                    email: email.unwrap_or_default(),
                    postal_address: postal_address.unwrap_or_default(),
                }),
            };
            out.record(&actions::add_client(p, details).await?, output::CLIENT)
        }
        ClientCmd::List => out.rows(&actions::list_clients(p).await?, output::CLIENT),
    }
}

/// Runs a `seteli voucher` command.
pub(super) async fn voucher(p: &Platform, out: Out, c: VoucherCmd) -> anyhow::Result<()> {
    let show = |x: &vpb::Voucher| out.record(x, &output::voucher_record());
    match c {
        VoucherCmd::Issue(a) => {
            let (decision, used) = decision_of(*a)?;
            used.tell();
            show(&actions::issue_voucher(p, decision).await?)
        }
        VoucherCmd::Choose {
            id,
            provider,
            agreed_start,
        } => show(&actions::choose_provider(p, &id, &provider, agreed_start).await?),
        VoucherCmd::Accept {
            id,
            provider,
            coach,
            steward_notified,
        } => show(&actions::accept_voucher(p, &provider, &id, &coach, steward_notified).await?),
        VoucherCmd::Decline {
            id,
            provider,
            reason_kind,
            reason,
        } => {
            let kind = decline_reason_of(reason_kind);
            show(&actions::decline_voucher(p, &provider, &id, kind, &reason).await?)
        }
        VoucherCmd::Interrupt {
            id,
            provider,
            reason_kind,
            reason,
            on,
        } => {
            let (kind, on) = (end_reason_of(reason_kind), on.unwrap_or_else(today));
            let v = actions::interrupt_voucher(p, provider.as_deref(), &id, kind, &reason, on);
            show(&v.await?)
        }
        VoucherCmd::Cancel {
            id,
            reason_kind,
            reason,
        } => show(&actions::cancel_voucher(p, &id, end_reason_of(reason_kind), &reason).await?),
        VoucherCmd::Get { id } => show(&actions::get_voucher(p, &id).await?),
        VoucherCmd::List { client, provider } => out.rows(
            &actions::list_vouchers(p, client.as_deref(), provider.as_deref()).await?,
            output::VOUCHER,
        ),
    }
}

fn is_ktt(service: ServiceType) -> bool {
    service.as_str_name().starts_with("SERVICE_TYPE_KTT")
}

fn benefit_of(b: BenefitArg) -> vpb::UnemploymentBenefit {
    match b {
        BenefitArg::LabourMarketSubsidy => vpb::UnemploymentBenefit::LabourMarketSubsidy,
        BenefitArg::SocialAssistance => vpb::UnemploymentBenefit::SocialAssistance,
        BenefitArg::None => vpb::UnemploymentBenefit::None,
    }
}

/// The decision `a` gives, with the facts its service's rulebook asks of it as given: refused,
/// naming the flags and the rules, when one is missing (or given for the other rulebook); with
/// `--example`, an example fact where none is given, each noted.
fn decision_of(a: IssueArgs) -> anyhow::Result<(vpb::ServiceDecision, Used)> {
    let from = a.from.unwrap_or_else(today);
    let until = a
        .until
        .unwrap_or_else(|| seteli_rules::terms::validity_end(from, a.months));
    let days = (a.decided_on.unwrap_or(from), from, until);
    let mut d = actions::decision(&a.client, a.service, days, a.units);
    d.weekly_cap = a.weekly_cap.map(|hundredths| vpb::Units { hundredths });
    d.distance_exemption = a
        .distance_exemption
        .map(|reason| vpb::DistanceExemption { reason });
    d.continues_voucher_id = a.continues.unwrap_or_default();
    let (service, ex) = (
        a.service.as_str_name().trim_start_matches("SERVICE_TYPE_"),
        a.example,
    );
    let mut used = Used::default();
    let mut missing = Vec::new();
    if is_ktt(a.service) {
        let sk_given =
            a.assessment.is_some() || a.social_rehabilitation_need || a.daily_living_need;
        anyhow::ensure!(
            !sk_given,
            "{service} is a KTT service: --assessment, --social-rehabilitation-need and \
             --daily-living-need are SK's (SK-ELIG-NEED)"
        );
        let plan = match (a.activation_plan, a.employment_plan) {
            (Some(r), _) => Some((vpb::PlanKind::ActivationPlan, r)),
            (None, Some(r)) => Some((vpb::PlanKind::MultiSectoralEmploymentPlan, r)),
            (None, None) if ex => {
                used.note(format!("activation plan ({})", examples::ACTIVATION_PLAN));
                Some((
                    vpb::PlanKind::ActivationPlan,
                    examples::ACTIVATION_PLAN.into(),
                ))
            }
            (None, None) => {
                missing.push("--activation-plan REF or --employment-plan REF (KTT-ELIG-PLAN)");
                None
            }
        };
        d.employment_plan = plan.map(|(kind, reference)| vpb::EmploymentPlan {
            kind: kind as i32,
            reference,
        });
        let benefit = match a.benefit {
            Some(b) => Some(benefit_of(b)),
            None if ex => {
                used.note("benefit (labour market subsidy)");
                Some(vpb::UnemploymentBenefit::LabourMarketSubsidy)
            }
            None => {
                missing.push("--benefit (KTT-ELIG-UNEMPLOYED)");
                None
            }
        };
        d.unemployment_benefit = benefit.unwrap_or_default() as i32;
        d.job_search_in_force = a.job_search_in_force;
        if !d.job_search_in_force && ex {
            used.note("job search in force");
            d.job_search_in_force = true;
        }
    } else {
        let ktt_given = a.activation_plan.is_some()
            || a.employment_plan.is_some()
            || a.benefit.is_some()
            || a.job_search_in_force;
        anyhow::ensure!(
            !ktt_given,
            "{service} is an SK service: --activation-plan, --employment-plan, --benefit and \
             --job-search-in-force are KTT's (KTT-ELIG-PLAN, KTT-ELIG-UNEMPLOYED)"
        );
        let daily_living = a.service == ServiceType::SkIndividualDailyLiving;
        let mut need = vpb::NeedAssessment {
            reference: a.assessment.unwrap_or_default(),
            social_rehabilitation_need: a.social_rehabilitation_need,
            daily_living_need: a.daily_living_need,
        };
        if !used.fill(
            ex,
            &mut need.reference,
            examples::NEED_ASSESSMENT,
            "assessment",
        ) {
            missing.push("--assessment REF (SK-ELIG-NEED)");
        }
        if ex && !need.social_rehabilitation_need {
            used.note("the assessment found a social rehabilitation need");
            need.social_rehabilitation_need = true;
        }
        if ex && daily_living && !need.daily_living_need {
            used.note("the assessment found a daily-living need");
            need.daily_living_need = true;
        }
        d.need_assessment = Some(need);
    }
    if !missing.is_empty() {
        anyhow::bail!(
            "{service}: the decision needs {}; give them, or --example to use example values \
             (named in the answer)",
            missing.join(" and ")
        );
    }
    Ok((d, used))
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::{Cli, Command};

    fn issue(args: &[&str]) -> anyhow::Result<(vpb::ServiceDecision, Used)> {
        let base = [
            "seteli", "voucher", "issue", "--client", "c-1", "--units", "30",
        ];
        let cli = Cli::try_parse_from(base.iter().chain(args)).expect("parsed");
        match cli.command {
            Command::Voucher(VoucherCmd::Issue(a)) => decision_of(*a),
            other => panic!("not an issue: {other:?}"),
        }
    }

    #[test]
    fn the_identity_code_in_the_help_is_a_valid_one() {
        use clap::CommandFactory as _;
        let mut cli = Cli::command();
        let add = cli
            .find_subcommand_mut("client")
            .and_then(|c| c.find_subcommand_mut("add"))
            .expect("client add");
        let help = add.render_long_help().to_string();
        let (_, after) = help.split_once("Henkilötunnus, e.g. ").expect("an example");
        let code: String = after.chars().take(11).collect();
        assert!(seteli_rules::ids::parse_hetu(&code).is_ok(), "{code}");
    }

    #[test]
    fn a_ktt_decision_carries_the_facts_given_and_no_other() {
        let (d, used) = issue(&[
            "--service",
            "KTT_INDIVIDUAL",
            "--employment-plan",
            "MTS-7",
            "--benefit",
            "social-assistance",
        ])
        .expect("a decision");
        assert_eq!(used, Used::default());
        let plan = d.employment_plan.expect("the plan");
        assert_eq!(plan.kind, vpb::PlanKind::MultiSectoralEmploymentPlan as i32);
        assert_eq!(plan.reference, "MTS-7");
        assert_eq!(
            d.unemployment_benefit,
            vpb::UnemploymentBenefit::SocialAssistance as i32
        );
        assert!(!d.job_search_in_force, "not said, not recorded");
        assert_eq!(d.granted_units, Some(vpb::Units { hundredths: 3000 }));
    }

    #[test]
    fn a_missing_fact_names_its_flag_and_rule_and_examples_are_named() {
        let e = issue(&["--service", "KTT_INDIVIDUAL"]).expect_err("no plan");
        let said = e.to_string();
        assert!(
            said.contains("--activation-plan") && said.contains("KTT-ELIG-PLAN"),
            "{said}"
        );
        assert!(said.contains("--benefit (KTT-ELIG-UNEMPLOYED)"), "{said}");
        let e = issue(&["--service", "SK_GROUP"]).expect_err("no assessment");
        assert!(
            e.to_string().contains("--assessment REF (SK-ELIG-NEED)"),
            "{e}"
        );
        let e = issue(&["--service", "SK_GROUP", "--benefit", "none"]).expect_err("KTT's");
        assert!(e.to_string().contains("is an SK service"), "{e}");
        let (d, used) =
            issue(&["--service", "SK_INDIVIDUAL_DAILY_LIVING", "--example"]).expect("examples");
        let need = d.need_assessment.expect("an assessment");
        assert!(need.social_rehabilitation_need && need.daily_living_need);
        let said = used.said().expect("named");
        assert!(said.contains(examples::NEED_ASSESSMENT), "{said}");
    }
}
