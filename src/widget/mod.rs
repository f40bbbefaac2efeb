//! The embeddable chat: one script tag puts an assistant on a customer's
//! website. This module holds its rules as pure functions — which origins
//! may use it, the visitor's signed session token, the limits and how they
//! are worded; [`crate::web::widget`] serves it, [`crate::db::widgets`] stores it.
//!
//! A visitor's browser loads `/embed.js`, which asks
//! `POST /widget/v1/{key}/session` for a token (only from an allowed
//! origin) and then `POST /widget/v1/{key}/messages` with it. The token is
//! signed by the server and bound to the assistant's public key and to the
//! site's origin: rotating the key or removing the origin ends it.

mod limits;
mod origins;
mod session;
mod settings;

pub use limits::{LimitKind, LimitReached, address_key, check_limit, check_limits, human_wait};
pub use origins::{MAX_ORIGINS, is_allowed, normalize_origin, parse_allowed_origins};
pub use session::{Claims, RENEWAL_WINDOW_SECS, Signer, TokenError, TokenKind, new_session};
pub use settings::{
    DAILY_RANGE, MAX_SUGGESTION_CHARS, MAX_SUGGESTIONS, MAX_TITLE_CHARS, MAX_WELCOME_CHARS,
    SettingsForm, VISITOR_HOURLY_RANGE, normalize_accent, strip_citations, validate_settings,
};

use rand::Rng;
use rand::distributions::Alphanumeric;

/// Every widget key starts with this.
pub const KEY_PREFIX: &str = "pub_";

/// A new public key: `pub_` and 24 random letters and digits.
pub fn new_key() -> String {
    format!("{KEY_PREFIX}{}", random_alphanumeric(24))
}

fn random_alphanumeric(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Where `/embed.js` is reached: the configured public address, or the
/// scheme and host the dashboard was visited at.
pub fn script_url(public_url: Option<&str>, host: Option<&str>, https: bool) -> String {
    let base = crate::model::site_address(public_url, host, https);
    format!("{base}/embed.js")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_served_from_the_public_address() {
        assert_eq!(
            script_url(
                Some("https://chat.example.com/"),
                Some("internal:3000"),
                false
            ),
            "https://chat.example.com/embed.js"
        );
        assert_eq!(
            script_url(None, Some("127.0.0.1:3000"), false),
            "http://127.0.0.1:3000/embed.js"
        );
    }
}
