//! Which websites may use an assistant's chat: origins in their canonical
//! form, as the owner lists them.

/// Allowed origins an assistant may list.
pub const MAX_ORIGINS: usize = 20;

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
}
