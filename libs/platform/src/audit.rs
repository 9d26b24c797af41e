//! The audit log of personal-data access (DESIGN.md, Security; client-data act 703/2023).
//!
//! Every read or write of personal data records who (subject, role, organisation), whose data
//! (subject kind and id), what (the RPC), why (the purpose), when and under which request id.
//! Writes record inside the mutation's transaction, so an entry exists exactly when the change
//! does; reads record before the data is answered. Auditors query it through
//! `seteli.audit.v1.AuditService`, which every service serves for its own database — and each
//! of their queries is itself recorded (subject kind `audit_log`). The table is append-only:
//! the database refuses every UPDATE and DELETE of it (a trigger on both backends, installed
//! with the migrations: [`crate::db::Database::migrate`]).

use seteli_api::audit::v1::audit_service_server::AuditService;
use seteli_api::audit::v1::{AuditEntry, ListAuditEntriesRequest, ListAuditEntriesResponse};
use seteli_api::common::v1::Actor;
use sqlx::{Any, Executor};
use tonic::Request;

use crate::auth::{Caller, Role};
use crate::db::{Database, new_id, now_micros};
use crate::error::{AppError, AppResult};
use crate::paging::Paging;
use crate::rpc::{self, Answer, Ctx};

/// What a personal-data access was about.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// Kind of data subject: `client`, `provider_staff`, …
    pub subject_kind: &'a str,
    /// The data subject's id.
    pub subject_id: &'a str,
    /// What was done: the RPC name, e.g. `GetClient`.
    pub action: &'a str,
    /// Why: the purpose of the processing, e.g. `voucher_issuance`.
    pub purpose: &'a str,
}

/// Records one access with `executor` (a transaction for writes, the pool for reads).
pub async fn record<'e, E>(
    executor: E,
    caller: &Caller,
    request_id: &str,
    access: Access<'_>,
) -> Result<(), AppError>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO platform_audit_log (id, occurred_at, actor_subject, actor_role, organisation, \
         subject_kind, subject_id, action, purpose, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new_id())
    .bind(now_micros())
    .bind(&caller.subject)
    .bind(caller.role.as_str())
    .bind(caller.organisation())
    .bind(access.subject_kind)
    .bind(access.subject_id)
    .bind(access.action)
    .bind(access.purpose)
    .bind(request_id)
    .execute(executor)
    .await?;
    Ok(())
}

/// `seteli.audit.v1.AuditService` over one service's database.
#[derive(Debug, Clone)]
pub struct AuditApi {
    db: Database,
}

impl AuditApi {
    /// The service over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

type Row = (
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn list_audit_entries(
        &self,
        request: Request<ListAuditEntriesRequest>,
    ) -> Answer<ListAuditEntriesResponse> {
        rpc::unary(self, request, list_audit_entries).await
    }
}

/// Audit entries, newest first, for an auditor.
async fn list_audit_entries(
    api: &AuditApi,
    ctx: Ctx,
    req: ListAuditEntriesRequest,
) -> AppResult<ListAuditEntriesResponse> {
    ctx.caller.require(&[Role::Auditor])?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    // Sort key: (occurred_at, id) of the last entry of the previous page (newest first).
    let (before_at, before_id) = page
        .after::<(i64, String)>()?
        .unwrap_or((i64::MAX, String::new()));
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, occurred_at, actor_subject, actor_role, organisation, subject_kind, \
         subject_id, action, purpose, request_id FROM platform_audit_log \
         WHERE ($1 = '' OR subject_id = $1) AND ($2 = '' OR actor_subject = $2) \
         AND (occurred_at < $3 OR (occurred_at = $3 AND ($4 = '' OR id < $4))) \
         ORDER BY occurred_at DESC, id DESC LIMIT $5",
    )
    .bind(&req.subject_id)
    .bind(&req.actor_subject)
    .bind(before_at)
    .bind(&before_id)
    .bind(page.fetch())
    .fetch_all(api.db.pool())
    .await?;
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.0,
            occurred_at_micros: r.1,
            actor: Some(Actor {
                subject: r.2,
                role: r.3,
                organisation: r.4,
            }),
            subject_kind: r.5,
            subject_id: r.6,
            action: r.7,
            purpose: r.8,
            request_id: r.9,
        })
        .collect();
    let (entries, next_page_token) =
        page.cut(entries, |last| (last.occurred_at_micros, last.id.clone()));
    // Who watches the watchers: an auditor's query is an access too (recorded
    // before the answer leaves, after the read, so it is not in its own answer).
    let whose = if req.subject_id.is_empty() {
        "*"
    } else {
        req.subject_id.as_str()
    };
    record(
        api.db.pool(),
        &ctx.caller,
        ctx.request_id(),
        Access {
            subject_kind: "audit_log",
            subject_id: whose,
            action: "ListAuditEntries",
            purpose: "audit",
        },
    )
    .await?;

    Ok(ListAuditEntriesResponse {
        entries,
        next_page_token,
    })
}
