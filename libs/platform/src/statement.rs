//! One statement composed of parts (a data-modifying `WITH` on PostgreSQL) and the values bound
//! to its numbered placeholders.
//!
//! A part is written by the module that owns its table (the idempotency claim by `change`, an
//! audit entry by `audit`, a feed entry by `feed`, the rest by the service) into one [`Binds`]: each value is bound once and named by the
//! placeholder it was given, which a part may use as often as it needs. Only placeholders and
//! constant names reach the SQL text, never a value.

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// A statement with the values bound to it so far: what a store's bind helper takes and gives
/// back (`fn bind_x<'q>(query: AnyQuery<'q>, x: &'q X) -> AnyQuery<'q>`).
pub type AnyQuery<'q> = Query<'q, Any, AnyArguments>;

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
}

/// The values bound to one statement, in the order of their placeholders (`$1`, `$2`, …).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Binds {
    values: Vec<Value>,
}

impl Binds {
    /// No values yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// Binds a text and returns its placeholder.
    pub fn text(&mut self, value: impl Into<String>) -> String {
        self.push(Value::Text(Some(value.into())))
    }

    /// Binds a text or `NULL` and returns its placeholder.
    pub fn opt_text(&mut self, value: Option<String>) -> String {
        self.push(Value::Text(value))
    }

    /// Binds an integer and returns its placeholder.
    pub fn int(&mut self, value: i64) -> String {
        self.push(Value::Int(Some(value)))
    }

    /// Binds an integer or `NULL` and returns its placeholder.
    pub fn opt_int(&mut self, value: Option<i64>) -> String {
        self.push(Value::Int(value))
    }

    /// Binds a `DOUBLE PRECISION` value; returns its placeholder.
    pub fn real(&mut self, value: f64) -> String {
        self.push(Value::Real(Some(value)))
    }

    /// How many values are bound.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `sql` (made of constant text and this statement's placeholders only) with the values
    /// bound in order.
    pub fn query(self, sql: String) -> AnyQuery<'static> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in self.values {
            query = match value {
                Value::Text(v) => query.bind(v),
                Value::Int(v) => query.bind(v),
                Value::Real(v) => query.bind(v),
            };
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_gets_the_next_placeholder_once() {
        let mut b = Binds::new();
        assert!(b.is_empty());
        assert_eq!(b.text("a"), "$1");
        assert_eq!(b.int(7), "$2");
        assert_eq!(b.opt_text(None), "$3");
        assert_eq!(b.opt_int(Some(1)), "$4");
        assert_eq!(b.real(1.5), "$5");
        assert_eq!(b.len(), 5);
    }
}
