//! The billing context's own types: invoice states and their table, document kinds, item kinds,
//! the stored invoice, and the voucher terms billing caps by.

use chrono::NaiveDate;
use seteli_api::billing::v1 as pb;
use seteli_platform::convert::{PbEnum, to_date};
use seteli_platform::{coded, pb_enum};
use seteli_rules::ServiceType;

coded! {
    /// State of an invoice or credit note.
    InvoiceState {
        /// Generated; the provider checks it.
        Draft = "DRAFT",
        /// Submitted by the provider.
        Submitted = "SUBMITTED",
        /// Approved by the county: in the financial system's pull.
        Approved = "APPROVED",
        /// Returned to the provider with a reason.
        Returned = "RETURNED",
        /// Acknowledged by the financial system.
        Exported = "EXPORTED",
        /// Paid.
        Paid = "PAID",
        /// A returned document generated again with nothing left to bill: it bills nothing
        /// and moves no more (its number is not used again).
        Withdrawn = "WITHDRAWN",
    }
}
pb_enum!(InvoiceState, pb::InvoiceState {
    Draft => Draft,
    Submitted => Submitted,
    Approved => Approved,
    Returned => Returned,
    Exported => Exported,
    Paid => Paid,
    Withdrawn => Withdrawn,
});

impl InvoiceState {
    /// The state table: the moves an invoice may make.
    pub const MOVES: &'static [(InvoiceState, InvoiceState)] = &[
        (InvoiceState::Draft, InvoiceState::Submitted),
        (InvoiceState::Returned, InvoiceState::Submitted),
        (InvoiceState::Submitted, InvoiceState::Approved),
        (InvoiceState::Submitted, InvoiceState::Returned),
        (InvoiceState::Approved, InvoiceState::Exported),
        (InvoiceState::Exported, InvoiceState::Paid),
    ];

    /// Whether the table allows `self → to`.
    pub fn may_move(self, to: InvoiceState) -> bool {
        Self::MOVES.contains(&(self, to))
    }

    /// The states from which `to` is reached.
    pub fn sources(to: InvoiceState) -> Vec<InvoiceState> {
        Self::MOVES
            .iter()
            .filter(|(_, t)| *t == to)
            .map(|(f, _)| *f)
            .collect()
    }

    /// Whether `attendance` may be told the document's items are invoiced: not while the county
    /// has it returned (its items are released for the provider to correct), nor once withdrawn.
    pub fn holds_items(self) -> bool {
        !matches!(self, InvoiceState::Returned | InvoiceState::Withdrawn)
    }

    /// Approved by the county (what the financial system may see).
    pub fn is_approved(self) -> bool {
        matches!(
            self,
            InvoiceState::Approved | InvoiceState::Exported | InvoiceState::Paid
        )
    }
}

coded! {
    /// What a billing document is.
    InvoiceKind {
        /// An invoice.
        Invoice = "INVOICE",
        /// A credit note.
        CreditNote = "CREDIT_NOTE",
    }
}
pb_enum!(InvoiceKind, pb::InvoiceKind {
    Invoice => Invoice,
    CreditNote => CreditNote,
});

coded! {
    /// What a billed item is.
    ItemKind {
        /// A realised session.
        Realised = "REALISED",
        /// A no-show.
        NoShow = "NO_SHOW",
    }
}
pb_enum!(ItemKind, pb::ItemKind {
    Realised => Realised,
    NoShow => NoShow,
});

/// A billing month, `YYYY-MM`.
pub fn period(year: i32, month: u32) -> String {
    format!("{year:04}-{month:02}")
}

/// An invoice as stored: the immutable document and the facts of its state.
#[derive(Debug, Clone)]
pub struct InvoiceRow {
    /// Id.
    pub id: String,
    /// Invoice or credit note.
    pub kind: InvoiceKind,
    /// The provider.
    pub provider_id: String,
    /// State.
    pub state: InvoiceState,
    /// Why it was returned.
    pub returned_reason: String,
    /// The export that acknowledged it.
    pub export_id: String,
    /// When it was approved (0 before).
    pub approved_at: i64,
    /// The pull order (set at approval).
    pub export_sequence: Option<i64>,
    /// When it was paid.
    pub paid_on: Option<NaiveDate>,
    /// What attendance was told of the items ([`crate::store::TOLD_NOTHING`],
    /// [`crate::store::TOLD_INVOICED`], [`crate::store::TOLD_APPROVED`]).
    pub items_marked: i64,
    /// How many times the county returned it: each return asks attendance to release the
    /// items it then held (the round of the release).
    pub release_round: i64,
    /// The last round of release attendance has been told of.
    pub items_released: i64,
    /// Version.
    pub version: i64,
    /// The document as generated, its lines without their items (those are rows of
    /// `invoice_items`; a body stored before they moved out may still carry them).
    pub body: pb::Invoice,
}

impl InvoiceRow {
    /// The contract view: the document with its current state, its lines without their items
    /// (what the financial system gets, and all an e-invoice needs; see [`InvoiceRow::view_with`]).
    pub fn view(&self) -> pb::Invoice {
        let mut invoice = self.state_view();
        // Stored before the items moved out of the body: take them off here.
        for l in &mut invoice.lines {
            l.items.clear();
        }
        invoice
    }

    /// The contract view with each line's items (`items`: by voucher and line, in order, as
    /// [`crate::store::document_items`] reads them).
    pub fn view_with(&self, items: Vec<LineItem>) -> pb::Invoice {
        let mut invoice = self.state_view();
        fill_items(&mut invoice, items);
        invoice
    }

    fn state_view(&self) -> pb::Invoice {
        pb::Invoice {
            state: self.state.to_pb(),
            returned_reason: self.returned_reason.clone(),
            export_id: self.export_id.clone(),
            approved_at_micros: self.approved_at,
            export_sequence: self.export_sequence.unwrap_or_default(),
            paid_on: self.paid_on.map(to_date),
            items_marked: self.items_marked > 0,
            version: self.version,
            ..self.body.clone()
        }
    }

    /// The list view: without lines and no-show report.
    pub fn summary(&self) -> pb::Invoice {
        pb::Invoice {
            lines: Vec::new(),
            no_show_report: Vec::new(),
            ..self.view()
        }
    }
}

/// An item of a document as read back: its voucher, the number of its line (`None` when
/// written before items named their line: the voucher's only line) and the item.
pub type LineItem = (String, Option<i32>, pb::InvoicedItem);

/// Puts `items` (by voucher and line, in order, as [`crate::store::document_items`] reads them)
/// on the lines of `invoice`, unless its lines carry their items already (a body or an answer
/// stored before the items moved out). An item that names no line (written before a voucher
/// could have a line per price) goes on its voucher's first line.
pub fn fill_items(invoice: &mut pb::Invoice, items: Vec<LineItem>) {
    if invoice.lines.iter().any(|l| !l.items.is_empty()) {
        return;
    }
    let mut line_of: std::collections::HashMap<(&str, Option<i32>), usize> =
        std::collections::HashMap::new();
    for (n, l) in invoice.lines.iter().enumerate() {
        line_of.insert((l.voucher_id.as_str(), Some(l.line_number)), n);
        line_of.entry((l.voucher_id.as_str(), None)).or_insert(n);
    }
    let placed: Vec<(usize, pb::InvoicedItem)> = items
        .into_iter()
        .filter_map(|(voucher, line, item)| {
            let n = line_of
                .get(&(voucher.as_str(), line))
                .or_else(|| line_of.get(&(voucher.as_str(), None)))?;
            Some((*n, item))
        })
        .collect();
    for (n, item) in placed {
        invoice.lines[n].items.push(item);
    }
}

/// A voucher's terms as billing caps by (from `vouchers` GetVoucher).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherTerms {
    /// Voucher id.
    pub voucher_id: String,
    /// The voucher number (the order reference).
    pub voucher_number: String,
    /// The service.
    pub service: ServiceType,
    /// The price snapshot (ceiling price on the decision date), cents.
    pub unit_price_cents: i64,
    /// Granted units, hundredths.
    pub units_granted: i64,
    /// The voucher's value, cents.
    pub value_cents: i64,
}

/// One item's units and cents: what billing has billed so far of it (invoiced − credited), or,
/// in a document's `store::ItemEntry`, what that document bills (credits, negative) of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemTotal {
    /// The attendance item id.
    pub item_id: String,
    /// The voucher.
    pub voucher_id: String,
    /// Realised or no-show.
    pub kind: ItemKind,
    /// The session date.
    pub date: NaiveDate,
    /// Units, hundredths.
    pub units: i64,
    /// Money, cents.
    pub cents: i64,
}

/// What billing has billed so far of one voucher.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VoucherTotal {
    /// Net units, hundredths.
    pub units: i64,
    /// Net money, cents.
    pub cents: i64,
}

/// Units in hundredths as the contract's units.
pub fn to_units(hundredths: i64) -> pb::Units {
    pb::Units { hundredths }
}
