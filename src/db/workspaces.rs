//! Workspaces, their members with roles, and invitations to join them.

use chrono::{DateTime, Utc};

use super::{Db, on_pool};

/// A workspace as one of its members sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MembershipRow {
    pub workspace_id: i64,
    pub name: String,
    /// The account whose personal workspace this is; `None`: shared.
    pub personal_of: Option<i64>,
    /// `owner`, `admin`, `editor` or `viewer`.
    pub role: String,
    /// The one the member works in now.
    pub current: bool,
}

/// A member of a workspace.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: i64,
    pub username: String,
    pub email: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// A stored invitation (its token only as a hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: i64,
    pub workspace_id: i64,
    pub workspace_name: String,
    pub email: String,
    pub role: String,
    pub invited_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Why a change of members was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    Done,
    /// No such member (or workspace).
    NotFound,
    /// It would leave the workspace without an owner.
    LastOwner,
}

const MEMBERSHIP: &str = "SELECT w.id AS workspace_id, w.name, w.personal_of, m.role, \
     COALESCE(w.id = u.workspace_id, FALSE) AS current \
     FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id \
     JOIN users u ON u.id = m.user_id WHERE m.user_id = $1";

const INVITATION: &str = "SELECT i.id, i.workspace_id, w.name AS workspace_name, i.email, i.role, \
     u.username AS invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at \
     FROM invitations i JOIN workspaces w ON w.id = i.workspace_id \
     LEFT JOIN users u ON u.id = i.invited_by";

impl Db {
    /// Every workspace `user_id` belongs to: their personal one first, then
    /// the shared ones by name.
    pub async fn memberships_of(&self, user_id: i64) -> sqlx::Result<Vec<MembershipRow>> {
        let sql = format!(
            "{MEMBERSHIP} ORDER BY COALESCE(w.personal_of = m.user_id, FALSE) DESC, lower(w.name), w.id"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)
    }

    /// The workspace `user_id` works in: the one they chose when they still
    /// belong to it, else their personal one (`None` only for an account
    /// that belongs to none).
    pub async fn current_membership(&self, user_id: i64) -> sqlx::Result<Option<MembershipRow>> {
        let sql = format!(
            "{MEMBERSHIP} ORDER BY COALESCE(w.id = u.workspace_id, FALSE) DESC, \
             COALESCE(w.personal_of = m.user_id, FALSE) DESC, w.id LIMIT 1"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_optional(pool)
            .await)
    }

    /// `user_id`'s membership of `workspace_id`, if they are a member.
    pub async fn membership(
        &self,
        user_id: i64,
        workspace_id: i64,
    ) -> sqlx::Result<Option<MembershipRow>> {
        let sql = format!("{MEMBERSHIP} AND m.workspace_id = $2");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(user_id)
            .bind(workspace_id)
            .fetch_optional(pool)
            .await)
    }

    /// Makes `workspace_id` the one `user_id` works in; false when they
    /// are not a member of it.
    pub async fn set_current_workspace(
        &self,
        user_id: i64,
        workspace_id: i64,
    ) -> sqlx::Result<bool> {
        let sql = "UPDATE users SET workspace_id = $2 WHERE id = $1 AND EXISTS \
                   (SELECT 1 FROM workspace_members WHERE user_id = $1 AND workspace_id = $2)";
        let changed = on_pool!(self, |pool| sqlx::query(sql)
            .bind(user_id)
            .bind(workspace_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(changed > 0)
    }

    /// Creates a shared workspace owned by `owner_id`, who then works in it.
    pub async fn insert_workspace(&self, name: &str, owner_id: i64) -> sqlx::Result<i64> {
        let now = Utc::now();
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id",
            )
            .bind(name)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO workspace_members (workspace_id, user_id, role, created_at) \
                 VALUES ($1, $2, 'owner', $3)",
            )
            .bind(id)
            .bind(owner_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE users SET workspace_id = $1 WHERE id = $2")
                .bind(id)
                .bind(owner_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Renames a shared workspace; false when there is none by this id.
    pub async fn rename_workspace(&self, workspace_id: i64, name: &str) -> sqlx::Result<bool> {
        let sql = "UPDATE workspaces SET name = $2 WHERE id = $1 AND personal_of IS NULL";
        let changed = on_pool!(self, |pool| sqlx::query(sql)
            .bind(workspace_id)
            .bind(name)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(changed > 0)
    }

    /// Deletes a shared workspace with everything in it; false when there
    /// is no shared workspace by this id.
    pub async fn delete_workspace(&self, workspace_id: i64) -> sqlx::Result<bool> {
        let sql = "DELETE FROM workspaces WHERE id = $1 AND personal_of IS NULL";
        let deleted = on_pool!(self, |pool| sqlx::query(sql)
            .bind(workspace_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(deleted > 0)
    }

    /// The stored files (by content hash) of every document in a workspace.
    pub async fn files_of_workspace(&self, workspace_id: i64) -> sqlx::Result<Vec<String>> {
        let sql = "SELECT DISTINCT d.sha256 FROM documents d \
                   JOIN assistants a ON a.id = d.assistant_id WHERE a.workspace_id = $1";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(workspace_id)
            .fetch_all(pool)
            .await)
    }

    /// The shared workspaces `user_id` is the only owner of, with how many
    /// other members each has: `(id, name, others)`.
    pub async fn workspaces_only_owned_by(
        &self,
        user_id: i64,
    ) -> sqlx::Result<Vec<(i64, String, i64)>> {
        let sql = "SELECT w.id, w.name, \
                   (SELECT COUNT(*) FROM workspace_members o WHERE o.workspace_id = w.id AND o.user_id <> $1) \
                   FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id \
                   WHERE m.user_id = $1 AND m.role = 'owner' AND w.personal_of IS NULL \
                   AND NOT EXISTS (SELECT 1 FROM workspace_members o WHERE o.workspace_id = w.id \
                                   AND o.role = 'owner' AND o.user_id <> $1) ORDER BY w.id";
        on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(user_id)
            .fetch_all(pool)
            .await)
    }

    /// The members of a workspace, owners first.
    pub async fn members_of(&self, workspace_id: i64) -> sqlx::Result<Vec<MemberRow>> {
        let sql = "SELECT u.id AS user_id, u.username, u.email, m.role, m.created_at \
                   FROM workspace_members m JOIN users u ON u.id = m.user_id \
                   WHERE m.workspace_id = $1 ORDER BY CASE m.role WHEN 'owner' THEN 0 \
                   WHEN 'admin' THEN 1 WHEN 'editor' THEN 2 ELSE 3 END, lower(u.username)";
        on_pool!(self, |pool| sqlx::query_as(sql)
            .bind(workspace_id)
            .fetch_all(pool)
            .await)
    }

    /// Gives a member another role, unless that leaves no owner.
    pub async fn set_member_role(
        &self,
        workspace_id: i64,
        user_id: i64,
        role: &str,
    ) -> sqlx::Result<MemberChange> {
        let change =
            "UPDATE workspace_members SET role = $3 WHERE workspace_id = $1 AND user_id = $2";
        self.change_member(workspace_id, user_id, role == "owner", change, Some(role))
            .await
    }

    /// Removes a member (their keys for the workspace go with them), unless
    /// that leaves no owner.
    pub async fn remove_member(
        &self,
        workspace_id: i64,
        user_id: i64,
    ) -> sqlx::Result<MemberChange> {
        let change = "DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2";
        self.change_member(workspace_id, user_id, false, change, None)
            .await
    }

    /// Runs `change` on one member in a transaction that first locks the
    /// workspace, so two changes at once cannot both remove the last
    /// owner. `stays_owner`: the member is an owner afterwards.
    async fn change_member(
        &self,
        workspace_id: i64,
        user_id: i64,
        stays_owner: bool,
        change: &str,
        role: Option<&str>,
    ) -> sqlx::Result<MemberChange> {
        let lock = "UPDATE workspaces SET name = name WHERE id = $1";
        let current = "SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2";
        let owners =
            "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'";
        let keys = "DELETE FROM api_tokens WHERE workspace_id = $1 AND user_id = $2";
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(lock)
                .bind(workspace_id)
                .execute(&mut *tx)
                .await?;
            let Some(was): Option<String> = sqlx::query_scalar(current)
                .bind(workspace_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(MemberChange::NotFound);
            };
            let owner_count: i64 = sqlx::query_scalar(owners)
                .bind(workspace_id)
                .fetch_one(&mut *tx)
                .await?;
            if was == "owner" && !stays_owner && owner_count <= 1 {
                return Ok(MemberChange::LastOwner);
            }
            let mut query = sqlx::query(change).bind(workspace_id).bind(user_id);
            if let Some(role) = role {
                query = query.bind(role);
            } else {
                sqlx::query(keys)
                    .bind(workspace_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            query.execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(MemberChange::Done)
        })
    }

    /// Makes `user_id` a member of an existing workspace with `role`,
    /// unless they already are one; false when there is no such workspace
    /// or they were a member.
    pub async fn add_member(
        &self,
        workspace_id: i64,
        user_id: i64,
        role: &str,
    ) -> sqlx::Result<bool> {
        let sql = "INSERT INTO workspace_members (workspace_id, user_id, role, created_at) \
                   SELECT id, $2, $3, $4 FROM workspaces WHERE id = $1 \
                   ON CONFLICT (workspace_id, user_id) DO NOTHING";
        let added = on_pool!(self, |pool| sqlx::query(sql)
            .bind(workspace_id)
            .bind(user_id)
            .bind(role)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(added > 0)
    }

    /// Stores an invitation by its token's hash.
    pub async fn insert_invitation(
        &self,
        workspace_id: i64,
        email: &str,
        role: &str,
        token_hash: &str,
        invited_by: i64,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<i64> {
        let sql = "INSERT INTO invitations (workspace_id, email, role, token_hash, invited_by, created_at, expires_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(workspace_id)
            .bind(email)
            .bind(role)
            .bind(token_hash)
            .bind(invited_by)
            .bind(Utc::now())
            .bind(expires_at)
            .fetch_one(pool)
            .await)
    }

    /// A workspace's invitations not yet accepted nor withdrawn, newest
    /// first (expired ones included, marked by their date).
    pub async fn open_invitations(&self, workspace_id: i64) -> sqlx::Result<Vec<InvitationRow>> {
        let sql = format!(
            "{INVITATION} WHERE i.workspace_id = $1 AND i.accepted_at IS NULL \
             AND i.revoked_at IS NULL ORDER BY i.created_at DESC, i.id DESC"
        );
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(workspace_id)
            .fetch_all(pool)
            .await)
    }

    /// The invitation with this token hash, whatever its state.
    pub async fn invitation_by_hash(
        &self,
        token_hash: &str,
    ) -> sqlx::Result<Option<InvitationRow>> {
        let sql = format!("{INVITATION} WHERE i.token_hash = $1");
        on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(token_hash)
            .fetch_optional(pool)
            .await)
    }

    /// Withdraws an open invitation of a workspace; its email address when
    /// there was one.
    pub async fn revoke_invitation(
        &self,
        workspace_id: i64,
        id: i64,
    ) -> sqlx::Result<Option<String>> {
        let sql = "UPDATE invitations SET revoked_at = $3 WHERE id = $1 AND workspace_id = $2 \
                   AND accepted_at IS NULL AND revoked_at IS NULL RETURNING email";
        on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(id)
            .bind(workspace_id)
            .bind(Utc::now())
            .fetch_optional(pool)
            .await)
    }

    /// Accepts an open, unexpired invitation for `user_id`: they become a
    /// member with its role (keeping a higher role they already have) and
    /// work in that workspace. `None` when the invitation was used,
    /// withdrawn or expired meanwhile.
    pub async fn accept_invitation(
        &self,
        id: i64,
        user_id: i64,
    ) -> sqlx::Result<Option<(i64, String)>> {
        let now = Utc::now();
        let claim = "UPDATE invitations SET accepted_at = $2, accepted_by = $3 WHERE id = $1 \
                     AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
                     RETURNING workspace_id, role";
        let join = "INSERT INTO workspace_members (workspace_id, user_id, role, created_at) \
                    VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = \
                    CASE WHEN \
                      (CASE workspace_members.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'editor' THEN 2 ELSE 3 END) \
                      <= (CASE excluded.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'editor' THEN 2 ELSE 3 END) \
                    THEN workspace_members.role ELSE excluded.role END";
        let current = "UPDATE users SET workspace_id = $1 WHERE id = $2";
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let claimed: Option<(i64, String)> = sqlx::query_as(claim)
                .bind(id)
                .bind(now)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((workspace_id, role)) = claimed else {
                return Ok(None);
            };
            sqlx::query(join)
                .bind(workspace_id)
                .bind(user_id)
                .bind(&role)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(current)
                .bind(workspace_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some((workspace_id, role)))
        })
    }
}
