//! Why single sign-on could not be set up, or a sign-in failed.

use super::settings::CALLBACK_PATH;
use crate::model::sign_in::SsoProblem;

/// Why the SSO settings cannot be used (the server does not start).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--oidc-issuer is not a URL: {0}")]
    Issuer(String),
    #[error("--oidc-client-id is required with --oidc-issuer")]
    ClientId,
    #[error(
        "--public-url (AICONVOKIT_PUBLIC_URL) is required with --oidc-issuer: the provider sends people back to {{public-url}}{CALLBACK_PATH}"
    )]
    PublicUrl,
    #[error("--public-url is not a URL: {0}")]
    BadPublicUrl(String),
    #[error("--password-login false needs single sign-on (--oidc-issuer), or nobody could log in")]
    NoWayToSignIn,
    #[error("the provider's HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Why a sign-in through the provider failed.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the provider answered with an error: {0}")]
    Denied(String),
    #[error("no sign-in under way in this session has this state")]
    UnknownState,
    #[error("the sign-in started more than ten minutes ago")]
    Expired,
    #[error("the provider refused the code: {0}")]
    CodeRefused(String),
    #[error("the ID token or the provider's answer is not valid: {0}")]
    InvalidToken(String),
    #[error("the provider gave no email address")]
    NoEmail,
    #[error("the provider does not say the email address is verified")]
    UnverifiedEmail,
    #[error("the provider's email address is not one an account can have")]
    InvalidEmail,
    #[error("no account has this email, and accounts are not created on sign-in")]
    NoAccount,
    #[error("the provider cannot be reached: {0}")]
    Unavailable(String),
    #[error("the session store: {0}")]
    Session(#[from] axum_login::tower_sessions::session::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl SsoError {
    /// What the log-in page tells the person.
    pub fn problem(&self) -> SsoProblem {
        match self {
            Self::Denied(_) => SsoProblem::Denied,
            Self::UnknownState => SsoProblem::UnknownState,
            Self::Expired => SsoProblem::Expired,
            Self::CodeRefused(_) | Self::InvalidToken(_) => SsoProblem::Rejected,
            Self::NoEmail | Self::InvalidEmail => SsoProblem::NoEmail,
            Self::UnverifiedEmail => SsoProblem::UnverifiedEmail,
            Self::NoAccount => SsoProblem::NoAccount,
            Self::Unavailable(_) => SsoProblem::Unavailable,
            Self::Session(_) | Self::Database(_) | Self::Internal(_) => SsoProblem::Internal,
        }
    }

    /// Logs the cause: a server fault as an error, a refused sign-in as a
    /// warning (tampering, an unverified email, a provider's refusal).
    pub fn log(&self) {
        match self.problem() {
            SsoProblem::Internal => tracing::error!(error = %self, "single sign-on failed"),
            _ => tracing::warn!(error = %self, "single sign-on refused"),
        }
    }
}
