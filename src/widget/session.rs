//! A visitor's signed session token, bound to the widget's key, the site's
//! origin and a time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::random_alphanumeric;

/// How long after its expiry a token may still be renewed into a fresh one
/// for the same conversation (a visitor coming back within a week).
pub const RENEWAL_WINDOW_SECS: i64 = 7 * 24 * 3600;

/// Who a token was given to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A visitor of an allowed site.
    Visitor,
    /// The owner's preview on the dashboard (the widget needs not be on,
    /// nor the dashboard's origin allowed).
    Preview,
}

impl TokenKind {
    fn tag(self) -> &'static str {
        match self {
            Self::Visitor => "v",
            Self::Preview => "p",
        }
    }

    fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "v" => Some(Self::Visitor),
            "p" => Some(Self::Preview),
            _ => None,
        }
    }
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub kind: TokenKind,
    /// The visitor's session: its chats belong to it.
    pub session: String,
    pub expires_at: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("The chat session has expired.")]
    Expired,
    #[error("The chat session is not valid here.")]
    Invalid,
}

/// Signs tokens and hashes visitors' addresses with the servers' shared
/// secret.
#[derive(Clone)]
pub struct Signer {
    secret: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer([redacted])")
    }
}

impl Signer {
    /// A signer with this secret (at least 32 bytes in practice).
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            secret: secret.into(),
        }
    }

    fn mac(&self, parts: &[&str]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length");
        for part in parts {
            mac.update(part.as_bytes());
            mac.update(b"\n");
        }
        mac
    }

    /// A token `kind.session.expiry.signature` for `session` on the widget
    /// `key` seen from `origin`, valid until `expires_at` (Unix seconds).
    pub fn issue(
        &self,
        kind: TokenKind,
        key: &str,
        origin: &str,
        session: &str,
        expires_at: i64,
    ) -> String {
        let expiry = expires_at.to_string();
        let mac = self.mac(&["widget", kind.tag(), key, origin, session, &expiry]);
        let signature = hex::encode(mac.finalize().into_bytes());
        format!("{}.{session}.{expiry}.{signature}", kind.tag())
    }

    /// The claims of `token` if this server signed it for `key` and
    /// `origin`; expired tokens are refused unless `renewing`, when they
    /// count up to [`RENEWAL_WINDOW_SECS`] after their expiry.
    pub fn verify(
        &self,
        token: &str,
        key: &str,
        origin: &str,
        now: i64,
        renewing: bool,
    ) -> Result<Claims, TokenError> {
        let mut parts = token.trim().split('.');
        let (Some(tag), Some(session), Some(expiry), Some(signature), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(TokenError::Invalid);
        };
        let kind = TokenKind::from_tag(tag).ok_or(TokenError::Invalid)?;
        let expires_at: i64 = expiry.parse().map_err(|_| TokenError::Invalid)?;
        let signature = hex::decode(signature).map_err(|_| TokenError::Invalid)?;
        self.mac(&["widget", tag, key, origin, session, expiry])
            .verify_slice(&signature)
            .map_err(|_| TokenError::Invalid)?;
        let grace = if renewing { RENEWAL_WINDOW_SECS } else { 0 };
        if now >= expires_at.saturating_add(grace) {
            return Err(TokenError::Expired);
        }
        Ok(Claims {
            kind,
            session: session.to_owned(),
            expires_at,
        })
    }

    /// A keyed hash of a visitor's IP address: limits can count by it, and
    /// the database never holds the address.
    pub fn hash_ip(&self, ip: &str) -> String {
        let digest = self.mac(&["visitor-ip", ip]).finalize().into_bytes();
        hex::encode(&digest[..16])
    }
}

/// A new visitor session id.
pub fn new_session() -> String {
    random_alphanumeric(22)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_key_origin_and_time() {
        let signer = Signer::new(b"0123456789abcdef0123456789abcdef".to_vec());
        let token = signer.issue(TokenKind::Visitor, "pub_a", "https://a.example", "s1", 1000);
        let claims = signer
            .verify(&token, "pub_a", "https://a.example", 999, false)
            .unwrap();
        assert_eq!(claims.session, "s1");
        assert_eq!(claims.kind, TokenKind::Visitor);
        assert_eq!(
            signer.verify(&token, "pub_a", "https://a.example", 1000, false),
            Err(TokenError::Expired)
        );
        assert!(
            signer
                .verify(&token, "pub_a", "https://a.example", 2000, true)
                .is_ok()
        );
        assert_eq!(
            signer.verify(&token, "pub_b", "https://a.example", 999, false),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            signer.verify(&token, "pub_a", "https://b.example", 999, false),
            Err(TokenError::Invalid)
        );
        let forged = token.replacen("v.", "p.", 1);
        assert_eq!(
            signer.verify(&forged, "pub_a", "https://a.example", 999, false),
            Err(TokenError::Invalid)
        );
        let other = Signer::new(b"another secret of thirty-two b..".to_vec());
        assert_eq!(
            other.verify(&token, "pub_a", "https://a.example", 999, false),
            Err(TokenError::Invalid)
        );
        for junk in ["", "v", "v.s.1.zz", "x.s.1.00", "v.s.notanumber.00"] {
            assert!(
                signer
                    .verify(junk, "pub_a", "https://a.example", 0, false)
                    .is_err()
            );
        }
    }
}
