//! What several capabilities' SQL shares: the counters (one `UPDATE … RETURNING` inside the
//! transaction that uses them), the ended states as SQL, and the one way a voucher's row is
//! changed ([`VoucherUpdate`]).

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::store_date;
use seteli_platform::db::now_micros;
use seteli_platform::statement::Binds;
use sqlx::{AnyConnection, Row};

use crate::model::VoucherState;

/// Adds `by` to a counter and returns its new value (the row stays locked until commit).
pub async fn bump_counter(conn: &mut AnyConnection, name: &str, by: i64) -> Result<i64, AppError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE voucher_counters SET value = value + $2 WHERE name = $1 RETURNING value",
    )
    .bind(name)
    .bind(by)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(v,)| v)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("counter {name} is missing")))
}

/// The states in which a voucher's service has ended, as SQL (access::ENDED).
pub(super) const ENDED_STATES: &str = "'COMPLETED', 'INTERRUPTED', 'CANCELLED', 'EXPIRED'";

/// A change of one voucher's row: the columns it sets, each value bound once, applied only where
/// its conditions hold (its state, its provider). Every change moves the voucher's `version` and
/// `updated_at`, so a reader of the row and the voucher feed see that it changed. Only constant
/// column names and conditions reach the SQL text.
#[derive(Debug, Default)]
pub(super) struct VoucherUpdate {
    binds: Binds,
    set: Vec<String>,
    conditions: Vec<String>,
}

impl VoucherUpdate {
    /// Nothing set yet, no condition.
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// Sets a column to a constant (`state = 'ACTIVE'`, `provider_id = NULL`).
    pub(super) fn constant(mut self, assignment: &'static str) -> Self {
        self.set.push(assignment.to_owned());
        self
    }

    /// Sets `column` to the value bound at `placeholder`.
    fn assign(mut self, column: &'static str, placeholder: String) -> Self {
        self.set.push(format!("{column} = {placeholder}"));
        self
    }

    /// Sets a text column.
    pub(super) fn text(mut self, column: &'static str, value: &str) -> Self {
        let placeholder = self.binds.text(value);
        self.assign(column, placeholder)
    }

    /// Sets an integer column.
    pub(super) fn int(mut self, column: &'static str, value: i64) -> Self {
        let placeholder = self.binds.int(value);
        self.assign(column, placeholder)
    }

    /// Sets a `DOUBLE PRECISION` column.
    pub(super) fn real(mut self, column: &'static str, value: f64) -> Self {
        let placeholder = self.binds.real(value);
        self.assign(column, placeholder)
    }

    /// Sets a date column, or clears it.
    pub(super) fn date(mut self, column: &'static str, value: Option<NaiveDate>) -> Self {
        let placeholder = self.binds.opt_text(value.map(store_date));
        self.assign(column, placeholder)
    }

    /// Applies the change only where `condition` (constant SQL over the row) holds.
    pub(super) fn only_if(mut self, condition: &'static str) -> Self {
        self.conditions.push(condition.to_owned());
        self
    }

    /// Applies the change only where the text column `column` is `value`.
    pub(super) fn only_if_text(mut self, column: &'static str, value: &str) -> Self {
        let placeholder = self.binds.text(value);
        self.conditions.push(format!("{column} = {placeholder}"));
        self
    }

    /// Applies the change only where the integer column `column` is below `value`.
    pub(super) fn only_if_below(mut self, column: &'static str, value: i64) -> Self {
        let placeholder = self.binds.int(value);
        self.conditions.push(format!("{column} < {placeholder}"));
        self
    }

    /// Applies the change only where one of the integer `columns` differs from its value:
    /// setting what the row shows already is no change (its version stays).
    pub(super) fn only_if_any_differs(mut self, columns: &[(&'static str, i64)]) -> Self {
        let differs: Vec<String> = columns
            .iter()
            .map(|(column, value)| format!("{column} <> {}", self.binds.int(*value)))
            .collect();
        self.conditions.push(format!("({})", differs.join(" OR ")));
        self
    }

    /// ASSIGNED → ACTIVE `on`: the service started.
    pub(super) fn started(on: NaiveDate) -> Self {
        Self::new()
            .constant("state = 'ACTIVE'")
            .date("started_on", Some(on))
            .only_if("state = 'ASSIGNED'")
    }

    /// Applies the change to voucher `id`; `false` when its conditions did not hold (or there is
    /// no such voucher): nothing changed.
    pub(super) async fn apply(self, conn: &mut AnyConnection, id: &str) -> Result<bool, AppError> {
        let (binds, sql) = self.statement(id);
        Ok(binds.query(sql).execute(&mut *conn).await?.rows_affected() > 0)
    }

    /// As [`VoucherUpdate::apply`], answering the voucher's state after the change (`None`:
    /// nothing changed), in the same statement.
    pub(super) async fn apply_returning_state(
        self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Option<VoucherState>, AppError> {
        let (binds, sql) = self.statement(id);
        let row = binds
            .query(format!("{sql} RETURNING state"))
            .fetch_optional(&mut *conn)
            .await?;
        row.map(|r| VoucherState::parse(&r.try_get::<String, _>(0)?))
            .transpose()
    }

    /// The `UPDATE` of voucher `id` with its binds.
    fn statement(self, id: &str) -> (Binds, String) {
        let Self {
            mut binds,
            set,
            mut conditions,
        } = self;
        let updated_at = binds.int(now_micros());
        conditions.insert(0, format!("id = {}", binds.text(id)));
        let sql = format!(
            "UPDATE vouchers SET {}, version = version + 1, updated_at = {updated_at} WHERE {}",
            set.join(", "),
            conditions.join(" AND ")
        );
        (binds, sql)
    }
}
