//! Workspaces: who belongs to which, with what role, and the rules for
//! changing that. Every surface asks [`Member::permit`] (through its own
//! extractor or context) before it acts; the table of what each role may
//! do is [`Role::allows`].

pub mod audit;
pub mod invitations;

use crate::auth::known_keys::KnownKeys;
use crate::db::Db;
use crate::db::workspaces::{MemberChange, MembershipRow};
use crate::ingest::storage::FileStore;
use crate::model::FieldErrors;
use crate::model::workspaces::{Permission, Role, WorkspaceView, refusal};
use crate::search::semantic::Semantic;

/// The longest workspace name, in characters.
pub const NAME_MAX: usize = 100;

/// Someone acting in a workspace, with their role there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: i64,
    pub username: String,
    pub workspace_id: i64,
    pub workspace_name: String,
    /// Their own personal workspace.
    pub personal: bool,
    pub role: Role,
}

/// A refusal: the member's role does not allow what was asked. Answered
/// 403 on every surface, in its own error shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Forbidden(pub String);

/// Why a change to a workspace or its members was not made.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("{0}")]
    Forbidden(#[from] Forbidden),
    /// The input was refused; messages by field.
    #[error("Please correct the highlighted fields.")]
    Invalid(FieldErrors),
    #[error("Not found.")]
    NotFound,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for WorkspaceError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl WorkspaceError {
    /// A refusal of one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_owned(), vec![message.into()]);
        Self::Invalid(errors)
    }
}

impl Member {
    /// The member of a stored membership.
    pub fn from_row(user_id: i64, username: &str, row: MembershipRow) -> Self {
        Self {
            user_id,
            username: username.to_owned(),
            workspace_id: row.workspace_id,
            personal: row.personal_of == Some(user_id),
            workspace_name: row.name,
            // A role written by a newer version reads as the least one.
            role: Role::parse(&row.role).unwrap_or(Role::Viewer),
        }
    }

    /// `Ok` when their role allows `permission`.
    pub fn permit(&self, permission: Permission) -> Result<(), Forbidden> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(Forbidden(refusal(self.role, permission)))
        }
    }
}

/// The workspace `user_id` works in now, as its member.
pub async fn current(db: &Db, user_id: i64, username: &str) -> Result<Member, WorkspaceError> {
    let row = db
        .current_membership(user_id)
        .await?
        .ok_or(WorkspaceError::NotFound)?;
    Ok(Member::from_row(user_id, username, row))
}

/// Every workspace `user_id` belongs to, for the switcher.
pub async fn list(db: &Db, user_id: i64) -> Result<Vec<WorkspaceView>, WorkspaceError> {
    let rows = db.memberships_of(user_id).await?;
    let current = db
        .current_membership(user_id)
        .await?
        .map(|row| row.workspace_id);
    Ok(rows
        .into_iter()
        .map(|row| WorkspaceView {
            personal: row.personal_of == Some(user_id),
            role: Role::parse(&row.role).unwrap_or(Role::Viewer),
            current: Some(row.workspace_id) == current,
            id: row.workspace_id,
            name: row.name,
        })
        .collect())
}

/// Switches `user_id` to another of their workspaces; `NotFound` when
/// they are not a member of it.
pub async fn switch(db: &Db, user_id: i64, workspace_id: i64) -> Result<(), WorkspaceError> {
    if db.set_current_workspace(user_id, workspace_id).await? {
        Ok(())
    } else {
        Err(WorkspaceError::NotFound)
    }
}

/// A workspace name, trimmed; or the field's error.
pub fn checked_name(name: &str) -> Result<String, WorkspaceError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(WorkspaceError::field(
            "name",
            "This field may not be blank.",
        ));
    }
    if name.chars().count() > NAME_MAX {
        return Err(WorkspaceError::field(
            "name",
            format!("Ensure this field has no more than {NAME_MAX} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(WorkspaceError::field(
            "name",
            "Use letters, digits, spaces and punctuation only.",
        ));
    }
    Ok(name.to_owned())
}

/// Creates a shared workspace owned by `user_id`, who then works in it.
pub async fn create(db: &Db, user_id: i64, name: &str) -> Result<i64, WorkspaceError> {
    let name = checked_name(name)?;
    Ok(db.insert_workspace(&name, user_id).await?)
}

/// Renames the member's shared workspace (owners only).
pub async fn rename(db: &Db, member: &Member, name: &str) -> Result<String, WorkspaceError> {
    member.permit(Permission::Own)?;
    let name = checked_name(name)?;
    if member.personal || !db.rename_workspace(member.workspace_id, &name).await? {
        return Err(WorkspaceError::field(
            "name",
            "Your personal workspace keeps its name.",
        ));
    }
    Ok(name)
}

/// What deleting a workspace also clears: the stored files, the semantic
/// index and the remembered API keys.
pub struct Stores<'a> {
    pub files: &'a FileStore,
    pub semantic: Option<&'a Semantic>,
    pub known_keys: &'a KnownKeys,
}

/// Deletes the member's shared workspace with everything in it (owners
/// only; a personal workspace goes only with its account).
pub async fn delete(db: &Db, stores: &Stores<'_>, member: &Member) -> Result<(), WorkspaceError> {
    member.permit(Permission::Own)?;
    if member.personal {
        return Err(WorkspaceError::Forbidden(Forbidden(
            "Your personal workspace is deleted only with your account.".to_owned(),
        )));
    }
    delete_with_files(db, stores, member.workspace_id).await
}

/// Deletes a workspace, then its stored files and semantic index.
pub async fn delete_with_files(
    db: &Db,
    stores: &Stores<'_>,
    workspace_id: i64,
) -> Result<(), WorkspaceError> {
    let files = db.files_of_workspace(workspace_id).await?;
    let assistants = db.assistants_of(workspace_id).await?;
    db.delete_workspace(workspace_id).await?;
    stores.known_keys.forget_all();
    for sha256 in files {
        crate::documents::forget_file(db, stores.files, &sha256)
            .await
            .map_err(|error| WorkspaceError::Internal(error.into()))?;
    }
    if let Some(semantic) = stores.semantic {
        for assistant in assistants {
            semantic.forget(assistant.id);
        }
    }
    Ok(())
}

/// Whether `actor` may give or take `role` to or from someone who has
/// `current` now: admins manage admins, editors and viewers; only owners
/// make or unmake owners.
fn may_assign(actor: &Member, current: Role, role: Role) -> Result<(), Forbidden> {
    actor.permit(Permission::Administer)?;
    if role == Role::Owner || current == Role::Owner {
        actor.permit(Permission::Own)?;
    }
    Ok(())
}

/// Gives `user_id` another role in the actor's workspace; the last owner
/// keeps theirs.
pub async fn change_role(
    db: &Db,
    known_keys: &KnownKeys,
    actor: &Member,
    user_id: i64,
    role: Role,
) -> Result<Role, WorkspaceError> {
    let current = role_of(db, actor.workspace_id, user_id).await?;
    may_assign(actor, current, role)?;
    let change = db
        .set_member_role(actor.workspace_id, user_id, role.as_str())
        .await?;
    known_keys.forget_all();
    settled(change)?;
    Ok(current)
}

/// Removes `user_id` from the actor's workspace (anyone may leave; admins
/// remove others, owners remove owners); the last owner stays. Their API
/// keys for the workspace are deleted.
pub async fn remove(
    db: &Db,
    known_keys: &KnownKeys,
    actor: &Member,
    user_id: i64,
) -> Result<Role, WorkspaceError> {
    if actor.personal {
        return Err(WorkspaceError::Forbidden(Forbidden(
            "Nobody leaves a personal workspace.".to_owned(),
        )));
    }
    let current = role_of(db, actor.workspace_id, user_id).await?;
    if user_id != actor.user_id {
        may_assign(actor, current, current)?;
    }
    let change = db.remove_member(actor.workspace_id, user_id).await?;
    known_keys.forget_all();
    settled(change)?;
    Ok(current)
}

async fn role_of(db: &Db, workspace_id: i64, user_id: i64) -> Result<Role, WorkspaceError> {
    let row = db
        .membership(user_id, workspace_id)
        .await?
        .ok_or(WorkspaceError::NotFound)?;
    Ok(Role::parse(&row.role).unwrap_or(Role::Viewer))
}

fn settled(change: MemberChange) -> Result<(), WorkspaceError> {
    match change {
        MemberChange::Done => Ok(()),
        MemberChange::NotFound => Err(WorkspaceError::NotFound),
        MemberChange::LastOwner => Err(WorkspaceError::field(
            crate::model::NON_FIELD_ERRORS,
            "A workspace keeps at least one owner: make someone else an owner first.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role) -> Member {
        Member {
            user_id: 1,
            username: "ada".into(),
            workspace_id: 9,
            workspace_name: "Finance".into(),
            personal: false,
            role,
        }
    }

    #[test]
    fn only_owners_make_or_unmake_owners() {
        assert!(may_assign(&member(Role::Owner), Role::Viewer, Role::Owner).is_ok());
        assert!(may_assign(&member(Role::Owner), Role::Owner, Role::Viewer).is_ok());
        assert!(may_assign(&member(Role::Admin), Role::Viewer, Role::Admin).is_ok());
        assert!(may_assign(&member(Role::Admin), Role::Viewer, Role::Owner).is_err());
        assert!(may_assign(&member(Role::Admin), Role::Owner, Role::Viewer).is_err());
        assert!(may_assign(&member(Role::Editor), Role::Viewer, Role::Editor).is_err());
        assert!(may_assign(&member(Role::Viewer), Role::Viewer, Role::Viewer).is_err());
    }

    #[test]
    fn names_are_trimmed_bounded_and_printable() {
        assert_eq!(checked_name("  Finance team ").unwrap(), "Finance team");
        for bad in ["", "   ", "a\u{0}b", "line\nbreak"] {
            assert!(checked_name(bad).is_err(), "{bad:?}");
        }
        assert!(checked_name(&"x".repeat(NAME_MAX)).is_ok());
        assert!(checked_name(&"x".repeat(NAME_MAX + 1)).is_err());
    }

    #[test]
    fn refusals_name_the_role() {
        let refused = member(Role::Viewer).permit(Permission::Edit).unwrap_err();
        assert!(refused.0.contains("(viewer)"), "{refused}");
        assert!(member(Role::Editor).permit(Permission::Edit).is_ok());
    }
}
