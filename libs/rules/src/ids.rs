//! Finnish and banking identifiers: henkilötunnus, Y-tunnus, IBAN, BIC, OVT e-invoice
//! address, the national payment reference (viitenumero) and the RF creditor reference
//! (ISO 11649).
//!
//! Written here rather than taken from a crate: each is a few lines of checksum arithmetic,
//! the Finnish-specific rules (2023 century signs, temporary numbers, Y-tunnus remainder 1)
//! are not covered by one well-kept crate, and the crate stays dependency-free and pure.

use chrono::{Datelike, Months, NaiveDate};
use std::fmt;

/// Why an identifier is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// The input was empty (after trimming).
    Empty,
    /// Wrong length.
    Length {
        /// What the identifier is.
        what: &'static str,
        /// The allowed length(s), in words.
        expected: &'static str,
        /// The length found.
        found: usize,
    },
    /// A character not allowed at a position.
    Character {
        /// What the identifier is.
        what: &'static str,
        /// 0-based position in the normalised input.
        position: usize,
        /// The character.
        found: char,
    },
    /// The structure is wrong (e.g. a missing dash).
    Format {
        /// What the identifier is.
        what: &'static str,
        /// What is wrong.
        detail: &'static str,
    },
    /// A henkilötunnus century sign that is not one of `+ - Y X W V U A B C D E F`.
    CenturySign(char),
    /// The date part is not a real date.
    Date,
    /// The henkilötunnus individual number is 000 or 001.
    IndividualNumber(u16),
    /// The check character or digits do not match.
    Checksum {
        /// What the identifier is.
        what: &'static str,
    },
    /// A Y-tunnus whose weighted sum leaves remainder 1 (no valid check digit exists).
    RemainderOne,
    /// An IBAN country code that is not two letters, or whose length is known and differs.
    Country(String),
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Empty => f.write_str("empty identifier"),
            IdError::Length {
                what,
                expected,
                found,
            } => {
                write!(f, "{what}: length must be {expected}, was {found}")
            }
            IdError::Character {
                what,
                position,
                found,
            } => {
                write!(
                    f,
                    "{what}: character {found:?} not allowed at position {position}"
                )
            }
            IdError::Format { what, detail } => write!(f, "{what}: {detail}"),
            IdError::CenturySign(c) => write!(f, "henkilötunnus: unknown century sign {c:?}"),
            IdError::Date => f.write_str("henkilötunnus: the date part is not a valid date"),
            IdError::IndividualNumber(n) => {
                write!(f, "henkilötunnus: individual number {n:03} is not in use")
            }
            IdError::Checksum { what } => write!(f, "{what}: check character does not match"),
            IdError::RemainderOne => {
                f.write_str("Y-tunnus: weighted sum leaves remainder 1, no valid check digit")
            }
            IdError::Country(c) => write!(f, "IBAN: country {c:?} unknown or length mismatch"),
        }
    }
}

impl std::error::Error for IdError {}

fn non_empty(s: &str) -> Result<&str, IdError> {
    let t = s.trim();
    if t.is_empty() {
        Err(IdError::Empty)
    } else {
        Ok(t)
    }
}

fn digits_only(what: &'static str, s: &str) -> Result<(), IdError> {
    match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((position, found)) => Err(IdError::Character {
            what,
            position,
            found,
        }),
        None => Ok(()),
    }
}

fn digit_values(s: &str) -> impl DoubleEndedIterator<Item = u32> + '_ {
    s.chars().filter_map(|c| c.to_digit(10))
}

// ---------------------------------------------------------------- henkilötunnus

const HETU: &str = "henkilötunnus";
const HETU_CHECK: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

/// A parsed, valid henkilötunnus (Finnish personal identity code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hetu {
    birth_date: NaiveDate,
    sign: char,
    individual: u16,
    check: char,
}

impl Hetu {
    /// Date of birth.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }
    /// The individual number (002–999).
    pub fn individual_number(&self) -> u16 {
        self.individual
    }
    /// The century sign as written.
    pub fn century_sign(&self) -> char {
        self.sign
    }
    /// Whether this is a temporary identity code (individual number 900–999).
    pub fn is_temporary(&self) -> bool {
        self.individual >= 900
    }
    /// Odd individual number: male; even: female (as assigned, not a statement on gender).
    pub fn is_odd_individual_number(&self) -> bool {
        self.individual % 2 == 1
    }
    /// Age in full years on `date` (`None` before birth).
    pub fn age_on(&self, date: NaiveDate) -> Option<u32> {
        age_on(self.birth_date, date)
    }
    /// The code with the birth date and the individual number hidden, e.g. `"******-***A"`:
    /// the century sign and the check character tell a provider's staff which code to compare
    /// a client's own card with, without giving away the birth date, age or sex.
    pub fn masked(&self) -> String {
        let check = self.to_string().chars().last().unwrap_or('*');
        format!("******{}***{check}", self.sign)
    }
    fn date_part(&self) -> String {
        format!(
            "{:02}{:02}{:02}",
            self.birth_date.day(),
            self.birth_date.month(),
            self.birth_date.year().rem_euclid(100)
        )
    }
}

impl fmt::Display for Hetu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{:03}{}",
            self.date_part(),
            self.sign,
            self.individual,
            self.check
        )
    }
}

fn century_of(sign: char) -> Option<i32> {
    match sign {
        '+' => Some(1800),
        '-' | 'Y' | 'X' | 'W' | 'V' | 'U' => Some(1900),
        'A' | 'B' | 'C' | 'D' | 'E' | 'F' => Some(2000),
        _ => None,
    }
}

fn hetu_check_char(ddmmyy: u32, individual: u16) -> char {
    let n = u64::from(ddmmyy) * 1000 + u64::from(individual);
    let idx = usize::try_from(n % 31).unwrap_or(0);
    char::from(HETU_CHECK[idx])
}

/// Parses and validates a henkilötunnus (`DDMMYYCNNNT`), with the century signs of 2023
/// (`+` 1800s; `- Y X W V U` 1900s; `A B C D E F` 2000s). Lower-case letters and surrounding
/// whitespace are accepted. Temporary numbers 900–999 are valid and flagged
/// ([`Hetu::is_temporary`]).
pub fn parse_hetu(s: &str) -> Result<Hetu, IdError> {
    let s = non_empty(s)?.to_uppercase();
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != 11 {
        return Err(IdError::Length {
            what: HETU,
            expected: "11",
            found: chars.len(),
        });
    }
    for (position, c) in chars.iter().enumerate() {
        if (position < 6 || (7..10).contains(&position)) && !c.is_ascii_digit() {
            return Err(IdError::Character {
                what: HETU,
                position,
                found: *c,
            });
        }
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        chars[r]
            .iter()
            .filter_map(|c| c.to_digit(10))
            .fold(0, |a, d| a * 10 + d)
    };
    let sign = chars[6];
    let century = century_of(sign).ok_or(IdError::CenturySign(sign))?;
    let (dd, mm, yy) = (num(0..2), num(2..4), num(4..6));
    let year = century + i32::try_from(yy).unwrap_or(0);
    let birth_date = NaiveDate::from_ymd_opt(year, mm, dd).ok_or(IdError::Date)?;
    let individual = u16::try_from(num(7..10)).unwrap_or(0);
    if individual < 2 {
        return Err(IdError::IndividualNumber(individual));
    }
    let check = chars[10];
    if hetu_check_char(num(0..6), individual) != check {
        return Err(IdError::Checksum { what: HETU });
    }
    Ok(Hetu {
        birth_date,
        sign,
        individual,
        check,
    })
}

/// Builds a henkilötunnus from its parts, using the century signs `+`, `-` and `A` (the
/// primary sign of each century). Years outside 1800–2099 and individual numbers outside
/// 2–999 are errors.
pub fn format_hetu(birth_date: NaiveDate, individual: u16) -> Result<String, IdError> {
    let sign = match birth_date.year() {
        1800..=1899 => '+',
        1900..=1999 => '-',
        2000..=2099 => 'A',
        _ => return Err(IdError::Date),
    };
    if !(2..=999).contains(&individual) {
        return Err(IdError::IndividualNumber(individual));
    }
    let ddmmyy = birth_date.day() * 10000
        + birth_date.month() * 100
        + u32::try_from(birth_date.year().rem_euclid(100)).unwrap_or(0);
    Ok(format!(
        "{:06}{}{:03}{}",
        ddmmyy,
        sign,
        individual,
        hetu_check_char(ddmmyy, individual)
    ))
}

/// Age in full years on `date` of a person born on `birth` (`None` if `date` is before
/// `birth`). A person born on 29 February reaches a new year of age on 28 February in
/// common years (the month-end rule of Finnish time computation).
pub fn age_on(birth: NaiveDate, date: NaiveDate) -> Option<u32> {
    if date < birth {
        return None;
    }
    let mut years = u32::try_from(date.year() - birth.year()).ok()?;
    loop {
        let anniversary = birth.checked_add_months(Months::new(years.checked_mul(12)?));
        match anniversary {
            Some(a) if a <= date => return Some(years),
            _ if years == 0 => return Some(0),
            _ => years -= 1,
        }
    }
}

// ---------------------------------------------------------------- Y-tunnus

const YT: &str = "Y-tunnus";
const YT_WEIGHTS: [u32; 7] = [7, 9, 10, 5, 8, 4, 2];

/// The check digit of the 7-digit body of a Y-tunnus (mod 11 with weights 7, 9, 10, 5, 8, 4, 2;
/// remainder 0 → 0, remainder 1 → invalid, else 11 − remainder).
pub fn y_tunnus_check_digit(body: &str) -> Result<u32, IdError> {
    let body = non_empty(body)?;
    if body.chars().count() != 7 {
        return Err(IdError::Length {
            what: YT,
            expected: "7 digits",
            found: body.chars().count(),
        });
    }
    digits_only(YT, body)?;
    let sum: u32 = digit_values(body).zip(YT_WEIGHTS).map(|(d, w)| d * w).sum();
    match sum % 11 {
        0 => Ok(0),
        1 => Err(IdError::RemainderOne),
        r => Ok(11 - r),
    }
}

/// Validates a Y-tunnus (business id) `NNNNNNN-T`.
pub fn validate_y_tunnus(s: &str) -> Result<(), IdError> {
    let s = non_empty(s)?;
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != 9 {
        return Err(IdError::Length {
            what: YT,
            expected: "9 (NNNNNNN-T)",
            found: chars.len(),
        });
    }
    if chars[7] != '-' {
        return Err(IdError::Format {
            what: YT,
            detail: "expected a dash before the check digit",
        });
    }
    let body: String = chars[..7].iter().collect();
    digits_only(YT, &body)?;
    let check = chars[8].to_digit(10).ok_or(IdError::Character {
        what: YT,
        position: 8,
        found: chars[8],
    })?;
    if y_tunnus_check_digit(&body)? != check {
        return Err(IdError::Checksum { what: YT });
    }
    Ok(())
}

/// Builds a Y-tunnus from its 7-digit body.
pub fn format_y_tunnus(body: &str) -> Result<String, IdError> {
    let check = y_tunnus_check_digit(body)?;
    Ok(format!("{}-{}", body.trim(), check))
}

// ---------------------------------------------------------------- IBAN, BIC

const IBAN: &str = "IBAN";

/// IBAN lengths of the SEPA countries (and a few neighbours). Other countries are checked
/// for structure and mod 97 only.
pub const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AT", 20),
    ("AX", 18),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

/// ISO 7064 mod 97-10 over an alphanumeric string (letters A=10 … Z=35).
fn mod97(s: &str) -> Option<u32> {
    let mut rem: u32 = 0;
    for c in s.chars() {
        let v = c.to_digit(36)?;
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    Some(rem)
}

/// Validates an IBAN and returns it normalised (no spaces, upper case). Spaces are accepted
/// anywhere; the length is checked for the countries of [`IBAN_LENGTHS`] (Finland: 18), the
/// mod-97 check for all.
pub fn validate_iban(s: &str) -> Result<String, IdError> {
    let n: String = non_empty(s)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let len = n.chars().count();
    if !(15..=34).contains(&len) {
        return Err(IdError::Length {
            what: IBAN,
            expected: "15-34",
            found: len,
        });
    }
    for (position, c) in n.chars().enumerate() {
        let ok = match position {
            0 | 1 => c.is_ascii_uppercase(),
            2 | 3 => c.is_ascii_digit(),
            _ => c.is_ascii_uppercase() || c.is_ascii_digit(),
        };
        if !ok {
            return Err(IdError::Character {
                what: IBAN,
                position,
                found: c,
            });
        }
    }
    let country = &n[..2];
    if let Some((_, expected)) = IBAN_LENGTHS.iter().find(|(c, _)| *c == country)
        && *expected != len
    {
        return Err(IdError::Country(country.to_string()));
    }
    let rearranged = format!("{}{}", &n[4..], &n[..4]);
    if mod97(&rearranged) != Some(1) {
        return Err(IdError::Checksum { what: IBAN });
    }
    Ok(n)
}

/// Formats a normalised IBAN in groups of four, e.g. `"FI21 1234 5600 0007 85"`.
pub fn format_iban_grouped(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Validates a BIC (ISO 9362): `AAAA BB CC (DDD)` — 4 letters (institution), 2 letters
/// (country), 2 alphanumerics (location), optionally 3 alphanumerics (branch); 8 or 11
/// characters, upper case.
pub fn validate_bic(s: &str) -> Result<(), IdError> {
    const WHAT: &str = "BIC";
    let s = non_empty(s)?;
    let len = s.chars().count();
    if len != 8 && len != 11 {
        return Err(IdError::Length {
            what: WHAT,
            expected: "8 or 11",
            found: len,
        });
    }
    for (position, c) in s.chars().enumerate() {
        let ok = if position < 6 {
            c.is_ascii_uppercase()
        } else {
            c.is_ascii_uppercase() || c.is_ascii_digit()
        };
        if !ok {
            return Err(IdError::Character {
                what: WHAT,
                position,
                found: c,
            });
        }
    }
    Ok(())
}

/// Validates an OVT e-invoice address: `0037` + the 8 digits of a valid Y-tunnus without the
/// dash, optionally followed by up to 5 alphanumeric characters (the organisation's suffix).
pub fn validate_ovt(s: &str) -> Result<(), IdError> {
    const WHAT: &str = "OVT";
    let s = non_empty(s)?;
    let len = s.chars().count();
    if !(12..=17).contains(&len) {
        return Err(IdError::Length {
            what: WHAT,
            expected: "12-17",
            found: len,
        });
    }
    if !s.starts_with("0037") {
        return Err(IdError::Format {
            what: WHAT,
            detail: "must start with 0037",
        });
    }
    let chars: Vec<char> = s.chars().collect();
    for (position, c) in chars.iter().enumerate() {
        let ok = if position < 12 {
            c.is_ascii_digit()
        } else {
            c.is_ascii_alphanumeric()
        };
        if !ok {
            return Err(IdError::Character {
                what: WHAT,
                position,
                found: *c,
            });
        }
    }
    let body: String = chars[4..11].iter().collect();
    let check = chars[11].to_digit(10).unwrap_or(99);
    match y_tunnus_check_digit(&body) {
        Ok(c) if c == check => Ok(()),
        Ok(_) => Err(IdError::Checksum { what: WHAT }),
        Err(e) => Err(e),
    }
}

/// The OVT address of a Y-tunnus (`0037` + digits), with an optional suffix.
pub fn ovt_from_y_tunnus(y_tunnus: &str, suffix: &str) -> Result<String, IdError> {
    validate_y_tunnus(y_tunnus)?;
    let digits: String = y_tunnus
        .trim()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let ovt = format!("0037{digits}{suffix}");
    validate_ovt(&ovt)?;
    Ok(ovt)
}

// ---------------------------------------------------------------- payment references

const REF: &str = "viitenumero";
const RF: &str = "RF reference";

fn ref_check_digit(base: &str) -> u32 {
    let sum: u32 = digit_values(base)
        .rev()
        .zip([7u32, 3, 1].into_iter().cycle())
        .map(|(d, w)| d * w)
        .sum();
    (10 - sum % 10) % 10
}

fn strip_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Generates a Finnish payment reference (viitenumero) from a base of 3–19 digits by
/// appending the 7-3-1 check digit. Spaces in `base` are ignored.
pub fn finnish_reference(base: &str) -> Result<String, IdError> {
    let base = strip_spaces(non_empty(base)?);
    digits_only(REF, &base)?;
    if !(3..=19).contains(&base.len()) {
        return Err(IdError::Length {
            what: REF,
            expected: "3-19 digits (base)",
            found: base.len(),
        });
    }
    Ok(format!("{base}{}", ref_check_digit(&base)))
}

/// Validates a Finnish payment reference: 4–20 digits including the check digit; spaces are
/// ignored.
pub fn validate_finnish_reference(s: &str) -> Result<(), IdError> {
    let s = strip_spaces(non_empty(s)?);
    digits_only(REF, &s)?;
    if !(4..=20).contains(&s.len()) {
        return Err(IdError::Length {
            what: REF,
            expected: "4-20 digits",
            found: s.len(),
        });
    }
    let (base, check) = s.split_at(s.len() - 1);
    if check.parse::<u32>().ok() != Some(ref_check_digit(base)) {
        return Err(IdError::Checksum { what: REF });
    }
    Ok(())
}

/// Generates an RF creditor reference (ISO 11649) from a valid Finnish reference, e.g.
/// `"1232"` → `"RF111232"`. Spaces are ignored.
pub fn rf_reference(national: &str) -> Result<String, IdError> {
    validate_finnish_reference(national)?;
    let national = strip_spaces(national);
    let rem = mod97(&format!("{national}RF00")).ok_or(IdError::Checksum { what: RF })?;
    Ok(format!("RF{:02}{national}", 98 - rem))
}

/// Validates an RF creditor reference (ISO 11649): `RF` + 2 check digits + 1–21
/// alphanumerics, mod 97 = 1. Spaces are ignored, letters may be lower case.
pub fn validate_rf_reference(s: &str) -> Result<(), IdError> {
    let s = strip_spaces(non_empty(s)?).to_uppercase();
    let len = s.chars().count();
    if !(5..=25).contains(&len) {
        return Err(IdError::Length {
            what: RF,
            expected: "5-25",
            found: len,
        });
    }
    if !s.starts_with("RF") {
        return Err(IdError::Format {
            what: RF,
            detail: "must start with RF",
        });
    }
    for (position, c) in s.chars().enumerate() {
        let ok = match position {
            0 | 1 => true,
            2 | 3 => c.is_ascii_digit(),
            _ => c.is_ascii_alphanumeric(),
        };
        if !ok {
            return Err(IdError::Character {
                what: RF,
                position,
                found: c,
            });
        }
    }
    let rearranged = format!("{}{}", &s[4..], &s[..4]);
    if mod97(&rearranged) != Some(1) {
        return Err(IdError::Checksum { what: RF });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn hetu_vectors() {
        let h = parse_hetu("131052-308T").unwrap();
        assert_eq!(h.birth_date(), d(1952, 10, 13));
        assert!(!h.is_temporary());
        assert_eq!(h.masked(), "******-***T");
        assert_eq!(h.to_string(), "131052-308T");
        let h = parse_hetu("010594Y9021").unwrap();
        assert_eq!(h.birth_date(), d(1994, 5, 1));
        assert!(h.is_temporary());
        assert_eq!(h.individual_number(), 902);
        assert_eq!(h.masked(), "******Y***1");
        assert_eq!(
            parse_hetu("010594Y9032").unwrap().birth_date(),
            d(1994, 5, 1)
        );
        assert_eq!(
            parse_hetu("020502E902X").unwrap().birth_date(),
            d(2002, 5, 2)
        );
        assert_eq!(
            parse_hetu("020502A902X").unwrap().birth_date(),
            d(2002, 5, 2)
        );
        assert_eq!(
            parse_hetu(" 131052-308t ").unwrap().birth_date(),
            d(1952, 10, 13)
        );
        assert_eq!(
            parse_hetu("010190+002R").unwrap().birth_date(),
            d(1890, 1, 1)
        );
    }

    #[test]
    fn hetu_errors() {
        assert_eq!(parse_hetu(""), Err(IdError::Empty));
        assert!(matches!(
            parse_hetu("131052-308U"),
            Err(IdError::Checksum { .. })
        ));
        assert!(matches!(
            parse_hetu("131052G308T"),
            Err(IdError::CenturySign('G'))
        ));
        assert!(matches!(parse_hetu("311352-308T"), Err(IdError::Date)));
        assert!(matches!(
            parse_hetu("131052-001T"),
            Err(IdError::IndividualNumber(1))
        ));
        assert!(matches!(
            parse_hetu("131052-308"),
            Err(IdError::Length { .. })
        ));
        assert!(matches!(
            parse_hetu("13105x-308T"),
            Err(IdError::Character { .. })
        ));
        assert!(parse_hetu("ääääääääääää").is_err());
        assert!(!IdError::Date.to_string().is_empty());
    }

    #[test]
    fn hetu_format_round_trip() {
        let s = format_hetu(d(1952, 10, 13), 308).unwrap();
        assert_eq!(s, "131052-308T");
        let h = parse_hetu(&format_hetu(d(2010, 2, 28), 950).unwrap()).unwrap();
        assert!(h.is_temporary());
        assert_eq!(h.birth_date(), d(2010, 2, 28));
        assert!(format_hetu(d(2100, 1, 1), 5).is_err());
        assert!(format_hetu(d(2000, 1, 1), 1).is_err());
    }

    #[test]
    fn ages() {
        let b = d(2000, 2, 29);
        assert_eq!(age_on(b, d(2018, 2, 27)), Some(17));
        assert_eq!(age_on(b, d(2018, 2, 28)), Some(18));
        assert_eq!(age_on(b, d(2000, 2, 29)), Some(0));
        assert_eq!(age_on(b, d(2000, 2, 28)), None);
        assert_eq!(age_on(d(1960, 6, 15), d(2025, 6, 14)), Some(64));
        assert_eq!(age_on(d(1960, 6, 15), d(2025, 6, 15)), Some(65));
        assert!(age_on(NaiveDate::MIN, NaiveDate::MAX).is_some());
    }

    #[test]
    fn y_tunnus_vectors() {
        assert_eq!(validate_y_tunnus("0737546-2"), Ok(()));
        assert_eq!(validate_y_tunnus("1572860-0"), Ok(()));
        assert!(matches!(
            validate_y_tunnus("0737546-3"),
            Err(IdError::Checksum { .. })
        ));
        assert!(matches!(
            validate_y_tunnus("07375462"),
            Err(IdError::Length { .. })
        ));
        assert!(matches!(
            validate_y_tunnus("0737546+2"),
            Err(IdError::Format { .. })
        ));
        // 0000010: sum = 1*4 = 4 → check 7; 0000100: 8 → 3; find a remainder-1 body.
        assert_eq!(y_tunnus_check_digit("0000002"), Ok(7)); // 2*2=4 → 11-4 = 7
        assert_eq!(y_tunnus_check_digit("0000006"), Err(IdError::RemainderOne)); // 12 % 11 = 1
        assert!(validate_y_tunnus("0000006-0").is_err());
        assert_eq!(format_y_tunnus("0737546"), Ok("0737546-2".to_string()));
    }

    #[test]
    fn iban_vectors() {
        assert_eq!(
            validate_iban("FI21 1234 5600 0007 85"),
            Ok("FI2112345600000785".to_string())
        );
        assert_eq!(
            validate_iban("fi2112345600000785"),
            Ok("FI2112345600000785".to_string())
        );
        assert_eq!(
            validate_iban("DE89 3704 0044 0532 0130 00"),
            Ok("DE89370400440532013000".to_string())
        );
        assert_eq!(
            validate_iban("GB82 WEST 1234 5698 7654 32"),
            Ok("GB82WEST12345698765432".to_string())
        );
        assert!(matches!(
            validate_iban("FI21 1234 5600 0007 86"),
            Err(IdError::Checksum { .. })
        ));
        assert!(matches!(
            validate_iban("FI21 1234 5600 0007 8"),
            Err(IdError::Country(_))
        ));
        assert!(matches!(
            validate_iban("F121 1234 5600 0007 85"),
            Err(IdError::Character { .. })
        ));
        assert!(matches!(validate_iban("FI21"), Err(IdError::Length { .. })));
        assert_eq!(
            format_iban_grouped("FI2112345600000785"),
            "FI21 1234 5600 0007 85"
        );
    }

    #[test]
    fn bic_vectors() {
        assert_eq!(validate_bic("NDEAFIHH"), Ok(()));
        assert_eq!(validate_bic("OKOYFIHHXXX"), Ok(()));
        assert_eq!(validate_bic("DEUTDEFF500"), Ok(()));
        assert!(validate_bic("NDEAFIH").is_err());
        assert!(validate_bic("NDE1FIHH").is_err());
        assert!(validate_bic("NDEAF1HH").is_err());
        assert!(validate_bic("ndeafihh").is_err());
    }

    #[test]
    fn ovt_vectors() {
        assert_eq!(validate_ovt("003707375462"), Ok(()));
        assert_eq!(validate_ovt("00370737546200100"), Ok(()));
        assert_eq!(validate_ovt("003715728600ABC"), Ok(()));
        assert!(matches!(
            validate_ovt("003707375463"),
            Err(IdError::Checksum { .. })
        ));
        assert!(validate_ovt("003807375462").is_err());
        assert!(validate_ovt("003707375462001000").is_err());
        assert!(validate_ovt("0037073754620-1").is_err());
        assert_eq!(
            ovt_from_y_tunnus("0737546-2", ""),
            Ok("003707375462".to_string())
        );
    }

    #[test]
    fn reference_vectors() {
        assert_eq!(finnish_reference("123"), Ok("1232".to_string()));
        assert_eq!(validate_finnish_reference("1232"), Ok(()));
        assert_eq!(validate_finnish_reference("12 32"), Ok(()));
        assert_eq!(finnish_reference("1234561"), Ok("12345614".to_string()));
        assert!(matches!(
            validate_finnish_reference("1233"),
            Err(IdError::Checksum { .. })
        ));
        assert!(validate_finnish_reference("123").is_err());
        assert!(finnish_reference("12").is_err());
        assert!(finnish_reference("12a").is_err());
        assert!(finnish_reference("12345678901234567890").is_err());
    }

    #[test]
    fn rf_vectors() {
        assert_eq!(validate_rf_reference("RF18539007547034"), Ok(()));
        assert_eq!(validate_rf_reference("RF18 5390 0754 7034"), Ok(()));
        assert_eq!(validate_rf_reference("RF18000000000539007547034"), Ok(()));
        assert!(validate_rf_reference("RF19539007547034").is_err());
        assert!(validate_rf_reference("XX18539007547034").is_err());
        assert_eq!(rf_reference("1232"), Ok("RF111232".to_string()));
        assert_eq!(validate_rf_reference("RF111232"), Ok(()));
        assert!(rf_reference("1233").is_err());
    }
}
