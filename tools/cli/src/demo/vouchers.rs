//! The demo's clients and their vouchers: KTT vouchers whose three months end a week after
//! today, SK group vouchers of the two months that ended with the month walked; each chosen
//! and accepted.

use anyhow::Context as _;
use chrono::NaiveDate;
use seteli_api::common::v1::ServiceType;
use seteli_api::vouchers::v1 as vpb;

use super::made_up::{KUOPIO, SIILINJARVI, hetu};
use super::summary::{DemoProvider, DemoVoucher};
use crate::actions;
use crate::conn::Platform;

/// Phase 3, clients and their vouchers at `providers`, chosen and accepted; `t` is today, the
/// month walked starts on `month_first`, the identity codes are drawn from `s`.
pub(super) async fn clients_and_vouchers(
    p: &Platform,
    providers: &[DemoProvider],
    s: u32,
    t: NaiveDate,
    month_first: NaiveDate,
) -> anyhow::Result<Vec<DemoVoucher>> {
    // KTT: three months ending a week from today (REP-INTERIM is due three weeks before the end:
    // overdue by now). SK group: the two months that ended with last month (REP-FINAL owed).
    let ktt_from = (t + chrono::Duration::days(8))
        .checked_sub_months(chrono::Months::new(3))
        .context("KTT start")?;
    let ktt_until = seteli_rules::terms::validity_end(ktt_from, 3);
    let sk_from = month_first
        .checked_sub_months(chrono::Months::new(1))
        .context("SK start")?;
    let sk_until = seteli_rules::terms::validity_end(sk_from, 2);
    let people = [
        ("Aino Asiakas", 0usize, ServiceType::KttIndividual),
        ("Eero Esimerkki", 0, ServiceType::SkGroup),
        ("Kaisa Koivu", 1, ServiceType::KttIndividual),
        ("Mikko Mänty", 1, ServiceType::SkGroup),
        ("Lauri Lehto", 2, ServiceType::KttIndividual),
    ];
    let mut vouchers = Vec::new();
    for (n, (name, pi, service)) in people.into_iter().enumerate() {
        let provider = &providers[pi];
        let (town, at) = if pi == 1 {
            ("Siilinjärvi", SIILINJARVI)
        } else {
            ("Kuopio", KUOPIO)
        };
        let client = actions::add_client(
            p,
            vpb::ClientDetails {
                identity_code: hetu(s, u32::try_from(n).unwrap_or(0))?,
                name: name.into(),
                home_municipality: town.into(),
                home_coordinates: Some(seteli_api::common::v1::Coordinates {
                    latitude: at.0,
                    longitude: at.1,
                }),
                contact: Some(vpb::ClientContact {
                    phone: "+358 40 765 4321".into(),
                    ..Default::default()
                }),
            },
        )
        .await
        .with_context(|| format!("adding client {name}"))?;
        let ktt = service == ServiceType::KttIndividual;
        let (from, until, units) = if ktt {
            (ktt_from, ktt_until, 3000)
        } else {
            (sk_from, sk_until, 4000)
        };
        let mut decision = actions::decision(&client.id, service, (from, from, until), units);
        // The made-up decisions rest on the example facts of their rulebooks.
        if ktt {
            decision.employment_plan = Some(vpb::EmploymentPlan {
                kind: vpb::PlanKind::ActivationPlan as i32,
                reference: crate::examples::ACTIVATION_PLAN.into(),
            });
            decision.job_search_in_force = true;
            decision.unemployment_benefit = vpb::UnemploymentBenefit::LabourMarketSubsidy as i32;
        } else {
            decision.need_assessment = Some(vpb::NeedAssessment {
                reference: crate::examples::NEED_ASSESSMENT.into(),
                social_rehabilitation_need: true,
                daily_living_need: false,
            });
        }
        let v = actions::issue_voucher(p, decision)
            .await
            .with_context(|| format!("issuing {name}'s voucher"))?;
        actions::choose_provider(p, &v.id, &provider.id, None).await?;
        actions::accept_voucher(p, &provider.id, &v.id, "Olli Ohjaaja", Some(from)).await?;
        vouchers.push(DemoVoucher {
            id: v.id,
            number: v.voucher_number,
            client: name.into(),
            service,
            provider_id: provider.id.clone(),
            provider_name: provider.name.clone(),
            valid_from: from,
            valid_until: until,
        });
    }
    Ok(vouchers)
}
