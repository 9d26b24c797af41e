//! Verified tokens remembered until they expire, so a caller's repeated token is not verified
//! again (an Ed25519 verification costs more than a whole bare gRPC call).
//!
//! Keyed by the SHA-256 of the token string, bounded (least recently used entries go first,
//! `quick_cache`'s CLOCK-Pro), and tied to one version of the trusted keys: an entry made
//! under another key set generation is ignored, and the whole cache is cleared whenever the
//! JWKS changes, so a key removed from the JWKS stops its tokens at once.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::identity::Caller;

/// A token's cache key: the SHA-256 of the token string.
pub(crate) type TokenHash = [u8; 32];

/// The cache key of `token`.
pub(crate) fn hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

/// One verified token.
pub(crate) struct Entry {
    /// Who the token says is calling, without the token itself (the caller of a cache hit
    /// holds it already; not keeping it halves the memory an entry takes).
    pub caller: Caller,
    /// The token's `exp`: the entry is worthless from then on.
    pub exp: i64,
    /// The key set generation the token was verified under.
    pub generation: u64,
}

/// A bounded map of verified tokens; size 0 remembers nothing.
pub(crate) struct TokenCache {
    entries: Option<quick_cache::sync::Cache<TokenHash, Arc<Entry>>>,
}

impl TokenCache {
    /// A cache of at most `capacity` tokens.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: (capacity > 0).then(|| quick_cache::sync::Cache::new(capacity)),
        }
    }

    /// Whether the cache remembers anything at all.
    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The caller of `token` (whose hash is `key`) when it was verified under key set
    /// `generation` and has not expired at `now`.
    pub fn get(&self, key: &TokenHash, token: &str, now: i64, generation: u64) -> Option<Caller> {
        let entry = self.entries.as_ref()?.get(key)?;
        (entry.generation == generation && now < entry.exp).then(|| Caller {
            token: token.to_owned(),
            ..entry.caller.clone()
        })
    }

    /// Remembers a verified token (its caller is kept without the token string).
    pub fn insert(&self, key: TokenHash, mut entry: Entry) {
        if let Some(entries) = &self.entries {
            entry.caller.token = String::new();
            entries.insert(key, Arc::new(entry));
        }
    }

    /// Forgets every token (the keys changed).
    pub fn clear(&self) {
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }

    /// How many tokens are remembered.
    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, |e| e.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;

    fn entry(exp: i64, generation: u64) -> Entry {
        Entry {
            caller: Caller {
                issuer: "idp".into(),
                subject: "u-1".into(),
                role: Role::SocialWorker,
                provider_id: None,
                token: "the-token".into(),
                team: None,
                substitute_reason: None,
                identity_code: None,
            },
            exp,
            generation,
        }
    }

    #[test]
    fn a_token_answers_until_its_exp_under_its_key_generation_only() {
        let cache = TokenCache::new(10);
        assert!(cache.enabled());
        let key = hash("the-token");
        cache.insert(key, entry(100, 1));
        assert_eq!(cache.len(), 1);
        let hit = cache.get(&key, "the-token", 99, 1).expect("remembered");
        assert_eq!(hit.subject, "u-1");
        assert_eq!(
            hit.token, "the-token",
            "the caller's own token is handed back"
        );
        assert!(cache.get(&key, "the-token", 100, 1).is_none(), "expired");
        assert!(cache.get(&key, "the-token", 99, 2).is_none(), "other keys");
        assert!(cache.get(&hash("another"), "another", 99, 1).is_none());
        cache.clear();
        assert_eq!(cache.len(), 0);
        assert!(cache.get(&key, "the-token", 99, 1).is_none());
    }

    #[test]
    fn an_entry_does_not_keep_the_token_string() {
        let cache = TokenCache::new(10);
        let key = hash("the-token");
        cache.insert(key, entry(100, 1));
        let kept = cache
            .entries
            .as_ref()
            .and_then(|e| e.get(&key))
            .expect("kept");
        assert!(kept.caller.token.is_empty());
    }

    #[test]
    fn a_cache_of_size_zero_remembers_nothing() {
        let cache = TokenCache::new(0);
        assert!(!cache.enabled());
        let key = hash("the-token");
        cache.insert(key, entry(100, 1));
        assert_eq!(cache.len(), 0);
        assert!(cache.get(&key, "the-token", 1, 1).is_none());
    }

    #[test]
    fn the_key_is_the_sha256_of_the_token() {
        assert_eq!(hash("a"), hash("a"));
        assert_ne!(hash("a"), hash("b"));
        // SHA-256("abc"), FIPS 180-2's first example.
        assert_eq!(&hash("abc")[..4], &[0xba, 0x78, 0x16, 0xbf]);
    }
}
