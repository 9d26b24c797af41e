//! Paging (`page_size`, `page_token`): one opaque, versioned cursor for every list.
//!
//! A page token is the sort key of the last item of the previous page, as a [`Cursor`]: a list
//! of typed fields, JSON-encoded behind a version tag and then base64url, so a field may hold
//! any text (a name with `|` in it pages correctly) and a token from another version or
//! another list is refused with `INVALID_ARGUMENT` on `page_token`, never misread.
//!
//! ```ignore
//! let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
//! let after: Option<(String, String)> = page.after()?;          // (start date, id)
//! let rows = store::list(conn, after, page.fetch()).await?;     // fetches size + 1
//! let (rows, next_page_token) = page.cut(rows, |c| (c.start.clone(), c.id.clone()));
//! ```
//!
//! A page token carries no personal data. Tokens travel where a list's rows do not: into
//! URLs, browser history, proxy and access logs. The encoding is not encryption, so a list
//! sorted by a person's data (a client's name) must not put that key in its token: its cursor
//! is the last row's id alone ([`Paging::after_row`], [`Paging::cut_at_row`]), and the store
//! resumes after that row by reading the row's sort key again, refusing the token when the
//! row is gone. Ids, dates and instants may stand in a cursor; names and identity codes never.
//!
//! ```ignore
//! let after = page.after_row()?;                               // the last row's id
//! let rows = store::list(conn, after, page.fetch()).await?;   // resumes after (name, id) of it
//! let (rows, next_page_token) = page.cut_at_row(rows, |c| c.id.clone());
//! ```

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// The version tag of today's cursors; bump it when a list's sort key changes.
const VERSION: &str = "c1";

/// The page size to use: `default` for 0, `INVALID_ARGUMENT` outside `1..=max`.
pub fn page_size(requested: i32, default: i64, max: i64) -> Result<i64, AppError> {
    match i64::from(requested) {
        0 => Ok(default),
        n if (1..=max).contains(&n) => Ok(n),
        _ => Err(AppError::invalid(
            "page_size",
            format!("must be between 1 and {max}, or 0 for {default}"),
        )),
    }
}

/// Encodes a sort key (any serialisable tuple) as an opaque page token.
pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    let json = serde_json::to_string(key).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(format!("{VERSION}:{json}"))
}

/// Decodes a token from [`encode_cursor`]; empty means the first page.
pub fn decode_cursor<K: DeserializeOwned>(token: &str) -> Result<Option<K>, AppError> {
    if token.is_empty() {
        return Ok(None);
    }
    let bad = || AppError::invalid("page_token", "not a page token of this list");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let json = text
        .strip_prefix(VERSION)
        .and_then(|t| t.strip_prefix(':'))
        .ok_or_else(bad)?;
    serde_json::from_str(json).map(Some).map_err(|_| bad())
}

/// One list request's paging: its size and where it starts.
#[derive(Debug, Clone)]
pub struct Paging {
    /// Items per page.
    pub size: i64,
    token: String,
}

impl Paging {
    /// Reads `page_size` (0 → `default`, at most `max`) and `page_token`.
    pub fn read(
        page_size_requested: i32,
        page_token: &str,
        default: i64,
        max: i64,
    ) -> Result<Self, AppError> {
        Ok(Self {
            size: page_size(page_size_requested, default, max)?,
            token: page_token.to_owned(),
        })
    }

    /// The sort key of the last item of the previous page (`None` on the first page).
    pub fn after<K: DeserializeOwned>(&self) -> Result<Option<K>, AppError> {
        decode_cursor(&self.token)
    }

    /// The id of the last row of the previous page, for a list whose cursor is the row alone
    /// (its sort key is personal data): see the module's doc. `None` on the first page.
    pub fn after_row(&self) -> Result<Option<String>, AppError> {
        Ok(self.after::<(String,)>()?.map(|(id,)| id))
    }

    /// The refusal of a row's token ([`Paging::after_row`]) whose row is gone, or is no longer
    /// the caller's to see: its place in the order is not the caller's to learn.
    pub fn row_gone() -> AppError {
        AppError::invalid(
            "page_token",
            "the list changed; start again from the first page",
        )
    }

    /// Like [`Paging::cut`], with the last item's `id` alone as the next page's cursor.
    pub fn cut_at_row<T>(&self, rows: Vec<T>, id: impl FnOnce(&T) -> String) -> (Vec<T>, String) {
        self.cut(rows, |last| (id(last),))
    }

    /// How many rows to fetch: one more than a page, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.size.saturating_add(1)
    }

    /// Cuts fetched `rows` to the page and makes the next page's token from the last item's
    /// sort key (empty when this is the last page).
    pub fn cut<T, K: Serialize>(
        &self,
        mut rows: Vec<T>,
        key: impl FnOnce(&T) -> K,
    ) -> (Vec<T>, String) {
        let size = usize::try_from(self.size).unwrap_or(usize::MAX);
        let more = rows.len() > size;
        rows.truncate(size);
        let token = match rows.last() {
            Some(last) if more => encode_cursor(&key(last)),
            _ => String::new(),
        };
        (rows, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_a_bar_pages_correctly() {
        let key = ("Oy A|B Ab".to_owned(), "id|1".to_owned());
        let token = encode_cursor(&key);
        assert_eq!(
            decode_cursor::<(String, String)>(&token).unwrap(),
            Some(key)
        );
    }

    #[test]
    fn foreign_or_old_tokens_are_refused_not_misread() {
        assert!(decode_cursor::<(String, String)>("not base64!").is_err());
        let old = URL_SAFE_NO_PAD.encode("Oy A|id");
        assert!(decode_cursor::<(String, String)>(&old).is_err());
        let other_shape = encode_cursor(&(1_i64,));
        assert!(decode_cursor::<(String, String)>(&other_shape).is_err());
        assert_eq!(decode_cursor::<(String, String)>("").unwrap(), None);
    }

    #[test]
    fn a_row_cursor_holds_the_id_alone() {
        let paging = Paging::read(1, "", 50, 500).unwrap();
        let rows = vec![("Matti Meikäläinen", "id-1"), ("Maija Meikäläinen", "id-2")];
        let (_, token) = paging.cut_at_row(rows, |r| r.1.to_owned());
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(&token).unwrap()).unwrap();
        assert!(!text.contains("Meikäläinen"), "{text}");
        let next = Paging::read(1, &token, 50, 500).unwrap();
        assert_eq!(next.after_row().unwrap().as_deref(), Some("id-1"));
        let name_cursor = encode_cursor(&("Matti".to_owned(), "id-1".to_owned()));
        assert!(
            Paging::read(1, &name_cursor, 50, 500)
                .unwrap()
                .after_row()
                .is_err()
        );
    }

    #[test]
    fn cut_keeps_a_page_and_says_whether_more_follow() {
        let paging = Paging::read(2, "", 50, 500).unwrap();
        let (rows, token) = paging.cut(vec![1, 2, 3], |n| (*n,));
        assert_eq!(rows, vec![1, 2]);
        assert_eq!(decode_cursor::<(i32,)>(&token).unwrap(), Some((2,)));
        let (rows, token) = paging.cut(vec![1, 2], |n| (*n,));
        assert_eq!(rows, vec![1, 2]);
        assert!(token.is_empty());
    }
}
