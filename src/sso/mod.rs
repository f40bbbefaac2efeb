//! Single sign-on through an OpenID Connect provider: the authorization
//! code flow with PKCE (S256), `state` and `nonce`, on the `openidconnect`
//! crate, which verifies the ID token's signature, issuer, audience,
//! expiry and nonce.
//!
//! - The provider's metadata and keys are discovered at start in the
//!   background, and again on the next sign-in when the provider could not
//!   be reached then (the server starts all the same), or once they are an
//!   hour old.
//! - What a started sign-in must remember (state, nonce, PKCE verifier,
//!   where to go after) stays in the server-side session, never in a cookie
//!   the browser could edit; it is used once and expires after ten minutes.
//! - The email is taken from the ID token, or from the userinfo endpoint
//!   when the ID token does not carry it, and only when the provider says
//!   it is verified. It matches an existing account without regard to case
//!   ([`account::account_for`]).
//!
//! Errors: every failure is an [`SsoError`], which names the
//! [`SsoProblem`] the log-in page explains; causes are logged here, never
//! shown.

pub mod account;
mod error;
mod http;
pub mod settings;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum_login::tower_sessions::Session;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, RwLock};

pub use self::account::{Identity, account_for};
pub use self::error::{ConfigError, SsoError};
use self::http::ProviderClient;
pub use self::settings::{CALLBACK_PATH, DefaultRole, SsoSettings};
use crate::db::Db;
use crate::db::users::UserRow;
pub use crate::model::sign_in::SsoProblem;
use crate::workspaces::audit::{self, Actor, Event};

/// How long a started sign-in may take.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Sign-ins one browser may have under way at once (several tabs).
const MAX_PENDING: usize = 3;
/// The session key of the sign-ins under way.
const PENDING_KEY: &str = "sso.pending";
/// How long discovered metadata (and the provider's keys) is used.
const METADATA_MAX_AGE: Duration = Duration::from_secs(3600);
/// After a failed discovery, the least wait before the next try.
const RETRY_DISCOVERY_AFTER: Duration = Duration::from_secs(2);
/// How long one request to the provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// The client with the endpoints discovery gives it.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A sign-in under way, kept in the session until the provider sends the
/// person back.
#[derive(Clone, Serialize, Deserialize)]
struct PendingSignIn {
    state: String,
    nonce: String,
    pkce_verifier: String,
    next: String,
    /// Seconds since the epoch.
    started_at: i64,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("next", &self.next)
            .field("started_at", &self.started_at)
            .finish_non_exhaustive()
    }
}

impl PendingSignIn {
    fn expired(&self, now: i64) -> bool {
        let age = now.saturating_sub(self.started_at);
        !(0..=i64::try_from(SIGN_IN_TIMEOUT.as_secs()).unwrap_or(i64::MAX)).contains(&age)
    }

    /// Compares hashes of the states, so the time taken tells nothing of
    /// the expected one.
    fn has_state(&self, state: &str) -> bool {
        Sha256::digest(self.state.as_bytes()) == Sha256::digest(state.as_bytes())
    }
}

/// What the provider sends back to [`CALLBACK_PATH`].
#[derive(Default, Clone)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    /// The issuer of the answer (RFC 9207), when the provider sends it.
    pub iss: Option<String>,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("error", &self.error)
            .field("iss", &self.iss)
            .finish_non_exhaustive()
    }
}

/// Metadata from discovery, and when it was read.
struct Discovered {
    metadata: Arc<CoreProviderMetadata>,
    at: Instant,
}

/// The configured provider and what the server knows of it.
pub struct Sso {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    name: String,
    create_accounts: bool,
    default_workspace: Option<i64>,
    default_role: DefaultRole,
    http: ProviderClient,
    discovered: RwLock<Option<Discovered>>,
    /// Held while discovering, with the time of the last failure.
    discovering: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id.as_str())
            .field("redirect", &self.redirect.as_str())
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Sso {
    /// The provider `settings` configure, `None` without an issuer. The
    /// redirect URI is derived from `public_url`.
    pub fn from_settings(
        settings: &SsoSettings,
        public_url: Option<&str>,
    ) -> Result<Option<Arc<Self>>, ConfigError> {
        if !settings.enabled() {
            return if settings.password_login {
                Ok(None)
            } else {
                Err(ConfigError::NoWayToSignIn)
            };
        }
        let issuer = settings.oidc_issuer.as_deref().unwrap_or_default().trim();
        let issuer = url::Url::parse(issuer)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .map(|_| IssuerUrl::new(issuer.to_owned()))
            .and_then(Result::ok)
            .ok_or_else(|| ConfigError::Issuer(issuer.to_owned()))?;
        let client_id = settings
            .oidc_client_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or(ConfigError::ClientId)?;
        let public_url = public_url
            .map(|url| url.trim().trim_end_matches('/'))
            .filter(|url| !url.is_empty())
            .ok_or(ConfigError::PublicUrl)?;
        let redirect = url::Url::parse(public_url)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .and_then(|_| RedirectUrl::new(format!("{public_url}{CALLBACK_PATH}")).ok())
            .ok_or_else(|| ConfigError::BadPublicUrl(public_url.to_owned()))?;
        Ok(Some(Arc::new(Self {
            issuer,
            client_id: ClientId::new(client_id.to_owned()),
            client_secret: settings
                .oidc_client_secret
                .clone()
                .filter(|secret| !secret.is_empty())
                .map(ClientSecret::new),
            redirect,
            name: settings.oidc_name.trim().to_owned(),
            create_accounts: settings.oidc_create_accounts,
            default_workspace: settings.oidc_default_workspace,
            default_role: settings.oidc_default_role,
            http: ProviderClient::new(PROVIDER_TIMEOUT)?,
            discovered: RwLock::new(None),
            discovering: Mutex::new(None),
        })))
    }

    /// The provider's name on the log-in page.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The workspace and role people signing in through SSO are given.
    pub fn default_membership(&self) -> (Option<i64>, DefaultRole) {
        (self.default_workspace, self.default_role)
    }

    /// Reads the provider's metadata now (at start); a failure is logged
    /// and tried again on the next sign-in.
    pub async fn discover_in_background(self: Arc<Self>) {
        if self.metadata().await.is_ok() {
            tracing::info!(
                issuer = self.issuer.as_str(),
                "single sign-on provider discovered"
            );
        }
    }

    /// The provider's metadata: as discovered within the last hour, else
    /// read again (the older copy is used if the provider cannot be reached).
    async fn metadata(&self) -> Result<Arc<CoreProviderMetadata>, SsoError> {
        if let Some(metadata) = self.fresh_metadata().await {
            return Ok(metadata);
        }
        let mut last_failure = self.discovering.lock().await;
        // Another request may have discovered while this one waited.
        if let Some(metadata) = self.fresh_metadata().await {
            return Ok(metadata);
        }
        let stale = self
            .discovered
            .read()
            .await
            .as_ref()
            .map(|found| found.metadata.clone());
        if last_failure.is_some_and(|at| at.elapsed() < RETRY_DISCOVERY_AFTER) {
            return stale
                .ok_or_else(|| SsoError::Unavailable("discovery failed moments ago".to_owned()));
        }
        match CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http).await {
            Ok(metadata) => {
                let metadata = Arc::new(metadata);
                *self.discovered.write().await = Some(Discovered {
                    metadata: metadata.clone(),
                    at: Instant::now(),
                });
                *last_failure = None;
                Ok(metadata)
            }
            Err(error) => {
                tracing::warn!(issuer = self.issuer.as_str(), %error, "the single sign-on provider could not be discovered; trying again on the next sign-in");
                *last_failure = Some(Instant::now());
                stale.ok_or_else(|| SsoError::Unavailable(error.to_string()))
            }
        }
    }

    async fn fresh_metadata(&self) -> Option<Arc<CoreProviderMetadata>> {
        self.discovered
            .read()
            .await
            .as_ref()
            .filter(|found| found.at.elapsed() < METADATA_MAX_AGE)
            .map(|found| found.metadata.clone())
    }

    fn client(&self, metadata: &CoreProviderMetadata) -> Client {
        CoreClient::from_provider_metadata(
            metadata.clone(),
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// Starts a sign-in that returns to `next` (a path of this site,
    /// already made safe): remembers it in `session` and gives the
    /// provider's address to send the browser to.
    pub async fn start(&self, session: &Session, next: &str) -> Result<url::Url, SsoError> {
        let metadata = self.metadata().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .client(&metadata)
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        let now = chrono::Utc::now().timestamp();
        let mut pending: Vec<PendingSignIn> = session.get(PENDING_KEY).await?.unwrap_or_default();
        pending.retain(|sign_in| !sign_in.expired(now));
        pending.push(PendingSignIn {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next: next.to_owned(),
            started_at: now,
        });
        let keep_from = pending.len().saturating_sub(MAX_PENDING);
        session.insert(PENDING_KEY, &pending[keep_from..]).await?;
        Ok(url)
    }

    /// Takes the sign-in under way that `state` names out of the session:
    /// each can be finished once.
    async fn take_pending(
        &self,
        session: &Session,
        state: Option<&str>,
    ) -> Result<PendingSignIn, SsoError> {
        let state = state.ok_or(SsoError::UnknownState)?;
        let mut pending: Vec<PendingSignIn> = session.get(PENDING_KEY).await?.unwrap_or_default();
        let found = pending
            .iter()
            .position(|sign_in| sign_in.has_state(state))
            .map(|at| pending.remove(at));
        if pending.is_empty() {
            session.remove_value(PENDING_KEY).await?;
        } else {
            session.insert(PENDING_KEY, &pending).await?;
        }
        found.ok_or(SsoError::UnknownState)
    }

    /// Finishes a sign-in from what the provider sent back: the verified
    /// identity, and where the person wanted to go.
    pub async fn finish(
        &self,
        session: &Session,
        callback: Callback,
    ) -> Result<(Identity, String), SsoError> {
        let pending = self
            .take_pending(session, callback.state.as_deref())
            .await?;
        if let Some(error) = callback.error {
            return Err(SsoError::Denied(error));
        }
        if pending.expired(chrono::Utc::now().timestamp()) {
            return Err(SsoError::Expired);
        }
        let metadata = self.metadata().await?;
        if let Some(iss) = &callback.iss
            && iss != metadata.issuer().as_str()
        {
            return Err(SsoError::InvalidToken(format!(
                "the answer names another issuer: {iss}"
            )));
        }
        let code = callback
            .code
            .ok_or_else(|| SsoError::InvalidToken("the answer carries no code".to_owned()))?;
        let client = self.client(&metadata);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|error| SsoError::Internal(error.into()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|error| match error {
                RequestTokenError::ServerResponse(response) => {
                    SsoError::CodeRefused(response.error().to_string())
                }
                RequestTokenError::Request(error) => SsoError::Unavailable(error.to_string()),
                RequestTokenError::Parse(error, _) => {
                    SsoError::InvalidToken(format!("the token answer: {error}"))
                }
                other => SsoError::InvalidToken(other.to_string()),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| SsoError::InvalidToken("the provider sent no ID token".to_owned()))?;
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &Nonce::new(pending.nonce))
            .map_err(|error| SsoError::InvalidToken(error.to_string()))?;
        if let Some(expected) = claims.access_token_hash() {
            let invalid = |error: &dyn std::fmt::Display| SsoError::InvalidToken(error.to_string());
            let actual = AccessTokenHash::from_token(
                tokens.access_token(),
                id_token.signing_alg().map_err(|e| invalid(&e))?,
                id_token.signing_key(&verifier).map_err(|e| invalid(&e))?,
            )
            .map_err(|e| invalid(&e))?;
            if actual != *expected {
                return Err(SsoError::InvalidToken(
                    "the access token is not the one the ID token names".to_owned(),
                ));
            }
        }
        let subject = claims.subject().clone();
        let (email, verified) = match (claims.email(), claims.email_verified()) {
            (Some(email), Some(verified)) => (Some(email.as_str().to_owned()), Some(verified)),
            _ if metadata.userinfo_endpoint().is_some() => {
                let info: CoreUserInfoClaims = client
                    .user_info(tokens.access_token().clone(), Some(subject.clone()))
                    .map_err(|error| SsoError::Internal(error.into()))?
                    .request_async(&self.http)
                    .await
                    .map_err(|error| SsoError::InvalidToken(format!("userinfo: {error}")))?;
                (
                    info.email().map(|email| email.as_str().to_owned()),
                    info.email_verified(),
                )
            }
            _ => (
                claims.email().map(|email| email.as_str().to_owned()),
                claims.email_verified(),
            ),
        };
        let email = email.ok_or(SsoError::NoEmail)?;
        if verified != Some(true) {
            return Err(SsoError::UnverifiedEmail);
        }
        let identity = Identity {
            subject: subject.to_string(),
            email,
        };
        Ok((identity, pending.next))
    }

    /// Finishes a sign-in and finds or makes the account: the user to sign
    /// in, and where they wanted to go.
    pub async fn account_of_callback(
        &self,
        db: &Db,
        session: &Session,
        callback: Callback,
    ) -> Result<(UserRow, String), SsoError> {
        let (identity, next) = self.finish(session, callback).await?;
        let (user, created) = account_for(db, &identity, self.create_accounts).await?;
        if created && let Some(workspace_id) = self.default_workspace {
            let role = self.default_role.role();
            if db.add_member(workspace_id, user.id, role.as_str()).await? {
                db.set_current_workspace(user.id, workspace_id).await?;
                let actor = Actor::person(user.id, &user.username, None);
                let detail = format!(
                    "as {}, on first sign-in through single sign-on",
                    role.as_str()
                );
                audit::record(
                    db,
                    workspace_id,
                    &actor,
                    Event::new("member.joined", &user.username).with(&detail),
                )
                .await;
            } else {
                tracing::warn!(
                    workspace_id,
                    "--oidc-default-workspace names no workspace: the new account joins none"
                );
            }
        }
        tracing::info!(user_id = user.id, "signed in through single sign-on");
        Ok((user, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(issuer: Option<&str>, client_id: Option<&str>) -> SsoSettings {
        SsoSettings {
            oidc_issuer: issuer.map(str::to_owned),
            oidc_client_id: client_id.map(str::to_owned),
            ..SsoSettings::default()
        }
    }

    #[test]
    fn sso_is_off_without_an_issuer_and_refused_when_half_configured() {
        let none = Sso::from_settings(&settings(None, None), None).unwrap();
        assert!(none.is_none());
        let public = Some("https://chat.example.com/");
        assert!(matches!(
            Sso::from_settings(&settings(Some("https://id.example.com"), None), public),
            Err(ConfigError::ClientId)
        ));
        assert!(matches!(
            Sso::from_settings(&settings(Some("id.example.com"), Some("app")), public),
            Err(ConfigError::Issuer(_))
        ));
        assert!(matches!(
            Sso::from_settings(&settings(Some("https://id.example.com"), Some("app")), None),
            Err(ConfigError::PublicUrl)
        ));
        let sso = Sso::from_settings(
            &settings(Some("https://id.example.com"), Some("app")),
            public,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            sso.redirect.as_str(),
            "https://chat.example.com/auth/oidc/callback"
        );
        let no_password = SsoSettings {
            password_login: false,
            ..settings(None, None)
        };
        assert!(matches!(
            Sso::from_settings(&no_password, public),
            Err(ConfigError::NoWayToSignIn)
        ));
    }

    #[test]
    fn a_pending_sign_in_expires_after_ten_minutes_and_matches_its_state_only() {
        let pending = PendingSignIn {
            state: "abc".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            next: "/dashboard".into(),
            started_at: 1_000,
        };
        assert!(!pending.expired(1_000 + 599));
        assert!(pending.expired(1_000 + 601));
        assert!(
            pending.expired(999 - 60),
            "a start in the future is not trusted"
        );
        assert!(pending.has_state("abc"));
        assert!(!pending.has_state("abd"));
        assert!(!format!("{pending:?}").contains("abc"));
    }
}
