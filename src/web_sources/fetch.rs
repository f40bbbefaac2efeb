//! Fetching web pages safely: every address checked (scheme, credentials,
//! an IP written as the host) before each request and each redirect
//! followed (at most [`MAX_REDIRECTS`]); every name resolved through a
//! resolver that drops non-public addresses, so a name pointing at the
//! private network is refused at connection time too; no proxy, no
//! cookies, no credentials; a time limit and a size limit per page, read
//! as it streams in; one request at a time per host, spaced out.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{
    ACCEPT, CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION,
};
use tokio::time::Instant;
use url::Url;

use super::address::{self, AddressError, is_public};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Redirects followed for one page at most.
pub const MAX_REDIRECTS: usize = 5;

/// How pages are fetched: the operator's choices.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Fetch private, loopback and link-local addresses too.
    pub allow_private: bool,
    /// The most one page (all its redirects and its body) may take.
    pub timeout: Duration,
    /// The largest body read; a larger page is refused.
    pub max_bytes: usize,
    /// The least time between two requests to one host.
    pub interval: Duration,
    /// The `User-Agent` sent.
    pub user_agent: String,
}

/// What is fetched, and so which content types are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// A page: HTML (or XHTML).
    Page,
    /// A sitemap: XML or plain text.
    Sitemap,
    /// `robots.txt`: plain text.
    Robots,
}

impl Accept {
    fn header(self) -> &'static str {
        match self {
            Self::Page => "text/html,application/xhtml+xml;q=0.9",
            Self::Sitemap => "application/xml,text/xml;q=0.9,text/plain;q=0.5",
            Self::Robots => "text/plain",
        }
    }

    fn takes(self, content_type: &str) -> bool {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match self {
            Self::Page => matches!(essence.as_str(), "text/html" | "application/xhtml+xml"),
            Self::Sitemap => {
                matches!(
                    essence.as_str(),
                    "application/xml" | "text/xml" | "text/plain" | ""
                ) || essence.ends_with("+xml")
            }
            Self::Robots => true,
        }
    }
}

/// A request: the address, what it is, what was seen last time.
#[derive(Debug, Clone)]
pub struct Ask<'a> {
    pub url: &'a Url,
    pub accept: Accept,
    /// The `ETag` last seen (sent as `If-None-Match`).
    pub etag: Option<&'a str>,
    /// The `Last-Modified` last seen (sent as `If-Modified-Since`).
    pub last_modified: Option<&'a str>,
    /// A longer spacing the site asked for (`Crawl-delay`).
    pub spacing: Option<Duration>,
}

impl<'a> Ask<'a> {
    /// A plain request for `url`.
    pub fn new(url: &'a Url, accept: Accept) -> Self {
        Self {
            url,
            accept,
            etag: None,
            last_modified: None,
            spacing: None,
        }
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// The content, and where it was found after redirects.
    Body {
        final_url: Url,
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// Unchanged since the `ETag` or date sent (304).
    NotModified { final_url: Url },
    /// The page is gone (404 or 410).
    Gone { status: u16 },
}

/// Why a page could not be fetched, in words for its owner.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0}")]
    Address(#[from] AddressError),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("a redirect without a valid Location")]
    BadRedirect,
    #[error("the server answered {0}")]
    Status(u16),
    #[error("larger than the {0} MB limit")]
    TooLarge(usize),
    #[error("no answer within {0} seconds")]
    Timeout(u64),
    #[error("not a web page (its type is {0})")]
    ContentType(String),
    #[error("could not be reached ({0})")]
    Network(String),
}

/// The fetcher: cheap to clone, shared by every sync of a server.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: Arc<FetchSettings>,
    /// When each host (`host:port`) may next be asked.
    turns: Arc<Mutex<HashMap<String, Instant>>>,
}

/// Resolves names to their public addresses only (unless private ones
/// are allowed); a name with none is refused, saying which address it had.
#[derive(Debug)]
struct PublicOnly {
    allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = match tokio::net::lookup_host((host.as_str(), 0)).await {
                Ok(found) => found.collect(),
                Err(error) => return Err(Box::new(error) as BoxError),
            };
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if kept.is_empty() {
                let error = match found.first() {
                    Some(refused) => AddressError::Private {
                        host,
                        ip: refused.ip(),
                    },
                    None => AddressError::Unknown(host),
                };
                return Err(Box::new(error) as BoxError);
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

impl Fetcher {
    /// A fetcher with these settings.
    pub fn new(settings: FetchSettings) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .referer(false)
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .dns_resolver(Arc::new(PublicOnly {
                allow_private: settings.allow_private,
            }))
            .build()?;
        Ok(Self {
            client,
            settings: Arc::new(settings),
            turns: Arc::default(),
        })
    }

    /// Whether private addresses may be fetched.
    pub fn allows_private(&self) -> bool {
        self.settings.allow_private
    }

    /// Fetches one page (following redirects), within the time limit.
    pub async fn fetch(&self, ask: &Ask<'_>) -> Result<Fetched, FetchError> {
        let limit = self.settings.timeout;
        tokio::time::timeout(limit, self.follow(ask))
            .await
            .unwrap_or(Err(FetchError::Timeout(limit.as_secs().max(1))))
    }

    async fn follow(&self, ask: &Ask<'_>) -> Result<Fetched, FetchError> {
        let mut url = ask.url.clone();
        for _ in 0..=MAX_REDIRECTS {
            address::check(&url, self.settings.allow_private)?;
            self.wait_turn(&url, ask.spacing).await;
            let mut request = self
                .client
                .get(url.clone())
                .header(ACCEPT, ask.accept.header());
            if let Some(etag) = ask.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(date) = ask.last_modified {
                request = request.header(IF_MODIFIED_SINCE, date);
            }
            let response = request.send().await.map_err(|e| self.failure(&e))?;
            let status = response.status();
            if status.is_redirection() && status.as_u16() != 304 {
                url = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| url.join(l).ok())
                    .ok_or(FetchError::BadRedirect)?;
                url.set_fragment(None);
                continue;
            }
            return match status.as_u16() {
                304 => Ok(Fetched::NotModified { final_url: url }),
                code @ (404 | 410) => Ok(Fetched::Gone { status: code }),
                code if !status.is_success() => Err(FetchError::Status(code)),
                _ => self.read(response, ask.accept, url).await,
            };
        }
        Err(FetchError::TooManyRedirects)
    }

    async fn read(
        &self,
        mut response: reqwest::Response,
        accept: Accept,
        final_url: Url,
    ) -> Result<Fetched, FetchError> {
        let headers = response.headers().clone();
        let content_type = header(&headers, CONTENT_TYPE).unwrap_or_default();
        if !accept.takes(&content_type) {
            return Err(FetchError::ContentType(content_type));
        }
        let cap = self.settings.max_bytes;
        let too_large = FetchError::TooLarge(cap.div_ceil(1024 * 1024));
        if response
            .content_length()
            .is_some_and(|length| length > cap as u64)
        {
            return Err(too_large);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.failure(&e))? {
            if bytes.len() + chunk.len() > cap {
                return Err(too_large);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            final_url,
            bytes,
            etag: header(&headers, ETAG),
            last_modified: header(&headers, LAST_MODIFIED),
        })
    }

    /// Waits until `url`'s host may be asked again, and books the next turn.
    async fn wait_turn(&self, url: &Url, spacing: Option<Duration>) {
        let host = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or(0)
        );
        let spacing = spacing.map_or(self.settings.interval, |s| s.max(self.settings.interval));
        let now = Instant::now();
        let turn = {
            let mut turns = self
                .turns
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if turns.len() > 10_000 {
                turns.retain(|_, next| *next > now);
            }
            let turn = turns.get(&host).map_or(now, |next| (*next).max(now));
            turns.insert(host, turn + spacing);
            turn
        };
        tokio::time::sleep_until(turn).await;
    }

    /// What went wrong with a request, in words for the page's owner.
    fn failure(&self, error: &reqwest::Error) -> FetchError {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(inner) = cause {
            if let Some(refused) = inner.downcast_ref::<AddressError>() {
                return FetchError::Address(refused.clone());
            }
            cause = inner.source();
        }
        if error.is_timeout() {
            FetchError::Timeout(self.settings.timeout.as_secs().max(1))
        } else if error.is_connect() {
            FetchError::Network("the connection failed".to_owned())
        } else {
            FetchError::Network("the connection broke off".to_owned())
        }
    }
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 512)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetcher(allow_private: bool) -> Fetcher {
        Fetcher::new(FetchSettings {
            allow_private,
            timeout: Duration::from_secs(5),
            max_bytes: 1024,
            interval: Duration::ZERO,
            user_agent: "AIConvoKit/test".into(),
        })
        .expect("client")
    }

    #[tokio::test]
    async fn a_name_resolving_to_a_private_address_is_refused_at_connection() {
        // `localhost` passes the check of the address as written (it is a
        // name); the resolver then finds only loopback addresses.
        let url = Url::parse("http://localhost:9/page").expect("url");
        let refused = fetcher(false)
            .fetch(&Ask::new(&url, Accept::Page))
            .await
            .expect_err("refused");
        assert!(
            matches!(&refused, FetchError::Address(AddressError::Private { host, .. }) if host == "localhost"),
            "{refused:?}"
        );
        assert!(
            refused
                .to_string()
                .ends_with("this server does not fetch private addresses."),
            "{refused}"
        );
    }

    #[tokio::test]
    async fn a_private_ip_written_out_is_refused_before_any_connection() {
        let url = Url::parse("http://169.254.169.254/latest/meta-data/").expect("url");
        let refused = fetcher(false)
            .fetch(&Ask::new(&url, Accept::Page))
            .await
            .expect_err("refused");
        assert!(
            matches!(
                refused,
                FetchError::Address(AddressError::PrivateLiteral { .. })
            ),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn requests_to_one_host_are_spaced_out_and_carry_no_cookie_but_our_user_agent() {
        use std::sync::{Arc, Mutex};

        use axum::http::{HeaderMap as Headers, header as h};

        let seen: Arc<Mutex<Vec<Headers>>> = Arc::default();
        let router = axum::Router::new().fallback({
            let seen = seen.clone();
            move |headers: Headers| async move {
                seen.lock().unwrap().push(headers);
                (
                    [
                        (h::CONTENT_TYPE, "text/html"),
                        (h::SET_COOKIE, "session=abc"),
                    ],
                    "<p>hello</p>",
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        let fetcher = Fetcher::new(FetchSettings {
            allow_private: true,
            interval: Duration::from_millis(300),
            ..fetcher(true).settings.as_ref().clone()
        })
        .unwrap();
        let started = std::time::Instant::now();
        for _ in 0..3 {
            let fetched = fetcher.fetch(&Ask::new(&url, Accept::Page)).await.unwrap();
            assert!(matches!(fetched, Fetched::Body { .. }));
        }
        assert!(
            started.elapsed() >= Duration::from_millis(600),
            "{:?}",
            started.elapsed()
        );
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3);
        for headers in seen.iter() {
            assert_eq!(headers[h::USER_AGENT], "AIConvoKit/test");
            assert!(headers.get(h::COOKIE).is_none(), "{headers:?}");
            assert!(headers.get(h::AUTHORIZATION).is_none());
        }
    }

    #[test]
    fn only_the_expected_content_types_are_taken() {
        assert!(Accept::Page.takes("text/html; charset=utf-8"));
        assert!(Accept::Page.takes("application/xhtml+xml"));
        assert!(!Accept::Page.takes("application/pdf"));
        assert!(!Accept::Page.takes(""));
        assert!(Accept::Sitemap.takes("application/xml"));
        assert!(Accept::Sitemap.takes("text/plain"));
        assert!(!Accept::Sitemap.takes("image/png"));
    }
}
