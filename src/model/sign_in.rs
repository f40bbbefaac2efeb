//! How people may sign in, and why a single sign-on did not go through:
//! the server chooses the reason, the log-in page says it in words.

/// What the log-in and sign-up pages offer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInOptions {
    /// The SSO provider's name when SSO is configured ("Sign in with …").
    pub sso_name: Option<String>,
    /// Whether usernames and passwords are accepted.
    pub password_login: bool,
}

/// What the log-in page says when password log-in is turned off.
pub const PASSWORD_LOGIN_OFF: &str =
    "Log-in with a username and password is turned off on this server. Use single sign-on.";

/// What the sign-up form and the API say when password log-in is turned off.
pub const PASSWORD_SIGNUP_OFF: &str =
    "Sign-up with a username and password is turned off on this server. Use single sign-on.";

/// Why a single sign-on failed, as the log-in page is told in its address
/// (`/login?sso_error=…`): a fixed code, so the page shows only our words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoProblem {
    /// The provider answered with an error (the person cancelled, or may not use this app).
    Denied,
    /// The answer belongs to no sign-in started in this browser, or was used already.
    UnknownState,
    /// The sign-in took longer than ten minutes.
    Expired,
    /// The provider's tokens could not be obtained or verified.
    Rejected,
    /// The provider gave no email address.
    NoEmail,
    /// The provider does not vouch for the email address.
    UnverifiedEmail,
    /// No account has this email, and accounts are not created on sign-in.
    NoAccount,
    /// The provider could not be reached.
    Unavailable,
    /// Something failed on this server.
    Internal,
}

impl SsoProblem {
    const ALL: [Self; 9] = [
        Self::Denied,
        Self::UnknownState,
        Self::Expired,
        Self::Rejected,
        Self::NoEmail,
        Self::UnverifiedEmail,
        Self::NoAccount,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The code carried in the address.
    pub fn code(self) -> &'static str {
        match self {
            Self::Denied => "denied",
            Self::UnknownState => "state",
            Self::Expired => "expired",
            Self::Rejected => "rejected",
            Self::NoEmail => "no_email",
            Self::UnverifiedEmail => "unverified_email",
            Self::NoAccount => "no_account",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    /// The problem a code names, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|problem| problem.code() == code)
    }

    /// What the person is told; `provider` is the provider's name.
    pub fn message(self, provider: &str) -> String {
        match self {
            Self::Denied => format!("Signing in with {provider} was cancelled or refused."),
            Self::UnknownState => "That sign-in did not start in this browser, or was already used. Please sign in again.".to_owned(),
            Self::Expired => "The sign-in took more than 10 minutes. Please sign in again.".to_owned(),
            Self::Rejected => format!("The answer from {provider} could not be verified, so you were not signed in. Please try again."),
            Self::NoEmail => format!("{provider} did not share an email address, which is needed to sign you in."),
            Self::UnverifiedEmail => format!("Your email address at {provider} is not verified. Verify it there, then sign in again."),
            Self::NoAccount => "No account here uses your email address, and new accounts are not created on sign-in. Ask an administrator to invite you.".to_owned(),
            Self::Unavailable => format!("{provider} cannot be reached right now. Please try again in a minute."),
            Self::Internal => "Something went wrong on our side while signing you in. Please try again.".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SsoProblem;

    #[test]
    fn every_code_names_its_problem() {
        for problem in SsoProblem::ALL {
            assert_eq!(SsoProblem::from_code(problem.code()), Some(problem));
        }
        assert_eq!(SsoProblem::from_code("<script>"), None);
    }
}
