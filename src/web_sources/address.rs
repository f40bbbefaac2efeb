//! Which addresses the server may fetch: http and https only, no user
//! names or passwords, and (unless the operator allows it) no private,
//! loopback, link-local or otherwise non-public address, checked on the
//! address a name resolves to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// The longest address accepted.
pub const MAX_URL_CHARS: usize = 2000;

/// Why an address is not fetched, in words for the person who gave it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("Enter a valid URL.")]
    Invalid,
    #[error("Ensure this field has no more than {MAX_URL_CHARS} characters.")]
    TooLong,
    #[error("Only http and https addresses can be fetched (not {0}:).")]
    Scheme(String),
    #[error("Addresses with a user name or password are not fetched.")]
    Credentials,
    #[error("{host} is a private address ({ip}); this server does not fetch private addresses.")]
    PrivateLiteral { host: String, ip: IpAddr },
    #[error(
        "{host} resolves to a private address ({ip}); this server does not fetch private addresses."
    )]
    Private { host: String, ip: IpAddr },
    #[error("The host {0} could not be found.")]
    Unknown(String),
}

/// True for an address on the public internet: false for private (10/8,
/// 172.16/12, 192.168/16, fc00::/7), loopback, link-local, unspecified,
/// multicast, broadcast, documentation, shared (100.64/10, CGNAT),
/// benchmarking and reserved ranges, and for IPv6 forms of IPv4 addresses
/// that are any of these.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        // 100.64.0.0/10: shared address space (carrier-grade NAT).
        || (a == 100 && (b & 0xc0) == 64)
        // 192.0.0.0/24: protocol assignments.
        || (a == 192 && b == 0 && c == 0)
        // 198.18.0.0/15: benchmarking.
        || (a == 198 && (b & 0xfe) == 18)
        // 240.0.0.0/4: reserved.
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    // ::/96, IPv4-compatible (deprecated), and 64:ff9b::/96, NAT64: both
    // carry an IPv4 address in their last 32 bits.
    if segments[..6] == [0; 6] || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        if ip.is_unspecified() || ip.is_loopback() {
            return false;
        }
        let [.., hi, lo] = segments;
        return is_public_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7: unique local.
        || (segments[0] & 0xfe00) == 0xfc00
        // fe80::/10: link-local; fec0::/10: site-local (deprecated).
        || (segments[0] & 0xffc0) == 0xfe80
        || (segments[0] & 0xffc0) == 0xfec0
        // 2001:db8::/32: documentation.
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
        // 100::/64: discard.
        || (segments[0] == 0x0100 && segments[1..4] == [0, 0, 0]))
}

/// Parses and checks an address given by a person, without resolving it:
/// its length, its scheme, no credentials, and (unless `allow_private`)
/// no private IP address written out as the host.
pub fn parse(raw: &str, allow_private: bool) -> Result<Url, AddressError> {
    let raw = raw.trim();
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(AddressError::TooLong);
    }
    let url = Url::parse(raw).map_err(|_| AddressError::Invalid)?;
    check(&url, allow_private)?;
    Ok(url)
}

/// Checks an address met on the way (a link, a redirect): scheme,
/// credentials, length, and an IP address written as its host (a name is
/// checked when it is resolved).
pub fn check(url: &Url, allow_private: bool) -> Result<(), AddressError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AddressError::Scheme(url.scheme().to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AddressError::Credentials);
    }
    if url.as_str().len() > MAX_URL_CHARS {
        return Err(AddressError::TooLong);
    }
    let ip = match url.host() {
        None => return Err(AddressError::Invalid),
        Some(Host::Domain(_)) => return Ok(()),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
    };
    if allow_private || is_public(ip) {
        Ok(())
    } else {
        Err(AddressError::PrivateLiteral {
            host: url.host_str().unwrap_or_default().to_owned(),
            ip,
        })
    }
}

/// Resolves a name, refusing it when (unless `allow_private`) any of its
/// addresses is not public: the check a person gets an answer from when
/// adding a source (the fetcher checks again on every connection).
pub async fn resolve_checked(url: &Url, allow_private: bool) -> Result<(), AddressError> {
    let Some(Host::Domain(host)) = url.host() else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(80);
    let unknown = || AddressError::Unknown(host.to_owned());
    let addresses: Vec<IpAddr> = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tokio::net::lookup_host((host, port)),
    )
    .await
    .map_err(|_| unknown())?
    .map_err(|_| unknown())?
    .map(|a| a.ip())
    .collect();
    if addresses.is_empty() {
        return Err(unknown());
    }
    if !allow_private && let Some(ip) = addresses.into_iter().find(|ip| !is_public(*ip)) {
        return Err(AddressError::Private {
            host: host.to_owned(),
            ip,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public(text.parse().expect("an address"))
    }

    #[test]
    fn private_loopback_link_local_and_reserved_addresses_are_not_public() {
        for ip in [
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.1",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.7",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!public(ip), "{ip} was taken for public");
        }
    }

    #[test]
    fn public_addresses_are_public() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(public(ip), "{ip} was refused");
        }
    }

    #[test]
    fn only_http_and_https_without_credentials_are_accepted() {
        assert!(parse("https://example.com/docs", false).is_ok());
        assert_eq!(
            parse("file:///etc/passwd", false),
            Err(AddressError::Scheme("file".into()))
        );
        assert_eq!(
            parse("ftp://example.com/", false),
            Err(AddressError::Scheme("ftp".into()))
        );
        assert_eq!(
            parse("https://user:secret@example.com/", false),
            Err(AddressError::Credentials)
        );
        assert_eq!(parse("not a url", false), Err(AddressError::Invalid));
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(parse(&long, false), Err(AddressError::TooLong));
    }

    #[test]
    fn ip_literals_are_checked_unless_private_fetching_is_allowed() {
        let refused = parse("http://127.0.0.1:8080/", false).unwrap_err();
        assert!(refused.to_string().contains("private address (127.0.0.1)"));
        assert!(parse("http://[::1]/", false).is_err());
        assert!(parse("http://[::ffff:7f00:1]/", false).is_err());
        assert!(parse("http://127.0.0.1:8080/", true).is_ok());
        assert!(parse("http://93.184.215.14/", false).is_ok());
    }
}
