//! Workspaces as the dashboard and the API show them, and the roles of
//! their members with what each may do: the one table every surface
//! (pages, server functions, `/api/v1`, `/v1`, `/mcp`) enforces.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A member's role in a workspace, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including renaming and deleting the workspace and
    /// making other owners.
    Owner,
    /// Members, invitations, everyone's API keys and the audit log, on top
    /// of an editor's rights.
    Admin,
    /// Assistants, documents, web sources, settings, publishing and
    /// evaluation.
    Editor,
    /// Chat, search and analytics; no changes.
    Viewer,
}

/// What a request does, as far as roles are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See assistants, documents, chats, analytics and evaluation results;
    /// search; export conversations.
    Read,
    /// Ask an assistant (and rate its answers).
    Ask,
    /// Create, change and delete assistants and what belongs to them.
    Edit,
    /// Invite and remove members, change roles, see and revoke everyone's
    /// API keys, read the audit log.
    Administer,
    /// Rename or delete the workspace; make or unmake owners.
    Own,
}

/// The roles by name, most powerful first, as forms and the API spell them.
pub const ROLE_NAMES: [&str; 4] = ["owner", "admin", "editor", "viewer"];

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Viewer];

    /// The role named `name` (any case, surrounding spaces ignored).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "editor" => Some(Self::Editor),
            "viewer" => Some(Self::Viewer),
            _ => None,
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Editor => "editor",
            Self::Viewer => "viewer",
        }
    }

    /// Its name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Admin => "Admin",
            Self::Editor => "Editor",
            Self::Viewer => "Viewer",
        }
    }

    /// What a member of this role may do, in a few words.
    pub fn summary(self) -> &'static str {
        match self {
            Self::Owner => "Everything, including deleting the workspace",
            Self::Admin => "Members, invitations, API keys and the audit log",
            Self::Editor => "Assistants, documents, settings and publishing",
            Self::Viewer => "Chat, search and analytics; no changes",
        }
    }

    /// Whether this role may do `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::Read | Permission::Ask => true,
            Permission::Edit => self <= Self::Editor,
            Permission::Administer => self <= Self::Admin,
            Permission::Own => self == Self::Owner,
        }
    }
}

impl Permission {
    /// What a refusal says this permission is about.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Read => "see this",
            Self::Ask => "ask questions",
            Self::Edit => "make changes",
            Self::Administer => "manage members, keys or the audit log",
            Self::Own => "manage the workspace itself",
        }
    }
}

/// The sentence of a refusal: `role` may not do `permission`.
pub fn refusal(role: Role, permission: Permission) -> String {
    format!(
        "Your role in this workspace ({}) does not allow you to {}.",
        role.as_str(),
        permission.describe()
    )
}

/// A workspace the signed-in person belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceView {
    pub id: i64,
    pub name: String,
    /// Their own personal workspace (cannot be left, shared or deleted).
    pub personal: bool,
    pub role: Role,
    /// The one they are working in.
    pub current: bool,
}

/// A member as the members page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: i64,
    pub username: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    /// The signed-in person themselves.
    pub you: bool,
}

/// An invitation not yet accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub expired: bool,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEventView {
    pub id: i64,
    /// Who: a username, with the key's prefix when done with an API key.
    pub actor: String,
    /// What, as `noun.verb`: `member.invited`, `assistant.deleted`…
    pub action: String,
    /// On what, by name and id.
    pub target: String,
    /// More, in words (never a secret).
    pub detail: String,
    /// The address the request came from, when known.
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The workspace page: the workspace, its members and, for its admins,
/// its open invitations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspacePage {
    pub workspace: WorkspaceView,
    pub members: Vec<MemberView>,
    /// Empty for members who may not see them.
    pub invitations: Vec<InvitationView>,
    /// Whether invitations are e-mailed (the operator set up SMTP).
    pub mail: bool,
}

/// An invitation just made: its link is shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationSent {
    pub email: String,
    pub role: Role,
    pub link: String,
    /// `None`: no SMTP server; `Some(Ok)`: e-mailed; `Some(Err)`: why not.
    pub mailed: Option<Result<(), String>>,
}

/// What an invitation link shows before it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub workspace: String,
    pub role: Role,
    pub email: String,
    pub invited_by: Option<String>,
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_allows_exactly_its_column_of_the_matrix() {
        use Permission::*;
        let matrix = [
            (Role::Owner, [true, true, true, true, true]),
            (Role::Admin, [true, true, true, true, false]),
            (Role::Editor, [true, true, true, false, false]),
            (Role::Viewer, [true, true, false, false, false]),
        ];
        for (role, allowed) in matrix {
            for (permission, expected) in
                [Read, Ask, Edit, Administer, Own].into_iter().zip(allowed)
            {
                assert_eq!(role.allows(permission), expected, "{role:?} {permission:?}");
            }
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(Role::parse(&format!(" {} ", role.label())), Some(role));
        }
        assert_eq!(
            ROLE_NAMES.map(|name| Role::parse(name).map(Role::as_str)),
            ROLE_NAMES.map(Some)
        );
        for bad in ["", "root", "owners", "admin\0"] {
            assert_eq!(Role::parse(bad), None, "{bad:?}");
        }
    }
}
