//! The demo's made-up people and places: a fresh seed every run, the providers' Y-tunnus and
//! the clients' identity codes (valid, check characters and all) drawn from it, and the two
//! towns' coordinates.

use anyhow::Context as _;
use chrono::NaiveDate;

pub(super) use crate::examples::{business_id, seed};

/// The `n`th client's identity code drawn from `seed`: born 1985–1999, a valid individual
/// number and check character.
pub(super) fn hetu(seed: u32, n: u32) -> anyhow::Result<String> {
    let birth = NaiveDate::from_ymd_opt(
        1985 + (seed % 15) as i32,
        1 + n % 12,
        1 + (seed / 7 + n) % 28,
    )
    .context("birth date")?;
    crate::examples::identity_code(birth, seed / 13 + n * 37)
}

/// Kuopio market square.
pub(super) const KUOPIO: (f64, f64) = crate::examples::KUOPIO;
/// Siilinjärvi centre.
pub(super) const SIILINJARVI: (f64, f64) = (63.0745, 27.6600);

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    #[test]
    fn a_hetu_is_valid_and_born_between_1985_and_1999() {
        for seed in [0, 7, 1_000_003, u32::MAX] {
            for n in 0..5 {
                let code = hetu(seed, n).expect("an identity code");
                let parsed = seteli_rules::ids::parse_hetu(&code).expect("valid");
                assert!(
                    (1985..=1999).contains(&parsed.birth_date().year()),
                    "{code}"
                );
                assert!(!parsed.is_temporary(), "{code}");
            }
        }
    }

    #[test]
    fn the_five_clients_of_one_run_get_five_codes() {
        let mut codes: Vec<String> = (0..5).map(|n| hetu(99, n).expect("a code")).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 5);
    }
}
