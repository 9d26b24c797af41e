//! Ceiling price lists (kattohinnat): a price per service per effective date (RULES.md §3
//! VOUCHER-VALUE, PROV-PRICE; §9: county configuration). The price in force on a date is the
//! one with the latest effective date on or before it.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalogue::ServiceType;

/// Ceiling prices (kattohinnat, rulebook appendix 2) per service and effective date: county
/// configuration, which the vouchers service keeps; also parsed from a configuration value
/// (the registry's `SETELI_CEILING_PRICES` fallback, the vouchers service's dev seed).
///
/// Format: comma-separated `SERVICE@YYYY-MM-DD=EUROS`, e.g.
/// `KTT_INDIVIDUAL@2024-01-01=62.00,SK_GROUP@2026-01-01=48.50`.
#[derive(Debug, Clone, Default)]
pub struct CeilingPrices {
    entries: Vec<(ServiceType, NaiveDate, Decimal)>,
}

impl CeilingPrices {
    /// Parses the configuration value.
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, price) = item
                .split_once('=')
                .ok_or_else(|| format!("`{item}`: expected SERVICE@DATE=PRICE"))?;
            let (service, from) = key
                .split_once('@')
                .ok_or_else(|| format!("`{item}`: expected SERVICE@DATE=PRICE"))?;
            let service = ServiceType::from_code(service.trim())
                .ok_or_else(|| format!("`{item}`: unknown service {service}"))?;
            let from = NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d")
                .map_err(|e| format!("`{item}`: date: {e}"))?;
            let price: Decimal = price
                .trim()
                .parse()
                .map_err(|e| format!("`{item}`: price: {e}"))?;
            if price.is_sign_negative() {
                return Err(format!("`{item}`: negative price"));
            }
            entries.push((service, from, price));
        }
        Ok(Self { entries })
    }

    /// Prices from `(service, effective from, price)` entries.
    pub fn from_entries(entries: Vec<(ServiceType, NaiveDate, Decimal)>) -> Self {
        Self { entries }
    }

    /// Every `(service, effective from, price)` entry.
    pub fn entries(&self) -> &[(ServiceType, NaiveDate, Decimal)] {
        &self.entries
    }

    /// The ceiling price of `service` in force on `on`, if any.
    pub fn price_on(&self, service: ServiceType, on: NaiveDate) -> Option<Decimal> {
        self.entries
            .iter()
            .filter(|(s, from, _)| *s == service && *from <= on)
            .max_by_key(|(_, from, _)| *from)
            .map(|(_, _, p)| *p)
    }
}

/// A provider's own unit prices of one offering over time (`PROV-PRICE`, `VOUCHER-VALUE`;
/// RULES.md §10 "the price of a day"): each price with the first day it is in force, in cents.
///
/// The price in force on a date is the one with the latest effective date on or before it.
/// Before the first effective date the first price is in force: the registry knows no earlier
/// price of the offering, and the provider was chosen for the voucher at that price (offerings
/// recorded before prices had dates carry the date their history was started).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceHistory {
    /// `(effective from, cents)`, by effective date, one per date.
    entries: Vec<(NaiveDate, i64)>,
}

impl PriceHistory {
    /// The history of `(effective from, cents)` entries, in any order; of two entries of one
    /// date the later in `entries` wins (it was set later).
    pub fn new(entries: impl IntoIterator<Item = (NaiveDate, i64)>) -> Self {
        let mut out: Vec<(NaiveDate, i64)> = Vec::new();
        for (from, cents) in entries {
            match out.iter_mut().find(|(d, _)| *d == from) {
                Some(e) => e.1 = cents,
                None => out.push((from, cents)),
            }
        }
        out.sort_by_key(|(from, _)| *from);
        Self { entries: out }
    }

    /// Every `(effective from, cents)` entry, oldest first.
    pub fn entries(&self) -> &[(NaiveDate, i64)] {
        &self.entries
    }

    /// The price in force on `on`, cents (`PROV-PRICE`): the latest effective on or before
    /// `on`, or before the first effective date the first price; `None` for an empty history.
    pub fn price_on(&self, on: NaiveDate) -> Option<i64> {
        self.entries
            .iter()
            .rev()
            .find(|(from, _)| *from <= on)
            .or_else(|| self.entries.first())
            .map(|(_, cents)| *cents)
    }

    /// What a session on `on` is billed per unit, cents (RULES.md §10, `PROV-PRICE`,
    /// `VOUCHER-VALUE`): the provider's price in force on its date, never above the voucher's
    /// unit price `voucher_cents`, never negative; the voucher's price when the provider has
    /// none (an empty history).
    pub fn billed_price_on(&self, on: NaiveDate, voucher_cents: i64) -> i64 {
        self.price_on(on)
            .map_or(voucher_cents, |p| p.min(voucher_cents))
            .max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_prices_pick_the_one_in_force() {
        let p = CeilingPrices::parse(
            "KTT_INDIVIDUAL@2024-01-01=60.00, KTT_INDIVIDUAL@2025-01-01=62.50",
        )
        .expect("parse");
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(
            p.price_on(ServiceType::KttIndividual, d("2024-06-01")),
            Some(Decimal::new(6000, 2))
        );
        assert_eq!(
            p.price_on(ServiceType::KttIndividual, d("2025-06-01")),
            Some(Decimal::new(6250, 2))
        );
        assert_eq!(
            p.price_on(ServiceType::KttIndividual, d("2023-06-01")),
            None
        );
        assert_eq!(p.price_on(ServiceType::SkGroup, d("2025-06-01")), None);
        assert!(CeilingPrices::parse("NOPE@2024-01-01=1").is_err());
        assert!(CeilingPrices::parse("KTT_GROUP=1").is_err());
    }

    #[test]
    fn a_provider_s_price_in_force_is_the_latest_on_or_before_the_day() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        // Set in October at 60.00, from 1 December 64.00; a same-day correction wins.
        let h = PriceHistory::new([
            (d("2026-12-01"), 6300),
            (d("2026-10-01"), 6000),
            (d("2026-12-01"), 6400),
        ]);
        assert_eq!(
            h.entries(),
            &[(d("2026-10-01"), 6000), (d("2026-12-01"), 6400)]
        );
        assert_eq!(h.price_on(d("2026-10-15")), Some(6000));
        assert_eq!(h.price_on(d("2026-11-30")), Some(6000));
        assert_eq!(h.price_on(d("2026-12-01")), Some(6400));
        assert_eq!(h.price_on(d("2027-06-01")), Some(6400));
        // Before the first date: the first price, the only one the registry knows.
        assert_eq!(h.price_on(d("2026-09-01")), Some(6000));
        assert_eq!(PriceHistory::default().price_on(d("2026-09-01")), None);
        // Billed: never above the voucher's unit price; the voucher's without a provider price.
        assert_eq!(h.billed_price_on(d("2026-10-15"), 6500), 6000);
        assert_eq!(h.billed_price_on(d("2026-12-15"), 6200), 6200);
        assert_eq!(
            PriceHistory::default().billed_price_on(d("2026-12-15"), 6500),
            6500
        );
    }
}
