//! The demo's made-up people and places: a fresh seed every run, the providers' Y-tunnus and
//! the clients' identity codes (valid, check characters and all) drawn from it, and the two
//! towns' coordinates.

use anyhow::Context as _;
use chrono::NaiveDate;

/// A number from fresh randomness (the demo's names and codes differ every run).
pub(super) fn seed() -> u32 {
    let b = uuid::Uuid::new_v4().into_bytes();
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// A valid Y-tunnus drawn from `seed`: the first of the 50 bodies from it that takes a check
/// digit.
pub(super) fn business_id(seed: u32) -> anyhow::Result<String> {
    (0..50)
        .find_map(|i| {
            let body = format!("{:07}", (seed.wrapping_add(i)) % 9_000_000 + 1_000_000);
            seteli_rules::ids::format_y_tunnus(&body).ok()
        })
        .context("no valid Y-tunnus near the seed")
}

/// The `n`th client's identity code drawn from `seed`: born 1985–1999, a valid individual
/// number and check character.
pub(super) fn hetu(seed: u32, n: u32) -> anyhow::Result<String> {
    let birth = NaiveDate::from_ymd_opt(
        1985 + (seed % 15) as i32,
        1 + n % 12,
        1 + (seed / 7 + n) % 28,
    )
    .context("birth date")?;
    let individual = u16::try_from(2 + (seed / 13 + n * 37) % 897).unwrap_or(2);
    Ok(seteli_rules::ids::format_hetu(birth, individual)?)
}

/// Kuopio market square.
pub(super) const KUOPIO: (f64, f64) = (62.8924, 27.6770);
/// Siilinjärvi centre.
pub(super) const SIILINJARVI: (f64, f64) = (63.0745, 27.6600);

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    #[test]
    fn a_business_id_is_a_valid_y_tunnus_for_any_seed() {
        for seed in [0, 1, 42, 8_999_999, u32::MAX - 3, u32::MAX] {
            let id = business_id(seed).expect("a Y-tunnus");
            assert!(seteli_rules::ids::validate_y_tunnus(&id).is_ok(), "{id}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_business_id_and_the_providers_differ() {
        let s = 123_456;
        assert_eq!(business_id(s).ok(), business_id(s).ok());
        assert_ne!(business_id(s).ok(), business_id(s + 101).ok());
    }

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
