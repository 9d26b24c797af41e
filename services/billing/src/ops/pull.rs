//! The financial system's pull: approved invoices in approval order (the export sequence),
//! paged (ListApprovedInvoices) or streamed (StreamApprovedInvoices), each with its e-invoice
//! documents, until acknowledged (AcknowledgeInvoices: one conditional `UPDATE` per invoice, so
//! each invoice has exactly one acknowledged export).

use seteli_api::billing::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::change::Change;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::{Ctx, to_status};
use tokio_stream::wrappers::ReceiverStream;

use crate::access;
use crate::app::App;
use crate::einvoice;
use crate::model::{InvoiceRow, InvoiceState};
use crate::store;
use crate::wire;

/// Invoices read per query while pulling or streaming.
const PULL_CHUNK: i64 = 100;

/// An approved invoice as the financial system pulls it: the invoice (lines without items,
/// [`access::sees_items`]) and its documents, written by `exporter`.
fn approved(
    exporter: &mut einvoice::Exporter,
    row: &InvoiceRow,
    formats: &[pb::ExportFormat],
) -> AppResult<pb::ApprovedInvoice> {
    let invoice = row.view();
    let documents = formats
        .iter()
        .map(|f| exporter.document(&invoice, *f))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(pb::ApprovedInvoice {
        invoice: Some(invoice),
        documents,
    })
}

/// ListApprovedInvoices.
pub async fn list_approved_invoices(
    app: &App,
    ctx: Ctx,
    req: pb::ListApprovedInvoicesRequest,
) -> AppResult<pb::ListApprovedInvoicesResponse> {
    ctx.caller.require(access::PULLERS)?;
    let formats = wire::formats(&req.formats)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let after = page
        .after::<(i64,)>()?
        .map_or(req.after_sequence, |(s,)| s.max(req.after_sequence));
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::approved_after(&mut conn, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |r| (r.export_sequence.unwrap_or_default(),));
    let mut exporter = einvoice::Exporter::new();
    Ok(pb::ListApprovedInvoicesResponse {
        invoices: rows
            .iter()
            .map(|r| approved(&mut exporter, r, &formats))
            .collect::<AppResult<_>>()?,
        next_page_token,
    })
}

/// The stream of StreamApprovedInvoices.
pub type ApprovedStream = ReceiverStream<Result<pb::StreamApprovedInvoicesResponse, tonic::Status>>;

/// StreamApprovedInvoices: reads [`PULL_CHUNK`] invoices at a time and sends them through a
/// bounded channel, so memory stays flat however many there are.
pub async fn stream_approved_invoices(
    app: &App,
    ctx: Ctx,
    req: pb::StreamApprovedInvoicesRequest,
) -> AppResult<ApprovedStream> {
    ctx.caller.require(access::PULLERS)?;
    let formats = wire::formats(&req.formats)?;
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let db = app.db.clone();
    let request_id = ctx.request_id().to_owned();
    let mut after = req.after_sequence;
    tokio::spawn(async move {
        let mut exporter = einvoice::Exporter::new();
        loop {
            let rows = async {
                let mut conn = db.pool().acquire().await?;
                store::approved_after(&mut conn, after, PULL_CHUNK).await
            }
            .await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tx.send(Err(to_status(e, &request_id))).await;
                    return;
                }
            };
            let last = rows.len() < usize::try_from(PULL_CHUNK).unwrap_or(usize::MAX);
            for r in &rows {
                after = r.export_sequence.unwrap_or(after);
                let message = approved(&mut exporter, r, &formats)
                    .map(|i| pb::StreamApprovedInvoicesResponse { invoice: Some(i) })
                    .map_err(|e| to_status(e, &request_id));
                if tx.send(message).await.is_err() {
                    return; // the puller went away
                }
            }
            if last {
                return;
            }
        }
    });
    Ok(ReceiverStream::new(rx))
}

/// What one acknowledgement answers, from what [`store::acknowledge`] found (`None`: this call
/// acknowledged it): a repeat of the winning export is acknowledged again, another export is
/// told the winner's, an invoice not (or no longer) approved nor exported is NOT_APPROVED.
fn ack_outcome(
    found: Option<(Option<InvoiceState>, String)>,
    export_id: String,
) -> (pb::AckOutcome, String) {
    match found {
        None => (pb::AckOutcome::Acknowledged, export_id),
        Some((Some(InvoiceState::Exported | InvoiceState::Paid), winner)) => {
            if winner == export_id {
                (pb::AckOutcome::Acknowledged, winner)
            } else {
                (pb::AckOutcome::AlreadyAcknowledged, winner)
            }
        }
        Some(_) => (pb::AckOutcome::NotApproved, String::new()),
    }
}

/// AcknowledgeInvoices.
pub async fn acknowledge_invoices(
    app: &App,
    ctx: Ctx,
    req: pb::AcknowledgeInvoicesRequest,
) -> AppResult<pb::AcknowledgeInvoicesResponse> {
    ctx.caller.require(access::PULLERS)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let acks = wire::acknowledgements(&req.acknowledgements)?;
    change
        .apply(move |conn| {
            Box::pin(async move {
                let mut results = Vec::new();
                for (invoice_id, export_id) in acks {
                    let found = store::acknowledge(conn, &invoice_id, &export_id).await?;
                    let (outcome, export) = ack_outcome(found, export_id);
                    results.push(pb::AckResult {
                        invoice_id,
                        outcome: outcome as i32,
                        export_id: export,
                    });
                }
                Ok(pb::AcknowledgeInvoicesResponse { results })
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(
        found: Option<(Option<InvoiceState>, &str)>,
        export: &str,
    ) -> (pb::AckOutcome, String) {
        ack_outcome(found.map(|(s, w)| (s, w.to_owned())), export.to_owned())
    }

    #[test]
    fn each_invoice_has_one_acknowledged_export() {
        use pb::AckOutcome::{Acknowledged, AlreadyAcknowledged, NotApproved};
        // This call moved it.
        assert_eq!(outcome(None, "e1"), (Acknowledged, "e1".into()));
        // A retry of the winning export, also after the payment.
        for state in [InvoiceState::Exported, InvoiceState::Paid] {
            assert_eq!(
                outcome(Some((Some(state), "e1")), "e1"),
                (Acknowledged, "e1".into())
            );
            assert_eq!(
                outcome(Some((Some(state), "e1")), "e2"),
                (AlreadyAcknowledged, "e1".into())
            );
        }
        // Not approved yet, returned, or no such invoice.
        for state in [
            Some(InvoiceState::Draft),
            Some(InvoiceState::Submitted),
            Some(InvoiceState::Returned),
            None,
        ] {
            assert_eq!(
                outcome(Some((state, "")), "e1"),
                (NotApproved, String::new())
            );
        }
    }
}
