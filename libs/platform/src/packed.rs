//! Many rows read as one value: a scalar subquery that packs the rows of a query into one JSON
//! text (an array with an array per row, its columns in order), and the reading of it.
//!
//! Why: sqlx's `Any` driver converts every row it hands over column by column (a column
//! description with its name, then the value, each allocated), and a store then finds each
//! column again by its name. For a read of many rows on a hot path that conversion is most of
//! the service's CPU: on the session write's decision read (the voucher's sessions, ~13 rows of
//! 23 columns per write under `make bench`), a profile of attendance showed the conversion and
//! its allocations as the largest share (issue 29). Packed, the rows cross as one text column
//! that `serde_json` reads straight into a typed tuple per row.
//!
//! Both backends build the text in the database: PostgreSQL with `json_agg`, SQLite with
//! `json_group_array` (its JSON functions are built in; `ORDER BY` inside an aggregate since
//! 3.44). Integers cross as JSON numbers (exact for `BIGINT`: `serde_json` reads them as `i64`),
//! text as JSON strings, `NULL` as `null`.

use serde::de::DeserializeOwned;

use crate::{AppError, AppResult};

/// The scalar subquery `(SELECT …)` whose value packs the rows of
/// `SELECT {columns} {from} ORDER BY {order_by}` into one JSON text, in that order; `postgres`
/// chooses the dialect. `columns` are column names or expressions of `from`, in the order of
/// the tuple [`unpack`] reads them into. No rows pack to `NULL` on PostgreSQL and to `[]` on
/// SQLite; [`unpack`] reads both as none.
pub fn packed_rows(postgres: bool, columns: &str, from: &str, order_by: &str) -> String {
    if postgres {
        format!("(SELECT json_agg(json_build_array({columns}) ORDER BY {order_by})::text {from})")
    } else {
        format!("(SELECT json_group_array(json_array({columns}) ORDER BY {order_by}) {from})")
    }
}

/// The rows [`packed_rows`] packed, each read as `T`: a tuple (or a tuple struct) of the
/// packed columns in order, `Option` where a column may be `NULL`.
pub fn unpack<T: DeserializeOwned>(packed: Option<&str>) -> AppResult<Vec<T>> {
    match packed {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("packed rows: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Database;

    #[tokio::test]
    async fn rows_packed_by_sqlite_read_back_in_order_with_their_nulls() {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        for sql in [
            "CREATE TABLE t (id TEXT NOT NULL, n BIGINT NOT NULL, note TEXT)",
            "INSERT INTO t VALUES ('b', 9007199254740993, NULL), \
             ('a', -2, 'quote \" backslash \\ newline \n ä €')",
        ] {
            sqlx::query(sql).execute(db.pool()).await.unwrap();
        }
        let sql = format!(
            "SELECT {}",
            packed_rows(false, "id, n, note", "FROM t WHERE n < $1", "id")
        );
        let (packed,): (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(i64::MAX)
            .fetch_one(db.pool())
            .await
            .unwrap();
        let rows: Vec<(String, i64, Option<String>)> = unpack(packed.as_deref()).unwrap();
        assert_eq!(
            rows,
            vec![
                (
                    "a".into(),
                    -2,
                    Some("quote \" backslash \\ newline \n ä €".into())
                ),
                ("b".into(), 9_007_199_254_740_993, None),
            ]
        );
        // No rows: none, whichever way the backend says it.
        let (packed,): (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(-100_i64)
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert!(packed.is_some());
        let none: Vec<(String, i64, Option<String>)> = unpack(packed.as_deref()).unwrap();
        assert!(none.is_empty());
        assert!(unpack::<(String,)>(None).unwrap().is_empty());
    }

    #[test]
    fn the_dialects_differ_only_in_their_functions() {
        assert_eq!(
            packed_rows(true, "a, b", "FROM t", "a"),
            "(SELECT json_agg(json_build_array(a, b) ORDER BY a)::text FROM t)"
        );
        assert_eq!(
            packed_rows(false, "a, b", "FROM t", "a"),
            "(SELECT json_group_array(json_array(a, b) ORDER BY a) FROM t)"
        );
    }

    #[test]
    fn a_row_of_another_shape_is_an_internal_error() {
        let wrong = unpack::<(String, i64)>(Some("[[\"a\", \"not a number\"]]"));
        assert!(matches!(wrong, Err(AppError::Internal(_))));
    }
}
