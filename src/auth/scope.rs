//! What an API key may do: its scope (`full`, `chat`, `read`), the
//! assistants it may reach (all of its owner's, or a list), and when it
//! stops working. The same rules hold on every surface that takes a key
//! (`/api/v1`, the OpenAI-compatible `/v1`, `/mcp`); each surface only says
//! which [`Action`] a request is.

use chrono::{DateTime, Utc};

/// How much a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Everything its owner can do through the API (the keys made before
    /// scopes existed).
    #[default]
    Full,
    /// Read assistants and documents, search them and ask questions; no
    /// changes.
    Chat,
    /// Reads only (`GET`).
    Read,
}

/// What a request does, as far as scopes are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Reads: lists, details, search.
    Read,
    /// Asks an assistant a question (and starts the chat to ask in).
    Ask,
    /// Anything else: creates, changes, deletes, makes keys.
    Change,
}

/// The scopes by name, as forms and the API spell them.
pub const SCOPE_NAMES: [&str; 3] = ["full", "chat", "read"];

impl Scope {
    /// The scope named `name` (`full`, `chat`, `read`; any case).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "full" => Some(Self::Full),
            "chat" => Some(Self::Chat),
            "read" => Some(Self::Read),
            _ => None,
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Chat => "chat",
            Self::Read => "read",
        }
    }

    /// Whether a key of this scope may do `action`.
    pub fn allows(self, action: Action) -> bool {
        match self {
            Self::Full => true,
            Self::Chat => matches!(action, Action::Read | Action::Ask),
            Self::Read => action == Action::Read,
        }
    }

    /// Whether this scope allows at least what `other` does.
    fn covers(self, other: Self) -> bool {
        [Action::Read, Action::Ask, Action::Change]
            .into_iter()
            .all(|action| !other.allows(action) || self.allows(action))
    }
}

/// What a key grants: scope, reach and lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grant {
    pub scope: Scope,
    /// The assistants (by id) the key may reach; `None`: all of its
    /// owner's, those made later included.
    pub assistants: Option<Vec<i64>>,
    /// When the key stops working; `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Why a key may not do what it was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("This API key's scope ({}) does not allow this. Use a key with a wider scope.", .0.as_str())]
    Scope(Scope),
    #[error("This API key may not reach this assistant.")]
    Assistant,
    #[error("A key made with a key cannot do more than the key that makes it.")]
    Wider,
}

impl Grant {
    /// Whether the key has expired by `now`; an expired key is refused like
    /// a revoked one.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|expiry| expiry <= now)
    }

    /// Ok when the key's scope allows `action`.
    pub fn permit(&self, action: Action) -> Result<(), Refusal> {
        if self.scope.allows(action) {
            Ok(())
        } else {
            Err(Refusal::Scope(self.scope))
        }
    }

    /// Whether the key may reach the assistant with this id.
    pub fn reaches(&self, assistant_id: i64) -> bool {
        self.assistants
            .as_ref()
            .is_none_or(|ids| ids.contains(&assistant_id))
    }

    /// Ok when the key may reach the assistant with this id.
    pub fn permit_assistant(&self, assistant_id: i64) -> Result<(), Refusal> {
        if self.reaches(assistant_id) {
            Ok(())
        } else {
            Err(Refusal::Assistant)
        }
    }

    /// Whether the key reaches every assistant, those made later included
    /// (a key limited to a list may not create assistants).
    pub fn reaches_all(&self) -> bool {
        self.assistants.is_none()
    }

    /// Ok when a key granting `other` may be made with this key: it needs
    /// the full scope, and the new key can reach no more assistants and
    /// live no longer than this one.
    pub fn permit_making(&self, other: &Grant) -> Result<(), Refusal> {
        self.permit(Action::Change)?;
        let within_reach = match (&self.assistants, &other.assistants) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => theirs.iter().all(|id| mine.contains(id)),
        };
        let within_life = match (self.expires_at, other.expires_at) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => theirs <= mine,
        };
        if self.scope.covers(other.scope) && within_reach && within_life {
            Ok(())
        } else {
            Err(Refusal::Wider)
        }
    }
}

/// The stored form of a key's assistants: `None`, or their ids as a JSON
/// array.
pub fn assistants_to_column(assistants: Option<&[i64]>) -> Option<String> {
    assistants.map(|ids| serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned()))
}

/// A key's assistants read back from their column. A column that cannot be
/// read reaches nothing, never everything.
pub fn assistants_from_column(column: Option<&str>) -> Option<Vec<i64>> {
    column.map(|text| serde_json::from_str(text).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(scope: Scope, assistants: Option<Vec<i64>>) -> Grant {
        Grant {
            scope,
            assistants,
            expires_at: None,
        }
    }

    #[test]
    fn each_scope_allows_its_actions() {
        let table = [
            (Scope::Full, [true, true, true]),
            (Scope::Chat, [true, true, false]),
            (Scope::Read, [true, false, false]),
        ];
        for (scope, expected) in table {
            let allowed =
                [Action::Read, Action::Ask, Action::Change].map(|action| scope.allows(action));
            assert_eq!(allowed, expected, "{scope:?}");
        }
        for name in SCOPE_NAMES {
            assert_eq!(Scope::parse(name).unwrap().as_str(), name);
        }
        assert_eq!(Scope::parse(" CHAT "), Some(Scope::Chat));
        assert_eq!(Scope::parse("admin"), None);
        assert_eq!(Scope::parse(""), None);
    }

    #[test]
    fn a_listed_key_reaches_only_its_assistants() {
        let all = grant(Scope::Full, None);
        let some = grant(Scope::Chat, Some(vec![3, 5]));
        assert!(all.reaches(99) && all.reaches_all());
        assert!(some.reaches(3) && some.reaches(5) && !some.reaches(4));
        assert!(!some.reaches_all());
        assert_eq!(some.permit_assistant(4), Err(Refusal::Assistant));
        assert_eq!(
            some.permit(Action::Change),
            Err(Refusal::Scope(Scope::Chat))
        );
        assert_eq!(
            Refusal::Scope(Scope::Read).to_string(),
            "This API key's scope (read) does not allow this. Use a key with a wider scope."
        );
    }

    #[test]
    fn expiry_is_a_moment() {
        let now = Utc::now();
        let mut key = grant(Scope::Full, None);
        assert!(!key.is_expired(now));
        key.expires_at = Some(now);
        assert!(key.is_expired(now));
        key.expires_at = Some(now + chrono::Duration::seconds(1));
        assert!(!key.is_expired(now));
    }

    #[test]
    fn a_key_makes_only_keys_within_itself() {
        let now = Utc::now();
        let later = now + chrono::Duration::days(1);
        let limited = Grant {
            scope: Scope::Full,
            assistants: Some(vec![1, 2]),
            expires_at: Some(later),
        };
        let narrower = Grant {
            scope: Scope::Read,
            assistants: Some(vec![2]),
            expires_at: Some(now),
        };
        assert_eq!(limited.permit_making(&narrower), Ok(()));
        let everywhere = Grant {
            assistants: None,
            expires_at: narrower.expires_at,
            scope: narrower.scope,
        };
        assert_eq!(limited.permit_making(&everywhere), Err(Refusal::Wider));
        let forever = Grant {
            expires_at: None,
            ..narrower
        };
        assert_eq!(limited.permit_making(&forever), Err(Refusal::Wider));
        let chat = grant(Scope::Chat, None);
        assert_eq!(
            chat.permit_making(&grant(Scope::Read, None)),
            Err(Refusal::Scope(Scope::Chat))
        );
        assert_eq!(grant(Scope::Full, None).permit_making(&limited), Ok(()));
    }

    #[test]
    fn the_assistants_column_round_trips_and_fails_closed() {
        assert_eq!(assistants_to_column(None), None);
        let column = assistants_to_column(Some(&[4, 9]));
        assert_eq!(column.as_deref(), Some("[4,9]"));
        assert_eq!(assistants_from_column(column.as_deref()), Some(vec![4, 9]));
        assert_eq!(assistants_from_column(None), None);
        assert_eq!(assistants_from_column(Some("garbled")), Some(vec![]));
    }
}
