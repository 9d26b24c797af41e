//! The followed vouchers: [`VoucherFeed`]'s [`FeedApply`] applies `seteli.vouchers.v1`
//! ListVoucherChanges by sequence number (caught up by [`catch_up`], by
//! [`crate::jobs::follow_vouchers`] and on demand), each page in one transaction that moves the
//! stored cursor ([`seteli_platform::feed::Follower`]), and a change applied there does
//! everything it means here — the voucher's copy, its report obligations
//! derived again ([`refresh`]), the Kela notices' service start and, for an interruption, a
//! PROC-INTERRUPT notice to the social worker naming the reason by its code's label (the feed
//! carries no free text; [`on_voucher_change`]). [`with_fresh_vouchers`]
//! is the on-demand catch-up before an unknown voucher or report is answered NOT_FOUND;
//! GetFeedStatus reports both followed feeds.

use seteli_api::reporting::v1 as pb;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::auth::Role;
use seteli_platform::client::Upstream;
use seteli_platform::convert::date;
use seteli_platform::db::new_id;
use seteli_platform::feed::FeedApply;
use seteli_platform::followed::{FollowedVoucher, VoucherFollower, voucher_copy_status};
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::process::NoticeKind as RuleNotice;
use seteli_rules::reports::report_obligations;
use sqlx::AnyConnection;
use tonic::transport::Channel;

use super::common::{day_of, due_after, told_at, told_late};
use crate::access;
use crate::app::{AlertFeed, App, VoucherFeed};
use crate::model::{
    Actor, NoticeKind, NoticeRow, NoticeState, ServiceStart, Voucher, obligation_id,
};
use crate::store;

impl VoucherFollower for VoucherFeed {
    fn vouchers(&self) -> &Upstream<VouchersServiceClient<Channel>> {
        &self.vouchers
    }

    /// Stores the voucher the change carries (`store::upsert_voucher` keeps the newer version),
    /// derives its report obligations again (and those of the voucher it continues) and does
    /// what the change means for notices.
    async fn apply_voucher(
        &self,
        conn: &mut AnyConnection,
        _ctx: &Ctx,
        change: &vpb::VoucherChange,
        voucher: FollowedVoucher<'_>,
    ) -> AppResult<()> {
        let v = followed(voucher);
        store::upsert_voucher(conn, &v).await?;
        refresh(conn, &v.id).await?;
        if !v.continues_voucher_id.is_empty() {
            refresh(conn, &v.continues_voucher_id).await?;
        }
        // The Kela notices' service start, and PROC-INTERRUPT notices.
        on_voucher_change(conn, self, change).await
    }
}

/// Applies every voucher change not applied yet; returns how many were applied.
pub async fn catch_up(app: &App) -> AppResult<usize> {
    app.voucher_feed.catch_up().await
}

/// The voucher a change carries, as reporting follows it.
fn followed(f: FollowedVoucher<'_>) -> Voucher {
    Voucher {
        continues_voucher_id: f.decision.continues_voucher_id.clone(),
        id: f.id,
        client_id: f.client_id,
        provider_id: f.provider_id,
        social_worker: f.social_worker,
        social_worker_team: f.social_worker_team,
        service: f.service,
        state: f.state,
        valid_from: f.valid_from,
        valid_until: f.valid_until,
        ended_on: f.ended_on,
        version: f.version,
        feed_sequence: f.feed_sequence,
    }
}

/// Derives the report obligations of voucher `voucher_id` again from its followed state: the
/// rulebooks' obligations are owed (new ones added, due dates moved); one no longer owed is
/// dropped unless its report was already handed in.
async fn refresh(conn: &mut AnyConnection, voucher_id: &str) -> AppResult<()> {
    let Some(v) = store::load_voucher(conn, voucher_id).await? else {
        return Ok(());
    };
    let continues = store::is_continued(conn, voucher_id).await?;
    let owed = v
        .report_facts(continues)
        // REP-INTERIM, REP-INTERIM-SK, REP-FINAL (due dates rolled by the calendar)
        .map(|f| report_obligations(&f))
        .unwrap_or_default();
    for o in &owed {
        store::owe(conn, &v, o).await?;
    }
    for known in store::voucher_obligations(conn, voucher_id).await? {
        let still_owed = owed
            .iter()
            .any(|o| obligation_id(&v.id, o.rule) == known.id);
        if known.active && !still_owed && !known.state.handed_in() {
            store::drop_obligation(conn, &known.id).await?;
        }
    }
    Ok(())
}

/// What a voucher change means here beyond its report obligations, in the transaction that
/// applies it: the voucher's number and service start (for Kela absence notices), and for an
/// interruption a PROC-INTERRUPT notice to the voucher's social worker. An interruption the
/// social worker made themselves is recorded already acknowledged by them.
pub async fn on_voucher_change(
    conn: &mut AnyConnection,
    feed: &VoucherFeed,
    change: &vpb::VoucherChange,
) -> AppResult<()> {
    let Some(v) = change.voucher.as_ref() else {
        return Ok(());
    };
    store::upsert_service_start(
        conn,
        &ServiceStart {
            voucher_id: v.id.clone(),
            voucher_number: v.voucher_number.clone(),
            started_on: date("started_on", v.started_on.as_ref()).ok(),
        },
        change.sequence,
    )
    .await?;
    if change.kind != vpb::VoucherChangeKind::Interrupted as i32 {
        return Ok(());
    }
    let Some(followed) = store::load_voucher(conn, &v.id).await? else {
        return Ok(());
    };
    let cfg = &feed.notify;
    let told_at = told_at(&feed.clock, change.occurred_at_micros);
    let told_on = day_of(told_at);
    let occurred_on = followed.ended_on.unwrap_or(told_on);
    let actor = change
        .actor
        .as_ref()
        .map(|a| Actor {
            subject: a.subject.clone(),
            role: a.role.clone(),
            organisation: a.organisation.clone(),
        })
        .unwrap_or_default();
    let by_social_worker = actor.role == Role::SocialWorker.as_str();
    let notice = NoticeRow {
        id: new_id(),
        source_key: format!("interrupted:{}", v.id),
        kind: NoticeKind::Interruption,
        voucher_id: v.id.clone(),
        client_id: followed.client_id.clone(),
        provider_id: followed.provider_id.clone(),
        social_worker: followed.social_worker.clone(),
        social_worker_team: followed.social_worker_team.clone(),
        subject_id: v.id.clone(),
        situation_change: None,
        occurred_on,
        due_on: due_after(occurred_on, cfg),
        told_at,
        told_on,
        // PROC-INTERRUPT: the provider contacts the social worker at once
        late: told_late(RuleNotice::Interruption, occurred_on, told_on, cfg),
        told_by: actor.clone(),
        // The feed carries the reason's code, never its free text: the text is on the voucher
        // (GetVoucher, audited).
        message_en: interruption_message_en(occurred_on, v),
        message_fi: interruption_message_fi(occurred_on, v),
        details: String::new(),
        state: if by_social_worker {
            NoticeState::Acknowledged
        } else {
            NoticeState::Open
        },
        acknowledged_at: if by_social_worker { told_at } else { 0 },
        acknowledged_by: if by_social_worker {
            actor
        } else {
            Actor::default()
        },
        acknowledgement_note: if by_social_worker {
            "The social worker interrupted the service.".into()
        } else {
            String::new()
        },
        version: 1,
    };
    store::insert_notice(conn, &notice).await?;
    Ok(())
}

/// Why a service ended, as the social worker's notice names it: the English and the Finnish
/// label of the code the voucher feed carries; `None` when unspecified (an interruption
/// recorded before the codes were) or unknown to this build.
fn end_reason_label(kind: i32) -> Option<(&'static str, &'static str)> {
    use vpb::EndReasonKind as K;
    Some(match K::try_from(kind).ok()? {
        K::Unspecified => return None,
        K::ClientHealth => ("the client's health", "asiakkaan terveydentila"),
        K::ClientMoved => ("the client moved", "muutto"),
        K::ClientEmployedOrStudying => (
            "the client found work or began studies",
            "työllistyminen tai opiskelu",
        ),
        K::ClientWithdrew => ("the client withdrew", "asiakas keskeytti"),
        K::ClientNotAttending => (
            "the client does not take part or cannot be reached",
            "asiakas ei osallistu tai ole tavoitettavissa",
        ),
        K::ServiceNotSuitable => (
            "the service does not suit the client",
            "palvelu ei sovellu asiakkaalle",
        ),
        K::OtherService => (
            "the client moves to another service",
            "siirtyminen muuhun palveluun",
        ),
        K::NoSuitableProvider => (
            "no suitable provider",
            "sopivaa palveluntuottajaa ei löytynyt",
        ),
        K::ProviderCannotContinue => (
            "the provider cannot continue",
            "palveluntuottaja ei voi jatkaa",
        ),
        K::DecisionChanged => ("the decision changed", "päätös muuttui"),
        K::Other => ("another reason", "muu syy"),
    })
}

/// The interruption notice's English message: the day, the reason's code by its label, and the
/// voucher whose details hold the reason in full.
fn interruption_message_en(on: chrono::NaiveDate, v: &vpb::Voucher) -> String {
    let number = &v.voucher_number;
    match end_reason_label(v.end_reason_kind) {
        Some((en, _)) => format!(
            "The service was interrupted on {on}: {en}. The reason in full is on voucher {number}."
        ),
        None => format!("The service was interrupted on {on}; the reason is on voucher {number}."),
    }
}

/// The interruption notice's Finnish message, as [`interruption_message_en`].
fn interruption_message_fi(on: chrono::NaiveDate, v: &vpb::Voucher) -> String {
    let number = &v.voucher_number;
    match end_reason_label(v.end_reason_kind) {
        Some((_, fi)) => format!(
            "Palvelu keskeytyi {on}, syy: {fi}. Tarkempi kuvaus näkyy palvelusetelin {number} \
             tiedoissa."
        ),
        None => format!("Palvelu keskeytyi {on}; syy näkyy palvelusetelin {number} tiedoissa."),
    }
}

/// GetFeedStatus.
pub async fn get_feed_status(
    app: &App,
    ctx: Ctx,
    _req: pb::GetFeedStatusRequest,
) -> AppResult<pb::GetFeedStatusResponse> {
    ctx.caller.require(access::ADMIN)?;
    let mut conn = app.db.pool().acquire().await?;
    let (last_sequence, changes_applied, vouchers) = voucher_copy_status(&mut conn).await?;
    let (attendance_last_sequence, attendance_changes_applied) =
        AlertFeed::CURSOR.read(&mut conn).await?;
    Ok(pb::GetFeedStatusResponse {
        last_sequence,
        changes_applied,
        vouchers,
        attendance_last_sequence,
        attendance_changes_applied,
        notices: store::count_notices(&mut conn).await?,
    })
}

/// Runs `attempt`; when it answers NOT_FOUND, catches up with the voucher feed (the voucher
/// may just have been issued) and runs it once more.
pub(super) async fn with_fresh_vouchers<T, F, Fut>(app: &App, attempt: F) -> AppResult<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = AppResult<T>>,
{
    app.voucher_feed.fresh(attempt, unknown_yet).await
}

/// Whether a refusal may come from a voucher not followed yet: NOT_FOUND.
fn unknown_yet(e: &AppError) -> bool {
    matches!(e, AppError::NotFound(_))
}

#[cfg(test)]
mod tests {
    use seteli_platform::convert::{PbEnum, to_date};
    use seteli_rules::ServiceType;

    use super::*;
    use crate::testing::{d, voucher};

    /// The voucher `c` carries, as this follower copies it.
    fn follow(c: &vpb::VoucherChange) -> Option<Voucher> {
        FollowedVoucher::of(c).map(followed)
    }

    fn change(kind: vpb::VoucherChangeKind, state: vpb::VoucherState) -> vpb::VoucherChange {
        vpb::VoucherChange {
            sequence: 42,
            kind: kind as i32,
            occurred_at_micros: 1,
            actor: Some(seteli_api::common::v1::Actor {
                subject: "sw-1".into(),
                role: "social_worker".into(),
                organisation: "county".into(),
            }),
            voucher: Some(vpb::Voucher {
                id: "v-2".into(),
                client: Some(vpb::ClientSummary {
                    client_id: "c-1".into(),
                    ..Default::default()
                }),
                decision: Some(vpb::ServiceDecision {
                    service_type: ServiceType::SkGroup.to_pb(),
                    decision_date: Some(to_date(d(2026, 2, 20))),
                    valid_from: Some(to_date(d(2026, 3, 2))),
                    valid_until: Some(to_date(d(2026, 8, 31))),
                    continues_voucher_id: "v-1".into(),
                    ..Default::default()
                }),
                state: state as i32,
                provider_id: "p-1".into(),
                ended_on: None,
                version: 3,
                ..Default::default()
            }),
        }
    }

    #[test]
    fn an_issued_voucher_is_followed_with_its_social_worker() {
        let v = follow(&change(
            vpb::VoucherChangeKind::Issued,
            vpb::VoucherState::Issued,
        ))
        .expect("a usable voucher");
        assert_eq!(
            v,
            Voucher {
                state: "ISSUED".into(),
                continues_voucher_id: "v-1".into(),
                version: 3,
                feed_sequence: 42,
                ..voucher(ServiceType::SkGroup)
            }
        );
    }

    #[test]
    fn a_later_change_names_no_social_worker_and_carries_the_end() {
        let mut c = change(
            vpb::VoucherChangeKind::Interrupted,
            vpb::VoucherState::Interrupted,
        );
        if let Some(v) = c.voucher.as_mut() {
            v.ended_on = Some(to_date(d(2026, 5, 15)));
        }
        let v = follow(&c).expect("a usable voucher");
        // The provider's user interrupted it: the stored social worker is kept (upsert_voucher).
        assert_eq!(v.social_worker, "");
        assert_eq!(v.state, "INTERRUPTED");
        assert_eq!(v.ended_on, Some(d(2026, 5, 15)));
    }

    #[test]
    fn an_interruption_notice_names_the_reason_by_its_label() {
        let on = d(2026, 5, 15);
        let mut v = vpb::Voucher {
            voucher_number: "PS-2026-000123".into(),
            end_reason_kind: vpb::EndReasonKind::ClientHealth as i32,
            ..Default::default()
        };
        assert_eq!(
            interruption_message_fi(on, &v),
            "Palvelu keskeytyi 2026-05-15, syy: asiakkaan terveydentila. Tarkempi kuvaus näkyy \
             palvelusetelin PS-2026-000123 tiedoissa."
        );
        assert_eq!(
            interruption_message_en(on, &v),
            "The service was interrupted on 2026-05-15: the client's health. The reason in full \
             is on voucher PS-2026-000123."
        );
        // Every code has its labels; an interruption from before the codes points to the voucher.
        for kind in 1..=vpb::EndReasonKind::Other as i32 {
            assert!(end_reason_label(kind).is_some(), "{kind}");
        }
        v.end_reason_kind = 0;
        assert_eq!(
            interruption_message_fi(on, &v),
            "Palvelu keskeytyi 2026-05-15; syy näkyy palvelusetelin PS-2026-000123 tiedoissa."
        );
        assert_eq!(end_reason_label(999), None);
    }

    #[test]
    fn only_not_found_may_be_a_voucher_not_followed_yet() {
        assert!(unknown_yet(&AppError::NotFound("voucher v-2".into())));
        assert!(!unknown_yet(&AppError::StateConflict("ended".into())));
        assert!(!unknown_yet(&AppError::PermissionDenied(
            "not yours".into()
        )));
        assert!(!unknown_yet(&AppError::Unavailable("vouchers".into())));
    }

    #[test]
    fn a_change_without_a_usable_voucher_is_not_followed() {
        let mut no_decision = change(vpb::VoucherChangeKind::Issued, vpb::VoucherState::Issued);
        if let Some(v) = no_decision.voucher.as_mut() {
            v.decision = None;
        }
        assert_eq!(follow(&no_decision), None);
        let mut no_client = change(vpb::VoucherChangeKind::Issued, vpb::VoucherState::Issued);
        if let Some(v) = no_client.voucher.as_mut() {
            v.client = None;
        }
        assert_eq!(follow(&no_client), None);
        let mut no_service = change(vpb::VoucherChangeKind::Issued, vpb::VoucherState::Issued);
        if let Some(d) = no_service
            .voucher
            .as_mut()
            .and_then(|v| v.decision.as_mut())
        {
            d.service_type = 0;
        }
        assert_eq!(follow(&no_service), None);
        let mut no_voucher = change(vpb::VoucherChangeKind::Issued, vpb::VoucherState::Issued);
        no_voucher.voucher = None;
        assert_eq!(follow(&no_voucher), None);
    }
}
