//! The change feed this service publishes (`voucher_changes`): appending a change with the
//! voucher's snapshot and reading a page after a sequence number.
//!
//! How the feed is numbered and read without a shared counter row on either backend, so that a
//! reader resuming after the last sequence it saw never misses a change:
//! `seteli_platform::feed::published`.

use seteli_api::vouchers::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::auth::Caller;
use seteli_platform::convert::{PbEnum, store_message, stored_message};
use seteli_platform::db::now_micros;
use seteli_platform::feed::PublishedFeed;
use sqlx::AnyConnection;

use super::vouchers::VoucherRow;
use crate::model::ChangeKind;

/// The voucher feed: `voucher_changes`, its PostgreSQL offset in `voucher_counters`.
pub const VOUCHER_FEED: PublishedFeed = PublishedFeed {
    table: "voucher_changes",
    counters: "voucher_counters",
    offset: "voucher_feed_xid_offset",
};

/// The columns a change is stored with, after `sequence`.
const CHANGE_COLUMNS: &str = "voucher_id, provider_id, kind, occurred_at, actor_subject, \
     actor_role, organisation, request_id, snapshot";

/// Appends a change of `v` (as it is after the change) to the feed and returns its sequence
/// (no lock is taken on PostgreSQL). The change belongs to `v`'s chosen provider, or, when the
/// change cleared it (a decline), to `previous_provider`.
pub async fn append_change(
    conn: &mut AnyConnection,
    v: &VoucherRow,
    snapshot: &pb::Voucher,
    previous_provider: Option<&str>,
    kind: ChangeKind,
    caller: &Caller,
    request_id: &str,
) -> Result<i64, AppError> {
    VOUCHER_FEED
        .append(conn, CHANGE_COLUMNS, |query| {
            query
                .bind(&v.id)
                .bind(
                    v.chosen_provider
                        .as_deref()
                        .or(previous_provider)
                        .map(str::to_owned),
                )
                .bind(kind.code())
                .bind(now_micros())
                .bind(&caller.subject)
                .bind(caller.role.as_str())
                .bind(caller.organisation())
                .bind(request_id)
                .bind(store_message(snapshot))
        })
        .await
}

/// Changes after `after`, oldest first; only settled ones on PostgreSQL
/// ([`PublishedFeed::read_changes`]).
pub async fn list_changes(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<pb::VoucherChange>, AppError> {
    let changes = VOUCHER_FEED
        .read_stamped_changes(conn, "kind", after, limit)
        .await?;
    changes
        .into_iter()
        .map(|c| {
            Ok(pb::VoucherChange {
                voucher: Some(stored_message(&c.snapshot, "change")?),
                sequence: c.sequence,
                kind: ChangeKind::parse(&c.what)
                    .ok()
                    .map(PbEnum::to_pb)
                    .unwrap_or_default(),
                occurred_at_micros: c.occurred_at_micros,
                actor: Some(c.actor),
            })
        })
        .collect()
}
