//! SQL of the billing service. Portable across SQLite and PostgreSQL (`Any` driver).
//!
//! Concurrency without read-then-write races:
//! - a generation locks its provider's row in `provider_locks` ([`lock_provider`]) before it
//!   reads what was billed, and claims its month with a primary key ([`claim_generation`]):
//!   one month is generated once, and an item is never billed by two generations at once
//!   (a month whose document the county returned is generated again under the same lock:
//!   `regeneration.rs`);
//! - every state change is one conditional `UPDATE … WHERE state IN (…)` on the invoice row
//!   locked by [`seteli_platform::change::Change::apply_to`]; the acknowledgement is
//!   `UPDATE … WHERE state = 'APPROVED'` ([`acknowledge`]), so of two pullers only one wins;
//! - invoice numbers and the export sequence come from counter rows locked until commit
//!   ([`next_counter`]), so the export sequence is the order in which approvals commit.

use std::collections::HashMap;

use chrono::NaiveDate;
use seteli_api::billing::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::convert::{
    PbEnum, parse_stored_date, store_date, store_message, stored_message, stored_service, to_date,
    to_money,
};
use seteli_platform::db::now_micros;
use seteli_platform::statement::AnyQuery;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::model::{
    InvoiceKind, InvoiceRow, InvoiceState, ItemKind, ItemTotal, VoucherTerms, VoucherTotal,
};

mod regeneration;
mod told;

pub use regeneration::{replace_returned, set_generation, unbill};
pub use told::{
    TOLD_APPROVED, TOLD_INVOICED, TOLD_NOTHING, begin_release, releasable_items, set_marked,
    set_released, untold,
};

/// Parameters per multi-row statement on SQLite (its limit is 32,766).
const SQLITE_PARAMETERS: usize = 2800;
/// Parameters per multi-row statement on PostgreSQL: about 12 KiB of them, so a statement goes
/// out in one TLS record (16 KiB). Chosen when sqlx 0.9.0 left Nagle's algorithm on
/// (transact-rs/sqlx#4335: a statement in two TLS records waited ~40 ms for the server's delayed
/// ACK); sqlx 0.9.1 sets TCP_NODELAY again, and the bound stays as a statement size that
/// PostgreSQL parses quickly.
const POSTGRES_PARAMETERS: usize = 504;

/// Rows of `columns` parameters per multi-row statement on `conn`'s backend.
fn rows_per_statement(conn: &AnyConnection, columns: usize) -> usize {
    let parameters = match Placeholders::of(conn) {
        Placeholders::Numbered => POSTGRES_PARAMETERS,
        Placeholders::Anonymous => SQLITE_PARAMETERS,
    };
    (parameters / columns).max(1)
}

/// How a generated statement names its parameters on `conn`'s backend: `$1, $2, …` on
/// PostgreSQL, `?` on SQLite. SQLite takes `$N` too, but sqlx then asks each parameter's name
/// and SQLite finds it by a linear scan, so binding a statement of N `$N` parameters takes time
/// quadratic in N (2,800 took ~9 ms); anonymous `?` parameters bind in order, in linear time.
/// Only the multi-row statements generated here use `?`; the rest of the SQL is one dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholders {
    Numbered,
    Anonymous,
}

impl Placeholders {
    fn of(conn: &AnyConnection) -> Self {
        if seteli_platform::db::is_postgres(conn) {
            Placeholders::Numbered
        } else {
            Placeholders::Anonymous
        }
    }

    /// Appends the `n`th parameter (from 1).
    fn push(self, sql: &mut String, n: usize) {
        match self {
            Placeholders::Numbered => {
                sql.push('$');
                sql.push_str(&n.to_string());
            }
            Placeholders::Anonymous => sql.push('?'),
        }
    }
}

// ------------------------------------------------------------------------------ counters

/// Takes the next value of counter `name` (its row stays locked until the commit).
pub async fn next_counter(conn: &mut AnyConnection, name: &str) -> Result<i64, AppError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE billing_counters SET value = value + 1 WHERE name = $1 RETURNING value",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(v,)| v)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("counter {name} is missing")))
}

// ------------------------------------------------------------------------------ generation

/// Locks provider `provider_id`'s generations until the commit.
pub async fn lock_provider(conn: &mut AnyConnection, provider_id: &str) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO provider_locks (provider_id, n) VALUES ($1, 1) \
         ON CONFLICT (provider_id) DO UPDATE SET n = provider_locks.n + 1",
    )
    .bind(provider_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The documents of a generated month: `Some((invoice, credit note))` once generated.
pub async fn generation(
    conn: &mut AnyConnection,
    provider_id: &str,
    period: &str,
) -> Result<Option<(Option<String>, Option<String>)>, AppError> {
    let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT invoice_id, credit_note_id FROM generations WHERE provider_id = $1 AND period = $2",
    )
    .bind(provider_id)
    .bind(period)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row)
}

/// Claims a month for its documents; `false` when it was generated already.
pub async fn claim_generation(
    conn: &mut AnyConnection,
    provider_id: &str,
    period: &str,
    invoice_id: Option<&str>,
    credit_note_id: Option<&str>,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "INSERT INTO generations (provider_id, period, invoice_id, credit_note_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (provider_id, period) DO NOTHING",
    )
    .bind(provider_id)
    .bind(period)
    .bind(invoice_id)
    .bind(credit_note_id)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// What was billed of the provider's items dated on or after `since`.
pub async fn item_totals_since(
    conn: &mut AnyConnection,
    provider_id: &str,
    since: NaiveDate,
) -> Result<Vec<ItemTotal>, AppError> {
    let rows = sqlx::query(
        "SELECT item_id, voucher_id, kind, item_date, units, cents FROM item_totals \
         WHERE provider_id = $1 AND item_date >= $2",
    )
    .bind(provider_id)
    .bind(store_date(since))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ItemTotal {
                item_id: r.try_get("item_id")?,
                voucher_id: r.try_get("voucher_id")?,
                kind: ItemKind::parse(&r.try_get::<String, _>("kind")?)?,
                date: parse_stored_date(&r.try_get::<String, _>("item_date")?)?,
                units: r.try_get("units")?,
                cents: r.try_get("cents")?,
            })
        })
        .collect()
}

/// What was billed of each of the provider's vouchers.
pub async fn voucher_totals(
    conn: &mut AnyConnection,
    provider_id: &str,
) -> Result<HashMap<String, VoucherTotal>, AppError> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT voucher_id, units, cents FROM voucher_totals WHERE provider_id = $1",
    )
    .bind(provider_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(v, units, cents)| (v, VoucherTotal { units, cents }))
        .collect())
}

/// One item billed (or credited) on a document.
#[derive(Debug, Clone)]
pub struct ItemEntry {
    /// The item with signed units and cents: positive on an invoice, negative on a credit note.
    pub item: ItemTotal,
    /// The number of the document's line it is on.
    pub line_number: i32,
}

pub use crate::model::LineItem;

/// Writes a document's items and moves the item and voucher totals by them. What is the same
/// on every row (the document, the provider) goes once per statement, not once per row
/// (`INSERT … SELECT $1, v.* FROM (VALUES …) AS v`), so more rows fit in a statement of one TLS
/// record ([`POSTGRES_PARAMETERS`]).
pub async fn add_items(
    conn: &mut AnyConnection,
    invoice_id: &str,
    provider_id: &str,
    items: &[ItemEntry],
) -> Result<(), AppError> {
    let style = Placeholders::of(conn);
    let rows = rows_per_statement(conn, 6).saturating_sub(1).max(1);
    // SQLite reads `INSERT … SELECT … ON CONFLICT` only with a WHERE in the SELECT.
    let insert = |table: &str, first: &str, tail: &str, n: usize| {
        let mut sql = format!(
            "INSERT INTO {table} ({first}, item_id, voucher_id, kind, item_date, units, cents) \
             SELECT "
        );
        style.push(&mut sql, 1);
        sql.push_str(
            ", v.column1, v.column2, v.column3, v.column4, v.column5, v.column6 FROM (VALUES ",
        );
        push_values_from(&mut sql, style, 2, n, 6);
        sql.push_str(") AS v");
        sql.push_str(tail);
        sql
    };
    let item_rows = rows_per_statement(conn, 7).saturating_sub(1).max(1);
    for chunk in items.chunks(item_rows) {
        let mut sql = String::from(
            "INSERT INTO invoice_items \
             (invoice_id, item_id, voucher_id, kind, item_date, units, cents, line_number) SELECT ",
        );
        style.push(&mut sql, 1);
        sql.push_str(
            ", v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7 \
             FROM (VALUES ",
        );
        push_values_from(&mut sql, style, 2, chunk.len(), 7);
        sql.push_str(") AS v");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(invoice_id);
        for i in chunk {
            q = bind_item(q, &i.item)
                .bind(i.item.units.abs())
                .bind(i.item.cents.abs())
                .bind(i64::from(i.line_number));
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in items.chunks(rows) {
        let sql = insert(
            "item_totals",
            "provider_id",
            " WHERE 1 = 1 ON CONFLICT (item_id) DO UPDATE SET \
             units = item_totals.units + excluded.units, \
             cents = item_totals.cents + excluded.cents",
            chunk.len(),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(provider_id);
        for i in chunk {
            q = bind_item(q, &i.item).bind(i.item.units).bind(i.item.cents);
        }
        q.execute(&mut *conn).await?;
    }
    let mut per_voucher: HashMap<&str, VoucherTotal> = HashMap::new();
    for ItemEntry { item: i, .. } in items {
        let t = per_voucher.entry(i.voucher_id.as_str()).or_default();
        t.units += i.units;
        t.cents += i.cents;
    }
    let per_voucher: Vec<(&str, VoucherTotal)> = per_voucher.into_iter().collect();
    for chunk in per_voucher.chunks(rows_per_statement(conn, 4)) {
        let mut sql = String::from(
            "INSERT INTO voucher_totals (voucher_id, provider_id, units, cents) VALUES ",
        );
        push_values(&mut sql, style, chunk.len(), 4);
        sql.push_str(
            " ON CONFLICT (voucher_id) DO UPDATE SET units = voucher_totals.units + excluded.units, \
             cents = voucher_totals.cents + excluded.cents",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (v, t) in chunk {
            q = q.bind(*v).bind(provider_id).bind(t.units).bind(t.cents);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Appends `rows` tuples of `columns` parameters, numbered from 1.
/// Binds what names an item, the columns an invoice line and an item total share: its id,
/// voucher, kind and date.
fn bind_item<'q>(query: AnyQuery<'q>, i: &'q ItemTotal) -> AnyQuery<'q> {
    query
        .bind(&i.item_id)
        .bind(&i.voucher_id)
        .bind(i.kind.code())
        .bind(store_date(i.date))
}

fn push_values(sql: &mut String, style: Placeholders, rows: usize, columns: usize) {
    push_values_from(sql, style, 1, rows, columns);
}

/// Appends `rows` tuples of `columns` parameters, numbered from `first`.
fn push_values_from(
    sql: &mut String,
    style: Placeholders,
    first: usize,
    rows: usize,
    columns: usize,
) {
    sql.reserve(rows * columns * 7);
    let mut n = first - 1;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            style.push(sql, n);
        }
        sql.push(')');
    }
}

/// The item ids on a document.
pub async fn invoice_item_ids(
    conn: &mut AnyConnection,
    invoice_id: &str,
) -> Result<Vec<String>, AppError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT item_id FROM invoice_items WHERE invoice_id = $1 ORDER BY item_id")
            .bind(invoice_id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows.into_iter().map(|(i,)| i).collect())
}

/// A document's items by voucher and line, as [`add_items`] wrote them (units and money
/// positive on either kind of document), in date order.
pub async fn document_items(
    conn: &mut AnyConnection,
    invoice_id: &str,
) -> Result<Vec<LineItem>, AppError> {
    let rows = sqlx::query(
        "SELECT item_id, voucher_id, kind, item_date, units, cents, line_number \
         FROM invoice_items WHERE invoice_id = $1 ORDER BY item_date, item_id",
    )
    .bind(invoice_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let date = parse_stored_date(&r.try_get::<String, _>("item_date")?)?;
            let line: Option<i64> = r.try_get("line_number")?;
            Ok((
                r.try_get("voucher_id")?,
                line.and_then(|n| i32::try_from(n).ok()),
                pb::InvoicedItem {
                    item_id: r.try_get("item_id")?,
                    date: Some(to_date(date)),
                    kind: ItemKind::parse(&r.try_get::<String, _>("kind")?)?.to_pb(),
                    units: Some(pb::Units {
                        hundredths: r.try_get("units")?,
                    }),
                    amount: Some(to_money(r.try_get("cents")?)),
                },
            ))
        })
        .collect()
}

/// The numbers of the invoices (not credit notes) that billed item `item_id`.
pub async fn invoice_numbers_of(
    conn: &mut AnyConnection,
    item_id: &str,
) -> Result<Vec<i64>, AppError> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT v.invoice_number FROM invoice_items i \
         JOIN invoices v ON v.id = i.invoice_id WHERE i.item_id = $1 AND v.kind = 'INVOICE'",
    )
    .bind(item_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

// ------------------------------------------------------------------------------ voucher terms

/// Ids per `IN (…)` list when looking terms up.
const TERMS_PER_LOOKUP: usize = 200;

/// The cached terms of those of `voucher_ids` billing knows, by voucher (a query per
/// [`TERMS_PER_LOOKUP`] ids).
pub async fn voucher_terms(
    conn: &mut AnyConnection,
    voucher_ids: &[String],
) -> Result<HashMap<String, VoucherTerms>, AppError> {
    let style = Placeholders::of(conn);
    let mut out = HashMap::with_capacity(voucher_ids.len());
    for chunk in voucher_ids.chunks(TERMS_PER_LOOKUP) {
        let mut sql = String::from(
            "SELECT voucher_id, voucher_number, service_type, unit_price_cents, units_granted, \
             value_cents FROM voucher_terms WHERE voucher_id IN (",
        );
        for n in 1..=chunk.len() {
            if n > 1 {
                sql.push_str(", ");
            }
            style.push(&mut sql, n);
        }
        sql.push(')');
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let t = VoucherTerms {
                voucher_id: r.try_get("voucher_id")?,
                voucher_number: r.try_get("voucher_number")?,
                service: stored_service(&r.try_get::<String, _>("service_type")?)?,
                unit_price_cents: r.try_get("unit_price_cents")?,
                units_granted: r.try_get("units_granted")?,
                value_cents: r.try_get("value_cents")?,
            };
            out.insert(t.voucher_id.clone(), t);
        }
    }
    Ok(out)
}

/// Caches vouchers' terms: multi-row upserts, so the caller's one transaction holds them all
/// (a commit per voucher cost a disk flush each).
pub async fn put_voucher_terms(
    conn: &mut AnyConnection,
    terms: &[VoucherTerms],
) -> Result<(), AppError> {
    let style = Placeholders::of(conn);
    for chunk in terms.chunks(rows_per_statement(conn, 6)) {
        let mut sql = String::from(
            "INSERT INTO voucher_terms (voucher_id, voucher_number, service_type, \
             unit_price_cents, units_granted, value_cents) VALUES ",
        );
        push_values(&mut sql, style, chunk.len(), 6);
        sql.push_str(
            " ON CONFLICT (voucher_id) DO UPDATE SET voucher_number = excluded.voucher_number, \
             service_type = excluded.service_type, unit_price_cents = excluded.unit_price_cents, \
             units_granted = excluded.units_granted, value_cents = excluded.value_cents",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for t in chunk {
            q = q
                .bind(&t.voucher_id)
                .bind(&t.voucher_number)
                .bind(t.service.code())
                .bind(t.unit_price_cents)
                .bind(t.units_granted)
                .bind(t.value_cents);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------ invoices

const INVOICE_COLUMNS: &str = "id, kind, provider_id, state, returned_reason, export_id, \
    approved_at, export_sequence, paid_on, items_marked, release_round, items_released, \
    version, body";

fn invoice_from_row(r: &AnyRow) -> Result<InvoiceRow, AppError> {
    Ok(InvoiceRow {
        id: r.try_get("id")?,
        kind: InvoiceKind::parse(&r.try_get::<String, _>("kind")?)?,
        provider_id: r.try_get("provider_id")?,
        state: InvoiceState::parse(&r.try_get::<String, _>("state")?)?,
        returned_reason: r.try_get("returned_reason")?,
        export_id: r.try_get("export_id")?,
        approved_at: r.try_get("approved_at")?,
        export_sequence: r.try_get("export_sequence")?,
        paid_on: r
            .try_get::<Option<String>, _>("paid_on")?
            .map(|d| parse_stored_date(&d))
            .transpose()?,
        items_marked: r.try_get("items_marked")?,
        release_round: r.try_get("release_round")?,
        items_released: r.try_get("items_released")?,
        version: r.try_get("version")?,
        body: stored_message(&r.try_get::<String, _>("body")?, "invoice")?,
    })
}

/// `body` without its lines' items (what is stored: they are rows of their own).
fn without_items(body: &pb::Invoice) -> std::borrow::Cow<'_, pb::Invoice> {
    if body.lines.iter().any(|l| !l.items.is_empty()) {
        let mut b = body.clone();
        for l in &mut b.lines {
            l.items.clear();
        }
        std::borrow::Cow::Owned(b)
    } else {
        std::borrow::Cow::Borrowed(body)
    }
}

/// Writes a new document (DRAFT). Its body is stored without the lines' items: those are the
/// rows of `invoice_items` ([`add_items`], [`document_items`]), so reading an invoice to pull or
/// export it does not decode a few hundred items it does not use.
pub async fn insert_invoice(
    conn: &mut AnyConnection,
    number: i64,
    period: &str,
    body: &pb::Invoice,
) -> Result<(), AppError> {
    let body = without_items(body);
    let kind = if body.kind == pb::InvoiceKind::CreditNote as i32 {
        InvoiceKind::CreditNote
    } else {
        InvoiceKind::Invoice
    };
    sqlx::query(
        "INSERT INTO invoices (id, invoice_number, kind, provider_id, period, state, total_cents, \
         returned_reason, export_id, approved_at, export_sequence, paid_on, items_marked, version, \
         created_at, updated_at, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, '', '', 0, NULL, NULL, 0, 1, $8, $8, $9)",
    )
    .bind(&body.id)
    .bind(number)
    .bind(kind.code())
    .bind(&body.provider_id)
    .bind(period)
    .bind(InvoiceState::Draft.code())
    .bind(body.total.map(|m| m.cents).unwrap_or_default())
    .bind(body.created_at_micros)
    .bind(store_message(body.as_ref()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Loads an invoice.
pub async fn load_invoice(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<InvoiceRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(invoice_from_row).transpose()
}

seteli_platform::aggregate!(InvoiceRow, "invoices", "invoice", load_invoice);

/// What a state change also sets.
#[derive(Debug, Clone, Default)]
pub struct StateFacts {
    /// RETURNED: the reason.
    pub returned_reason: Option<String>,
    /// APPROVED: when, and the export sequence.
    pub approved: Option<(i64, i64)>,
    /// EXPORTED: the export.
    pub export_id: Option<String>,
    /// PAID: when.
    pub paid_on: Option<NaiveDate>,
}

/// Moves invoice `id` to `to` if it is in one of the states that lead there (the state
/// table); `false` when it is not.
pub async fn move_state(
    conn: &mut AnyConnection,
    id: &str,
    to: InvoiceState,
    facts: &StateFacts,
) -> Result<bool, AppError> {
    let from: Vec<String> = InvoiceState::sources(to)
        .into_iter()
        .map(|s| format!("'{}'", s.code()))
        .collect();
    let sql = format!(
        "UPDATE invoices SET state = $2, version = version + 1, updated_at = $3, \
         returned_reason = COALESCE($4, returned_reason), \
         approved_at = COALESCE($5, approved_at), \
         export_sequence = COALESCE($6, export_sequence), \
         export_id = COALESCE($7, export_id), \
         paid_on = COALESCE($8, paid_on) \
         WHERE id = $1 AND state IN ({})",
        from.join(", ")
    );
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(to.code())
        .bind(now_micros())
        .bind(facts.returned_reason.clone())
        .bind(facts.approved.map(|a| a.0))
        .bind(facts.approved.map(|a| a.1))
        .bind(facts.export_id.clone())
        .bind(facts.paid_on.map(store_date))
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Filters of an invoice listing (empty or `None`: no filter).
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    /// Provider.
    pub provider_id: String,
    /// Month `YYYY-MM`.
    pub period: String,
    /// State.
    pub state: Option<InvoiceState>,
    /// Only approved (APPROVED, EXPORTED, PAID): the financial system's view.
    pub approved_only: bool,
}

/// A page of invoices, newest first, after the cursor `(created_at, id)`.
pub async fn list_invoices(
    conn: &mut AnyConnection,
    f: &InvoiceFilter,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<(i64, InvoiceRow)>, AppError> {
    let (after_at, after_id) = after.unwrap_or((i64::MAX, String::new()));
    let approved = [
        InvoiceState::Approved,
        InvoiceState::Exported,
        InvoiceState::Paid,
    ]
    .map(|s| format!("'{}'", s.code()))
    .join(", ");
    let sql = format!(
        "SELECT created_at, {INVOICE_COLUMNS} FROM invoices \
         WHERE ($1 = '' OR provider_id = $1) AND ($2 = '' OR period = $2) \
         AND ($3 = '' OR state = $3) {} \
         AND (created_at < $4 OR (created_at = $4 AND ($5 = '' OR id < $5))) \
         ORDER BY created_at DESC, id DESC LIMIT $6",
        if f.approved_only {
            format!("AND state IN ({approved})")
        } else {
            String::new()
        }
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&f.provider_id)
        .bind(&f.period)
        .bind(f.state.map(|s| s.code()).unwrap_or(""))
        .bind(after_at)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<i64, _>("created_at")?, invoice_from_row(r)?)))
        .collect()
}

/// Approved, unacknowledged invoices with an export sequence above `after`, in order.
pub async fn approved_after(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<InvoiceRow>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices WHERE state = $1 AND export_sequence > $2 \
         ORDER BY export_sequence LIMIT $3"
    )))
    .bind(InvoiceState::Approved.code())
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(invoice_from_row).collect()
}

/// The acknowledgement: APPROVED → EXPORTED by `export_id`, only while APPROVED. Returns
/// `None` when this call acknowledged it, else the invoice's state and export as they are.
pub async fn acknowledge(
    conn: &mut AnyConnection,
    id: &str,
    export_id: &str,
) -> Result<Option<(Option<InvoiceState>, String)>, AppError> {
    let r = sqlx::query(
        "UPDATE invoices SET state = $2, export_id = $3, version = version + 1, updated_at = $4 \
         WHERE id = $1 AND state = $5",
    )
    .bind(id)
    .bind(InvoiceState::Exported.code())
    .bind(export_id)
    .bind(now_micros())
    .bind(InvoiceState::Approved.code())
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 1 {
        return Ok(None);
    }
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT state, export_id FROM invoices WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(Some(match row {
        Some((state, export)) => (Some(InvoiceState::parse(&state)?), export),
        None => (None, String::new()),
    }))
}
