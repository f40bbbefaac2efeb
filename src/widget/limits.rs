//! The limits on visitors' messages, how a visitor is counted, and how a
//! limit is worded.

use chrono::{DateTime, Utc};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
