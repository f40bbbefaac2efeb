//! Accounts: the sign-up rules (pure), registration, password changes and
//! account deletion.
//!
//! The rules are those of `API.md`: a username of 1–150 ASCII letters,
//! digits and `@.+-_`; a valid email; a password of at least 8 characters;
//! username and email unique without regard to case. Messages are DRF's, so
//! integrators of the original product see the same text.

use crate::auth::known_keys::KnownKeys;
use crate::auth::password;
use crate::db::users::UserRow;
use crate::db::{Db, is_unique_violation};
use crate::ingest::storage::FileStore;
use crate::model::FieldErrors;
use crate::search::semantic::Semantic;

pub const REQUIRED: &str = "This field is required.";
pub const BLANK: &str = "This field may not be blank.";
pub const USERNAME_MAX: usize = 150;
pub const USERNAME_INVALID: &str = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
pub const USERNAME_TAKEN: &str = "A user with that username already exists.";
pub const EMAIL_MAX: usize = 254;
pub const EMAIL_INVALID: &str = "Enter a valid email address.";
pub const EMAIL_TAKEN: &str = "A user with that email address already exists.";
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 1024;
pub const PASSWORD_SHORT: &str =
    "This password is too short. It must contain at least 8 characters.";
pub const BAD_CREDENTIALS: &str = "Unable to log in with provided credentials.";
pub const WRONG_PASSWORD: &str = "Your current password is not correct.";
pub const NOT_YOUR_PASSWORD: &str = "That is not your password.";
pub const PASSWORDS_DIFFER: &str = "The two passwords do not match.";
pub const PASSWORD_UNCHANGED: &str = "The new password must differ from the current one.";
/// A log-in or sign-up that gives a field more than once.
pub const DUPLICATE_FIELD: &str = "This field was sent more than once. Send it only once.";

/// A sign-up that passed every rule that needs no database.
#[derive(Clone)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}

fn push(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.into());
}

/// Checks a username; `None` when it is acceptable. Surrounding spaces are
/// trimmed by the caller, as DRF does.
pub fn username_error(username: &str) -> Option<String> {
    if username.is_empty() {
        Some(BLANK.to_owned())
    } else if username.chars().count() > USERNAME_MAX {
        Some(too_long(USERNAME_MAX))
    } else if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "@.+-_".contains(c))
    {
        Some(USERNAME_INVALID.to_owned())
    } else {
        None
    }
}

/// Checks an email address; `None` when it is acceptable.
pub fn email_error(email: &str) -> Option<String> {
    if email.is_empty() {
        return Some(BLANK.to_owned());
    }
    if email.chars().count() > EMAIL_MAX {
        return Some(too_long(EMAIL_MAX));
    }
    let has_dotted_domain = email.rsplit_once('@').is_some_and(|(_, domain)| {
        domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
    });
    if !email_address::EmailAddress::is_valid(email) || !has_dotted_domain {
        return Some(EMAIL_INVALID.to_owned());
    }
    None
}

/// Checks a password; `None` when it is acceptable.
pub fn password_error(password: &str) -> Option<String> {
    let length = password.chars().count();
    if password.is_empty() {
        Some(BLANK.to_owned())
    } else if length < PASSWORD_MIN {
        Some(PASSWORD_SHORT.to_owned())
    } else if length > PASSWORD_MAX {
        Some(too_long(PASSWORD_MAX))
    } else {
        None
    }
}

/// Applies every rule that needs no database to a sign-up. `None` means the
/// field was absent.
pub fn validate_new_user(
    username: Option<&str>,
    email: Option<&str>,
    password: Option<&str>,
) -> Result<NewUser, FieldErrors> {
    let mut errors = FieldErrors::new();
    let username = username.map(str::trim);
    let email = email.map(str::trim);
    for (field, value, check) in [
        (
            "username",
            username,
            username_error as fn(&str) -> Option<String>,
        ),
        ("email", email, email_error),
        ("password", password, password_error),
    ] {
        match value {
            None => push(&mut errors, field, REQUIRED),
            Some(value) => {
                if let Some(message) = check(value) {
                    push(&mut errors, field, message);
                }
            }
        }
    }
    match (username, email, password) {
        (Some(username), Some(email), Some(password)) if errors.is_empty() => Ok(NewUser {
            username: username.to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
        }),
        _ => Err(errors),
    }
}

/// Why a sign-up, password change or account deletion did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// Every core was busy hashing other passwords: try again shortly.
    #[error("every core is busy hashing passwords")]
    Busy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<password::HashError> for AccountError {
    fn from(error: password::HashError) -> Self {
        match error {
            password::HashError::Busy => Self::Busy,
            failed @ password::HashError::Failed(_) => Self::Internal(failed.into()),
        }
    }
}

impl From<sqlx::Error> for AccountError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// Every sign-up rule: the pure ones, then uniqueness for the username and
/// email that passed them, so the user learns of every problem at once.
pub async fn check_new_user(
    db: &Db,
    username: Option<&str>,
    email: Option<&str>,
    password: Option<&str>,
) -> sqlx::Result<Result<NewUser, FieldErrors>> {
    let validated = validate_new_user(username, email, password);
    let mut errors = validated.as_ref().err().cloned().unwrap_or_default();
    if let Some(username) = username.map(str::trim)
        && !errors.contains_key("username")
        && db.username_taken(username).await?
    {
        push(&mut errors, "username", USERNAME_TAKEN);
    }
    if let Some(email) = email.map(str::trim)
        && !errors.contains_key("email")
        && db.email_taken(email).await?
    {
        push(&mut errors, "email", EMAIL_TAKEN);
    }
    Ok(match validated {
        Ok(new_user) if errors.is_empty() => Ok(new_user),
        _ => Err(errors),
    })
}

/// Creates an account checked by [`check_new_user`]. A sign-up that won the
/// race for the same username or email meanwhile makes this one invalid.
pub async fn register(db: &Db, new_user: NewUser) -> Result<UserRow, AccountError> {
    let password_hash = password::hash(new_user.password.clone()).await?;
    match db
        .insert_user(&new_user.username, &new_user.email, &password_hash)
        .await
    {
        Ok(user) => Ok(user),
        Err(error) if is_unique_violation(&error) => {
            Err(AccountError::Invalid(taken_fields(db, &new_user).await?))
        }
        Err(error) => Err(error.into()),
    }
}

async fn taken_fields(db: &Db, new_user: &NewUser) -> sqlx::Result<FieldErrors> {
    let mut errors = FieldErrors::new();
    if db.username_taken(&new_user.username).await? {
        push(&mut errors, "username", USERNAME_TAKEN);
    }
    if db.email_taken(&new_user.email).await? {
        push(&mut errors, "email", EMAIL_TAKEN);
    }
    Ok(errors)
}

/// The rules for a new password that need no database: long enough, typed
/// the same twice, and not the current one (`current_matches` says whether
/// the current password was right).
pub fn new_password_errors(
    current_matches: bool,
    current: &str,
    new: &str,
    confirm: &str,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if current.is_empty() {
        push(&mut errors, "current_password", BLANK);
    } else if !current_matches {
        push(&mut errors, "current_password", WRONG_PASSWORD);
    }
    if let Some(message) = password_error(new) {
        push(&mut errors, "new_password", message);
    } else if current_matches && new == current {
        push(&mut errors, "new_password", PASSWORD_UNCHANGED);
    }
    if new != confirm {
        push(&mut errors, "new_password_confirm", PASSWORDS_DIFFER);
    }
    errors
}

/// Whether `password` is the user's password (costs one Argon2 check).
async fn password_matches(user: &UserRow, password: &str) -> Result<bool, password::HashError> {
    if password.is_empty() {
        return Ok(false);
    }
    password::verify(password.to_owned(), Some(user.password_hash.clone())).await
}

/// Changes a user's password after checking the current one. Returns the
/// updated user: its new auth hash ends every other browser session, while
/// API keys keep working (they are revoked on the account page, not here).
pub async fn change_password(
    db: &Db,
    user: &UserRow,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<UserRow, AccountError> {
    let matches = password_matches(user, current).await?;
    let errors = new_password_errors(matches, current, new, confirm);
    if !errors.is_empty() {
        return Err(AccountError::Invalid(errors));
    }
    let hash = password::hash(new.to_owned()).await?;
    db.set_password_hash(user.id, &hash)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the user was deleted meanwhile").into())
}

/// Deletes an account once the password is confirmed, with its personal
/// workspace and everything in it (assistants, documents and their stored
/// files, passages, chats, widgets), its API keys, and the shared
/// workspaces it is the only member of. Refused while it is the only owner
/// of a shared workspace that has other members: that workspace's
/// assistants must not leave with it.
pub async fn delete_account(
    db: &Db,
    files: &FileStore,
    semantic: Option<&Semantic>,
    known_keys: &KnownKeys,
    user: &UserRow,
    password: &str,
) -> Result<(), AccountError> {
    if !password_matches(user, password).await? {
        let message = if password.is_empty() {
            BLANK
        } else {
            NOT_YOUR_PASSWORD
        };
        let mut errors = FieldErrors::new();
        push(&mut errors, "password", message);
        return Err(AccountError::Invalid(errors));
    }
    let only_owned = db.workspaces_only_owned_by(user.id).await?;
    if let Some((_, name, _)) = only_owned.iter().find(|(_, _, others)| *others > 0) {
        let mut errors = FieldErrors::new();
        push(
            &mut errors,
            crate::model::NON_FIELD_ERRORS,
            format!(
                "You are the only owner of the workspace \u{201c}{name}\u{201d}: make another \
                 member an owner, or delete the workspace, first."
            ),
        );
        return Err(AccountError::Invalid(errors));
    }
    let stores = crate::workspaces::Stores {
        files,
        semantic,
        known_keys,
    };
    for (workspace_id, _, _) in only_owned {
        crate::workspaces::delete_with_files(db, &stores, workspace_id)
            .await
            .map_err(|error| anyhow::anyhow!("deleting a workspace of the account: {error}"))?;
    }
    let personal = db
        .memberships_of(user.id)
        .await?
        .into_iter()
        .find(|row| row.personal_of == Some(user.id))
        .map(|row| row.workspace_id);
    let (stored, assistants) = match personal {
        Some(id) => (
            db.files_of_workspace(id).await?,
            db.assistants_of(id).await?,
        ),
        None => Default::default(),
    };
    db.delete_user(user.id).await?;
    known_keys.forget_all();
    for sha256 in stored {
        crate::documents::forget_file(db, files, &sha256).await?;
    }
    if let Some(semantic) = semantic {
        for assistant in assistants {
            semantic.forget(assistant.id);
        }
    }
    tracing::info!(user_id = user.id, "account deleted");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_rules() {
        assert_eq!(username_error("ada.lovelace+1@x_y-z"), None);
        assert_eq!(username_error(""), Some(BLANK.to_owned()));
        assert_eq!(username_error(&"a".repeat(150)), None);
        assert!(username_error(&"a".repeat(151)).is_some_and(|m| m.contains("150")));
        assert_eq!(
            username_error("ada lovelace"),
            Some(USERNAME_INVALID.to_owned())
        );
        assert_eq!(
            username_error("<script>"),
            Some(USERNAME_INVALID.to_owned())
        );
        assert_eq!(username_error("zoë"), Some(USERNAME_INVALID.to_owned()));
    }

    #[test]
    fn emails_follow_the_rules() {
        assert_eq!(email_error("ada@example.com"), None);
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@localhost",
            "ada@example.",
            "a b@example.com",
        ] {
            assert_eq!(email_error(bad), Some(EMAIL_INVALID.to_owned()), "{bad}");
        }
    }

    #[test]
    fn passwords_follow_the_rules() {
        assert_eq!(password_error("12345678"), None);
        assert_eq!(password_error("1234567"), Some(PASSWORD_SHORT.to_owned()));
        assert_eq!(password_error(""), Some(BLANK.to_owned()));
        assert!(password_error(&"x".repeat(PASSWORD_MAX + 1)).is_some());
    }

    #[test]
    fn a_new_password_must_be_valid_confirmed_and_new() {
        assert!(new_password_errors(true, "old-secret", "new-secret", "new-secret").is_empty());
        let wrong = new_password_errors(false, "guess", "new-secret", "new-secret");
        assert_eq!(wrong["current_password"], vec![WRONG_PASSWORD.to_owned()]);
        let blank = new_password_errors(false, "", "new-secret", "new-secret");
        assert_eq!(blank["current_password"], vec![BLANK.to_owned()]);
        let short = new_password_errors(true, "old-secret", "short", "short");
        assert_eq!(short["new_password"], vec![PASSWORD_SHORT.to_owned()]);
        let same = new_password_errors(true, "old-secret", "old-secret", "old-secret");
        assert_eq!(same["new_password"], vec![PASSWORD_UNCHANGED.to_owned()]);
        let typo = new_password_errors(true, "old-secret", "new-secret", "new-secreT");
        assert_eq!(typo.keys().collect::<Vec<_>>(), ["new_password_confirm"]);
        // A wrong current password does not reveal whether the new one equals it.
        let guessed = new_password_errors(false, "guess-one", "guess-one", "guess-one");
        assert!(!guessed.contains_key("new_password"));
    }

    #[test]
    fn missing_fields_are_required_and_usernames_are_trimmed() {
        let errors = validate_new_user(None, None, None).unwrap_err();
        assert_eq!(errors.len(), 3);
        assert!(errors.values().all(|m| m == &vec![REQUIRED.to_owned()]));
        let user =
            validate_new_user(Some("  ada "), Some(" ada@example.com"), Some("password1")).unwrap();
        assert_eq!(user.username, "ada");
        assert_eq!(user.email, "ada@example.com");
    }
}
