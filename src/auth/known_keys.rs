//! API keys seen recently, kept in memory so that a busy integration's
//! requests are not each a database lookup of their key.
//!
//! Only where this server is the only one: with SQLite it is (every
//! revocation goes through it and clears the memory at once). With
//! PostgreSQL another server may revoke a key at any moment, so there every
//! request looks its key up in the database.

use std::collections::HashMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};

/// More keys than this in memory and it starts afresh: only keys that exist
/// are remembered, so this bounds memory, not correctness.
const CAPACITY: usize = 10_000;

use super::scope::{Grant, Scope, assistants_from_column};
use crate::db::api_tokens::ActiveKeyRow;
use crate::model::workspaces::Role;

/// What a request needs of its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownKey {
    pub token_id: i64,
    /// Its maker, who acts through it.
    pub user_id: i64,
    pub username: String,
    /// The key's visible prefix, to name it in the audit log.
    pub prefix: String,
    pub workspace_id: i64,
    /// The maker's role in the workspace when the key was looked up.
    pub role: Role,
    pub last_used_at: Option<DateTime<Utc>>,
    /// What it may do.
    pub grant: Grant,
}

impl KnownKey {
    /// A stored key as requests need it. An unknown scope in the database
    /// (written by a newer version) grants reads only.
    pub fn from_row(active: &ActiveKeyRow) -> Self {
        let row = &active.token;
        Self {
            token_id: row.id,
            user_id: row.user_id,
            username: active.username.clone(),
            prefix: row.prefix.clone(),
            workspace_id: row.workspace_id,
            role: Role::parse(&active.role).unwrap_or(Role::Viewer),
            last_used_at: row.last_used_at,
            grant: Grant {
                scope: Scope::parse(&row.scope).unwrap_or(Scope::Read),
                assistants: assistants_from_column(row.assistant_ids.as_deref()),
                expires_at: row.expires_at,
            },
        }
    }
}

/// Keys by their hash; empty and unused when turned off.
#[derive(Debug, Default)]
pub struct KnownKeys {
    enabled: bool,
    memory: RwLock<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    /// Counts revocations: a key read from the database before the latest
    /// one may be the revoked key, and is not remembered.
    generation: u64,
    keys: HashMap<String, KnownKey>,
}

/// When a key was looked up in the database, in revocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(u64);

impl KnownKeys {
    /// Remembers keys when `enabled`; otherwise remembers nothing.
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            memory: RwLock::default(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Memory> {
        self.memory
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Memory> {
        self.memory
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The key with this hash if it is remembered, and the moment of
    /// asking, to pass to [`KnownKeys::remember`].
    pub fn get(&self, token_hash: &str) -> (Option<KnownKey>, Generation) {
        let memory = self.read();
        let key = memory.keys.get(token_hash).filter(|_| self.enabled);
        (key.cloned(), Generation(memory.generation))
    }

    /// Remembers a key as it was known at `looked_up`, unless a key was
    /// revoked since (it might be this one).
    pub fn remember(&self, token_hash: &str, key: KnownKey, looked_up: Generation) {
        if !self.enabled {
            return;
        }
        let mut memory = self.write();
        if memory.generation != looked_up.0 {
            return;
        }
        if memory.keys.len() >= CAPACITY && !memory.keys.contains_key(token_hash) {
            memory.keys.clear();
        }
        memory.keys.insert(token_hash.to_owned(), key);
    }

    /// Forgets every key: called whenever a key, a user or a membership is
    /// deleted or a role changes, so a revoked key is refused (and a
    /// changed role applies) from the next request on.
    pub fn forget_all(&self) {
        let mut memory = self.write();
        memory.generation += 1;
        memory.keys.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(token_id: i64) -> KnownKey {
        KnownKey {
            token_id,
            user_id: 7,
            username: "ada".into(),
            prefix: "abc123".into(),
            workspace_id: 7,
            role: Role::Owner,
            last_used_at: None,
            grant: Grant::default(),
        }
    }

    #[test]
    fn remembers_until_forgotten() {
        let keys = KnownKeys::new(true);
        let (known, looked_up) = keys.get("a");
        assert_eq!(known, None);
        keys.remember("a", key(1), looked_up);
        assert_eq!(keys.get("a").0, Some(key(1)));
        keys.forget_all();
        assert_eq!(keys.get("a").0, None);
    }

    #[test]
    fn a_key_read_before_a_revocation_is_not_remembered() {
        let keys = KnownKeys::new(true);
        let (_, looked_up) = keys.get("a");
        keys.forget_all();
        keys.remember("a", key(1), looked_up);
        assert_eq!(keys.get("a").0, None);
    }

    #[test]
    fn remembers_nothing_when_off() {
        let keys = KnownKeys::new(false);
        let (_, looked_up) = keys.get("a");
        keys.remember("a", key(1), looked_up);
        assert_eq!(keys.get("a").0, None);
    }

    #[test]
    fn starts_afresh_when_full() {
        let keys = KnownKeys::new(true);
        let (_, looked_up) = keys.get("x");
        for id in 0..CAPACITY as i64 {
            keys.remember(&id.to_string(), key(id), looked_up);
        }
        keys.remember("last", key(-1), looked_up);
        assert_eq!(keys.get("last").0, Some(key(-1)));
        assert_eq!(keys.get("0").0, None);
    }
}
