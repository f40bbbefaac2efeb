//! Making API keys: the fields of a request for one (name, scope,
//! assistants, expiry) checked into a [`Grant`], and the key stored by its
//! hash. The account page and `POST /api/v1/tokens/` both come here.

use chrono::{DateTime, NaiveDate, Utc};

use super::api_token;
use super::scope::{Grant, SCOPE_NAMES, Scope, assistants_to_column};
use crate::db::Db;
use crate::db::api_tokens::{ApiTokenRow, NewApiToken};
use crate::model::FieldErrors;

/// Longest name a key may have.
pub const KEY_NAME_MAX: usize = 100;
/// Most assistants one key may be limited to.
pub const KEY_ASSISTANTS_MAX: usize = 1000;

/// A key's fields as a form or a body gives them, unchecked.
#[derive(Debug, Default, Clone)]
pub struct KeyRequest {
    /// `full` (when absent), `chat` or `read`.
    pub scope: Option<String>,
    /// Assistant ids, comma-separated (or one by one); absent or blank: all.
    pub assistants: Vec<String>,
    /// `YYYY-MM-DD` (the key works until the end of that day, UTC) or an
    /// RFC 3339 moment; absent or blank: never expires.
    pub expires_at: Option<String>,
}

/// The moment a key given `text` as its expiry stops working.
pub fn parse_expiry(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
        return Some(moment.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(day.succ_opt()?.and_hms_opt(0, 0, 0)?.and_utc())
}

/// Checks a key request against the assistants its owner has (`owned`):
/// the grant it asks for, or a message for each field that is wrong.
pub fn check(
    request: &KeyRequest,
    owned: &[i64],
    now: DateTime<Utc>,
) -> Result<Grant, FieldErrors> {
    let mut errors = FieldErrors::new();
    let scope = match request.scope.as_deref().map(str::trim) {
        None | Some("") => Scope::Full,
        Some(name) => Scope::parse(name).unwrap_or_else(|| {
            errors.insert(
                "scope".to_owned(),
                vec![format!(
                    "\"{name}\" is not a valid choice. Choose one of: {}.",
                    SCOPE_NAMES.join(", ")
                )],
            );
            Scope::Full
        }),
    };
    let mut ids = Vec::new();
    for part in request.assistants.iter().flat_map(|text| text.split(',')) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        match part.parse::<i64>() {
            Ok(id) if owned.contains(&id) => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Ok(_) => {
                errors
                    .entry("assistants".to_owned())
                    .or_default()
                    .push(format!("Invalid pk \"{part}\" - object does not exist."));
            }
            Err(_) => {
                errors
                    .entry("assistants".to_owned())
                    .or_default()
                    .push("A valid integer is required.".to_owned());
            }
        }
    }
    if ids.len() > KEY_ASSISTANTS_MAX {
        errors.insert(
            "assistants".to_owned(),
            vec![format!(
                "Ensure this field has no more than {KEY_ASSISTANTS_MAX} elements."
            )],
        );
    }
    let expires_at = match request.expires_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match parse_expiry(text) {
            Some(moment) if moment > now => Some(moment),
            Some(_) => {
                errors.insert(
                    "expires_at".to_owned(),
                    vec!["The expiry must be in the future.".to_owned()],
                );
                None
            }
            None => {
                errors.insert(
                    "expires_at".to_owned(),
                    vec![
                        "Enter a date as YYYY-MM-DD, or a moment as 2027-01-31T18:00:00Z."
                            .to_owned(),
                    ],
                );
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Grant {
        scope,
        assistants: (!ids.is_empty()).then_some(ids),
        expires_at,
    })
}

/// A key's name, trimmed, or the message for the `name` field.
pub fn check_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Give the key a name, e.g. where it will be used.".to_owned());
    }
    if name.chars().count() > KEY_NAME_MAX {
        return Err(format!(
            "Ensure this field has no more than {KEY_NAME_MAX} characters."
        ));
    }
    Ok(name)
}

/// Makes a key for `user_id` acting in `workspace_id` with `grant`: the
/// stored row and the key itself, which is shown once and never stored.
pub async fn make(
    db: &Db,
    user_id: i64,
    workspace_id: i64,
    name: &str,
    grant: &Grant,
) -> sqlx::Result<(ApiTokenRow, String)> {
    let token = api_token::generate();
    let row = db
        .insert_api_token(NewApiToken {
            user_id,
            workspace_id,
            name,
            prefix: &token.prefix,
            token_hash: &token.hash,
            scope: grant.scope.as_str(),
            assistant_ids: assistants_to_column(grant.assistants.as_deref()),
            expires_at: grant.expires_at,
        })
        .await?;
    Ok((row, token.plaintext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(scope: &str, assistants: &str, expires_at: &str) -> KeyRequest {
        KeyRequest {
            scope: Some(scope.to_owned()),
            assistants: vec![assistants.to_owned()],
            expires_at: Some(expires_at.to_owned()),
        }
    }

    #[test]
    fn blank_fields_make_todays_full_key() {
        let now = Utc::now();
        assert_eq!(
            check(&KeyRequest::default(), &[], now),
            Ok(Grant::default())
        );
        assert_eq!(
            check(&request(" ", " ", ""), &[], now),
            Ok(Grant::default())
        );
    }

    #[test]
    fn a_scoped_limited_expiring_key() {
        let now = "2026-12-04T10:00:00Z".parse().unwrap();
        let grant = check(&request("Chat", "7, 9,7", "2026-12-31"), &[7, 9, 11], now).unwrap();
        assert_eq!(grant.scope, Scope::Chat);
        assert_eq!(grant.assistants, Some(vec![7, 9]));
        assert_eq!(
            grant.expires_at,
            Some("2027-01-01T00:00:00Z".parse().unwrap())
        );
        let moment = check(&request("read", "", "2026-12-05T08:30:00+01:00"), &[], now).unwrap();
        assert_eq!(
            moment.expires_at,
            Some("2026-12-05T07:30:00Z".parse().unwrap())
        );
    }

    #[test]
    fn each_wrong_field_is_named() {
        let now = "2026-12-04T10:00:00Z".parse().unwrap();
        let errors = check(&request("admin", "7,x,99", "2026-12-01"), &[7], now).unwrap_err();
        assert_eq!(
            errors["scope"],
            ["\"admin\" is not a valid choice. Choose one of: full, chat, read."]
        );
        assert_eq!(
            errors["assistants"],
            [
                "A valid integer is required.",
                "Invalid pk \"99\" - object does not exist."
            ]
        );
        assert_eq!(errors["expires_at"], ["The expiry must be in the future."]);
        let garbled = check(&request("full", "", "next week"), &[], now).unwrap_err();
        assert!(garbled["expires_at"][0].starts_with("Enter a date"));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  ci  "), Ok("ci"));
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(KEY_NAME_MAX + 1)).is_err());
        assert!(check_name(&"é".repeat(KEY_NAME_MAX)).is_ok());
    }
}
