//! Delivery marks and the closing checklist's steps (one row per step done, on a report or on
//! the voucher), the voucher as their aggregate, and an SK interim report's earlier dated
//! sections followed back through the continued vouchers.

use seteli_platform::AppError;
use seteli_platform::convert::{parse_stored_date, store_date};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::common::corrupt;
use super::reports::load_obligation;
use super::vouchers::load_voucher;
use crate::model::{ObligationRow, obligation_id};

const MARK_COLUMNS: &str = "voucher_id, report_id, item, done_on, recorded_at, by_subject, \
    by_role, by_organisation, note";

fn mark_from_row(r: &AnyRow) -> Result<crate::model::StoredMark, AppError> {
    let item: String = r.try_get("item")?;
    Ok(crate::model::StoredMark {
        voucher_id: r.try_get("voucher_id")?,
        report_id: r.try_get("report_id")?,
        item: crate::model::ClosingItem::from_code(&item)
            .ok_or_else(|| corrupt("closing item", &item))?,
        mark: crate::model::DoneMark {
            done_on: parse_stored_date(&r.try_get::<String, _>("done_on")?)?,
            recorded_at: r.try_get("recorded_at")?,
            by_subject: r.try_get("by_subject")?,
            by_role: r.try_get("by_role")?,
            by_organisation: r.try_get("by_organisation")?,
            note: r.try_get("note")?,
        },
    })
}

/// Every step recorded as done on voucher `voucher_id` and its reports.
pub async fn voucher_marks(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Vec<crate::model::StoredMark>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MARK_COLUMNS} FROM done_marks WHERE voucher_id = $1 ORDER BY report_id, item"
    )))
    .bind(voucher_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(mark_from_row).collect()
}

/// Records a step as done. The caller holds the lock of its report or voucher and has checked
/// it is not recorded yet.
pub async fn add_mark(
    conn: &mut AnyConnection,
    m: &crate::model::StoredMark,
) -> Result<(), AppError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO done_marks ({MARK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )))
    .bind(&m.voucher_id)
    .bind(&m.report_id)
    .bind(m.item.code())
    .bind(store_date(m.mark.done_on))
    .bind(m.mark.recorded_at)
    .bind(&m.mark.by_subject)
    .bind(&m.mark.by_role)
    .bind(&m.mark.by_organisation)
    .bind(&m.mark.note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks voucher `voucher_id`'s closing `item` done unless it is marked already; `false` then.
/// The caller holds the voucher's lock.
pub async fn mark_closing_item(
    conn: &mut AnyConnection,
    voucher_id: &str,
    item: crate::model::ClosingItem,
    mark: crate::model::DoneMark,
) -> Result<bool, AppError> {
    let marks = voucher_marks(conn, voucher_id).await?;
    if marks
        .iter()
        .any(|m| m.item == item && m.report_id.is_empty())
    {
        return Ok(false);
    }
    let m = crate::model::StoredMark {
        voucher_id: voucher_id.to_owned(),
        report_id: String::new(),
        item,
        mark,
    };
    add_mark(conn, &m).await?;
    Ok(true)
}

seteli_platform::aggregate!(
    crate::model::ClosingVoucher,
    "vouchers",
    "voucher",
    load_closing_voucher
);

/// A followed voucher as the root of its closing marks, or `None`.
pub async fn load_closing_voucher(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<crate::model::ClosingVoucher>, AppError> {
    Ok(load_voucher(conn, id)
        .await?
        .map(crate::model::ClosingVoucher))
}

/// The longest chain of continued vouchers followed back (a guard against a cycle in data).
const MAX_CONTINUATIONS: usize = 64;

/// The earlier periods of the SK interim report `o` (REP-INTERIM-SK, SK 3.1), oldest first:
/// following the vouchers `o`'s voucher continues, each handed-in REP-INTERIM-SK report of the
/// same provider, dated by its submission. Empty for any other report.
pub async fn earlier_sections(
    conn: &mut AnyConnection,
    o: &ObligationRow,
) -> Result<Vec<crate::model::DatedSection>, AppError> {
    let rule = seteli_rules::rule_ids::REP_INTERIM_SK;
    let mut out = Vec::new();
    if o.rule != rule {
        return Ok(out);
    }
    let mut seen = vec![o.voucher_id.clone()];
    let mut next = load_voucher(conn, &o.voucher_id)
        .await?
        .map(|v| v.continues_voucher_id)
        .unwrap_or_default();
    while !next.is_empty() && !seen.contains(&next) && seen.len() <= MAX_CONTINUATIONS {
        let Some(v) = load_voucher(conn, &next).await? else {
            break;
        };
        seen.push(next.clone());
        if let Some(earlier) = load_obligation(conn, &obligation_id(&v.id, rule)).await?
            && earlier.provider_id == o.provider_id
            && earlier.state.handed_in()
            && let Some(dated_on) = earlier.submitted_on
        {
            out.push(crate::model::DatedSection {
                report_id: earlier.id,
                voucher_id: v.id.clone(),
                period_from: v.valid_from,
                period_until: v.valid_until,
                dated_on,
                sections: earlier.sections,
            });
        }
        next = v.continues_voucher_id;
    }
    out.reverse();
    Ok(out)
}
