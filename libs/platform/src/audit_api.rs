//! `seteli.audit.v1.AuditService`: the auditors' queries of a service's own audit log (written
//! by [`crate::audit`]), each query itself recorded as an access (subject kind `audit_log`).
//! Every service serves it for its own database.

use seteli_api::audit::v1::audit_service_server::AuditService;
use seteli_api::audit::v1::{AuditEntry, ListAuditEntriesRequest, ListAuditEntriesResponse};
use seteli_api::common::v1::Actor;
use tonic::Request;

use crate::audit::{Access, record_read};
use crate::db::Database;
use crate::error::AppResult;
use crate::identity::Role;
use crate::paging::Paging;
use crate::rpc::{self, Answer, Ctx};

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

/// Audit entries, newest first, for an auditor. An entry about several subjects (a list read)
/// is found by any of them; its `subject_id` names them all, comma-separated.
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
         subject_id, action, purpose, request_id, substitute_reason FROM platform_audit_log \
         WHERE ($1 = '' OR subject_id = $1 OR id IN \
                (SELECT entry_id FROM platform_audit_subject WHERE subject_id = $1)) \
         AND ($2 = '' OR actor_subject = $2) \
         AND (occurred_at < $3 OR (occurred_at = $3 AND ($4 = '' OR id < $4))) \
         AND ($6 = 0 OR substitute_reason <> '') \
         ORDER BY occurred_at DESC, id DESC LIMIT $5",
    )
    .bind(&req.subject_id)
    .bind(&req.actor_subject)
    .bind(before_at)
    .bind(&before_id)
    .bind(page.fetch())
    .bind(i32::from(req.substitute_reads_only))
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
            substitute_reason: r.10,
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
    record_read(
        &api.db,
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
