//! A month generated again because the county returned its invoice or credit note (issue 25):
//! the provider corrected or voided the sessions once attendance released them (ReturnInvoice
//! tells it: [`super::marking`]), and GenerateInvoice then replaces the returned document with
//! what is realised now (BILL-REALISED, BILL-NO-SHOW and the caps, planned as any month by
//! [`crate::plan`]), in place: the same id and the same number ([`super::documents::Draft::rewrite`]
//! says why).
//!
//! Only a RETURNED document is generated again. An approved, exported or paid one never
//! changes: a correction after its approval is the county's, credited on a later month's credit
//! note, never a negative invoice. A DRAFT or SUBMITTED one stays as it is too (its sessions
//! are locked in attendance).

use seteli_platform::{AppError, AppResult};
use sqlx::AnyConnection;

use crate::model::{InvoiceKind, InvoiceRow, InvoiceState};
use crate::store;

/// A generated month's documents as they are now.
#[derive(Debug, Clone, Default)]
pub(super) struct MonthDocs {
    /// The month's invoice, if it has one.
    pub(super) invoice: Option<InvoiceRow>,
    /// The month's credit note, if it has one.
    pub(super) credit: Option<InvoiceRow>,
}

impl MonthDocs {
    /// Loads the documents of a generation (`store::generation`).
    pub(super) async fn load(
        conn: &mut AnyConnection,
        (invoice, credit): &(Option<String>, Option<String>),
    ) -> AppResult<Self> {
        let mut docs = MonthDocs::default();
        if let Some(id) = invoice {
            docs.invoice = store::load_invoice(conn, id).await?;
        }
        if let Some(id) = credit {
            docs.credit = store::load_invoice(conn, id).await?;
        }
        Ok(docs)
    }

    /// The documents the county returned: those the month's generation writes again.
    pub(super) fn returned(&self) -> impl Iterator<Item = &InvoiceRow> {
        [&self.invoice, &self.credit]
            .into_iter()
            .flatten()
            .filter(|d| d.state == InvoiceState::Returned)
    }

    /// Whether the month is generated again (one of its documents was returned).
    pub(super) fn any_returned(&self) -> bool {
        self.returned().next().is_some()
    }

    /// Takes back what the returned documents billed and credited, so the month is planned
    /// from what is billed on the others. Refused while attendance has not released a returned
    /// document's items yet: its items would be billed again as they were, not as corrected.
    pub(super) async fn unbill_returned(&self, conn: &mut AnyConnection) -> AppResult<()> {
        for doc in self.returned() {
            if doc.items_released < doc.release_round {
                return Err(AppError::StateConflict(format!(
                    "attendance has not released the items of returned invoice {} yet: \
                     generate the month again in a moment",
                    doc.body.invoice_number
                )));
            }
            store::unbill(conn, &doc.id, doc.kind == InvoiceKind::CreditNote).await?;
        }
        Ok(())
    }
}

/// What a month generated again does with one kind of its planned lines.
#[derive(Debug)]
pub(super) enum Slot<'a> {
    /// The month has no such document: a new one (numbered next) takes the lines.
    New,
    /// The county returned it: written again in place with the lines.
    Returned(&'a InvoiceRow),
    /// It stays as it is (DRAFT, SUBMITTED or approved).
    Kept(&'a InvoiceRow),
}

impl<'a> Slot<'a> {
    /// The slot of the month's document `doc`.
    pub(super) fn of(doc: Option<&'a InvoiceRow>) -> Self {
        match doc {
            None => Slot::New,
            Some(d) if d.state == InvoiceState::Returned => Slot::Returned(d),
            Some(d) => Slot::Kept(d),
        }
    }
}
