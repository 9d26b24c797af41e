//! Protobuf ↔ model: request validation, and what billing takes from the other services'
//! answers (attendance's billable items, the voucher's terms, the provider as seller).

use std::collections::HashMap;

use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as pb;
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::AppError;
use seteli_platform::convert::{PbEnum, date};
pub use seteli_platform::convert::{month_bounds, required_id, required_text};
use seteli_rules::ServiceType;
use seteli_rules::ids::{
    ovt_from_y_tunnus, validate_bic, validate_iban, validate_ovt, validate_y_tunnus,
};
use seteli_rules::prices::PriceHistory;

use crate::model::{ItemKind, VoucherTerms};

/// A month filter of a list: both set, or neither.
pub fn optional_period(year: i32, month: i32) -> Result<String, AppError> {
    if year == 0 && month == 0 {
        return Ok(String::new());
    }
    let (first, _) = month_bounds(year, month)?;
    Ok(first.format("%Y-%m").to_string())
}

/// A required export format.
pub fn format(field: &str, value: i32) -> Result<pb::ExportFormat, AppError> {
    pb::ExportFormat::try_from(value)
        .ok()
        .filter(|f| *f != pb::ExportFormat::Unspecified)
        .ok_or_else(|| AppError::invalid(field, "required: FINVOICE_3_0 or PEPPOL_BIS_3_0"))
}

/// Export formats asked for alongside pulled invoices.
pub fn formats(values: &[i32]) -> Result<Vec<pb::ExportFormat>, AppError> {
    let mut out = Vec::new();
    for v in values {
        let f = format("formats", *v)?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    Ok(out)
}

/// The acknowledgements of a request: 1–1000, each naming an invoice and an export.
pub fn acknowledgements(acks: &[pb::Acknowledgement]) -> Result<Vec<(String, String)>, AppError> {
    if acks.is_empty() || acks.len() > 1000 {
        return Err(AppError::invalid(
            "acknowledgements",
            "1–1000 acknowledgements",
        ));
    }
    acks.iter()
        .enumerate()
        .map(|(i, a)| {
            Ok((
                required_id(&format!("acknowledgements[{i}].invoice_id"), &a.invoice_id)?,
                required_text(
                    &format!("acknowledgements[{i}].export_id"),
                    &a.export_id,
                    128,
                )?,
            ))
        })
        .collect()
}

/// A payment date.
pub fn paid_on(d: Option<&seteli_api::common::v1::Date>) -> Result<NaiveDate, AppError> {
    date("paid_on", d)
}

// ------------------------------------------------------------------------------ upstream

/// One item of attendance's billable feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// The item id (the session id).
    pub item_id: String,
    /// The session date.
    pub date: NaiveDate,
    /// Realised or no-show; `None` for a kind billing does not know (never billable:
    /// NO-EXTRA-FEES).
    pub kind: Option<ItemKind>,
    /// Units billable now, hundredths (attendance's reading of BILL-REALISED / BILL-NO-SHOW).
    pub units: i64,
}

/// One voucher's billable items, over every month fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedVoucher {
    /// The voucher.
    pub voucher_id: String,
    /// Its service.
    pub service: Option<ServiceType>,
    /// Its items.
    pub items: Vec<FeedItem>,
    /// Its end (interruption or completion date), as attendance follows it: nothing dated
    /// after it is billed (PROC-INTERRUPT).
    pub ended_on: Option<NaiveDate>,
}

/// Adds a page of attendance's billable items to `into`, by voucher.
pub fn add_billable(into: &mut HashMap<String, FeedVoucher>, page: Vec<apb::VoucherBillable>) {
    for v in page {
        let entry = into
            .entry(v.voucher_id.clone())
            .or_insert_with(|| FeedVoucher {
                voucher_id: v.voucher_id.clone(),
                service: ServiceType::from_pb(v.service_type),
                items: Vec::new(),
                ended_on: None,
            });
        if let Some(end) = v
            .ended_on
            .as_ref()
            .and_then(|d| date("ended_on", Some(d)).ok())
        {
            entry.ended_on = Some(end);
        }
        for i in v.items {
            let Some(d) = i.date.as_ref().and_then(|d| date("date", Some(d)).ok()) else {
                continue;
            };
            let kind = match apb::BillableKind::try_from(i.kind) {
                Ok(apb::BillableKind::Realised) => Some(ItemKind::Realised),
                Ok(apb::BillableKind::NoShow) => Some(ItemKind::NoShow),
                _ => None,
            };
            entry.items.push(FeedItem {
                item_id: i.item_id,
                date: d,
                kind,
                units: i.units.map(|u| u.hundredths).unwrap_or_default(),
            });
        }
    }
}

/// The terms billing caps by, from a voucher as `vouchers` answers it.
pub fn voucher_terms(v: &vpb::Voucher) -> Result<VoucherTerms, AppError> {
    let service = v
        .decision
        .as_ref()
        .and_then(|d| ServiceType::from_pb(d.service_type))
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("voucher {} has no service", v.id)))?;
    Ok(VoucherTerms {
        voucher_id: v.id.clone(),
        voucher_number: v.voucher_number.clone(),
        service,
        unit_price_cents: v.unit_price.map(|m| m.cents).unwrap_or_default(),
        units_granted: v.units_granted.map(|u| u.hundredths).unwrap_or_default(),
        value_cents: v.value.map(|m| m.cents).unwrap_or_default(),
    })
}

/// The seller of a provider's invoices: its identifiers and its own unit prices.
#[derive(Debug, Clone)]
pub struct Seller {
    /// Name, identifiers and address.
    pub party: pb::Party,
    /// IBAN (normalised).
    pub iban: String,
    /// BIC.
    pub bic: String,
    /// The provider's own unit prices per service over time (PROV-PRICE): a session is billed
    /// at the one in force on its date.
    pub prices: HashMap<ServiceType, PriceHistory>,
}

fn seller_refusal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::StateConflict(format!(
        "the provider's {what} in the registry cannot go on an invoice: {e}"
    ))
}

/// The seller from the registry's provider. The identifiers are checked again here
/// (Y-tunnus, IBAN, BIC, OVT): an e-invoice with a bad one would bounce. A provider without an
/// e-invoice address gets the OVT form of its Y-tunnus (`0037` + its digits).
pub fn seller(p: &ppb::Provider) -> Result<Seller, AppError> {
    let d = p.details.clone().unwrap_or_default();
    validate_y_tunnus(&d.business_id).map_err(|e| seller_refusal("Y-tunnus", e))?;
    let iban = validate_iban(&d.iban).map_err(|e| seller_refusal("IBAN", e))?;
    validate_bic(d.bic.trim()).map_err(|e| seller_refusal("BIC", e))?;
    let ovt = if d.einvoice_address.trim().is_empty() {
        ovt_from_y_tunnus(&d.business_id, "").map_err(|e| seller_refusal("OVT", e))?
    } else {
        validate_ovt(d.einvoice_address.trim()).map_err(|e| seller_refusal("OVT", e))?;
        d.einvoice_address.trim().to_owned()
    };
    let site = p
        .sites
        .iter()
        .find(|s| s.kind == ppb::SiteKind::Site as i32)
        .or_else(|| p.sites.first());
    let (street, postcode, town) = match site {
        Some(s) => (
            s.street_address.clone(),
            s.postal_code.clone(),
            s.municipality.clone(),
        ),
        None => split_address(
            &d.contact
                .as_ref()
                .map(|c| c.postal_address.clone())
                .unwrap_or_default(),
        ),
    };
    let prices = p
        .offerings
        .iter()
        .filter_map(|o| Some((ServiceType::from_pb(o.service_type)?, price_history(o)?)))
        .collect();
    Ok(Seller {
        party: pb::Party {
            name: d.name.clone(),
            business_id: d.business_id.trim().to_owned(),
            einvoice_address: ovt,
            street_address: street,
            postal_code: postcode,
            town,
            country_code: "FI".into(),
        },
        iban,
        bic: d.bic.trim().to_owned(),
        prices,
    })
}

/// An offering's prices over time as the registry answers them (PROV-PRICE): its price
/// history, or (a registry that keeps none) its one unit price, in force on every date. `None`
/// when it has neither.
pub fn price_history(o: &ppb::Offering) -> Option<PriceHistory> {
    let dated: Vec<(NaiveDate, i64)> = o
        .price_history
        .iter()
        .filter_map(|p| {
            let from = date("effective_from", p.effective_from.as_ref()).ok()?;
            Some((from, p.unit_price?.cents))
        })
        .collect();
    if !dated.is_empty() {
        return Some(PriceHistory::new(dated));
    }
    Some(PriceHistory::new([(NaiveDate::MIN, o.unit_price?.cents)]))
}

/// `"Kauppakatu 1, 70100 Kuopio"` → street, postal code, town.
pub fn split_address(line: &str) -> (String, String, String) {
    let (street, rest) = line.rsplit_once(',').unwrap_or((line, ""));
    let rest = rest.trim();
    let (code, town) = rest.split_once(' ').unwrap_or(("", rest));
    (
        street.trim().to_owned(),
        code.trim().to_owned(),
        town.trim().to_owned(),
    )
}
