//! A voucher's life cycle after the decision: the client's choice of provider (checked with the
//! registry's facts), the provider's acceptance or decline, the start with its checklist
//! (PROC-START, PROC-COACH, KTT-STEWARD), completion, interruption and cancellation. Each is one
//! conditional transition of the locked voucher, audited and appended to the change feed.

use chrono::NaiveDate;
use futures::future::BoxFuture;
use seteli_api::common::v1::Coordinates;
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::auth::Caller;
use seteli_platform::change::Change;
use seteli_platform::convert::{PbEnum, date};
use seteli_platform::error::refuse;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult, FieldErrors};
use seteli_rules::Violation;
use seteli_rules::geo::{Coordinates as Point, nearest_place};
use seteli_rules::process::{
    ProcessConfig, ServiceStart, check_service_start, check_steward_notice,
};
use seteli_rules::provider::{ChoiceFacts, check_choice};
use seteli_rules::terms::check_use_date;
use sqlx::AnyConnection;

use super::common::{AuditRefusal, record_voucher_change};
use crate::access;
use crate::app::App;
use crate::model::{ChangeKind, StartDates, VoucherState};
use crate::store::{self, Choice, Ending, VoucherRow};
use crate::wire::{self, required_id};

/// ChooseProvider: the registry is asked for the provider's facts before the transaction, so
/// no lock is held over a network call; a retry is answered from the store first, even with the
/// registry down. Whether the provider may be chosen today is `seteli_rules::provider::
/// check_choice` (approved, offering the service, PROV-DOCS and PROV-INSURANCE in force on the
/// day of the choice, PROV-DISTANCE); an agreed start must be a day of the validity
/// (TERM-VALIDITY). The day of the choice is recorded: PROC-START counts from it.
pub async fn choose_provider(
    app: &App,
    ctx: Ctx,
    req: pb::ChooseProviderRequest,
) -> AppResult<pb::ChooseProviderResponse> {
    ctx.caller.require(access::COUNTY_STAFF)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let id = required_id("voucher_id", &req.voucher_id)?;
    let provider_id = required_id("provider_id", &req.provider_id)?;
    let agreed_start_on = wire::optional_date("agreed_start_on", req.agreed_start_on.as_ref())?;
    let v = visible_voucher(app, &ctx.caller, &id).await?;
    let home = {
        let mut conn = app.db.pool().acquire().await?;
        store::load_client(&mut conn, &v.client_id)
            .await?
            .and_then(|c| c.home_coordinates)
            .ok_or_else(|| AppError::NotFound(format!("client {}", v.client_id)))?
    };
    let home = Point::new(home.latitude, home.longitude).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("stored home coordinates are invalid: {e}"))
    })?;
    let exemption = v
        .view
        .decision
        .as_ref()
        .is_some_and(|d| d.distance_exemption.is_some());
    let check = app
        .providers
        .call(
            &ctx,
            ppb::CheckProviderForServiceRequest {
                provider_id: provider_id.clone(),
                service_type: v.service.to_pb(),
                near: Some(Coordinates {
                    latitude: home.lat,
                    longitude: home.lon,
                }),
            },
            |mut c, r| async move { c.check_provider_for_service(r).await },
        )
        .await?;
    let today = ctx.today();
    let documents = wire::provider_documents(&check);
    let places = wire::provider_places(&check);
    // PROVIDER-NOT-APPROVED, SERVICE-NOT-OFFERED, PROV-DOCS, PROV-INSURANCE, PROV-DISTANCE
    let mut violations = check_choice(&ChoiceFacts {
        provider_name: &check.name,
        service: v.service,
        approved: check.approved,
        offers_service: check.offers_service,
        uses_subcontractors: check.uses_subcontractors,
        documents: &documents,
        places: &places,
        home,
        distance_limit_km: app.distance_limit_km,
        distance_exemption: exemption,
        on: today,
    });
    // TERM-VALIDITY: the service starts only on a day of the validity.
    if let Some(start) = agreed_start_on {
        violations.extend(check_use_date(v.valid_from, v.valid_until, start));
    }
    // The client's home was read for PROV-DISTANCE: a refusal is recorded as an access.
    refuse(violations)
        .or_else_audit(app, &ctx, &v.client_id, "ChooseProvider", "voucher_service")
        .await?;
    let distance = nearest_place(v.service, &places, home).map_or(0.0, |p| p.distance_km);
    let choice = Choice {
        provider_id,
        provider_name: check.name.clone(),
        distance_km: (distance * 1000.0).round() / 1000.0,
        chosen_on: today,
        agreed_start_on,
    };
    let voucher = change_voucher(
        change,
        &ctx,
        "ChooseProvider",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                let moved = store::choose_provider(conn, &v.id, &choice).await?;
                transition(
                    moved,
                    "choose a provider for",
                    v,
                    ChangeKind::ProviderChosen,
                )
            })
        }),
    )
    .await?;
    Ok(pb::ChooseProviderResponse {
        voucher: Some(voucher),
    })
}

/// AcceptVoucher: the chosen provider takes the voucher on; the contract is made today. The
/// start checklist as of today (`seteli_rules::process::check_service_start`, not started yet):
/// PROC-START (the limit counted from the day of the choice has not passed), PROC-COACH (KTT:
/// the responsible coach is named at the contract), KTT-STEWARD (a notice date not after today).
pub async fn accept_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::AcceptVoucherRequest,
) -> AppResult<pb::AcceptVoucherResponse> {
    ctx.caller.require(access::PROVIDER)?;
    // PROVIDER-NOT-APPROVED, from the followed registry
    app.followed_providers.require_may_work(&ctx).await?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let coach = optional_coach(&req.responsible_coach)?;
    let steward = wire::optional_date("steward_notified_on", req.steward_notified_on.as_ref())?;
    let own = ctx.caller.provider_id.clone().unwrap_or_default();
    let today = ctx.today();
    let voucher = change_voucher(
        change,
        &ctx,
        "AcceptVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                // PROC-START, PROC-COACH, KTT-STEWARD
                let dates = StartDates {
                    accepted_on: Some(today),
                    coach_named_on: (!coach.is_empty()).then_some(today),
                    steward_notified_on: steward,
                    started_on: None,
                    ..v.start
                };
                let continuation = continues_with_same_provider(conn, v).await?;
                refuse(start_checklist(v, &dates, today, continuation))?;
                let moved = store::accept(conn, &v.id, &own, &coach, steward, today).await?;
                transition(moved, "accept", v, ChangeKind::Accepted)
            })
        }),
    )
    .await?;
    Ok(pb::AcceptVoucherResponse {
        voucher: Some(voucher),
    })
}

/// DeclineVoucher: the chosen provider says no, with a reason: its code (what the feed carries)
/// and its text.
pub async fn decline_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::DeclineVoucherRequest,
) -> AppResult<pb::DeclineVoucherResponse> {
    ctx.caller.require(access::PROVIDER)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let (reason, kind) =
        wire::required_reason(&req.reason, wire::decline_reason_kind(req.reason_kind))?;
    let own = ctx.caller.provider_id.clone().unwrap_or_default();
    let voucher = change_voucher(
        change,
        &ctx,
        "DeclineVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                let moved = store::decline(conn, &v.id, &own, kind, &reason).await?;
                transition(moved, "decline", v, ChangeKind::Declined)
            })
        }),
    )
    .await?;
    Ok(pb::DeclineVoucherResponse {
        voucher: Some(voucher),
    })
}

/// StartVoucher: the service starts on a day within the validity (TERM-VALIDITY), with the
/// start checklist (`seteli_rules::process::check_service_start`): PROC-START (by the agreed
/// start, or the limit counted from the day of the choice), PROC-COACH (SK: named by the start;
/// a coach named here is named on the start day) and KTT-STEWARD (KTT work activity: notified
/// no later than the start; a notice date never after the start nor after today).
pub async fn start_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::StartVoucherRequest,
) -> AppResult<pb::StartVoucherResponse> {
    ctx.caller.require(access::PROVIDER)?;
    // PROVIDER-NOT-APPROVED, from the followed registry
    app.followed_providers.require_may_work(&ctx).await?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let mut errors = FieldErrors::new();
    // KTT-STEWARD: a steward's notice without a start records the notice alone.
    let notice_only = req.started_on.is_none() && req.steward_notified_on.is_some();
    let on = if notice_only {
        Some(None)
    } else {
        errors.take(
            "started_on",
            date("started_on", req.started_on.as_ref())
                .map(Some)
                .map_err(AppError::describe),
        )
    };
    let coach = errors.take(
        "responsible_coach",
        optional_coach(&req.responsible_coach).map_err(AppError::describe),
    );
    let steward = errors.take(
        "steward_notified_on",
        wire::optional_date("steward_notified_on", req.steward_notified_on.as_ref())
            .map_err(AppError::describe),
    );
    errors.finish()?;
    let (Some(on), Some(coach), Some(steward)) = (on, coach, steward) else {
        return Err(AppError::invalid("started_on", "required"));
    };
    let today = ctx.today();
    // A start is recorded when it happened: a future start would skip the start checklist
    // (PROC-COACH, KTT-STEWARD are due by the start) and make the voucher ACTIVE too early.
    if on.is_some_and(|on| on > today) {
        return Err(AppError::invalid(
            "started_on",
            "must not be after today: record the start on the day it happens",
        ));
    }
    let voucher = change_voucher(
        change,
        &ctx,
        "StartVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                if let Some(notified_on) = steward
                    && (v.state == VoucherState::Active
                        || (on.is_none() && v.state == VoucherState::Assigned))
                {
                    // KTT-STEWARD: the notice is recorded (or replaced) on an accepted voucher
                    // without starting it, or on an ACTIVE one, until its first work day is
                    // realised (no units used yet); the start and the coach stay as recorded.
                    if v.units_used > 0 {
                        return Err(AppError::StateConflict(format!(
                            "voucher {} has used units: its first work day is realised and the \
                             steward's notice can no longer be recorded",
                            v.id
                        )));
                    }
                    refuse(
                        check_steward_notice(
                            v.service,
                            Some(notified_on),
                            v.start.started_on,
                            today,
                        )
                        .into_iter()
                        .collect(),
                    )?;
                    let moved = store::record_steward_notice(conn, &v.id, notified_on).await?;
                    let verb = "record the steward's notice on";
                    return transition(moved, verb, v, ChangeKind::Started);
                }
                let on = on.ok_or_else(|| AppError::invalid("started_on", "required"))?;
                let (coach, dates) = started(v, on, &coach, steward);
                if v.state == VoucherState::Assigned {
                    // TERM-VALIDITY, PROC-START, PROC-COACH, KTT-STEWARD
                    let mut violations = check_use_date(v.valid_from, v.valid_until, on);
                    let continuation = continues_with_same_provider(conn, v).await?;
                    violations.extend(start_checklist(v, &dates, today, continuation));
                    refuse(violations)?;
                }
                let moved = store::start(conn, &v.id, on, &coach, &dates).await?;
                transition(moved, "start", v, ChangeKind::Started)
            })
        }),
    )
    .await?;
    Ok(pb::StartVoucherResponse {
        voucher: Some(voucher),
    })
}

/// CompleteVoucher.
pub async fn complete_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::CompleteVoucherRequest,
) -> AppResult<pb::CompleteVoucherResponse> {
    ctx.caller.require(access::COMPLETERS)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let on = date("completed_on", req.completed_on.as_ref())?;
    let voucher = change_voucher(
        change,
        &ctx,
        "CompleteVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                let moved = store::complete(conn, &v.id, on).await?;
                transition(moved, "complete", v, ChangeKind::Completed)
            })
        }),
    )
    .await?;
    Ok(pb::CompleteVoucherResponse {
        voucher: Some(voucher),
    })
}

/// InterruptVoucher: PROC-INTERRUPT records why (its code, what the feed carries, and its text)
/// and when.
pub async fn interrupt_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::InterruptVoucherRequest,
) -> AppResult<pb::InterruptVoucherResponse> {
    ctx.caller.require(access::INTERRUPTERS)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let mut errors = FieldErrors::new();
    let reason = wire::reason(
        &mut errors,
        &req.reason,
        wire::end_reason_kind(req.reason_kind),
    );
    let on = errors.take(
        "interrupted_on",
        date("interrupted_on", req.interrupted_on.as_ref()).map_err(AppError::describe),
    );
    errors.finish()?;
    let (Some((reason, kind)), Some(on)) = (reason, on) else {
        return Err(AppError::invalid("reason", "required"));
    };
    let voucher = change_voucher(
        change,
        &ctx,
        "InterruptVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                let moved = store::end(conn, &v.id, Ending::Interrupted, on, kind, &reason).await?;
                transition(moved, "interrupt", v, ChangeKind::Interrupted)
            })
        }),
    )
    .await?;
    Ok(pb::InterruptVoucherResponse {
        voucher: Some(voucher),
    })
}

/// CancelVoucher: before the service started, as of today, with why (its code, what the feed
/// carries, and its text).
pub async fn cancel_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::CancelVoucherRequest,
) -> AppResult<pb::CancelVoucherResponse> {
    ctx.caller.require(access::COUNTY_STAFF)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let (reason, kind) =
        wire::required_reason(&req.reason, wire::end_reason_kind(req.reason_kind))?;
    let today = ctx.today();
    let voucher = change_voucher(
        change,
        &ctx,
        "CancelVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                let moved =
                    store::end(conn, &v.id, Ending::Cancelled, today, kind, &reason).await?;
                transition(moved, "cancel", v, ChangeKind::Cancelled)
            })
        }),
    )
    .await?;
    Ok(pb::CancelVoucherResponse {
        voucher: Some(voucher),
    })
}

/// One change of a voucher, run inside [`change_voucher`]: gets the voucher as locked and
/// loaded in the transaction, makes its conditional UPDATE, and returns the feed entries.
type VoucherOp = Box<
    dyn for<'t> FnOnce(
            &'t mut AnyConnection,
            &'t VoucherRow,
        ) -> BoxFuture<'t, AppResult<Vec<ChangeKind>>>
        + Send,
>;

/// Changes voucher `id` through `change`: locks and loads it (NOT_FOUND when the caller may
/// not see it), applies `op`, audits the client access, appends the feed entries and answers
/// with the voucher as the caller may see it.
async fn change_voucher(
    change: Change<'_>,
    ctx: &Ctx,
    action: &'static str,
    id: &str,
    op: VoucherOp,
) -> AppResult<pb::Voucher> {
    let caller = ctx.caller.clone();
    let (ctx, request_id) = (ctx.clone(), change.request_id().to_owned());
    let answer: pb::GetVoucherResponse = change
        .apply_to(
            id,
            |v: &VoucherRow| access::may_see(&caller, v),
            move |conn, before: VoucherRow| {
                Box::pin(async move {
                    let (ctx, request_id) = (&ctx, request_id.as_str());
                    let kinds = op(conn, &before).await?;
                    let previous_provider = before.chosen_provider.as_deref();
                    let after = record_voucher_change(
                        conn,
                        ctx,
                        request_id,
                        &before.id,
                        action,
                        kinds,
                        previous_provider,
                    )
                    .await?;
                    Ok(pb::GetVoucherResponse {
                        voucher: Some(wire::voucher_for(&ctx.caller, &after.view)),
                    })
                })
            },
        )
        .await?;
    answer
        .voucher
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored answer has no voucher")))
}

/// Loads a voucher the caller may see, outside a transaction.
async fn visible_voucher(app: &App, caller: &Caller, id: &str) -> AppResult<VoucherRow> {
    let mut conn = app.db.pool().acquire().await?;
    store::load_voucher(&mut conn, id)
        .await?
        .filter(|v| access::may_see(caller, v))
        .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))
}

/// The feed entry of a transition whose conditional UPDATE `moved` the voucher; otherwise why
/// it could not (the voucher is in a state the transition does not start from).
fn transition(
    moved: bool,
    verb: &str,
    v: &VoucherRow,
    kind: ChangeKind,
) -> AppResult<Vec<ChangeKind>> {
    if moved {
        Ok(vec![kind])
    } else {
        Err(not_in_state(verb, v.state))
    }
}

fn not_in_state(verb: &str, state: VoucherState) -> AppError {
    AppError::StateConflict(format!("cannot {verb} a voucher that is {}", state.code()))
}

/// A responsible coach's name as given (trimmed; empty when none is named).
fn optional_coach(given: &str) -> AppResult<String> {
    let coach = given.trim();
    if coach.chars().count() > 200 {
        return Err(AppError::invalid(
            "responsible_coach",
            "at most 200 characters",
        ));
    }
    Ok(coach.to_owned())
}

/// The coach and the checklist dates of voucher `v` started `on`: a coach given now (other than
/// the one named) is named on the start day, a steward notice given now replaces the recorded
/// one.
fn started(
    v: &VoucherRow,
    on: NaiveDate,
    coach: &str,
    steward: Option<NaiveDate>,
) -> (String, StartDates) {
    let renamed = !coach.is_empty() && coach != v.responsible_coach;
    let dates = StartDates {
        coach_named_on: if renamed {
            Some(on)
        } else {
            v.start.coach_named_on
        },
        steward_notified_on: steward.or(v.start.steward_notified_on),
        started_on: Some(on),
        ..v.start
    };
    let coach = if renamed { coach } else { &v.responsible_coach };
    (coach.to_owned(), dates)
}

/// VOUCHER-EXTENSION: whether `v` continues another voucher of the same provider (the one now
/// chosen for `v`): no new client, so PROC-START owes no new start.
async fn continues_with_same_provider(conn: &mut AnyConnection, v: &VoucherRow) -> AppResult<bool> {
    let continued = v
        .view
        .decision
        .as_ref()
        .map(|d| d.continues_voucher_id.trim())
        .filter(|c| !c.is_empty());
    let (Some(continued), Some(provider)) = (continued, v.chosen_provider.as_deref()) else {
        return Ok(false);
    };
    Ok(store::load_voucher(conn, continued)
        .await?
        .is_some_and(|c| c.chosen_provider.as_deref() == Some(provider)))
}

/// The start checklist of voucher `v` with `dates` as of `today`
/// (`seteli_rules::process::check_service_start`: PROC-START, PROC-COACH, KTT-STEWARD).
/// PROC-START counts from the later of the choice and the first valid day; a continuation
/// with the same provider (`continuation`) owes no new start.
fn start_checklist(
    v: &VoucherRow,
    dates: &StartDates,
    today: NaiveDate,
    continuation: bool,
) -> Vec<Violation> {
    // A choice or a coach recorded before their dates were stored: PROC-START counts from today
    // (it cannot fail, as before) and the coach counts as named before anything.
    let coach_named = !v.responsible_coach.is_empty() || dates.coach_named_on.is_some();
    let coach_named_on = dates
        .coach_named_on
        .or_else(|| coach_named.then_some(NaiveDate::MIN));
    check_service_start(
        &ServiceStart {
            service: v.service,
            provider_chosen_on: dates.provider_chosen_on.unwrap_or(today),
            valid_from: Some(v.valid_from),
            continues_with_same_provider: continuation,
            agreed_start: dates.agreed_start_on,
            started_on: dates.started_on,
            as_of: today,
            contract_made_on: dates.accepted_on,
            responsible_coach_named_on: coach_named_on,
            steward_notified_on: dates.steward_notified_on,
        },
        &ProcessConfig::default(),
    )
}

#[cfg(test)]
mod tests {
    use seteli_rules::ServiceType;
    use seteli_rules::rule_ids::{KTT_STEWARD, PROC_COACH, PROC_START};

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a date")
    }

    fn voucher(service: ServiceType, coach: &str, start: StartDates) -> VoucherRow {
        VoucherRow {
            id: "v1".into(),
            client_id: "c1".into(),
            service,
            state: VoucherState::Assigned,
            valid_from: d(2026, 3, 1),
            valid_until: d(2026, 6, 30),
            units_granted: 3000,
            units_used: 0,
            units_reserved: 0,
            chosen_provider: Some("p1".into()),
            responsible_coach: coach.into(),
            start,
            issued_by: "sw-1".into(),
            issued_by_team: String::new(),
            client_identity_code: String::new(),
            view: pb::Voucher::default(),
        }
    }

    fn rules(violations: &[Violation]) -> Vec<&'static str> {
        violations.iter().map(|v| v.rule).collect()
    }

    #[test]
    fn a_coach_is_trimmed_and_at_most_200_characters() {
        assert_eq!(
            optional_coach("  Maija Mehiläinen ").expect("a coach"),
            "Maija Mehiläinen"
        );
        assert_eq!(optional_coach("   ").expect("no coach"), "");
        // Characters, not bytes: 200 two-byte letters are fine.
        assert_eq!(
            optional_coach(&"ä".repeat(200))
                .expect("200 letters")
                .chars()
                .count(),
            200
        );
        match optional_coach(&"a".repeat(201)) {
            Err(AppError::InvalidArgument(fields)) => {
                assert_eq!(fields[0].field, "responsible_coach");
            }
            other => panic!("expected INVALID_ARGUMENT, got {other:?}"),
        }
    }

    #[test]
    fn a_new_coach_at_the_start_is_named_on_the_start_day() {
        let recorded = StartDates {
            provider_chosen_on: Some(d(2026, 3, 2)),
            accepted_on: Some(d(2026, 3, 3)),
            coach_named_on: Some(d(2026, 3, 3)),
            ..StartDates::default()
        };
        let v = voucher(ServiceType::SkIndividual, "Old Coach", recorded);
        let (coach, dates) = started(&v, d(2026, 3, 9), "New Coach", None);
        assert_eq!(coach, "New Coach");
        assert_eq!(dates.coach_named_on, Some(d(2026, 3, 9)));
        assert_eq!(dates.started_on, Some(d(2026, 3, 9)));
        // The rest of the checklist is kept as recorded.
        assert_eq!(dates.provider_chosen_on, Some(d(2026, 3, 2)));
        assert_eq!(dates.accepted_on, Some(d(2026, 3, 3)));
    }

    #[test]
    fn the_named_coach_given_again_or_none_keeps_the_recorded_naming() {
        let recorded = StartDates {
            coach_named_on: Some(d(2026, 3, 3)),
            steward_notified_on: Some(d(2026, 3, 1)),
            ..StartDates::default()
        };
        let v = voucher(ServiceType::KttWorkCapacity, "Coach", recorded);
        for given in ["", "Coach"] {
            let (coach, dates) = started(&v, d(2026, 3, 9), given, None);
            assert_eq!(coach, "Coach");
            assert_eq!(dates.coach_named_on, Some(d(2026, 3, 3)));
            assert_eq!(dates.steward_notified_on, Some(d(2026, 3, 1)));
        }
        // A steward notice given at the start replaces the recorded one.
        let (_, dates) = started(&v, d(2026, 3, 9), "", Some(d(2026, 3, 6)));
        assert_eq!(dates.steward_notified_on, Some(d(2026, 3, 6)));
    }

    #[test]
    fn a_start_within_ten_business_days_of_the_choice_with_a_coach_passes() {
        let dates = StartDates {
            provider_chosen_on: Some(d(2026, 3, 2)),
            accepted_on: Some(d(2026, 3, 3)),
            coach_named_on: Some(d(2026, 3, 5)),
            started_on: Some(d(2026, 3, 5)),
            ..StartDates::default()
        };
        let v = voucher(ServiceType::SkIndividual, "Coach", dates);
        assert_eq!(
            rules(&start_checklist(&v, &dates, d(2026, 3, 5), false)),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn a_late_start_without_a_coach_breaks_proc_start_and_proc_coach() {
        let dates = StartDates {
            provider_chosen_on: Some(d(2026, 3, 2)),
            accepted_on: Some(d(2026, 3, 3)),
            started_on: Some(d(2026, 4, 1)),
            ..StartDates::default()
        };
        let v = voucher(ServiceType::SkIndividual, "", dates);
        assert_eq!(
            rules(&start_checklist(&v, &dates, d(2026, 4, 1), false)),
            vec![PROC_START, PROC_COACH]
        );
    }

    #[test]
    fn a_choice_recorded_without_its_date_counts_from_today() {
        // Vouchers chosen before the day of the choice was stored: PROC-START cannot fail.
        let dates = StartDates {
            started_on: Some(d(2026, 4, 1)),
            ..StartDates::default()
        };
        let v = voucher(ServiceType::SkIndividual, "Coach", dates);
        assert_eq!(
            rules(&start_checklist(&v, &dates, d(2026, 4, 1), false)),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn a_coach_recorded_without_its_date_counts_as_named_before_anything() {
        // KTT: the coach is due at the contract; one recorded before the dates were is in time.
        let dates = StartDates {
            provider_chosen_on: Some(d(2026, 3, 2)),
            accepted_on: Some(d(2026, 3, 3)),
            ..StartDates::default()
        };
        let named = voucher(ServiceType::KttIndividual, "Coach", dates);
        assert_eq!(
            rules(&start_checklist(&named, &dates, d(2026, 3, 3), false)),
            Vec::<&str>::new()
        );
        let unnamed = voucher(ServiceType::KttIndividual, "", dates);
        assert_eq!(
            rules(&start_checklist(&unnamed, &dates, d(2026, 3, 3), false)),
            vec![PROC_COACH]
        );
    }

    #[test]
    fn ktt_work_activity_starts_only_after_the_steward_is_notified() {
        let mut dates = StartDates {
            provider_chosen_on: Some(d(2026, 3, 2)),
            accepted_on: Some(d(2026, 3, 3)),
            coach_named_on: Some(d(2026, 3, 3)),
            started_on: Some(d(2026, 3, 9)),
            ..StartDates::default()
        };
        let v = voucher(ServiceType::KttWorkCapacity, "Coach", dates);
        assert_eq!(
            rules(&start_checklist(&v, &dates, d(2026, 3, 9), false)),
            vec![KTT_STEWARD]
        );
        dates.steward_notified_on = Some(d(2026, 3, 6));
        assert_eq!(
            rules(&start_checklist(&v, &dates, d(2026, 3, 9), false)),
            Vec::<&str>::new()
        );
        // A notice dated after the start is no notice before it.
        dates.steward_notified_on = Some(d(2026, 3, 10));
        assert_eq!(
            rules(&start_checklist(&v, &dates, d(2026, 3, 10), false)),
            vec![KTT_STEWARD]
        );
    }

    #[test]
    fn proc_start_counts_from_a_later_first_valid_day_and_spares_a_continuation() {
        // PROC-START: chosen 2.3., valid from 1.3. (the helper): from the choice, late on 1.4.
        let dates = StartDates {
            provider_chosen_on: Some(d(2026, 3, 2)),
            accepted_on: Some(d(2026, 3, 3)),
            coach_named_on: Some(d(2026, 3, 3)),
            started_on: Some(d(2026, 4, 1)),
            ..StartDates::default()
        };
        let v = voucher(ServiceType::SkIndividual, "Coach", dates);
        assert_eq!(
            rules(&start_checklist(&v, &dates, d(2026, 4, 1), false)),
            vec![PROC_START]
        );
        // VOUCHER-EXTENSION with the same provider: no new start owed.
        assert_eq!(
            rules(&start_checklist(&v, &dates, d(2026, 4, 1), true)),
            Vec::<&str>::new()
        );
        // Valid only from 30.3.: ten business days from then, so 1.4. is in time.
        let later = VoucherRow {
            valid_from: d(2026, 3, 30),
            ..voucher(ServiceType::SkIndividual, "Coach", dates)
        };
        assert_eq!(
            rules(&start_checklist(&later, &dates, d(2026, 4, 1), false)),
            Vec::<&str>::new()
        );
    }
}
