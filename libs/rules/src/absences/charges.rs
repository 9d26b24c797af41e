//! NO-EXTRA-FEES (RULES.md §6: KTT 6, SK 6, KTT 1.2, SK 2.3): the voucher covers every cost,
//! so an invoice to the county carries only realised units and allowed no-shows, and nothing
//! is charged to the client ([`check_charges`]).

use crate::rule_ids::NO_EXTRA_FEES;
use crate::violation::Violation;
use rust_decimal::Decimal;

/// Who a charge is made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payer {
    /// The county (the voucher).
    County,
    /// The client.
    Client,
}

/// What an invoice line (or any charge) is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargeKind {
    /// Realised units (hours or days) of the voucher.
    RealisedUnits,
    /// An allowed no-show unit (BILL-NO-SHOW).
    NoShow,
    /// An introductory visit (tutustumiskäynti): never charged.
    IntroductoryVisit,
    /// A follow-up meeting with the county: attended without extra pay.
    FollowUpMeeting,
    /// Materials, equipment, travel or any other cost of arranging the service.
    Costs,
    /// A client fee or co-payment (SK is free to the client, 734/1992).
    ClientFee,
    /// Anything else.
    Other,
}

/// One charge on an invoice, or to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    /// What it is for.
    pub kind: ChargeKind,
    /// Who pays.
    pub payer: Payer,
    /// The amount (EUR).
    pub amount: Decimal,
}

/// NO-EXTRA-FEES (KTT 6, SK 6, KTT 1.2, SK 2.3): the voucher covers every cost. An invoice to
/// the county carries only realised units and allowed no-shows (their amounts are
/// BILL-REALISED / BILL-NO-SHOW): any other line — an introductory visit, a follow-up
/// meeting, costs, fees — is refused, whatever its amount; nothing at all is charged to the
/// client.
pub fn check_charges(charges: &[Charge]) -> Vec<Violation> {
    let mut out = Vec::new();
    for c in charges {
        // NO-EXTRA-FEES
        if c.payer == Payer::Client {
            out.push(Violation::of(
                NO_EXTRA_FEES,
                format!(
                    "Asiakkaalta ei voi periä mitään ({} €): palveluseteli kattaa kaikki kustannukset.",
                    c.amount
                ),
                format!(
                    "Nothing may be charged to the client ({} EUR): the voucher covers every cost.",
                    c.amount
                ),
            ));
            continue;
        }
        let what = match c.kind {
            ChargeKind::RealisedUnits | ChargeKind::NoShow => continue,
            ChargeKind::IntroductoryVisit => ("tutustumiskäynti", "an introductory visit"),
            ChargeKind::FollowUpMeeting => ("seurantatapaaminen", "a follow-up meeting"),
            ChargeKind::Costs => ("kulut", "costs"),
            ChargeKind::ClientFee => ("asiakasmaksu", "a client fee"),
            ChargeKind::Other => ("muu veloitus", "another charge"),
        };
        out.push(Violation::of(
            NO_EXTRA_FEES,
            format!(
                "Laskulla voi olla vain toteutuneita yksiköitä ja sallittuja poisjääntejä, ei: {} ({} €).",
                what.0, c.amount
            ),
            format!(
                "An invoice carries only realised units and allowed no-shows, not {} ({} EUR).",
                what.1, c.amount
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;
    use rust_decimal_macros::dec;

    #[test]
    fn no_extra_fees() {
        let c = |kind, payer, amount| Charge {
            kind,
            payer,
            amount,
        };
        let ok = [
            c(ChargeKind::RealisedUnits, Payer::County, dec!(600)),
            c(ChargeKind::NoShow, Payer::County, dec!(60)),
        ];
        assert!(check_charges(&ok).is_empty());
        for kind in [
            ChargeKind::IntroductoryVisit,
            ChargeKind::FollowUpMeeting,
            ChargeKind::Costs,
            ChargeKind::ClientFee,
            ChargeKind::Other,
        ] {
            let v = check_charges(&[c(kind, Payer::County, dec!(0))]);
            assert!(has_rule(&v, NO_EXTRA_FEES), "{kind:?}");
        }
        let v = check_charges(&[c(ChargeKind::RealisedUnits, Payer::Client, dec!(5))]);
        assert!(has_rule(&v, NO_EXTRA_FEES));
    }
}
