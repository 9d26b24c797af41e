//! Names and numbers where a listing answers ids: each listed item's voucher number and its
//! client's and provider's names, read with GetVoucher by the caller who listed (a user of the
//! provider, or the county; one read per voucher), so a list shows no more than that caller may
//! read anyway. A voucher the caller may not read keeps its id only, and the list says so.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::actions;
use crate::conn::Platform;

/// A voucher as a list names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Named {
    /// Its number, e.g. `PS-2026-000123`.
    pub number: String,
    /// Its client's name.
    pub client: String,
    /// Its provider's name, when one is chosen.
    pub provider: String,
}

/// The vouchers of one listing, each read once, as the listing's caller.
#[derive(Debug)]
pub struct Vouchers<'a> {
    p: &'a Platform,
    provider: Option<&'a str>,
    read: BTreeMap<String, Option<Named>>,
}

impl<'a> Vouchers<'a> {
    /// The vouchers a user of `provider` (or the county, without one) lists.
    pub fn new(p: &'a Platform, provider: Option<&'a str>) -> Self {
        Self {
            p,
            provider,
            read: BTreeMap::new(),
        }
    }

    /// Voucher `id` named, or `None` when the caller may not read it.
    pub async fn of(&mut self, id: &str) -> anyhow::Result<Option<Named>> {
        if id.is_empty() {
            return Ok(None);
        }
        if let Some(known) = self.read.get(id) {
            return Ok(known.clone());
        }
        let v = actions::voucher_as_lister(self.p, self.provider, id).await?;
        let named = v.map(|v| Named {
            number: v.voucher_number,
            client: v.client.map(|c| c.name).unwrap_or_default(),
            provider: v.provider_name,
        });
        self.read.insert(id.to_owned(), named.clone());
        Ok(named)
    }

    /// Adds `voucher_number`, `client_name` and `provider_name` to each of `items` (JSON
    /// objects naming their voucher by `voucher_id`); how many could not be named.
    pub async fn name(&mut self, items: &mut [Value]) -> anyhow::Result<usize> {
        let mut unnamed = 0;
        for item in items.iter_mut() {
            let id = item["voucher_id"].as_str().unwrap_or_default().to_owned();
            let named = self.of(&id).await?;
            if named.is_none() {
                unnamed += 1;
            }
            if let Value::Object(fields) = item {
                let named = named.unwrap_or_default();
                fields.insert("voucher_number".into(), named.number.into());
                fields.insert("client_name".into(), named.client.into());
                fields.insert("provider_name".into(), named.provider.into());
            }
        }
        Ok(unnamed)
    }
}

/// The line a list ends with when some of its vouchers could not be named, else nothing.
pub fn unnamed_note(unnamed: usize) -> String {
    if unnamed == 0 {
        String::new()
    } else {
        format!(
            "\n{unnamed} without a voucher number or names: the caller may not read their voucher"
        )
    }
}

/// The invoice numbers of invoice ids, each read once as a county administrator (`None`:
/// not readable).
#[derive(Debug)]
pub struct Invoices<'a> {
    p: &'a Platform,
    read: BTreeMap<String, Option<String>>,
}

impl<'a> Invoices<'a> {
    /// Invoice numbers read from `p`.
    pub fn new(p: &'a Platform) -> Self {
        Self {
            p,
            read: BTreeMap::new(),
        }
    }

    /// Adds `invoice_number` to each of `items` that names an `invoice_id`.
    pub async fn name(&mut self, items: &mut [Value]) -> anyhow::Result<()> {
        for item in items.iter_mut() {
            let id = item["invoice_id"].as_str().unwrap_or_default().to_owned();
            if id.is_empty() {
                continue;
            }
            if !self.read.contains_key(&id) {
                let number = actions::invoice_number(self.p, &id).await?;
                self.read.insert(id.clone(), number);
            }
            if let Value::Object(fields) = item {
                let number = self.read.get(&id).cloned().flatten().unwrap_or_default();
                fields.insert("invoice_number".into(), number.into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_says_how_many_it_could_not_name() {
        assert_eq!(unnamed_note(0), "");
        assert!(unnamed_note(2).contains("2 without a voucher number"));
    }
}
