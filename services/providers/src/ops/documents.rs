//! The documents a provider is approved on (with their issue and expiry dates) and its Soteri
//! service classes.

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::change::Change;
use seteli_platform::rpc::Ctx;

use super::edit::{Edit, remove};
use crate::access::{self, Rpc};
use crate::app::App;
use crate::store::{self, ChildTable};
use crate::wire;

/// AddDocument: a document with its issue and expiry dates.
pub async fn add_document(
    app: &App,
    ctx: Ctx,
    req: pb::AddDocumentRequest,
) -> AppResult<pb::AddDocumentResponse> {
    let rpc = Rpc::AddDocument;
    access::may_call(&ctx.caller, rpc)?;
    let document = wire::document(req.document.as_ref())?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                let doc_id = store::insert_document(conn, id, &document).await?;
                Ok(format!(
                    "document {doc_id} ({}) added",
                    document.kind.code()
                ))
            })
        },
        |provider| pb::AddDocumentResponse { provider },
    )
    .await
}

/// RemoveDocument: removes a document.
pub async fn remove_document(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveDocumentRequest,
) -> AppResult<pb::RemoveDocumentResponse> {
    let rpc = Rpc::RemoveDocument;
    access::may_call(&ctx.caller, rpc)?;
    let key = wire::child_key("document_id", &req.document_id)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move { remove(conn, ChildTable::Documents, id, &key).await })
        },
        |provider| pb::RemoveDocumentResponse { provider },
    )
    .await
}

/// SetSoteriClasses: replaces the provider's Soteri service classes.
pub async fn set_soteri_classes(
    app: &App,
    ctx: Ctx,
    req: pb::SetSoteriClassesRequest,
) -> AppResult<pb::SetSoteriClassesResponse> {
    let rpc = Rpc::SetSoteriClasses;
    access::may_call(&ctx.caller, rpc)?;
    let classes = wire::soteri_classes(&req.soteri_classes)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                store::replace_soteri(conn, id, &classes).await?;
                Ok(format!("Soteri classes {classes:?}"))
            })
        },
        |provider| pb::SetSoteriClassesResponse { provider },
    )
    .await
}
