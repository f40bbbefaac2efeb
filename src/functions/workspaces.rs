//! Workspaces on the dashboard: the switcher, creating, renaming and
//! deleting one, its members and roles, invitations, and the audit log.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::workspaces::{
    AuditEventView, InvitationPreview, InvitationSent, WorkspacePage, WorkspaceView,
};

/// The session key under which an invitation made by a plain form post
/// waits to be shown once.
#[cfg(feature = "ssr")]
const FLASH_INVITATION: &str = "invitation_sent";

/// Every workspace of the signed-in person (none when signed out).
#[server(prefix = "/fn", endpoint = "list_workspaces")]
pub async fn list_workspaces() -> Result<Vec<WorkspaceView>, AppError> {
    use super::context::{auth_session, respond, state, workspace_error};

    respond(async move {
        let Some(user) = auth_session().await?.user else {
            return Ok(Vec::new());
        };
        crate::workspaces::list(&state().db, user.id)
            .await
            .map_err(workspace_error)
    })
    .await
}

/// Works in another of one's workspaces from now on, from the dashboard.
#[server(prefix = "/fn", endpoint = "switch_workspace")]
pub async fn switch_workspace(id: i64) -> Result<(), AppError> {
    use super::context::{redirect, require_user, respond, state, workspace_error};

    respond(async move {
        let user = require_user().await?;
        crate::workspaces::switch(&state().db, user.id, id)
            .await
            .map_err(workspace_error)?;
        redirect("/dashboard");
        Ok(())
    })
    .await
}

/// Creates a shared workspace, in which the creator is the owner and then
/// works.
#[server(prefix = "/fn", endpoint = "create_workspace")]
pub async fn create_workspace(name: String) -> Result<i64, AppError> {
    use super::context::{client_ip, redirect, require_user, respond, state, workspace_error};
    use crate::workspaces::audit::{self, Actor, Event};

    respond(async move {
        let user = require_user().await?;
        let db = state().db;
        let id = crate::workspaces::create(&db, user.id, &name)
            .await
            .map_err(|error| workspace_error(error).with_values([("name", name.as_str())]))?;
        let actor = Actor::person(user.id, &user.username, client_ip());
        audit::record(
            &db,
            id,
            &actor,
            Event::new("workspace.created", name.trim()),
        )
        .await;
        redirect("/workspace");
        Ok(id)
    })
    .await
}

/// The workspace page: members, and invitations for its admins.
#[server(prefix = "/fn", endpoint = "workspace_overview")]
pub async fn workspace_overview() -> Result<WorkspacePage, AppError> {
    use super::context::{internal, require, respond, state, workspace_error};
    use crate::model::workspaces::{MemberView, Permission, Role};

    respond(async move {
        let member = require(Permission::Read).await?;
        let state = state();
        let members = state
            .db
            .members_of(member.workspace_id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|row| MemberView {
                you: row.user_id == member.user_id,
                user_id: row.user_id,
                username: row.username,
                email: row.email,
                role: Role::parse(&row.role).unwrap_or(Role::Viewer),
                joined_at: row.created_at,
            })
            .collect();
        let invitations = if member.role.allows(Permission::Administer) {
            crate::workspaces::invitations::list(&state.db, &member)
                .await
                .map_err(workspace_error)?
        } else {
            Vec::new()
        };
        Ok(WorkspacePage {
            workspace: WorkspaceView {
                id: member.workspace_id,
                name: member.workspace_name.clone(),
                personal: member.personal,
                role: member.role,
                current: true,
            },
            members,
            invitations,
            mail: state.mailer.is_some(),
        })
    })
    .await
}

/// Renames the workspace (owners).
#[server(prefix = "/fn", endpoint = "rename_workspace")]
pub async fn rename_workspace(name: String) -> Result<(), AppError> {
    use super::context::{back_saying_saved, record, require, respond, state, workspace_error};
    use crate::model::workspaces::Permission;
    use crate::workspaces::audit::Event;

    respond(async move {
        let member = require(Permission::Read).await?;
        let renamed = crate::workspaces::rename(&state().db, &member, &name)
            .await
            .map_err(|error| workspace_error(error).with_values([("name", name.as_str())]))?;
        let detail = format!("from {}", member.workspace_name);
        record(
            &member,
            Event::new("workspace.renamed", &renamed).with(&detail),
        )
        .await;
        back_saying_saved("workspace");
        Ok(())
    })
    .await
}

/// Deletes the workspace with everything in it (owners; the name typed to
/// confirm), then goes to the personal workspace.
#[server(prefix = "/fn", endpoint = "delete_workspace")]
pub async fn delete_workspace(confirm: String) -> Result<(), AppError> {
    use super::context::{redirect, require, respond, state, workspace_error};
    use crate::model::workspaces::Permission;

    respond(async move {
        let member = require(Permission::Read).await?;
        member
            .permit(Permission::Own)
            .map_err(|refused| AppError::Forbidden(refused.0))?;
        if confirm.trim() != member.workspace_name {
            return Err(AppError::field(
                "confirm",
                "Type the workspace's name exactly to delete it.",
            ));
        }
        let state = state();
        let stores = crate::workspaces::Stores {
            files: &state.files,
            semantic: state.semantic.as_deref(),
            known_keys: &state.known_keys,
        };
        crate::workspaces::delete(&state.db, &stores, &member)
            .await
            .map_err(workspace_error)?;
        tracing::info!(workspace = member.workspace_id, "workspace deleted");
        redirect("/dashboard");
        Ok(())
    })
    .await
}

/// Invites an e-mail address with a role (admins). The link is shown once:
/// returned to script, or kept in the session for the page a plain form
/// post returns to.
#[server(prefix = "/fn", endpoint = "invite_member")]
pub async fn invite_member(
    email: String,
    role: String,
) -> Result<Option<InvitationSent>, AppError> {
    use super::context::{
        internal, is_plain_form_post, record, redirect, require, respond, state, workspace_error,
    };
    use crate::model::workspaces::Permission;
    use crate::workspaces::audit::Event;

    respond(async move {
        let member = require(Permission::Read).await?;
        let state = state();
        let site = site_address(&state);
        let invited = crate::workspaces::invitations::invite(
            &state.db,
            state.mailer.as_ref(),
            &member,
            &email,
            &role,
            &site,
        )
        .await
        .map_err(|error| {
            workspace_error(error).with_values([("email", email.as_str()), ("role", role.as_str())])
        })?;
        let detail = format!(
            "as {}{}",
            invited.role.as_str(),
            match &invited.mailed {
                Some(Ok(())) => ", e-mailed",
                Some(Err(_)) => ", e-mail failed",
                None => "",
            }
        );
        record(
            &member,
            Event::new("member.invited", &invited.email).with(&detail),
        )
        .await;
        let sent = InvitationSent {
            email: invited.email,
            role: invited.role,
            link: invited.link,
            mailed: invited.mailed,
        };
        if is_plain_form_post() {
            let session = leptos_axum::extract::<tower_sessions::Session>()
                .await
                .map_err(internal)?;
            session
                .insert(FLASH_INVITATION, &sent)
                .await
                .map_err(internal)?;
            redirect("/workspace#invite");
            return Ok(None);
        }
        Ok(Some(sent))
    })
    .await
}

/// The invitation made by a plain form post, once; `None` after that.
#[server(prefix = "/fn", endpoint = "take_invitation_sent")]
pub async fn take_invitation_sent() -> Result<Option<InvitationSent>, AppError> {
    use super::context::{internal, require_user, respond};

    respond(async move {
        require_user().await?;
        let session = leptos_axum::extract::<tower_sessions::Session>()
            .await
            .map_err(internal)?;
        session
            .remove::<InvitationSent>(FLASH_INVITATION)
            .await
            .map_err(internal)
    })
    .await
}

/// The site's address for links: the configured public one, or the scheme
/// and host the dashboard is visited at.
#[cfg(feature = "ssr")]
fn site_address(state: &crate::state::AppState) -> String {
    use axum::http::header::HOST;
    let host = use_context::<axum::http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    crate::model::site_address(
        state.config.public_url.as_deref(),
        host.as_deref(),
        state.config.secure_cookies,
    )
}

/// Withdraws an open invitation (admins).
#[server(prefix = "/fn", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(id: i64) -> Result<(), AppError> {
    use super::context::{back_saying_saved, record, require, respond, state, workspace_error};
    use crate::model::workspaces::Permission;
    use crate::workspaces::audit::Event;

    respond(async move {
        let member = require(Permission::Read).await?;
        let email = crate::workspaces::invitations::revoke(&state().db, &member, id)
            .await
            .map_err(workspace_error)?;
        record(&member, Event::new("member.invitation_withdrawn", &email)).await;
        back_saying_saved("invitation");
        Ok(())
    })
    .await
}

/// Gives a member another role (admins; owners for owners).
#[server(prefix = "/fn", endpoint = "change_member_role")]
pub async fn change_member_role(user_id: i64, role: String) -> Result<(), AppError> {
    use super::context::{
        back_saying_saved, found, record, require, respond, state, workspace_error,
    };
    use crate::model::workspaces::{Permission, Role};
    use crate::workspaces::audit::Event;

    respond(async move {
        let member = require(Permission::Read).await?;
        let Some(role) = Role::parse(&role) else {
            return Err(AppError::field(
                "role",
                "Choose one of owner, admin, editor or viewer.",
            ));
        };
        let state = state();
        let person = found(state.db.user_by_id(user_id).await)?;
        let was =
            crate::workspaces::change_role(&state.db, &state.known_keys, &member, user_id, role)
                .await
                .map_err(workspace_error)?;
        let detail = format!("from {} to {}", was.as_str(), role.as_str());
        record(
            &member,
            Event::new("member.role_changed", &person.username).with(&detail),
        )
        .await;
        back_saying_saved("member");
        Ok(())
    })
    .await
}

/// Removes a member from the workspace (admins; owners for owners), or
/// leaves it (anyone but its last owner).
#[server(prefix = "/fn", endpoint = "remove_member")]
pub async fn remove_member(user_id: i64) -> Result<(), AppError> {
    use super::context::{
        back_saying_saved, found, record, redirect, require, respond, state, workspace_error,
    };
    use crate::model::workspaces::Permission;
    use crate::workspaces::audit::Event;

    respond(async move {
        let member = require(Permission::Read).await?;
        let state = state();
        let person = found(state.db.user_by_id(user_id).await)?;
        let was = crate::workspaces::remove(&state.db, &state.known_keys, &member, user_id)
            .await
            .map_err(workspace_error)?;
        let leaving = user_id == member.user_id;
        let action = if leaving {
            "member.left"
        } else {
            "member.removed"
        };
        let detail = format!("was {}", was.as_str());
        record(&member, Event::new(action, &person.username).with(&detail)).await;
        if leaving {
            redirect("/dashboard");
        } else {
            back_saying_saved("member");
        }
        Ok(())
    })
    .await
}

/// What an invitation link offers; `NotFound` for an unknown, used or
/// withdrawn one, a message for an expired one.
#[server(prefix = "/fn", endpoint = "open_invitation")]
pub async fn open_invitation(token: String) -> Result<InvitationPreview, AppError> {
    use super::context::{respond, state, workspace_error};

    respond(async move {
        let opened = crate::workspaces::invitations::open(&state().db, &token)
            .await
            .map_err(workspace_error)?;
        Ok(InvitationPreview {
            workspace: opened.row.workspace_name,
            role: opened.role,
            email: opened.row.email,
            invited_by: opened.row.invited_by,
            expires_at: opened.row.expires_at,
        })
    })
    .await
}

/// Accepts an invitation as the signed-in person, who then works in its
/// workspace.
#[server(prefix = "/fn", endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    use super::context::{client_ip, redirect, require_user, respond, state, workspace_error};
    use crate::workspaces::audit::{self, Actor, Event};

    respond(async move {
        let user = require_user().await?;
        let db = state().db;
        let (opened, role) = crate::workspaces::invitations::accept(&db, &token, user.id)
            .await
            .map_err(workspace_error)?;
        let actor = Actor::person(user.id, &user.username, client_ip());
        let detail = format!("as {}, invited as {}", role.as_str(), opened.row.email);
        audit::record(
            &db,
            opened.row.workspace_id,
            &actor,
            Event::new("member.joined", &user.username).with(&detail),
        )
        .await;
        redirect("/dashboard");
        Ok(())
    })
    .await
}

/// The workspace's audit log, newest first, filtered (admins): at most
/// `PAGE` entries from `offset`.
#[server(prefix = "/fn", endpoint = "audit_log")]
pub async fn audit_log(
    #[server(default)] action: Option<String>,
    #[server(default)] actor: Option<String>,
    #[server(default)] since: Option<String>,
    #[server(default)] until: Option<String>,
    #[server(default)] offset: Option<i64>,
) -> Result<Vec<AuditEventView>, AppError> {
    use super::context::{require, respond, state, workspace_error};
    use crate::model::workspaces::Permission;
    use crate::workspaces::audit;

    respond(async move {
        let member = require(Permission::Administer).await?;
        let filter = audit::filter_of(
            action.as_deref(),
            actor.as_deref(),
            since.as_deref(),
            until.as_deref(),
        )
        .map_err(workspace_error)?;
        audit::list(
            &state().db,
            &member,
            &filter,
            AUDIT_PAGE,
            offset.unwrap_or(0),
        )
        .await
        .map_err(workspace_error)
    })
    .await
}

/// Entries per page of the audit log.
pub const AUDIT_PAGE: i64 = 100;
