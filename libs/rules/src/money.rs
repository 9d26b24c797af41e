//! Money: exact decimals (`rust_decimal`), rounded to cents half away from zero (RULES.md §9).

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to cents, half away from zero (`0.005 → 0.01`, `-0.005 → -0.01`).
pub fn round_cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Whole cents of an amount, after [`round_cents`]; `None` if out of `i64` range.
pub fn to_cents(d: Decimal) -> Option<i64> {
    let cents = round_cents(d).checked_mul(Decimal::ONE_HUNDRED)?;
    i64::try_from(cents.trunc()).ok()
}

/// An amount from whole cents, with scale 2 (e.g. `1250 → 12.50`).
pub fn from_cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

/// `units × unit_price`, rounded to cents; `None` on overflow.
pub fn line_amount(units: Decimal, unit_price: Decimal) -> Option<Decimal> {
    units.checked_mul(unit_price).map(round_cents)
}

/// Finnish display form, e.g. `1234.5 → "1 234,50 €"`.
pub fn format_eur(d: Decimal) -> String {
    let r = round_cents(d);
    let neg = r.is_sign_negative() && !r.is_zero();
    let s = format!("{:.2}", r.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    format!("{}{grouped},{frac}\u{a0}€", if neg { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_cents(dec!(0.005)), dec!(0.01));
        assert_eq!(round_cents(dec!(0.015)), dec!(0.02));
        assert_eq!(round_cents(dec!(0.025)), dec!(0.03));
        assert_eq!(round_cents(dec!(-0.005)), dec!(-0.01));
        assert_eq!(round_cents(dec!(1.004)), dec!(1.00));
    }

    #[test]
    fn cents_round_trip() {
        assert_eq!(to_cents(dec!(12.345)), Some(1235));
        assert_eq!(to_cents(dec!(-12.345)), Some(-1235));
        assert_eq!(from_cents(1250), dec!(12.50));
        assert_eq!(from_cents(1250).to_string(), "12.50");
        assert_eq!(to_cents(from_cents(i64::MAX)), Some(i64::MAX));
        assert_eq!(to_cents(Decimal::MAX), None);
        assert_eq!(line_amount(dec!(30), dec!(65.333)), Some(dec!(1959.99)));
        assert_eq!(line_amount(Decimal::MAX, dec!(2)), None);
    }

    #[test]
    fn formatting() {
        assert_eq!(format_eur(dec!(1234.5)), "1\u{a0}234,50\u{a0}€");
        assert_eq!(format_eur(dec!(-5)), "-5,00\u{a0}€");
        assert_eq!(format_eur(dec!(123456)), "123\u{a0}456,00\u{a0}€");
    }
}
