//! Paging: page sizes and opaque page tokens (`page_size`, `page_token`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AppError;

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

/// Encodes a cursor (the sort key of the last item) as an opaque token.
pub fn encode_token(cursor: &str) -> String {
    URL_SAFE_NO_PAD.encode(cursor)
}

/// Decodes a token from [`encode_token`]; empty means the first page.
pub fn decode_token(token: &str) -> Result<Option<String>, AppError> {
    if token.is_empty() {
        return Ok(None);
    }
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(Some)
        .ok_or_else(|| AppError::invalid("page_token", "not a token this service issued"))
}
