//! How the operator configures sign-in: an OpenID Connect provider for
//! single sign-on, and whether passwords may still be used.

use clap::{ArgAction, Args, ValueEnum};

/// The path the provider sends people back to, after `--public-url`.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";

/// The role a member gets in the default workspace on first sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DefaultRole {
    Viewer,
    Editor,
    Admin,
}

impl DefaultRole {
    /// The workspace role it gives.
    pub fn role(self) -> crate::model::workspaces::Role {
        use crate::model::workspaces::Role;
        match self {
            Self::Viewer => Role::Viewer,
            Self::Editor => Role::Editor,
            Self::Admin => Role::Admin,
        }
    }
}

/// Single sign-on through an OpenID Connect provider (Keycloak, Okta,
/// Azure AD/Entra ID, Google, Authentik…) and the password log-in.
/// SSO is on when an issuer is given; the client id is then required.
#[derive(Clone, Args)]
pub struct SsoSettings {
    /// The OpenID Connect issuer, e.g. `https://id.example.com/realms/acme`
    /// (its `/.well-known/openid-configuration` is read at start, and again
    /// later if the provider could not be reached then). Unset: no SSO.
    #[arg(long, env = "AICONVOKIT_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// The client id registered with the provider. Its redirect URI is
    /// `{--public-url}/auth/oidc/callback`.
    #[arg(long, env = "AICONVOKIT_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// The client secret (omit for a public client: PKCE is always used).
    #[arg(long, env = "AICONVOKIT_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,

    /// The provider's name on the log-in page: "Sign in with {name}".
    #[arg(long, env = "AICONVOKIT_OIDC_NAME", default_value = "single sign-on")]
    pub oidc_name: String,

    /// Create an account on a person's first sign-in (else only people
    /// whose verified email matches an existing account may sign in).
    #[arg(long, env = "AICONVOKIT_OIDC_CREATE_ACCOUNTS", default_value_t = true, action = ArgAction::Set)]
    pub oidc_create_accounts: bool,

    /// The workspace people signing in through SSO join.
    #[arg(long, env = "AICONVOKIT_OIDC_DEFAULT_WORKSPACE")]
    pub oidc_default_workspace: Option<i64>,

    /// Their role in that workspace.
    #[arg(long, env = "AICONVOKIT_OIDC_DEFAULT_ROLE", value_enum, default_value_t = DefaultRole::Viewer)]
    pub oidc_default_role: DefaultRole,

    /// Allow log-in and sign-up with a username and password (the forms
    /// and `POST /api/v1/tokens/` with credentials). Turning it off needs SSO.
    #[arg(long, env = "AICONVOKIT_PASSWORD_LOGIN", default_value_t = true, action = ArgAction::Set)]
    pub password_login: bool,
}

impl Default for SsoSettings {
    fn default() -> Self {
        Self {
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_name: "single sign-on".into(),
            oidc_create_accounts: true,
            oidc_default_workspace: None,
            oidc_default_role: DefaultRole::Viewer,
            password_login: true,
        }
    }
}

/// Never prints the client secret.
impl std::fmt::Debug for SsoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSettings")
            .field("oidc_issuer", &self.oidc_issuer)
            .field("oidc_client_id", &self.oidc_client_id)
            .field(
                "oidc_client_secret",
                &self.oidc_client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("oidc_name", &self.oidc_name)
            .field("oidc_create_accounts", &self.oidc_create_accounts)
            .field("oidc_default_workspace", &self.oidc_default_workspace)
            .field("oidc_default_role", &self.oidc_default_role)
            .field("password_login", &self.password_login)
            .finish()
    }
}

impl SsoSettings {
    /// Whether SSO is configured (an issuer is given).
    pub fn enabled(&self) -> bool {
        self.oidc_issuer
            .as_deref()
            .is_some_and(|issuer| !issuer.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_client_secret() {
        let settings = SsoSettings {
            oidc_client_secret: Some("s3cr3t-value".into()),
            ..SsoSettings::default()
        };
        let printed = format!("{settings:?}");
        assert!(!printed.contains("s3cr3t-value"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
    }
}
