//! The embeddable chat: one script tag puts an assistant on a customer's
//! website. This module holds its rules as pure functions — which origins
//! may use it, the visitor's signed session token, the limits and how they
//! are worded; [`http`] serves it, [`crate::db::widgets`] stores it.
//!
//! A visitor's browser loads `/embed.js`, which asks
//! `POST /widget/v1/{key}/session` for a token (only from an allowed
//! origin) and then `POST /widget/v1/{key}/messages` with it. The token is
//! signed by the server and bound to the assistant's public key and to the
//! site's origin: rotating the key or removing the origin ends it.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::Sha256;

/// Every widget key starts with this.
pub const KEY_PREFIX: &str = "pub_";
/// Allowed origins an assistant may list.
pub const MAX_ORIGINS: usize = 20;
/// Suggested questions shown to visitors.
pub const MAX_SUGGESTIONS: usize = 4;
/// The longest suggested question, welcome message and title, in characters.
pub const MAX_SUGGESTION_CHARS: usize = 200;
pub const MAX_WELCOME_CHARS: usize = 1000;
pub const MAX_TITLE_CHARS: usize = 80;
/// Ranges of the two limits.
pub const VISITOR_HOURLY_RANGE: std::ops::RangeInclusive<i64> = 1..=10_000;
pub const DAILY_RANGE: std::ops::RangeInclusive<i64> = 1..=1_000_000;
/// How long after its expiry a token may still be renewed into a fresh one
/// for the same conversation (a visitor coming back within a week).
pub const RENEWAL_WINDOW_SECS: i64 = 7 * 24 * 3600;

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

/// The canonical form of a web origin, `scheme://host[:port]`, lower-case,
/// without the scheme's default port; `None` unless it is an http(s)
/// origin with nothing after the host but an optional `/`.
pub fn normalize_origin(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
        || url.path() != "/"
        || raw.contains('*')
    {
        return None;
    }
    // `Url` drops default ports and lower-cases scheme and host.
    let origin = url.origin().ascii_serialization();
    (origin != "null").then_some(origin)
}

/// The owner's list of allowed origins (one per line, blank lines ignored)
/// in canonical form, without repeats; or the message saying what is wrong.
pub fn parse_allowed_origins(text: &str) -> Result<Vec<String>, String> {
    let mut origins: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some(origin) = normalize_origin(line) else {
            return Err(format!(
                "“{line}” is not an origin. Write the site's address only, e.g. https://www.example.com (no path, no wildcard)."
            ));
        };
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    if origins.len() > MAX_ORIGINS {
        return Err(format!("List at most {MAX_ORIGINS} origins."));
    }
    Ok(origins)
}

/// True when `origin` (an `Origin` header) is one of `allowed`.
pub fn is_allowed(allowed: &[String], origin: &str) -> bool {
    normalize_origin(origin).is_some_and(|origin| allowed.contains(&origin))
}

/// A colour `#rrggbb` in lower case, or `None`.
pub fn normalize_accent(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let hex = raw.strip_prefix('#')?;
    (hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| format!("#{}", hex.to_ascii_lowercase()))
}

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

/// Which limit a message ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// Messages per visitor per hour.
    Visitor,
    /// Messages per assistant per day.
    Assistant,
}

impl LimitKind {
    /// The window the limit counts over.
    pub fn window(self) -> chrono::Duration {
        match self {
            Self::Visitor => chrono::Duration::hours(1),
            Self::Assistant => chrono::Duration::days(1),
        }
    }

    /// The machine-readable code of the 429.
    pub fn code(self) -> &'static str {
        match self {
            Self::Visitor => "visitor_limit",
            Self::Assistant => "assistant_limit",
        }
    }
}

/// A limit reached: which, its size, and in how many seconds a message
/// will be accepted again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitReached {
    pub kind: LimitKind,
    pub limit: i64,
    pub retry_after_secs: i64,
}

/// Checks a limit of `limit` messages per window given how many were sent
/// in the window and when the oldest of them was: `Err` when full, saying
/// when the oldest leaves the window.
pub fn check_limit(
    kind: LimitKind,
    limit: i64,
    used: i64,
    oldest_in_window: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), LimitReached> {
    if used < limit {
        return Ok(());
    }
    let frees_at = oldest_in_window.map_or(now + kind.window(), |oldest| oldest + kind.window());
    Err(LimitReached {
        kind,
        limit,
        retry_after_secs: (frees_at - now).num_seconds().max(1),
    })
}

/// Checks a question against both limits, the visitor's hourly one first,
/// given what each window already holds.
pub fn check_limits(
    visitor_hourly_limit: i64,
    daily_limit: i64,
    usage: &crate::db::widgets::WidgetUsage,
    now: DateTime<Utc>,
) -> Result<(), LimitReached> {
    check_limit(
        LimitKind::Visitor,
        visitor_hourly_limit,
        usage.visitor.count,
        usage.visitor.oldest,
        now,
    )?;
    check_limit(
        LimitKind::Assistant,
        daily_limit,
        usage.assistant.count,
        usage.assistant.oldest,
        now,
    )
}

/// The key a visitor's address is counted under: an IPv4 address as it is
/// (also when written IPv4-mapped, `::ffff:192.0.2.1`, as dual-stack
/// sockets report it), an IPv6 address by its /64 network — the smallest
/// block a provider hands out, so one subscriber is one visitor however
/// many of its 2^64 addresses they use. Anything that is not an address
/// (with or without a port) is kept as it is.
pub fn address_key(raw: &str) -> String {
    use std::net::{IpAddr, Ipv6Addr, SocketAddr};
    let raw = raw.trim();
    let ip = raw
        .parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| {
            raw.strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inner| inner.parse::<IpAddr>().ok())
        });
    match ip {
        None => raw.to_owned(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let network = u128::from(v6) & !u128::from(u64::MAX);
                format!("{}/64", Ipv6Addr::from(network))
            }
        },
    }
}

/// "about 14 minutes", "about 3 hours", "a minute".
pub fn human_wait(seconds: i64) -> String {
    let minutes = (seconds + 59) / 60;
    match minutes {
        ..=1 => "a minute".to_owned(),
        2..=59 => format!("about {minutes} minutes"),
        _ => {
            let hours = (minutes + 30) / 60;
            if hours <= 1 {
                "about an hour".to_owned()
            } else {
                format!("about {hours} hours")
            }
        }
    }
}

impl LimitReached {
    /// What the visitor reads.
    pub fn message(&self) -> String {
        let wait = human_wait(self.retry_after_secs);
        match self.kind {
            LimitKind::Visitor => {
                let messages = if self.limit == 1 {
                    "1 message".to_owned()
                } else {
                    format!("{} messages", self.limit)
                };
                format!(
                    "You have reached the limit of {messages} an hour for this chat. You can ask again in {wait}."
                )
            }
            LimitKind::Assistant => format!(
                "This assistant has answered all the questions it can for today. Please try again in {wait}."
            ),
        }
    }
}

/// The answer without its `[n]` citations (for sites that hide sources).
pub fn strip_citations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        let after = &rest[start + 1..];
        let inner_len = after.find(']').unwrap_or(usize::MAX);
        let is_citation = inner_len != usize::MAX
            && inner_len > 0
            && after[..inner_len]
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == ' ')
            && after[..inner_len].chars().any(|c| c.is_ascii_digit());
        if is_citation {
            out.push_str(rest[..start].trim_end_matches(' '));
            rest = &after[inner_len + 1..];
        } else {
            out.push_str(&rest[..=start]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The owner's form, as typed.
#[derive(Debug, Clone, Default)]
pub struct SettingsForm {
    pub enabled: bool,
    pub allowed_origins: String,
    pub title: String,
    pub accent: String,
    pub position: String,
    pub welcome: String,
    pub suggestions: Vec<String>,
    pub show_sources: bool,
    pub visitor_hourly_limit: String,
    pub daily_limit: String,
}

/// The settings in the form, or the messages by field saying what to fix.
pub fn validate_settings(
    form: &SettingsForm,
) -> Result<crate::db::widgets::WidgetSettings, crate::model::FieldErrors> {
    let mut errors = crate::model::FieldErrors::new();
    let mut fail = |field: &str, message: String| {
        errors.entry(field.to_owned()).or_default().push(message);
    };
    let origins = parse_allowed_origins(&form.allowed_origins).unwrap_or_else(|message| {
        fail("allowed_origins", message);
        Vec::new()
    });
    if form.enabled && origins.is_empty() && form.allowed_origins.trim().is_empty() {
        fail(
            "allowed_origins",
            "Add at least one origin: the chat works only on the sites listed here.".to_owned(),
        );
    }
    let title = form.title.trim().to_owned();
    if title.chars().count() > MAX_TITLE_CHARS {
        fail(
            "title",
            format!("Keep it under {MAX_TITLE_CHARS} characters."),
        );
    }
    let accent = normalize_accent(&form.accent).unwrap_or_else(|| {
        fail("accent", "Choose a colour like #4f46e5.".to_owned());
        String::new()
    });
    let position = match form.position.trim() {
        "" | "right" => "right",
        "left" => "left",
        _ => {
            fail("position", "Choose bottom right or bottom left.".to_owned());
            "right"
        }
    };
    let welcome = form.welcome.trim().to_owned();
    if welcome.chars().count() > MAX_WELCOME_CHARS {
        fail(
            "welcome",
            format!("Keep it under {MAX_WELCOME_CHARS} characters."),
        );
    }
    let mut suggestions = Vec::new();
    for (index, text) in form.suggestions.iter().enumerate().take(MAX_SUGGESTIONS) {
        // One line each: a suggestion is stored one per line.
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > MAX_SUGGESTION_CHARS {
            fail(
                &format!("suggestion_{}", index + 1),
                format!("Keep it under {MAX_SUGGESTION_CHARS} characters."),
            );
        } else if !text.is_empty() {
            suggestions.push(text);
        }
    }
    let mut limit = |field: &str, raw: &str, range: std::ops::RangeInclusive<i64>| match raw
        .trim()
        .replace([',', '_', ' '], "")
        .parse::<i64>()
    {
        Ok(value) if range.contains(&value) => value,
        _ => {
            fail(
                field,
                format!(
                    "Enter a whole number from {} to {}.",
                    range.start(),
                    range.end()
                ),
            );
            0
        }
    };
    let visitor_hourly_limit = limit(
        "visitor_hourly_limit",
        &form.visitor_hourly_limit,
        VISITOR_HOURLY_RANGE,
    );
    let daily_limit = limit("daily_limit", &form.daily_limit, DAILY_RANGE);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(crate::db::widgets::WidgetSettings {
        enabled: form.enabled,
        allowed_origins: origins,
        title,
        accent,
        position: position.to_owned(),
        welcome,
        suggestions,
        show_sources: form.show_sources,
        visitor_hourly_limit,
        daily_limit,
    })
}

/// Where `/embed.js` is reached: the configured public address, or the
/// scheme and host the dashboard was visited at.
pub fn script_url(public_url: Option<&str>, host: Option<&str>, https: bool) -> String {
    let base = match public_url.map(|url| url.trim().trim_end_matches('/')) {
        Some(url) if !url.is_empty() => url.to_owned(),
        _ => format!(
            "{}://{}",
            if https { "https" } else { "http" },
            host.unwrap_or("localhost:3000")
        ),
    };
    format!("{base}/embed.js")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_canonical_and_strict() {
        assert_eq!(
            normalize_origin("HTTPS://WWW.Example.com/").as_deref(),
            Some("https://www.example.com")
        );
        assert_eq!(
            normalize_origin("https://example.com:443").as_deref(),
            Some("https://example.com")
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:3150").as_deref(),
            Some("http://127.0.0.1:3150")
        );
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "https://example.com/page",
            "https://example.com?x=1",
            "https://*.example.com",
            "https://user:pw@example.com",
            "javascript:alert(1)",
            "null",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn allowed_origins_are_one_per_line_without_repeats() {
        let parsed = parse_allowed_origins(
            "https://a.example\n\n  https://A.example/ \nhttp://b.example:8080\n",
        )
        .unwrap();
        assert_eq!(parsed, ["https://a.example", "http://b.example:8080"]);
        assert!(parse_allowed_origins("https://a.example/blog").is_err());
        let many: String = (0..=MAX_ORIGINS)
            .map(|n| format!("https://s{n}.example\n"))
            .collect();
        assert!(parse_allowed_origins(&many).is_err());
        assert!(is_allowed(&parsed, "https://a.example"));
        assert!(!is_allowed(&parsed, "https://a.example.evil.com"));
        assert!(!is_allowed(&parsed, "null"));
    }

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

    #[test]
    fn limits_say_when_to_come_back() {
        let now = Utc::now();
        assert!(check_limit(LimitKind::Visitor, 2, 1, Some(now), now).is_ok());
        let reached = check_limit(
            LimitKind::Visitor,
            2,
            2,
            Some(now - chrono::Duration::minutes(46)),
            now,
        )
        .unwrap_err();
        assert_eq!(reached.retry_after_secs, 14 * 60);
        assert_eq!(
            reached.message(),
            "You have reached the limit of 2 messages an hour for this chat. You can ask again in about 14 minutes."
        );
        let daily = check_limit(
            LimitKind::Assistant,
            5,
            9,
            Some(now - chrono::Duration::hours(21)),
            now,
        )
        .unwrap_err();
        assert_eq!(daily.retry_after_secs, 3 * 3600);
        assert!(daily.message().contains("about 3 hours"));
        assert_eq!(human_wait(30), "a minute");
        assert_eq!(human_wait(3600), "about an hour");
    }

    #[test]
    fn both_limits_are_checked_visitor_first() {
        use crate::db::widgets::{WidgetUsage, WindowCount};
        let now = Utc::now();
        let used = |count| WindowCount {
            count,
            oldest: Some(now - chrono::Duration::minutes(10)),
        };
        let usage = |visitor, assistant| WidgetUsage {
            visitor: used(visitor),
            assistant: used(assistant),
        };
        assert!(check_limits(3, 10, &usage(2, 9), now).is_ok());
        let full = |visitor, assistant| check_limits(3, 10, &usage(visitor, assistant), now);
        assert_eq!(full(3, 10).unwrap_err().kind, LimitKind::Visitor);
        assert_eq!(full(0, 10).unwrap_err().kind, LimitKind::Assistant);
        assert_eq!(full(3, 0).unwrap_err().retry_after_secs, 50 * 60);
    }

    #[test]
    fn visitors_are_counted_by_ipv4_address_and_ipv6_network() {
        assert_eq!(address_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key(" 203.0.113.7:5123 "), "203.0.113.7");
        assert_eq!(address_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key("[::ffff:203.0.113.7]:443"), "203.0.113.7");
        let network = "2001:db8:1:2::/64";
        for same in [
            "2001:db8:1:2::1",
            "2001:DB8:1:2:ffff:ffff:ffff:ffff",
            "[2001:db8:1:2:a:b:c:d]",
            "[2001:db8:1:2::9]:8080",
        ] {
            assert_eq!(address_key(same), network, "{same}");
        }
        assert_eq!(address_key("2001:db8:1:3::1"), "2001:db8:1:3::/64");
        assert_eq!(address_key("::1"), "::/64");
        assert_eq!(address_key("unknown"), "unknown");
    }

    #[test]
    fn citations_are_stripped_but_other_brackets_stay() {
        assert_eq!(
            strip_citations("Capex was $1,577 million [1]. Dividends rose [2, 3]."),
            "Capex was $1,577 million. Dividends rose."
        );
        assert_eq!(
            strip_citations("See [note] and [a1]."),
            "See [note] and [a1]."
        );
        assert_eq!(strip_citations("Open [ and [1"), "Open [ and [1");
    }

    fn form() -> SettingsForm {
        SettingsForm {
            enabled: true,
            allowed_origins: "https://www.example.com".into(),
            accent: "#4f46e5".into(),
            position: "right".into(),
            suggestions: vec!["What was revenue?".into(), " ".into()],
            show_sources: true,
            visitor_hourly_limit: "20".into(),
            daily_limit: "1,000".into(),
            ..SettingsForm::default()
        }
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let settings = validate_settings(&form()).unwrap();
        assert_eq!(settings.allowed_origins, ["https://www.example.com"]);
        assert_eq!(settings.suggestions, ["What was revenue?"]);
        assert_eq!(settings.daily_limit, 1000);

        let errors = validate_settings(&SettingsForm {
            allowed_origins: String::new(),
            accent: "red".into(),
            position: "top".into(),
            visitor_hourly_limit: "0".into(),
            daily_limit: "lots".into(),
            ..form()
        })
        .unwrap_err();
        for field in [
            "allowed_origins",
            "accent",
            "position",
            "visitor_hourly_limit",
            "daily_limit",
        ] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        // Off, a widget needs no origin yet.
        assert!(
            validate_settings(&SettingsForm {
                enabled: false,
                allowed_origins: String::new(),
                ..form()
            })
            .is_ok()
        );
    }

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

    #[test]
    fn accents_are_hex_colours() {
        assert_eq!(normalize_accent("#4F46E5").as_deref(), Some("#4f46e5"));
        assert_eq!(normalize_accent("red"), None);
        assert_eq!(normalize_accent("#12345"), None);
        assert_eq!(normalize_accent("#1234567"), None);
    }
}
