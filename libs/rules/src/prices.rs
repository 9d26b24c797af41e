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
}
