//! The documents a provider is approved on (with their issue and expiry dates) and its Soteri
//! service classes. Each an edit through [`super::edit::edit`].

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::rpc::Ctx;

use super::edit::{Prices, edit, remove};
use crate::app::App;
use crate::store::{self, ChildTable};
use crate::wire;

/// AddDocument: a document with its issue and expiry dates.
pub async fn add_document(
    app: &App,
    ctx: Ctx,
    req: pb::AddDocumentRequest,
) -> AppResult<pb::AddDocumentResponse> {
    let read = |_: &Ctx, req: &pb::AddDocumentRequest| wire::document(req.document.as_ref());
    edit(app, ctx, req, Prices::IfApproved, read, |on, document| {
        Box::pin(async move {
            let doc_id = store::insert_document(on.conn, on.id, &document).await?;
            Ok(format!(
                "document {doc_id} ({}) added",
                document.kind.code()
            ))
        })
    })
    .await
}

/// RemoveDocument: removes a document.
pub async fn remove_document(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveDocumentRequest,
) -> AppResult<pb::RemoveDocumentResponse> {
    let read =
        |_: &Ctx, req: &pb::RemoveDocumentRequest| wire::child_key("document_id", &req.document_id);
    edit(app, ctx, req, Prices::IfApproved, read, |on, key| {
        Box::pin(async move { remove(on.conn, ChildTable::Documents, on.id, &key).await })
    })
    .await
}

/// SetSoteriClasses: replaces the provider's Soteri service classes.
pub async fn set_soteri_classes(
    app: &App,
    ctx: Ctx,
    req: pb::SetSoteriClassesRequest,
) -> AppResult<pb::SetSoteriClassesResponse> {
    let read =
        |_: &Ctx, req: &pb::SetSoteriClassesRequest| wire::soteri_classes(&req.soteri_classes);
    edit(app, ctx, req, Prices::IfApproved, read, |on, classes| {
        Box::pin(async move {
            store::replace_soteri(on.conn, on.id, &classes).await?;
            Ok(format!("Soteri classes {classes:?}"))
        })
    })
    .await
}
