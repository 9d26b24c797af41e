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
