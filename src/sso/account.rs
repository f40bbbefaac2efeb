//! The account a person signing in through SSO gets: the one whose email
//! matches the provider's verified email (without regard to case), or a
//! new one when the operator allows it.

use rand::RngCore;

use super::error::SsoError;
use crate::accounts::{USERNAME_MAX, email_error, username_error};
use crate::db::users::UserRow;
use crate::db::{Db, is_unique_violation};

/// What the provider vouched for about the person signing in.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The provider's stable id of the person (`sub`).
    pub subject: String,
    /// An email address the provider says is verified.
    pub email: String,
}

/// The marker that starts the password hash of an account made through
/// SSO: not a PHC string, so no password ever matches it (the account
/// signs in only through the provider until a password is set).
pub const NO_PASSWORD_PREFIX: &str = "!sso-no-password!";

/// How many `name-2`, `name-3`… are tried before a random suffix.
const NUMBERED_TRIES: usize = 20;

/// The account for `identity`: matched by email, else created when
/// `create` allows it. `true` beside it when it was created now.
pub async fn account_for(
    db: &Db,
    identity: &Identity,
    create: bool,
) -> Result<(UserRow, bool), SsoError> {
    let email = identity.email.trim();
    if email_error(email).is_some() {
        return Err(SsoError::InvalidEmail);
    }
    if let Some(user) = db.user_by_email(email).await? {
        return Ok((user, false));
    }
    if !create {
        return Err(SsoError::NoAccount);
    }
    let base = username_base(email);
    let tries = (0..NUMBERED_TRIES)
        .map(|n| numbered(&base, n))
        .chain(std::iter::repeat_with(|| numbered_randomly(&base)).take(5));
    for username in tries {
        if username_error(&username).is_some() || db.username_taken(&username).await? {
            continue;
        }
        match db.insert_user(&username, email, &no_password_hash()).await {
            Ok(user) => {
                tracing::info!(
                    user_id = user.id,
                    "account created on first sign-in through SSO"
                );
                return Ok((user, true));
            }
            // Another sign-in of the same person got there first.
            Err(error) if is_unique_violation(&error) => {
                if let Some(user) = db.user_by_email(email).await? {
                    return Ok((user, false));
                }
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(SsoError::Internal(anyhow::anyhow!(
        "no free username derived from the email"
    )))
}

/// A username made from the email's local part: only the characters a
/// username may hold, short enough for a suffix; `user` when none is left.
pub fn username_base(email: &str) -> String {
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
    let kept: String = local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".+-_".contains(*c))
        .take(USERNAME_MAX - 10)
        .collect();
    if kept.is_empty() {
        "user".to_owned()
    } else {
        kept
    }
}

fn numbered(base: &str, n: usize) -> String {
    if n == 0 {
        base.to_owned()
    } else {
        format!("{base}-{}", n + 1)
    }
}

fn numbered_randomly(base: &str) -> String {
    format!("{base}-{}", rand::thread_rng().next_u32() % 1_000_000)
}

/// A password hash no password matches, different for each account (it
/// is also the account's session auth hash).
fn no_password_hash() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{NO_PASSWORD_PREFIX}{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_come_from_the_local_part_and_are_valid() {
        assert_eq!(username_base("Ada.Lovelace@example.com"), "Ada.Lovelace");
        assert_eq!(username_base("o'brien+tag@example.com"), "obrien+tag");
        assert_eq!(username_base("\"ü\"@example.com"), "user");
        let long = format!("{}@example.com", "a".repeat(300));
        let base = username_base(&long);
        for n in [0, 1, 19] {
            assert_eq!(username_error(&numbered(&base, n)), None);
        }
        assert_eq!(numbered("ada", 0), "ada");
        assert_eq!(numbered("ada", 1), "ada-2");
        assert_eq!(username_error(&numbered_randomly(&base)), None);
    }

    #[test]
    fn no_password_matches_an_sso_account() {
        let hash = no_password_hash();
        assert!(hash.starts_with(NO_PASSWORD_PREFIX));
        assert!(argon2::password_hash::PasswordHash::new(&hash).is_err());
        assert_ne!(hash, no_password_hash());
    }
}
