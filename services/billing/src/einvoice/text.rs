//! Texts fitted to the e-invoice schemas' lengths without cutting a word: Finvoice limits most
//! texts (`VatFreeText` 70 characters, up to three times; names 70; addresses 35), and a text
//! cut mid-word ("… VAT exempt socia") reads as an error to whoever receives it.

/// At most `max` characters of `s`, ending at a word boundary: the longest start of `s` that
/// fits and is followed by whitespace (or the end), without trailing whitespace. A first word
/// longer than `max` alone (an identifier, a long compound) is cut at `max`, as nothing else
/// would fit.
pub(super) fn fit(s: &str, max: usize) -> &str {
    let s = s.trim();
    let Some((limit, _)) = s.char_indices().nth(max) else {
        return s;
    };
    // The character right after the limit is whitespace: the first `max` characters end a word.
    if s[limit..].starts_with(char::is_whitespace) {
        return s[..limit].trim_end();
    }
    match s[..limit].rfind(char::is_whitespace) {
        Some(space) if !s[..space].trim_end().is_empty() => s[..space].trim_end(),
        _ => &s[..limit],
    }
}

/// `s` in at most `count` pieces of at most `max` characters each, split at word boundaries
/// (each piece as [`fit`] makes it), for an element the schema repeats; what does not fit in
/// `count` pieces is left out at a word boundary.
pub(super) fn pieces(s: &str, max: usize, count: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() && out.len() < count {
        let piece = fit(rest, max);
        out.push(piece);
        rest = rest[piece.len()..].trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const REASON: &str =
        "Arvonlisäveroton sosiaalihuollon palvelu (AVL 37 §) / VAT exempt social services";

    #[test]
    fn a_text_that_fits_is_kept_whole_and_trimmed() {
        assert_eq!(fit("Palveluseteli", 70), "Palveluseteli");
        assert_eq!(fit("  kaksi sanaa  ", 12), "kaksi sanaa");
        assert_eq!(fit("", 5), "");
        assert_eq!(fit("abcde", 5), "abcde");
    }

    #[test]
    fn a_long_text_is_cut_before_the_word_that_does_not_fit() {
        // The reason is 81 characters: cutting at 70 used to leave "… VAT exempt socia".
        assert!(REASON.chars().count() > 70);
        let cut = fit(REASON, 70);
        assert_eq!(
            cut,
            "Arvonlisäveroton sosiaalihuollon palvelu (AVL 37 §) / VAT exempt"
        );
        assert!(REASON.starts_with(cut));
        // A cut exactly at the end of a word keeps that word.
        assert_eq!(fit("yksi kaksi kolme", 10), "yksi kaksi");
        assert_eq!(fit("yksi kaksi kolme", 9), "yksi");
        // No trailing whitespace or separator-only tail is left.
        assert_eq!(fit("yksi    kaksi", 6), "yksi");
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        // "ä" and "§" are two bytes each; the schema's lengths are in characters.
        assert_eq!(fit("ääää ööö", 7), "ääää");
        assert_eq!(fit("ääää ööö", 8), "ääää ööö");
        assert_eq!(fit("§§§§§§", 3), "§§§");
    }

    #[test]
    fn a_single_word_longer_than_the_limit_is_cut_at_the_limit() {
        assert_eq!(fit("Sosiaalihuoltopalvelu", 10), "Sosiaalihu");
        assert_eq!(fit("FI1234567890 x", 5), "FI123");
    }

    #[test]
    fn a_repeatable_element_carries_the_whole_text_in_pieces_at_word_boundaries() {
        let parts = pieces(REASON, 70, 3);
        assert_eq!(
            parts,
            [
                "Arvonlisäveroton sosiaalihuollon palvelu (AVL 37 §) / VAT exempt",
                "social services"
            ]
        );
        assert_eq!(parts.join(" "), REASON);
        assert!(parts.iter().all(|p| p.chars().count() <= 70));
        // Three pieces at most: the rest is left out at a word boundary.
        assert_eq!(pieces("aa bb cc dd ee", 5, 2), ["aa bb", "cc dd"]);
        assert_eq!(pieces("   ", 5, 3), Vec::<&str>::new());
        // A piece never ends or starts mid-word, whatever the limit.
        for max in 16..=90 {
            for p in pieces(REASON, max, usize::MAX) {
                assert!(p.chars().count() <= max);
                assert!(REASON.split(' ').any(|w| p.starts_with(w)), "{p}");
                assert!(REASON.split(' ').any(|w| p.ends_with(w)), "{max}: {p}");
            }
        }
    }
}
