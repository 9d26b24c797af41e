//! The provider registry as a service follows it (vouchers and attendance): a copy of what the
//! registry's change feed (`seteli.providers.v1` ListProviderChanges) tells of each provider —
//! its name, approval state and offerings — kept by the one [`Follower`], and the decisions a
//! request makes from it instead of asking the registry: whether the caller's provider may work
//! (PROVIDER-NOT-APPROVED, [`FollowedProviders::require_may_work`]) and what a provider offers
//! ([`FollowedProviders::provider`]). A request never waits on the registry: with the registry
//! down, the copy decides; a refusal the copy may explain (the provider unknown yet, or not
//! approved in the copy) catches up with the feed first and decides again
//! ([`Follower::fresh`]), so a provider approved or resumed a moment ago is not refused.
//! Within the poll interval of the follower, a provider suspended a moment ago still works.
//!
//! The rule is the rules crate's `check_provider_may_work`; this module only reads the
//! contract's approval state into it.
//!
//! The copy's tables, `followed_providers` and `followed_provider_offerings`, and the cursor row
//! `providers` in the service's `feed_cursors`, are made by one migration ([`MIGRATION_SQL`])
//! that each following service registers in its `MIGRATIONS` under a version of its own.

use std::time::Duration;

use seteli_api::providers::v1 as ppb;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_rules::ServiceType;
use seteli_rules::provider::check_provider_may_work;
use seteli_rules::rule_ids::PROVIDER_NOT_APPROVED;
use sqlx::AnyConnection;
use tonic::transport::Channel;

use crate::client::Upstream;
use crate::clock::Clock;
use crate::convert::PbEnum;
use crate::db::Database;
use crate::error::{AppError, AppResult, refuse};
use crate::feed::{Cursor, FeedApply, FeedLog, FeedPage, Follower};
use crate::followed;
use crate::identity::Role;
use crate::rpc::Ctx;

/// The migration of a following service that makes the copy's tables and its `providers`
/// cursor row (portable SQL; the service gives it its own version in `MIGRATIONS`).
pub const MIGRATION_SQL: &str = include_str!("../migrations/followed_providers.sql");

/// The registry's feed as a service follows it: each change stored in the copy.
#[derive(Debug, Clone)]
pub struct ProviderFeed {
    providers: Upstream<ProvidersServiceClient<Channel>>,
}

impl FeedApply for ProviderFeed {
    type Change = ppb::ProviderChange;
    const CURSOR: Cursor = followed::PROVIDERS_CURSOR;
    const LOG: FeedLog = followed::PROVIDERS_LOG;

    fn sequence(change: &ppb::ProviderChange) -> i64 {
        change.sequence
    }

    async fn page(
        &self,
        ctx: &Ctx,
        after: i64,
        limit: i32,
    ) -> AppResult<FeedPage<ppb::ProviderChange>> {
        followed::provider_changes(&self.providers, ctx, after, limit).await
    }

    /// Stores the provider the change carries, unless the copy already has a newer version of
    /// it (the feed's order is not one provider's order). A change without a usable provider
    /// is skipped, and still moves the cursor.
    async fn apply(
        &self,
        conn: &mut AnyConnection,
        _ctx: &Ctx,
        change: &ppb::ProviderChange,
    ) -> AppResult<()> {
        match FollowedProvider::of(change) {
            Some(p) => store(conn, &p, change.sequence).await,
            None => {
                tracing::warn!(
                    sequence = change.sequence,
                    "a provider change without a usable provider; skipped"
                );
                Ok(())
            }
        }
    }
}

/// A provider as the copy holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedProvider {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its approval state.
    pub state: ppb::ProviderState,
    /// Its version in the registry (the copy keeps the highest it has seen).
    pub version: i64,
    /// What it offers, by service.
    pub offerings: Vec<FollowedOffering>,
}

/// An offering as the copy holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowedOffering {
    /// The service.
    pub service: ServiceType,
    /// The provider's own unit price in force (cents).
    pub unit_price_cents: i64,
    /// The largest group it takes (CAP-GROUP-SIZE); 0 for a service without groups.
    pub max_group_size: u32,
}

impl FollowedProvider {
    /// The provider a change carries, as the copy holds it; `None` without a usable one.
    fn of(change: &ppb::ProviderChange) -> Option<Self> {
        let p = change.provider.as_ref()?;
        if p.id.trim().is_empty() {
            return None;
        }
        let state = ppb::ProviderState::try_from(p.state)
            .ok()
            .filter(|s| *s != ppb::ProviderState::Unspecified)?;
        let offerings = p
            .offerings
            .iter()
            .filter_map(|o| {
                Some(FollowedOffering {
                    service: ServiceType::from_pb(o.service_type)?,
                    unit_price_cents: o.unit_price.map(|m| m.cents).unwrap_or_default(),
                    max_group_size: u32::try_from(o.max_group_size).unwrap_or_default(),
                })
            })
            .collect();
        Some(Self {
            id: p.id.clone(),
            name: p
                .details
                .as_ref()
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            state,
            version: p.version,
            offerings,
        })
    }

    /// Its offering of `service`, if it offers it.
    pub fn offering(&self, service: ServiceType) -> Option<FollowedOffering> {
        self.offerings
            .iter()
            .copied()
            .find(|o| o.service == service)
    }
}

/// A stored state: the contract's name without its prefix (`APPROVED`).
fn state_code(state: ppb::ProviderState) -> &'static str {
    state.as_str_name().trim_start_matches("PROVIDER_STATE_")
}

fn parse_state(code: &str) -> AppResult<ppb::ProviderState> {
    ppb::ProviderState::from_str_name(&format!("PROVIDER_STATE_{code}")).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("unknown stored provider state {code:?}"))
    })
}

/// Stores `p` (from the change at `sequence`) in the copy unless it holds a newer version; its
/// offerings replace the stored ones.
async fn store(conn: &mut AnyConnection, p: &FollowedProvider, sequence: i64) -> AppResult<()> {
    let stored = sqlx::query(
        "INSERT INTO followed_providers (id, name, state, version, feed_sequence) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, state = excluded.state, \
         version = excluded.version, feed_sequence = excluded.feed_sequence \
         WHERE followed_providers.version < excluded.version",
    )
    .bind(&p.id)
    .bind(&p.name)
    .bind(state_code(p.state))
    .bind(p.version)
    .bind(sequence)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if stored == 0 {
        return Ok(());
    }
    sqlx::query("DELETE FROM followed_provider_offerings WHERE provider_id = $1")
        .bind(&p.id)
        .execute(&mut *conn)
        .await?;
    for o in &p.offerings {
        sqlx::query(
            "INSERT INTO followed_provider_offerings \
             (provider_id, service_type, unit_price_cents, max_group_size) VALUES ($1, $2, $3, $4)",
        )
        .bind(&p.id)
        .bind(o.service.code())
        .bind(o.unit_price_cents)
        .bind(i64::from(o.max_group_size))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The name and approval state of provider `id` in the copy: one statement.
async fn standing(
    conn: &mut AnyConnection,
    id: &str,
) -> AppResult<Option<(String, ppb::ProviderState)>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT name, state FROM followed_providers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|(name, state)| Ok((name, parse_state(&state)?)))
        .transpose()
}

/// Provider `id` with its offerings, from the copy.
async fn load(conn: &mut AnyConnection, id: &str) -> AppResult<Option<FollowedProvider>> {
    let row: Option<(String, String, i64)> =
        sqlx::query_as("SELECT name, state, version FROM followed_providers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((name, state, version)) = row else {
        return Ok(None);
    };
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT service_type, unit_price_cents, max_group_size FROM followed_provider_offerings \
         WHERE provider_id = $1 ORDER BY service_type",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let offerings = rows
        .into_iter()
        .map(|(code, cents, size)| {
            Ok(FollowedOffering {
                service: ServiceType::from_code(&code).ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("unknown stored service {code:?}"))
                })?,
                unit_price_cents: cents,
                max_group_size: u32::try_from(size).unwrap_or_default(),
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(Some(FollowedProvider {
        id: id.to_owned(),
        name,
        state: parse_state(&state)?,
        version,
        offerings,
    }))
}

/// What a refusal of an unfollowed registry says.
const NOT_FOLLOWED: &str = "the provider registry is not followed (SETELI_PROVIDERS_FEED_TOKEN \
     is not set): whether the provider may work is not known";

/// The followed registry of one service: its copy and the follower that keeps it. Cloning
/// shares both.
#[derive(Debug, Clone)]
pub struct FollowedProviders {
    follower: Follower<ProviderFeed>,
    db: Database,
}

impl FollowedProviders {
    /// Follows the registry at `providers` into `db`, reading its feed as `system:provider-feed`
    /// with the bearer `token` (the service's own account, [`crate::feed::follower`]); with no
    /// token it is not followed.
    pub fn new(
        providers: Upstream<ProvidersServiceClient<Channel>>,
        db: Database,
        token: Option<&String>,
        clock: Clock,
    ) -> Self {
        let ctx = crate::feed::follower("provider-feed", token, clock);
        Self {
            follower: Follower::new(ProviderFeed { providers }, db.clone(), ctx),
            db,
        }
    }

    /// Whether the registry is followed (an identity is configured).
    pub fn follows(&self) -> bool {
        self.follower.follows()
    }

    /// Applies every change not applied yet; returns how many were applied.
    pub async fn catch_up(&self) -> AppResult<usize> {
        self.follower.catch_up().await
    }

    /// Catches up every `every`, for ever (a job, stopped by the drain): [`Follower::run`].
    pub async fn run(self, every: Duration) {
        self.follower.run(every).await;
    }

    /// Provider `id` as the copy holds it now (no catch-up).
    pub async fn provider(&self, id: &str) -> AppResult<Option<FollowedProvider>> {
        let mut conn = self.db.pool().acquire().await?;
        load(&mut conn, id).await
    }

    /// Runs `attempt` (a decision on the copy); when it is refused in a way an old copy may
    /// explain (`is_stale`), catches up with the feed and decides again ([`Follower::fresh`]).
    pub async fn fresh<T, F, Fut>(
        &self,
        attempt: F,
        is_stale: impl Fn(&AppError) -> bool,
    ) -> AppResult<T>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        self.follower.fresh(attempt, is_stale).await
    }

    /// PROVIDER-NOT-APPROVED: a provider's user works on vouchers (accepts, starts, records)
    /// only while its provider is APPROVED — decided from the copy, which catches up before it
    /// refuses (an unknown provider, or one not approved in the copy). Other roles pass. A
    /// provider the registry does not know is NOT_FOUND; when the registry is not followed,
    /// a provider's user is answered UNAVAILABLE.
    pub async fn require_may_work(&self, ctx: &Ctx) -> AppResult<()> {
        let (Role::ProviderUser, Some(own)) = (ctx.caller.role, ctx.caller.provider_id.as_deref())
        else {
            return Ok(());
        };
        if !self.follows() {
            return Err(AppError::Unavailable(NOT_FOLLOWED.into()));
        }
        self.fresh(|| self.may_work(own), maybe_stale).await
    }

    /// PROVIDER-NOT-APPROVED of provider `id` as the copy stands.
    async fn may_work(&self, id: &str) -> AppResult<()> {
        let mut conn = self.db.pool().acquire().await?;
        let (name, state) = standing(&mut conn, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
        refuse(check_provider_may_work(
            state == ppb::ProviderState::Approved,
            &name,
        ))
    }
}

/// Whether a refusal of [`FollowedProviders::require_may_work`] may come from an old copy: the
/// provider unknown, or not approved.
fn maybe_stale(e: &AppError) -> bool {
    match e {
        AppError::NotFound(_) => true,
        AppError::RuleViolations(v) => v.iter().any(|x| x.rule == PROVIDER_NOT_APPROVED),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use seteli_api::common::v1::{Money, ServiceType as PbService};

    use super::*;

    fn change(state: ppb::ProviderState, version: i64) -> ppb::ProviderChange {
        ppb::ProviderChange {
            sequence: 7,
            provider: Some(ppb::Provider {
                id: "p1".into(),
                details: Some(ppb::ProviderDetails {
                    name: "Valmennus ry".into(),
                    ..Default::default()
                }),
                state: state as i32,
                version,
                offerings: vec![
                    ppb::Offering {
                        service_type: PbService::SkGroup as i32,
                        unit_price: Some(Money { cents: 3_000 }),
                        max_group_size: 8,
                        price_history: Vec::new(),
                        ..Default::default()
                    },
                    ppb::Offering {
                        service_type: PbService::Unspecified as i32,
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    async fn copy() -> Database {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        for sql in [
            "CREATE TABLE followed_providers (id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, \
             state TEXT NOT NULL, version BIGINT NOT NULL, feed_sequence BIGINT NOT NULL)",
            "CREATE TABLE followed_provider_offerings (provider_id TEXT NOT NULL, \
             service_type TEXT NOT NULL, unit_price_cents BIGINT NOT NULL, \
             max_group_size BIGINT NOT NULL, PRIMARY KEY (provider_id, service_type))",
        ] {
            sqlx::query(sql).execute(db.pool()).await.unwrap();
        }
        db
    }

    #[test]
    fn a_change_gives_the_name_state_and_known_offerings() {
        let p = FollowedProvider::of(&change(ppb::ProviderState::Suspended, 3)).unwrap();
        assert_eq!(
            (p.id.as_str(), p.name.as_str(), p.state, p.version),
            ("p1", "Valmennus ry", ppb::ProviderState::Suspended, 3)
        );
        // An offering of a service this release does not know is left out.
        assert_eq!(
            p.offerings,
            [FollowedOffering {
                service: ServiceType::SkGroup,
                unit_price_cents: 3_000,
                max_group_size: 8,
            }]
        );
        assert_eq!(p.offering(ServiceType::SkGroup).unwrap().max_group_size, 8);
        assert_eq!(p.offering(ServiceType::KttIndividual), None);
        // No provider, no id or no state: nothing to follow.
        let mut none = change(ppb::ProviderState::Approved, 1);
        none.provider = None;
        assert_eq!(FollowedProvider::of(&none), None);
        let mut blank = change(ppb::ProviderState::Approved, 1);
        blank.provider.as_mut().unwrap().id = " ".into();
        assert_eq!(FollowedProvider::of(&blank), None);
        assert_eq!(
            FollowedProvider::of(&change(ppb::ProviderState::Unspecified, 1)),
            None
        );
    }

    #[tokio::test]
    async fn the_copy_keeps_the_highest_version_it_has_seen() {
        let db = copy().await;
        let mut conn = db.pool().acquire().await.unwrap();
        let suspended = FollowedProvider::of(&change(ppb::ProviderState::Suspended, 5)).unwrap();
        store(&mut conn, &suspended, 9).await.unwrap();
        // An older version read later (the feed's order is not one provider's) changes nothing.
        let mut older = FollowedProvider::of(&change(ppb::ProviderState::Approved, 4)).unwrap();
        older.offerings.clear();
        store(&mut conn, &older, 10).await.unwrap();
        assert_eq!(load(&mut conn, "p1").await.unwrap().unwrap(), suspended);
        assert_eq!(
            standing(&mut conn, "p1").await.unwrap(),
            Some(("Valmennus ry".into(), ppb::ProviderState::Suspended))
        );
        // A newer one replaces the state and the offerings.
        let mut newer = FollowedProvider::of(&change(ppb::ProviderState::Approved, 6)).unwrap();
        newer.offerings.clear();
        store(&mut conn, &newer, 11).await.unwrap();
        assert_eq!(load(&mut conn, "p1").await.unwrap().unwrap(), newer);
        assert_eq!(load(&mut conn, "p2").await.unwrap(), None);
    }

    #[test]
    fn an_unknown_or_unapproved_provider_may_be_an_old_copy() {
        assert!(maybe_stale(&AppError::NotFound("provider p1".into())));
        assert!(maybe_stale(&AppError::RuleViolations(
            check_provider_may_work(false, "Tauolla Oy")
        )));
        assert!(!maybe_stale(&AppError::Unavailable("the database".into())));
        assert!(!maybe_stale(&AppError::PermissionDenied("no".into())));
    }
}
