//! Groups (SK and KTT group coaching): CreateGroup, GetGroup, ListGroups, enrolments
//! (EnrolClient, WithdrawEnrolment) and the start decision of a closed SK group (CancelGroup,
//! DelayGroupStart, SK-GROUP-MIN-FILL with its notices as alerts). A group's maximum size is at
//! most 12 and at most the provider's own offering's size, read from this service's copy of the
//! provider registry (CAP-GROUP-SIZE). A group's sessions are in [`super::group_sessions`].

use chrono::NaiveDate;
use seteli_api::attendance::v1 as pb;
use seteli_platform::change::Change;
use seteli_platform::convert::{PbEnum, date, store_date};
use seteli_platform::db::new_id;
use seteli_platform::error::refuse;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::calendar::{DeadlineRoll, roll_deadline};
use seteli_rules::groups::{
    GroupStartAction, GroupStartFacts, check_group_start, check_late_join, min_fill_check_date,
};
use seteli_rules::provider::{LegalForm, Offering};
use seteli_rules::rule_ids::{
    CAP_GROUP_SIZE, SERVICE_NOT_OFFERED, SK_GROUP_LATE_JOIN, SK_GROUP_MIN_FILL,
};
use seteli_rules::sessions::{GroupContext, Session, SessionContext, check_session};
use seteli_rules::terms::check_use_date;
use seteli_rules::{ServiceType, Violation, check_offering};
use sqlx::AnyConnection;

use super::alerts::raise;
use super::common::{audit_client, not_in_state, read_clients, rule_error};
use super::voucher_feed::with_fresh_voucher;
use crate::access;
use crate::app::App;
use crate::model::{Audience, GroupMode, GroupRow, GroupState, NewAlert, Voucher};
use crate::store;
use crate::wire::{self, required_id, required_text};

/// CAP-GROUP-SIZE of a group's maximum size: at most 12 and at most the provider's own
/// offering's group size (`offered`, from the registry). Both decided by the rules crate: the
/// offering rule for a size alone (1–12), then `check_session`'s group rule with the group full
/// (`max_size` clients) in a group of the provider's size.
fn group_size_violations(
    service: ServiceType,
    max_size: u32,
    offered: u32,
    on: NaiveDate,
) -> AppResult<Vec<Violation>> {
    // CAP-GROUP-SIZE (legal form and price are placeholders: only CAP-GROUP-SIZE is kept)
    let alone: Vec<Violation> = check_offering(
        LegalForm::Association,
        &Offering {
            service,
            unit_price: rust_decimal::Decimal::ONE,
            max_group_size: Some(max_size),
        },
        Some(rust_decimal::Decimal::ONE),
        on,
    )
    .into_iter()
    .filter(|x| x.rule == CAP_GROUP_SIZE)
    .collect();
    if !alone.is_empty() {
        return Ok(alone);
    }
    // CAP-GROUP-SIZE against the provider's size: a full group of `max_size` clients, in a
    // session the rules admit otherwise (a probe on a voucher of the service valid that day).
    let terms = seteli_rules::sessions::VoucherTerms {
        service,
        decision_date: on,
        valid_from: on,
        valid_until: on,
        granted_units: rust_decimal::Decimal::ONE_HUNDRED,
        weekly_cap: None,
        four_day_variant: false,
    };
    full_group_violations(&terms, on, max_size, offered)
}

/// CAP-GROUP-SIZE (only) of a group of `participants` clients where the provider takes at most
/// `provider_max`, as `check_session` decides it for a group session on `terms`: a probe
/// session (an hour on site on `on`) stands for the group, not a real session.
fn full_group_violations(
    terms: &seteli_rules::sessions::VoucherTerms,
    on: NaiveDate,
    participants: u32,
    provider_max: u32,
) -> AppResult<Vec<Violation>> {
    let probe = Session {
        date: on,
        units: rust_decimal::Decimal::ONE,
        hours: rust_decimal::Decimal::ONE,
        modality: seteli_rules::sessions::Modality::OnSite,
        kind: seteli_rules::sessions::SessionKind::Regular,
        excursion: false,
        time: None,
    };
    let context = SessionContext {
        voucher: terms,
        recorded: &[],
        group: Some(GroupContext {
            participants,
            provider_max: Some(provider_max),
        }),
        work_activity: &[],
        coaching: &[],
        other_ktt_work_days: &[],
        responsible_coach_named: true,
    };
    Ok(check_session(&context, &probe)
        .map_err(rule_error)?
        .into_iter()
        .filter(|x| x.rule == CAP_GROUP_SIZE)
        .collect())
}

/// The maximum group size of `provider_id`'s offering of `service` (0 for a service without
/// groups), from the followed registry: NOT_FOUND for a provider the registry does not know,
/// SERVICE-NOT-OFFERED when it does not offer the service — each only after catching up with
/// the registry's feed, as the copy may be older than the registry.
pub(super) async fn offered_group_size(
    app: &App,
    provider_id: &str,
    service: ServiceType,
) -> AppResult<u32> {
    app.followed_providers
        .fresh(
            || followed_group_size(app, provider_id, service),
            offering_maybe_stale,
        )
        .await
}

/// [`offered_group_size`] as the copy stands (no catch-up).
async fn followed_group_size(app: &App, provider_id: &str, service: ServiceType) -> AppResult<u32> {
    let provider = app
        .followed_providers
        .provider(provider_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("provider {provider_id}")))?;
    match provider.offering(service) {
        Some(o) => Ok(o.max_group_size),
        None => Err(AppError::RuleViolations(vec![Violation::new(
            SERVICE_NOT_OFFERED,
            "",
            format!(
                "Palveluntuottaja {} ei tarjoa palvelua {}.",
                provider.name,
                service.code()
            ),
            format!(
                "Provider {} does not offer {}.",
                provider.name,
                service.code()
            ),
        )])),
    }
}

/// Whether a refusal decided on the followed registry may come from an old copy of it: the
/// provider unknown, the service not offered, or a group larger than the offering's size (the
/// provider may have just set its offering).
fn offering_maybe_stale(e: &AppError) -> bool {
    match e {
        AppError::NotFound(_) => true,
        AppError::RuleViolations(v) => v
            .iter()
            .any(|x| x.rule == SERVICE_NOT_OFFERED || x.rule == CAP_GROUP_SIZE),
        _ => false,
    }
}

/// CAP-GROUP-SIZE of an enrolment: `clients` in the group (the new one included) against the
/// group's size and the rulebook's 12, as `check_session` decides it for a group session.
fn enrolment_size_violations(
    v: &Voucher,
    g: &GroupRow,
    on: NaiveDate,
    clients: u32,
) -> AppResult<Vec<Violation>> {
    full_group_violations(&v.terms(0), on, clients, g.max_size)
}

async fn group_response(conn: &mut AnyConnection, id: &str) -> AppResult<pb::Group> {
    store::load_group(conn, id)
        .await?
        .map(|g| wire::group_view(&g, true))
        .ok_or_else(|| AppError::NotFound(format!("group {id}")))
}

/// CreateGroup: CAP-GROUP-SIZE on the maximum size.
pub async fn create_group(
    app: &App,
    ctx: Ctx,
    req: pb::CreateGroupRequest,
) -> AppResult<pb::CreateGroupResponse> {
    ctx.caller.require(access::RECORDERS)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    // A retry is answered from the store, even with the registry down.
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let input = wire::validate_group(req.details.as_ref())?;
    let provider = access::own_provider(&ctx.caller)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| AppError::PermissionDenied("a provider's user creates groups".into()))?;
    // CAP-GROUP-SIZE: at most 12 and at most the provider's offering (the followed registry's,
    // caught up before a refusal).
    let (today, service, max_size, own) = (ctx.today(), input.service, input.max_size, &provider);
    app.followed_providers
        .fresh(
            || async move {
                let offered = followed_group_size(app, own, service).await?;
                refuse(group_size_violations(service, max_size, offered, today)?)
            },
            offering_maybe_stale,
        )
        .await?;
    change
        .apply(move |conn| {
            Box::pin(async move {
                let id = new_id();
                store::insert_group(conn, &id, &provider, &input).await?;
                Ok(pb::CreateGroupResponse {
                    group: Some(group_response(conn, &id).await?),
                })
            })
        })
        .await
}

/// GetGroup: with its enrolments (every enrolled client's access audited).
pub async fn get_group(
    app: &App,
    ctx: Ctx,
    req: pb::GetGroupRequest,
) -> AppResult<pb::GetGroupResponse> {
    ctx.caller.require(access::GROUP_READERS)?;
    let id = required_id("group_id", &req.group_id)?;
    let mut conn = app.db.pool().acquire().await?;
    let g = store::load_group(&mut conn, &id)
        .await?
        .filter(|g| access::may_see_group(&ctx.caller, g))
        .ok_or_else(|| AppError::NotFound(format!("group {id}")))?;
    drop(conn);
    let shown = g.enrolments.iter().map(|e| e.client_id.clone()).collect();
    read_clients(app, &ctx, shown, "GetGroup").await?;
    Ok(pb::GetGroupResponse {
        group: Some(wire::group_view(&g, true)),
    })
}

/// ListGroups: groups by start, without enrolments (no client data).
pub async fn list_groups(
    app: &App,
    ctx: Ctx,
    req: pb::ListGroupsRequest,
) -> AppResult<pb::ListGroupsResponse> {
    ctx.caller.require(access::GROUP_READERS)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let service = ServiceType::optional("service_type", req.service_type)?;
    let mut provider = req.provider_id.trim().to_owned();
    if let Some(own) = access::own_provider(&ctx.caller) {
        if !provider.is_empty() && provider != own {
            return Ok(pb::ListGroupsResponse::default());
        }
        provider = own;
    }
    let after = page.after::<(String, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_groups(&mut conn, &provider, service, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |g| (store_date(g.start), g.id.clone()));
    Ok(pb::ListGroupsResponse {
        groups: rows.iter().map(|g| wire::group_view(g, false)).collect(),
        next_page_token,
    })
}

/// EnrolClient: TERM-VALIDITY, SK-GROUP-LATE-JOIN (and no late joining of closed KTT groups),
/// CAP-GROUP-SIZE.
pub async fn enrol_client(
    app: &App,
    ctx: Ctx,
    req: pb::EnrolClientRequest,
) -> AppResult<pb::EnrolClientResponse> {
    ctx.caller.require(access::RECORDERS)?;
    with_fresh_voucher(app, || try_enrol_client(app, &ctx, &req)).await
}

async fn try_enrol_client(
    app: &App,
    ctx: &Ctx,
    req: &pb::EnrolClientRequest,
) -> AppResult<pb::EnrolClientResponse> {
    let change = Change::new(&app.db, ctx, req)?;
    let group_id = required_id("group_id", &req.group_id)?;
    let voucher_id = required_id("voucher_id", &req.voucher_id)?;
    let joins_on = wire::optional_date("joins_on", req.joins_on.as_ref())?;
    let caller = ctx.caller.clone();
    let ctx = ctx.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &group_id,
            |g: &GroupRow| access::may_manage_group(&caller, g),
            move |conn, g: GroupRow| {
                Box::pin(async move {
                    if g.state != GroupState::Announced {
                        return Err(not_in_state("the group is cancelled"));
                    }
                    let v = store::load_voucher(conn, &voucher_id)
                        .await?
                        .filter(|v| access::may_record(&ctx.caller, v))
                        .ok_or_else(|| AppError::NotFound(format!("voucher {voucher_id}")))?;
                    if v.service != g.service {
                        return Err(AppError::invalid(
                            "voucher_id",
                            format!("the group takes {} vouchers", g.service.code()),
                        ));
                    }
                    if g.enrolled().any(|e| e.voucher_id == v.id) {
                        return Err(AppError::AlreadyExists(format!(
                            "voucher {} is enrolled in the group",
                            v.id
                        )));
                    }
                    let today = ctx.today();
                    let joins_on = joins_on.unwrap_or(g.start.max(today));
                    if joins_on < g.start {
                        return Err(AppError::invalid(
                            "joins_on",
                            format!("not before the group's start {}", g.start),
                        ));
                    }
                    if !v.open_on(joins_on) {
                        return Err(not_in_state(&format!(
                            "the voucher is {}: it joins no group on {joins_on}",
                            v.state
                        )));
                    }
                    // TERM-VALIDITY: the voucher is valid on the day the client joins.
                    let mut violations = check_use_date(v.valid_from, v.valid_until, joins_on);
                    if g.service == ServiceType::KttGroup && g.mode == GroupMode::Closed {
                        // SK-GROUP-LATE-JOIN: the late-join allowance is SK's (SK 5); a closed
                        // KTT group starts on its announced date (KTT 2.2.2 (3)) and has no
                        // allowance. `groups::check_late_join` knows no service (it would give
                        // KTT the SK allowance), so KTT is decided here: no one joins after
                        // the start.
                        if joins_on > g.start {
                            violations.push(Violation::of(
                                SK_GROUP_LATE_JOIN,
                                format!(
                                    "Kuntouttavan työtoiminnan suljettuun ryhmään ei voi liittyä \
                                     sen alkamisen ({}) jälkeen.",
                                    g.start
                                ),
                                format!(
                                    "A closed KTT group takes no new clients after its start \
                                     ({}); the late-join allowance is SK's.",
                                    g.start
                                ),
                            ));
                        }
                    } else {
                        // SK-GROUP-LATE-JOIN
                        violations.extend(check_late_join(g.mode.rules(), g.start, joins_on));
                    }
                    let clients = u32::try_from(g.enrolled().count())
                        .unwrap_or(u32::MAX)
                        .saturating_add(1);
                    // CAP-GROUP-SIZE
                    violations.extend(enrolment_size_violations(&v, &g, joins_on, clients)?);
                    refuse(violations)?;
                    store::enrol(conn, &g.id, &v, joins_on, today).await?;
                    store::touch_group(conn, &g.id).await?;
                    audit_client(conn, &ctx, &request_id, &v.client_id, "EnrolClient").await?;
                    let group = group_response(conn, &g.id).await?;
                    let enrolment = group
                        .enrolments
                        .iter()
                        .find(|e| e.voucher_id == v.id)
                        .cloned();
                    Ok(pb::EnrolClientResponse {
                        group: Some(group),
                        enrolment,
                    })
                })
            },
        )
        .await
}

/// WithdrawEnrolment.
pub async fn withdraw_enrolment(
    app: &App,
    ctx: Ctx,
    req: pb::WithdrawEnrolmentRequest,
) -> AppResult<pb::WithdrawEnrolmentResponse> {
    ctx.caller.require(access::RECORDERS)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let group_id = required_id("group_id", &req.group_id)?;
    let voucher_id = required_id("voucher_id", &req.voucher_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let caller = ctx.caller.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &group_id,
            |g: &GroupRow| access::may_manage_group(&caller, g),
            move |conn, g: GroupRow| {
                Box::pin(async move {
                    let e = g
                        .enrolled()
                        .find(|e| e.voucher_id == voucher_id)
                        .cloned()
                        .ok_or_else(|| {
                            AppError::NotFound(format!("enrolment of voucher {voucher_id}"))
                        })?;
                    if !store::withdraw(conn, &g.id, &voucher_id, ctx.today(), &reason).await? {
                        return Err(not_in_state("the enrolment changed; retry"));
                    }
                    store::touch_group(conn, &g.id).await?;
                    audit_client(conn, &ctx, &request_id, &e.client_id, "WithdrawEnrolment")
                        .await?;
                    Ok(pb::WithdrawEnrolmentResponse {
                        group: Some(group_response(conn, &g.id).await?),
                    })
                })
            },
        )
        .await
}

/// CancelGroup (SK-GROUP-MIN-FILL).
pub async fn cancel_group(
    app: &App,
    ctx: Ctx,
    req: pb::CancelGroupRequest,
) -> AppResult<pb::CancelGroupResponse> {
    ctx.caller.require(access::RECORDERS)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let group_id = required_id("group_id", &req.group_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let request_id = req.request_id.clone();
    let (group, alerts) = decide_start(
        change,
        ctx,
        request_id,
        group_id,
        GroupStartAction::Cancel,
        reason,
        "CancelGroup",
    )
    .await?;
    Ok(pb::CancelGroupResponse {
        group: Some(group),
        alerts,
    })
}

/// DelayGroupStart (SK-GROUP-MIN-FILL).
pub async fn delay_group_start(
    app: &App,
    ctx: Ctx,
    req: pb::DelayGroupStartRequest,
) -> AppResult<pb::DelayGroupStartResponse> {
    ctx.caller.require(access::RECORDERS)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let group_id = required_id("group_id", &req.group_id)?;
    let new_start = date("new_start", req.new_start.as_ref())?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let request_id = req.request_id.clone();
    let (group, alerts) = decide_start(
        change,
        ctx,
        request_id,
        group_id,
        GroupStartAction::Delay { new_start },
        reason,
        "DelayGroupStart",
    )
    .await?;
    Ok(pb::DelayGroupStartResponse {
        group: Some(group),
        alerts,
    })
}

/// The min-fill decision on a closed SK group, with the notices to every enrolled client's
/// social worker and to the provider (to tell the client), as SK-GROUP-MIN-FILL alerts raised in
/// the same transaction. Stored as the change's answer: a retry gets the same group and alerts.
async fn decide_start(
    change: Change<'_>,
    ctx: Ctx,
    request_id: String,
    group_id: String,
    action: GroupStartAction,
    reason: String,
    audit_action: &'static str,
) -> AppResult<(pb::Group, Vec<pb::Alert>)> {
    let caller = ctx.caller.clone();
    let answer: pb::CancelGroupResponse = change
        .apply_to(
            &group_id,
            |g: &GroupRow| access::may_manage_group(&caller, g),
            move |conn, g: GroupRow| {
                Box::pin(async move {
                    if g.state != GroupState::Announced {
                        return Err(not_in_state("the group is cancelled"));
                    }
                    let today = ctx.today();
                    if today >= g.start {
                        return Err(not_in_state(&format!(
                            "the group started on {}: its start is no longer decided",
                            g.start
                        )));
                    }
                    // SK-GROUP-MIN-FILL: the fill is judged a week before the announced start.
                    let check_on = min_fill_check_date(g.announced_start);
                    if today < check_on {
                        return Err(not_in_state(&format!(
                            "the fill is judged on {check_on}, a week before the announced start \
                             (SK-GROUP-MIN-FILL): decide from that day"
                        )));
                    }
                    let enrolled_week_before = u32::try_from(
                        g.enrolments
                            .iter()
                            .filter(|e| e.enrolled_at_end_of(check_on))
                            .count(),
                    )
                    .unwrap_or(u32::MAX);
                    // SK-GROUP-MIN-FILL (notified: the notices are raised below, in this
                    // transaction, or nothing is decided)
                    refuse(check_group_start(&GroupStartFacts {
                        service: g.service,
                        mode: g.mode.rules(),
                        announced_start: g.announced_start,
                        max_size: g.max_size,
                        enrolled_week_before,
                        action,
                        notified: true,
                    }))?;
                    let (changed, what_en, what_fi, key) = match action {
                        GroupStartAction::Delay { new_start } => (
                            store::delay_group(conn, &g.id, new_start, &reason).await?,
                            format!(
                                "The start of group \"{}\" is delayed from {} to {new_start}",
                                g.name, g.start
                            ),
                            format!(
                                "Ryhmän \"{}\" alkua on siirretty: {} → {new_start}",
                                g.name, g.start
                            ),
                            format!("delay:{new_start}"),
                        ),
                        _ => (
                            store::cancel_group(conn, &g.id, &reason).await?,
                            format!(
                                "Group \"{}\" (start {}) is cancelled",
                                g.name, g.start
                            ),
                            format!("Ryhmä \"{}\" (alku {}) on peruttu", g.name, g.start),
                            "cancel".to_owned(),
                        ),
                    };
                    if !changed {
                        return Err(not_in_state("the group changed; retry"));
                    }
                    let due = roll_deadline(today, DeadlineRoll::NextBusinessDay);
                    let mut alerts = Vec::new();
                    for e in g.enrolled() {
                        let Some(v) = store::load_voucher(conn, &e.voucher_id).await? else {
                            continue;
                        };
                        let notices = [
                            (
                                Audience::SocialWorker,
                                "social-worker",
                                format!(
                                    "{what_en}: fewer than 60 % had enrolled a week before the \
                                     start. The client's social worker is notified. Reason: {reason}"
                                ),
                                format!(
                                    "{what_fi}: alle 60 % oli ilmoittautunut viikkoa ennen alkua. \
                                     Ilmoitus omatyöntekijälle. Syy: {reason}"
                                ),
                            ),
                            (
                                Audience::Provider,
                                "client",
                                format!("{what_en}: tell the client. Reason: {reason}"),
                                format!("{what_fi}: ilmoita asiakkaalle. Syy: {reason}"),
                            ),
                        ];
                        for (audience, who, message_en, message_fi) in notices {
                            alerts.extend(
                                raise(
                                    conn,
                                    &ctx,
                                    &v,
                                    NewAlert {
                                        dedup_key: format!(
                                            "SK-GROUP-MIN-FILL:{}:{}:{key}:{who}",
                                            g.id, v.id
                                        ),
                                        rule_id: SK_GROUP_MIN_FILL,
                                        audience,
                                        message_en,
                                        message_fi,
                                        due_on: due,
                                        subject_id: g.id.clone(),
                                    },
                                )
                                .await?,
                            );
                        }
                        audit_client(conn, &ctx, &request_id, &v.client_id, audit_action).await?;
                    }
                    Ok(pb::CancelGroupResponse {
                        group: Some(group_response(conn, &g.id).await?),
                        alerts,
                    })
                })
            },
        )
        .await?;
    Ok((answer.group.unwrap_or_default(), answer.alerts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EnrolmentRow;
    use crate::testing::{day, voucher};

    fn rules(v: &[Violation]) -> Vec<&'static str> {
        v.iter().map(|x| x.rule).collect()
    }

    fn group(max_size: u32) -> GroupRow {
        GroupRow {
            id: "g1".into(),
            provider_id: "p1".into(),
            service: ServiceType::SkGroup,
            name: "Tiistairyhmä".into(),
            mode: GroupMode::Closed,
            max_size,
            announced_start: day(2026, 3, 2),
            start: day(2026, 3, 2),
            schedule: "Tue 10-12".into(),
            state: GroupState::Announced,
            decision_reason: String::new(),
            version: 1,
            created_at: 0,
            updated_at: 0,
            enrolments: Vec::<EnrolmentRow>::new(),
        }
    }

    #[test]
    fn a_group_size_within_twelve_and_the_providers_offering_is_allowed() {
        let on = day(2026, 3, 2);
        for (service, max_size, offered) in [
            (ServiceType::SkGroup, 8, 10),
            (ServiceType::SkGroup, 10, 10),
            (ServiceType::KttGroup, 12, 12),
            (ServiceType::SkGroup, 1, 12),
        ] {
            let found = group_size_violations(service, max_size, offered, on).expect("a rulebook");
            assert!(
                found.is_empty(),
                "{service:?} {max_size}/{offered}: {found:?}"
            );
        }
    }

    #[test]
    fn a_group_larger_than_twelve_or_the_offering_or_empty_is_refused() {
        let on = day(2026, 3, 2);
        for (max_size, offered) in [(13, 12), (0, 12), (10, 8)] {
            let found =
                group_size_violations(ServiceType::SkGroup, max_size, offered, on).expect("book");
            assert_eq!(rules(&found), [CAP_GROUP_SIZE], "{max_size}/{offered}");
        }
        // One refusal for a size beyond 12, not a second one from the provider's size.
        let found = group_size_violations(ServiceType::KttGroup, 20, 6, on).expect("book");
        assert_eq!(rules(&found), [CAP_GROUP_SIZE]);
    }

    #[test]
    fn a_group_size_needs_a_rulebook_in_force() {
        // SK has no rulebook before 2026: the probe session cannot be judged.
        match group_size_violations(ServiceType::SkGroup, 8, 10, day(2025, 6, 2)) {
            Err(AppError::RuleViolations(v)) => {
                assert_eq!(rules(&v), [seteli_rules::rule_ids::RULEBOOK_IN_FORCE]);
            }
            other => panic!("not refused by the rulebook: {other:?}"),
        }
    }

    #[test]
    fn an_enrolment_fits_the_groups_size_and_the_rulebooks_twelve() {
        let v = voucher(ServiceType::SkGroup, 8000);
        let on = day(2026, 3, 3);
        let found = |g: &GroupRow, clients| enrolment_size_violations(&v, g, on, clients);
        assert!(found(&group(6), 6).expect("book").is_empty());
        assert_eq!(rules(&found(&group(6), 7).expect("book")), [CAP_GROUP_SIZE]);
        assert!(found(&group(12), 12).expect("book").is_empty());
        // A group stored larger than 12 still takes at most 12.
        assert_eq!(
            rules(&found(&group(15), 13).expect("book")),
            [CAP_GROUP_SIZE]
        );
    }

    #[test]
    fn an_enrolment_is_judged_on_its_size_only() {
        // A day outside the voucher's validity breaks TERM-VALIDITY for a session, but the
        // probe stands for the enrolment: only CAP-GROUP-SIZE is kept (the caller checks the
        // day itself).
        let v = voucher(ServiceType::SkGroup, 8000);
        let found = enrolment_size_violations(&v, &group(6), day(2026, 7, 1), 3).expect("book");
        assert!(found.is_empty(), "{found:?}");
    }
}
