//! API tokens: random, with a visible prefix, stored only as their SHA-256.

use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

/// Every token starts with this, so a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "ack_";
/// Random characters after the prefix: 40 alphanumerics, about 238 bits.
const RANDOM_LEN: usize = 40;
/// Characters of the token kept in clear to tell keys apart.
const VISIBLE_LEN: usize = TOKEN_PREFIX.len() + 8;

/// A freshly generated token. The plaintext leaves the server once, in the
/// response that creates it; only `hash` and `prefix` are stored.
pub struct NewToken {
    pub plaintext: String,
    pub hash: String,
    pub prefix: String,
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewToken")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Generates a new random token.
pub fn generate() -> NewToken {
    let random: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(RANDOM_LEN)
        .map(char::from)
        .collect();
    let plaintext = format!("{TOKEN_PREFIX}{random}");
    NewToken {
        hash: hash(&plaintext),
        prefix: plaintext[..VISIBLE_LEN].to_owned(),
        plaintext,
    }
}

/// The stored form of a token: its SHA-256, hex-encoded.
pub fn hash(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let a = generate();
        let b = generate();
        assert_ne!(a.plaintext, b.plaintext);
        assert!(a.plaintext.starts_with(TOKEN_PREFIX));
        assert_eq!(a.plaintext.len(), TOKEN_PREFIX.len() + RANDOM_LEN);
        assert!(a.plaintext.starts_with(&a.prefix));
        assert_eq!(a.hash, hash(&a.plaintext));
        assert_eq!(a.hash.len(), 64);
        assert!(!format!("{a:?}").contains(&a.plaintext[VISIBLE_LEN..]));
    }
}
