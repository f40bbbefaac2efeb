//! The audit log: who did what, when, in each workspace.

use chrono::{DateTime, Utc};

use super::{Db, on_pool};
use crate::model::workspaces::AuditEventView;

/// An event to record.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEvent<'a> {
    pub workspace_id: i64,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: &'a str,
    pub ip: Option<&'a str>,
}

/// Which events to list: each filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Actions starting with this (`member.` or `member.invited`).
    pub action: Option<String>,
    /// Actors containing this, without regard to case.
    pub actor: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    actor: String,
    action: String,
    target: String,
    detail: String,
    ip: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<AuditRow> for AuditEventView {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            actor: row.actor,
            action: row.action,
            target: row.target,
            detail: row.detail,
            ip: row.ip,
            created_at: row.created_at,
        }
    }
}

/// `LIKE` pattern characters written literally.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl Db {
    /// Records an event in one workspace.
    pub async fn insert_audit_event(&self, event: &NewAuditEvent<'_>) -> sqlx::Result<()> {
        let sql = "INSERT INTO audit_events (workspace_id, actor_id, actor, action, target, detail, ip, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(event.workspace_id)
            .bind(event.actor_id)
            .bind(event.actor)
            .bind(event.action)
            .bind(event.target)
            .bind(event.detail)
            .bind(event.ip)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Records an event in every workspace `user_id` belongs to (a sign-in).
    pub async fn insert_audit_event_for_member(
        &self,
        user_id: i64,
        event: &NewAuditEvent<'_>,
    ) -> sqlx::Result<()> {
        let sql = "INSERT INTO audit_events (workspace_id, actor_id, actor, action, target, detail, ip, created_at) \
                   SELECT workspace_id, $1, $2, $3, $4, $5, $6, $7 FROM workspace_members WHERE user_id = $1";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(user_id)
            .bind(event.actor)
            .bind(event.action)
            .bind(event.target)
            .bind(event.detail)
            .bind(event.ip)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// A workspace's events matching `filter`, newest first.
    pub async fn audit_events(
        &self,
        workspace_id: i64,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> sqlx::Result<Vec<AuditEventView>> {
        let sql = "SELECT id, actor, action, target, detail, ip, created_at FROM audit_events \
                   WHERE workspace_id = $1 \
                   AND ($2 IS NULL OR action LIKE $2 ESCAPE '\\') \
                   AND ($3 IS NULL OR lower(actor) LIKE lower($3) ESCAPE '\\') \
                   AND ($4 IS NULL OR created_at >= $4) AND ($5 IS NULL OR created_at < $5) \
                   ORDER BY created_at DESC, id DESC LIMIT $6 OFFSET $7";
        let action = filter
            .action
            .as_deref()
            .map(|action| format!("{}%", escape_like(action)));
        let actor = filter
            .actor
            .as_deref()
            .map(|actor| format!("%{}%", escape_like(actor)));
        let rows: Vec<AuditRow> = on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(workspace_id)
            .bind(action)
            .bind(actor)
            .bind(filter.since)
            .bind(filter.until)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(AuditEventView::from).collect())
    }

    /// Deletes events recorded before `before`; how many.
    pub async fn prune_audit_events(&self, before: DateTime<Utc>) -> sqlx::Result<u64> {
        let sql = "DELETE FROM audit_events WHERE created_at < $1";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(before)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
    }
}
