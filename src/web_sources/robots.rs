//! `robots.txt` (RFC 9309): the rules of the group for our user agent, or
//! of the `*` group; the longest matching rule wins, `Allow` on a tie;
//! `*` matches any characters and a final `$` anchors at the end.

/// The product token our rules are looked up by.
pub const PRODUCT: &str = "aiconvokit";

/// The longest `robots.txt` read (RFC 9309 asks for at least 500 KiB).
pub const MAX_BYTES: usize = 512 * 1024;

/// A site's rules for us.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    /// `(allow, pattern)`.
    rules: Vec<(bool, String)>,
    /// Seconds asked between requests, if the site asks.
    pub crawl_delay: Option<f64>,
    /// Everything is refused (the file could not be read for a server error).
    disallow_all: bool,
}

impl Robots {
    /// No rules: everything may be fetched (no `robots.txt`).
    pub fn allow_all() -> Self {
        Self::default()
    }

    /// Nothing may be fetched (the site's `robots.txt` is unavailable).
    pub fn disallow_all() -> Self {
        Self {
            disallow_all: true,
            ..Self::default()
        }
    }

    /// The rules of a `robots.txt` for `product`.
    pub fn parse(text: &str, product: &str) -> Self {
        let product = product.to_ascii_lowercase();
        // Groups: the agents named, then their rules.
        let mut ours: Vec<(bool, String)> = Vec::new();
        let mut any: Vec<(bool, String)> = Vec::new();
        let (mut our_delay, mut any_delay) = (None, None);
        let mut named_us = false;
        let (mut for_us, mut for_any) = (false, false);
        let mut in_agents = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "user-agent" => {
                    if !in_agents {
                        for_us = false;
                        for_any = false;
                        in_agents = true;
                    }
                    let agent = value.to_ascii_lowercase();
                    if agent == "*" {
                        for_any = true;
                    } else if agent == product {
                        for_us = true;
                        named_us = true;
                    }
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    let allow = key == "allow";
                    // An empty `Disallow:` allows everything: no rule.
                    if value.is_empty() {
                        continue;
                    }
                    if for_us {
                        ours.push((allow, value.to_owned()));
                    }
                    if for_any {
                        any.push((allow, value.to_owned()));
                    }
                }
                "crawl-delay" => {
                    in_agents = false;
                    let delay = value
                        .parse::<f64>()
                        .ok()
                        .filter(|d| d.is_finite() && *d >= 0.0);
                    if for_us {
                        our_delay = delay;
                    }
                    if for_any {
                        any_delay = delay;
                    }
                }
                _ => in_agents = false,
            }
        }
        if named_us {
            Self {
                rules: ours,
                crawl_delay: our_delay,
                disallow_all: false,
            }
        } else {
            Self {
                rules: any,
                crawl_delay: any_delay,
                disallow_all: false,
            }
        }
    }

    /// Whether a path (with its query, e.g. `/a/b?c=d`) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        if self.disallow_all {
            return false;
        }
        if path == "/robots.txt" {
            return true;
        }
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let length = pattern.len();
                best = match best {
                    Some((l, a)) if l > length || (l == length && a) => Some((l, a)),
                    _ => Some((length, *allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Whether a robots pattern matches the start of `path` (also how a
/// source's include and exclude patterns match).
pub fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let pattern = pattern.as_bytes();
    let path = path.as_bytes();
    // Positions in `path` the pattern so far can end at (a set, kept small
    // by deduplication: at most `path.len() + 1` entries).
    let mut ends = vec![0usize];
    for &byte in pattern {
        let mut next = Vec::new();
        if byte == b'*' {
            if let Some(&min) = ends.iter().min() {
                next.extend(min..=path.len());
            }
        } else {
            for &end in &ends {
                if path.get(end) == Some(&byte) {
                    next.push(end + 1);
                }
            }
        }
        next.dedup();
        if next.is_empty() {
            return false;
        }
        ends = next;
    }
    !anchored || ends.contains(&path.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_for_us_wins_over_the_star_group() {
        let robots = Robots::parse(
            "User-agent: *\nDisallow: /\n\nUser-agent: AIConvoKit\nDisallow: /private\n",
            PRODUCT,
        );
        assert!(robots.allows("/docs/a"));
        assert!(!robots.allows("/private/x"));
    }

    #[test]
    fn the_star_group_applies_when_we_are_not_named() {
        let robots = Robots::parse(
            "# comment\nUser-agent: Googlebot\nDisallow: /\n\nUser-agent: *\nDisallow: /secret # why\nCrawl-delay: 2\n",
            PRODUCT,
        );
        assert!(robots.allows("/"));
        assert!(!robots.allows("/secret"));
        assert!(!robots.allows("/secret/deeper?x=1"));
        assert!(!robots.allows("/secretary"));
        assert_eq!(robots.crawl_delay, Some(2.0));
    }

    #[test]
    fn the_longest_match_wins_and_allow_wins_a_tie() {
        let robots = Robots::parse(
            "User-agent: *\nDisallow: /docs/\nAllow: /docs/public/\nDisallow: /*.pdf$\nAllow: /same\nDisallow: /same\n",
            PRODUCT,
        );
        assert!(!robots.allows("/docs/private"));
        assert!(robots.allows("/docs/public/page"));
        assert!(!robots.allows("/files/report.pdf"));
        assert!(robots.allows("/files/report.pdf.html"));
        assert!(robots.allows("/same"));
    }

    #[test]
    fn only_our_exact_product_token_names_us() {
        let robots = Robots::parse(
            "User-agent: aiconvo\nDisallow: /\n\nUser-agent: *\nDisallow: /x\n",
            PRODUCT,
        );
        assert!(robots.allows("/docs"));
        assert!(!robots.allows("/x"));
    }

    #[test]
    fn empty_disallow_and_several_agents_in_one_group() {
        let robots = Robots::parse(
            "User-agent: a\nUser-agent: *\nDisallow:\n\nUser-agent: b\nDisallow: /\n",
            PRODUCT,
        );
        assert!(robots.allows("/anything"));
        assert!(!Robots::disallow_all().allows("/"));
        assert!(Robots::allow_all().allows("/x"));
    }

    #[test]
    fn stars_do_not_blow_up() {
        let pattern = "/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
        let path = format!("/{}", "a".repeat(5000));
        assert!(!matches(pattern, &path));
        assert!(matches("/*", "/x"));
        assert!(matches("/a*c$", "/abc"));
        assert!(!matches("/a*c$", "/abcd"));
    }
}
