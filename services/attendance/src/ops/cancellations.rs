//! Cancellations and no-shows: CancelSession, classified by the rules crate (BILL-NO-SHOW,
//! BILL-PROVIDER-CANCEL), the no-show mark of a group session, and the ABS-REPEATED alerts a
//! no-show raises.

use chrono::NaiveDate;
use seteli_api::attendance::v1 as pb;
use seteli_platform::change::Change;
use seteli_platform::error::refuse;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::absences::{
    CancellationClass, CancelledBy, ProviderCancellation, RepeatedAbsenceConfig,
    check_provider_cancellation, classify,
};
use seteli_rules::calendar::{add_business_days, roll_deadline};
use seteli_rules::ledger::check_no_show_of_the_day;
use sqlx::AnyConnection;

use super::admission::update_units;
use super::alerts::raise;
use super::common::{audit_client, not_in_state};
use super::ledger::{repeated_absences_alert, replacement_check};
use super::sessions::{changeable_session, session_of, voucher_of_session};
use crate::access;
use crate::app::App;
use crate::model::{Audience, NewAlert, SessionRow, SessionStatus, Voucher};
use crate::store;
use crate::wire::{self, required_id};

/// CancelSession: classified by the rules crate (BILL-NO-SHOW, BILL-PROVIDER-CANCEL).
pub async fn cancel_session(
    app: &App,
    ctx: Ctx,
    req: pb::CancelSessionRequest,
) -> AppResult<pb::CancelSessionResponse> {
    ctx.caller.require(access::RECORDERS)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("session_id", &req.session_id)?;
    let c = req
        .cancellation
        .clone()
        .ok_or_else(|| AppError::invalid("cancellation", "required"))?;
    let by = match pb::CancelledBy::try_from(c.by) {
        Ok(pb::CancelledBy::Client) => CancelledBy::Client,
        Ok(pb::CancelledBy::Provider) => CancelledBy::Provider,
        _ => {
            return Err(AppError::invalid(
                "cancellation.by",
                "required: the client or the provider",
            ));
        }
    };
    let cancelled_on = wire::optional_date("cancellation.cancelled_on", c.cancelled_on.as_ref())?;
    let told = wire::optional_date("cancellation.client_told_on", c.client_told_on.as_ref())?;
    if by == CancelledBy::Provider && cancelled_on.is_none() {
        return Err(AppError::invalid(
            "cancellation.cancelled_on",
            "required of the provider: when it learned of the cause",
        ));
    }
    if c.documentation.chars().count() > 4000 {
        return Err(AppError::invalid(
            "cancellation.documentation",
            "at most 4000 characters",
        ));
    }
    let voucher_id = voucher_of_session(app, &id, |v| access::may_record(&ctx.caller, v)).await?;
    let caller = ctx.caller.clone();
    let request_id = req.request_id.clone();
    let grace_days = app.late_record_grace_days;
    change
        .apply_to(
            &voucher_id,
            |v: &Voucher| access::may_record(&caller, v),
            move |conn, v: Voucher| {
                Box::pin(async move {
                    let s = changeable_session(conn, &ctx, &v, &id).await?;
                    let today = ctx.today();
                    if cancelled_on.is_some_and(|on| on > today) {
                        return Err(AppError::invalid(
                            "cancellation.cancelled_on",
                            "a cancellation is dated on the day it was made, not later than today",
                        ));
                    }
                    let class = classify(&seteli_rules::absences::Cancellation {
                        session_date: s.date,
                        cancelled_on,
                        by,
                    });
                    let replacement = c.replacement_session_id.trim().to_owned();
                    let status = match class {
                        CancellationClass::ProviderCancelled => {
                            let learned_on = cancelled_on.unwrap_or(today);
                            let found = if replacement.is_empty() || replacement == s.id {
                                None
                            } else {
                                store::load_session(conn, &replacement).await?.filter(|r| {
                                    r.voucher_id == v.id && r.status == SessionStatus::Recorded
                                })
                            };
                            // BILL-PROVIDER-CANCEL
                            let mut violations =
                                check_provider_cancellation(&ProviderCancellation {
                                    session_date: s.date,
                                    substitute_unsuitable: c.substitute_unsuitable,
                                    learned_on,
                                    client_told_on: told,
                                    replacement_agreed: found.is_some(),
                                    documented: !c.documentation.trim().is_empty(),
                                });
                            // BILL-PROVIDER-CANCEL: a replacement is a new time, one to one
                            // (RULES.md §10).
                            if let Some(r) = &found {
                                violations.extend(
                                    replacement_check(conn, &v, &s, r.date, learned_on, Some(r))
                                        .await?,
                                );
                            }
                            refuse(violations)?;
                            store::link_replacement(conn, &replacement, &s.id).await?;
                            SessionStatus::CancelledByProvider
                        }
                        // BILL-NO-SHOW: of the day, never ahead of it (RULES.md §10).
                        CancellationClass::NoShow => {
                            refuse(check_no_show_of_the_day(s.date, today))?;
                            // Nothing lost at the end, for the grace period only (RULES.md §10).
                            if !v.takes_sessions_on(s.date, today, grace_days) {
                                return Err(not_in_state(&format!(
                                    "the voucher is {}: no no-show on {}",
                                    v.state, s.date
                                )));
                            }
                            SessionStatus::NoShow
                        }
                        CancellationClass::ClientCancelledInTime => {
                            SessionStatus::CancelledByClient
                        }
                    };
                    let version = store::set_status(conn, &id, status, Some(&c))
                        .await?
                        .ok_or_else(|| not_in_state("the session changed; retry"))?;
                    update_units(conn, &v, ctx.today()).await?;
                    let details = s.view.details.clone().unwrap_or_default();
                    store::append_history(
                        conn,
                        &id,
                        version,
                        "CANCELLED",
                        status.code(),
                        &details,
                        &ctx.caller,
                        &request_id,
                    )
                    .await?;
                    if status == SessionStatus::NoShow {
                        no_show_alerts(conn, &ctx, &v, &s, today).await?;
                    }
                    audit_client(conn, &ctx, &request_id, &v.client_id, "CancelSession").await?;
                    let session = store::load_session(conn, &id).await?.map(|s| s.view);
                    Ok(pb::CancelSessionResponse { session })
                })
            },
        )
        .await
}

/// ABS-REPEATED after a no-show: the provider contacts the client at once; repeated no-shows
/// are told to the social worker (both decided by the rules crate).
async fn no_show_alerts(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    v: &Voucher,
    s: &SessionRow,
    today: NaiveDate,
) -> AppResult<Vec<pb::Alert>> {
    let cfg = RepeatedAbsenceConfig::default();
    let mut raised = Vec::new();
    // ABS-REPEATED: contact the client at once ("at once" = by the next business day).
    let contact_by = roll_deadline(
        add_business_days(today, cfg.notify_within_business_days),
        cfg.roll,
    );
    raised.extend(
        raise(
            conn,
            ctx,
            v,
            NewAlert {
                dedup_key: format!("ABS-REPEATED:contact:{}", s.id),
                rule_id: seteli_rules::rule_ids::ABS_REPEATED,
                audience: Audience::Provider,
                message_en: format!(
                    "Contact the client at once after the no-show of {}.",
                    s.date
                ),
                message_fi: format!(
                    "Ota yhteyttä asiakkaaseen välittömästi poisjäännin {} jälkeen.",
                    s.date
                ),
                due_on: contact_by,
                subject_id: s.id.clone(),
            },
        )
        .await?,
    );
    // ABS-REPEATED: repeated no-shows (and absences without a reason) → the social worker.
    raised.extend(repeated_absences_alert(conn, ctx, v, &s.id, today).await?);
    Ok(raised)
}

/// Turns a just-recorded session into the client's no-show (the client did not come): classified
/// by the rules crate (BILL-NO-SHOW), with the ABS-REPEATED alerts, as CancelSession does.
pub(super) async fn mark_no_show(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    v: &Voucher,
    session_id: &str,
) -> AppResult<Vec<pb::Alert>> {
    let s = session_of(conn, v, session_id).await?;
    // BILL-NO-SHOW: cancelled by the client without a date (did not come).
    let status = match classify(&seteli_rules::absences::Cancellation {
        session_date: s.date,
        cancelled_on: None,
        by: CancelledBy::Client,
    }) {
        CancellationClass::NoShow => {
            // BILL-NO-SHOW: of the day, never ahead of it (RULES.md §10).
            refuse(check_no_show_of_the_day(s.date, ctx.today()))?;
            SessionStatus::NoShow
        }
        CancellationClass::ClientCancelledInTime => SessionStatus::CancelledByClient,
        CancellationClass::ProviderCancelled => SessionStatus::CancelledByProvider,
    };
    let cancellation = pb::Cancellation {
        by: pb::CancelledBy::Client as i32,
        ..Default::default()
    };
    let version = store::set_status(conn, session_id, status, Some(&cancellation))
        .await?
        .ok_or_else(|| not_in_state("the session changed; retry"))?;
    update_units(conn, v, ctx.today()).await?;
    let details = s.view.details.clone().unwrap_or_default();
    store::append_history(
        conn,
        session_id,
        version,
        "CANCELLED",
        status.code(),
        &details,
        &ctx.caller,
        request_id,
    )
    .await?;
    if status == SessionStatus::NoShow {
        return no_show_alerts(conn, ctx, v, &s, ctx.today()).await;
    }
    Ok(Vec::new())
}
