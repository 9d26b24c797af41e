//! Parsers of the values a command line gives (`--from 2026-12-07`), shared by the commands'
//! argument definitions.

/// A date as `YYYY-MM-DD`; a well-formed day that is not in the calendar (`2026-11-31`) is
/// named as such, not as a format error.
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    use chrono::format::ParseErrorKind;
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|e| match e.kind() {
        ParseErrorKind::OutOfRange | ParseErrorKind::Impossible => {
            format!("{} is not a day of the calendar", s.trim())
        }
        _ => "expected YYYY-MM-DD".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn a_day_not_in_the_calendar_is_named_as_such() {
        let said = |s: &str| parse_date(s).err().unwrap_or_default();
        assert_eq!(
            said("2026-11-31"),
            "2026-11-31 is not a day of the calendar"
        );
        assert_eq!(
            said("2026-02-29"),
            "2026-02-29 is not a day of the calendar"
        );
        assert_eq!(said("31.11.2026"), "expected YYYY-MM-DD");
        assert_eq!(
            parse_date("2028-02-29").ok(),
            chrono::NaiveDate::from_ymd_opt(2028, 2, 29)
        );
    }
}
