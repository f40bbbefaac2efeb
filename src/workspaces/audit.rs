//! The audit log: who did what and when in a workspace. Recording never
//! fails the action it records (a failure is logged); reading is for
//! admins, with filters and a CSV export; entries older than the
//! operator's retention are deleted by a background task.

use chrono::{DateTime, Duration, Utc};

use super::{Member, WorkspaceError};
use crate::chat::export::{csv_line, defuse};
use crate::db::Db;
use crate::db::audit::{AuditFilter, NewAuditEvent};
use crate::model::workspaces::{AuditEventView, Permission};

/// Who did something, as the log names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// `ada`, or `ada (API key 3f9a1c…)`.
    pub name: String,
    /// The address the request came from.
    pub ip: Option<String>,
}

impl Actor {
    /// A person in the dashboard.
    pub fn person(user_id: i64, username: &str, ip: Option<String>) -> Self {
        Self {
            user_id: Some(user_id),
            name: username.to_owned(),
            ip,
        }
    }

    /// A request made with an API key (named by its visible prefix only).
    pub fn key(user_id: i64, username: &str, prefix: &str, ip: Option<String>) -> Self {
        Self {
            user_id: Some(user_id),
            name: format!("{username} (API key {prefix}…)"),
            ip,
        }
    }
}

/// What happened to what, in a workspace.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// `noun.verb`: `assistant.created`, `member.role_changed`…
    pub action: &'a str,
    /// On what, by name and id: `Annual reports (#7)`.
    pub target: &'a str,
    /// More, in words; never a secret.
    pub detail: &'a str,
}

impl<'a> Event<'a> {
    /// An event with no detail.
    pub fn new(action: &'a str, target: &'a str) -> Self {
        Self {
            action,
            target,
            detail: "",
        }
    }

    /// The same event with `detail`.
    pub fn with(self, detail: &'a str) -> Self {
        Self { detail, ..self }
    }
}

/// How an entry names a thing: `Annual reports (#7)`.
pub fn named(name: &str, id: i64) -> String {
    format!("{name} (#{id})")
}

/// The longest text kept in a field of an entry.
const FIELD_MAX: usize = 500;

fn bounded(text: &str) -> String {
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    if text.chars().count() > FIELD_MAX {
        let mut cut: String = text.chars().take(FIELD_MAX - 1).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// Records `event` by `actor` in `workspace_id`.
pub async fn record(db: &Db, workspace_id: i64, actor: &Actor, event: Event<'_>) {
    let (name, target, detail) = (
        bounded(&actor.name),
        bounded(event.target),
        bounded(event.detail),
    );
    let stored = db
        .insert_audit_event(&NewAuditEvent {
            workspace_id,
            actor_id: actor.user_id,
            actor: &name,
            action: event.action,
            target: &target,
            detail: &detail,
            ip: actor.ip.as_deref(),
        })
        .await;
    if let Err(error) = stored {
        tracing::error!(%error, action = event.action, "an audit event was not recorded");
    }
}

/// Records a sign-in in every workspace the person belongs to.
pub async fn record_sign_in(db: &Db, actor: &Actor, how: &str) {
    let Some(user_id) = actor.user_id else {
        return;
    };
    let name = bounded(&actor.name);
    let stored = db
        .insert_audit_event_for_member(
            user_id,
            &NewAuditEvent {
                actor: &name,
                action: "account.signed_in",
                detail: how,
                ip: actor.ip.as_deref(),
                ..NewAuditEvent::default()
            },
        )
        .await;
    if let Err(error) = stored {
        tracing::error!(%error, "a sign-in was not recorded");
    }
}

/// The most entries one page or export holds.
pub const PAGE_MAX: i64 = 10_000;

/// The workspace's entries matching `filter`, newest first (admins only).
pub async fn list(
    db: &Db,
    member: &Member,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditEventView>, WorkspaceError> {
    member.permit(Permission::Administer)?;
    Ok(db
        .audit_events(
            member.workspace_id,
            filter,
            limit.clamp(1, PAGE_MAX),
            offset.max(0),
        )
        .await?)
}

/// The CSV file of `events`: a header, then one line each; cells a
/// spreadsheet would run as formulas are made plain text.
pub fn csv(events: &[AuditEventView]) -> String {
    let header = ["time", "actor", "action", "target", "detail", "ip"];
    let mut text = csv_line(header.iter().map(|cell| (*cell).to_owned()));
    for event in events {
        text.push_str(&csv_line(
            [
                crate::model::timestamp::format(&event.created_at),
                event.actor.clone(),
                event.action.clone(),
                event.target.clone(),
                event.detail.clone(),
                event.ip.clone().unwrap_or_default(),
            ]
            .into_iter()
            .map(defuse),
        ));
    }
    text
}

/// Deletes entries older than `days`; how many.
pub async fn prune(db: &Db, days: u32, now: DateTime<Utc>) -> sqlx::Result<u64> {
    db.prune_audit_events(now - Duration::days(i64::from(days)))
        .await
}

/// A filter from what a form or query string gave: blank fields are no
/// filter; dates are days (`2026-12-01`), `until` inclusive.
pub fn filter_of(
    action: Option<&str>,
    actor: Option<&str>,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<AuditFilter, WorkspaceError> {
    let text = |value: Option<&str>| {
        value
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(|value| value.chars().take(FIELD_MAX).collect::<String>())
    };
    let day = |field: &str,
               value: Option<&str>,
               next: bool|
     -> Result<Option<DateTime<Utc>>, WorkspaceError> {
        let Some(value) = text(value) else {
            return Ok(None);
        };
        let date = chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d")
            .map_err(|_| WorkspaceError::field(field, "Enter a date as YYYY-MM-DD."))?;
        let date = if next {
            date.succ_opt().unwrap_or(date)
        } else {
            date
        };
        Ok(date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
    };
    Ok(AuditFilter {
        action: text(action),
        actor: text(actor),
        since: day("since", since, false)?,
        until: day("until", until, true)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_run_as_formulas() {
        let event = AuditEventView {
            id: 1,
            actor: "=HYPERLINK(\"x\")".into(),
            action: "assistant.created".into(),
            target: "Reports, 2026 (#7)".into(),
            detail: String::new(),
            ip: Some("127.0.0.1".into()),
            created_at: DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
                .unwrap()
                .to_utc(),
        };
        let text = csv(&[event]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "time,actor,action,target,detail,ip");
        assert!(lines[1].contains("'=HYPERLINK"), "{}", lines[1]);
        assert!(lines[1].contains("\"Reports, 2026 (#7)\""), "{}", lines[1]);
    }

    #[test]
    fn filters_read_days_and_ignore_blanks() {
        let filter = filter_of(
            Some(" member. "),
            Some(""),
            Some("2026-12-01"),
            Some("2026-12-01"),
        )
        .unwrap();
        assert_eq!(filter.action.as_deref(), Some("member."));
        assert_eq!(filter.actor, None);
        assert_eq!(
            filter.until.unwrap() - filter.since.unwrap(),
            Duration::days(1)
        );
        assert!(filter_of(None, None, Some("yesterday"), None).is_err());
    }

    #[test]
    fn long_or_control_text_is_bounded() {
        assert_eq!(bounded("a\nb\u{0}c"), "abc");
        assert_eq!(
            bounded(&"x".repeat(2 * FIELD_MAX)).chars().count(),
            FIELD_MAX
        );
    }
}
