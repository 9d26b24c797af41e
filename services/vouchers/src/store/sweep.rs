//! The expiry sweep's SQL: due vouchers expire or complete in batches of conditional updates.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::store_date;
use seteli_platform::db::now_micros;
use sqlx::AnyConnection;

/// The sweep: a used voucher (ACTIVE with units used) whose last valid day is before `as_of`
/// completes; an unused one expires — ISSUED (nothing can be recorded on it) once its last
/// valid day is before `as_of`, ASSIGNED or ACTIVE unused only once its last valid day is
/// before `unused_before` (`as_of` less the late-record grace period: "nothing lost at the
/// end", RULES.md §10, since its last week may still be recorded). Returns (expired ids,
/// completed ids).
pub async fn sweep(
    conn: &mut AnyConnection,
    as_of: NaiveDate,
    unused_before: NaiveDate,
    limit: i64,
) -> Result<(Vec<String>, Vec<String>), AppError> {
    let now = now_micros();
    // Each transition takes at most `limit` vouchers (the oldest ids first), so a sweep after
    // a long pause commits in small transactions instead of one that locks every due row.
    const UNUSED: &str = "((valid_until < $1 AND state = 'ISSUED') OR (valid_until < $4 \
         AND (state = 'ASSIGNED' OR (state = 'ACTIVE' AND units_used = 0))))";
    // Both clauses take the same four parameters; the used one's `$4` is `as_of` again.
    const USED: &str =
        "valid_until < $1 AND valid_until < $4 AND state = 'ACTIVE' AND units_used > 0";
    let mut ids = Vec::new();
    for (state, due, cutoff) in [
        ("EXPIRED", UNUSED, unused_before),
        ("COMPLETED", USED, as_of),
    ] {
        // Only the two constant clauses above are formatted in: no input reaches the text.
        let changed: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE vouchers SET state = '{state}', ended_on = valid_until, version = version + 1, \
             updated_at = $2 WHERE {due} \
             AND id IN (SELECT id FROM vouchers WHERE {due} ORDER BY id LIMIT $3) \
             RETURNING id"
        )))
        .bind(store_date(as_of))
        .bind(now)
        .bind(limit)
        .bind(store_date(cutoff))
        .fetch_all(&mut *conn)
        .await?;
        let mut changed: Vec<String> = changed.into_iter().map(|(i,)| i).collect();
        changed.sort();
        ids.push(changed);
    }
    let completed = ids.pop().unwrap_or_default();
    let expired = ids.pop().unwrap_or_default();
    Ok((expired, completed))
}
