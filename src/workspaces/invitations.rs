//! Invitations: an admin invites an e-mail address with a role; the
//! invitation is a link, valid for [`VALID_DAYS`], shown to copy and
//! e-mailed when the operator set up SMTP. Opening it while signed in (or
//! after signing up) makes that account a member.

use chrono::{Duration, Utc};
use rand::Rng;
use rand::distributions::Alphanumeric;

use super::{Forbidden, Member, WorkspaceError};
use crate::auth::api_token;
use crate::db::Db;
use crate::db::workspaces::InvitationRow;
use crate::mail::{Mail, Mailer};
use crate::model::workspaces::{InvitationView, Permission, Role};

/// How long a link works.
pub const VALID_DAYS: i64 = 7;

/// Characters of a link's secret (about 238 bits).
const TOKEN_LENGTH: usize = 40;

/// Open invitations a workspace may have at once, so a hostile admin
/// cannot fill the database or mail servers with them.
pub const MAX_OPEN: usize = 200;

/// A new invitation: what the admin sees once.
#[derive(Debug, Clone)]
pub struct Invited {
    pub id: i64,
    pub email: String,
    pub role: Role,
    /// The link to pass on (its secret is stored only as a hash).
    pub link: String,
    /// Whether it was e-mailed; `Err` says why not when sending failed.
    pub mailed: Option<Result<(), String>>,
}

/// The page an invitation link opens.
#[derive(Debug, Clone)]
pub struct Opened {
    pub row: InvitationRow,
    pub role: Role,
}

/// Invites `email` into the actor's workspace with `role`, e-mailing the
/// link through `mailer` when there is one. `site` is the site's address
/// (`https://chat.example.com`).
pub async fn invite(
    db: &Db,
    mailer: Option<&Mailer>,
    actor: &Member,
    email: &str,
    role: &str,
    site: &str,
) -> Result<Invited, WorkspaceError> {
    actor.permit(Permission::Administer)?;
    if actor.personal {
        return Err(WorkspaceError::Forbidden(Forbidden(
            "A personal workspace is yours alone: create a shared workspace to invite people."
                .to_owned(),
        )));
    }
    let email = email.trim();
    let mut errors = crate::model::FieldErrors::new();
    if let Some(message) = crate::accounts::email_error(email) {
        errors.insert("email".into(), vec![message]);
    }
    let role = Role::parse(role);
    if role.is_none() {
        errors.insert(
            "role".into(),
            vec!["Choose one of owner, admin, editor or viewer.".into()],
        );
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return Err(WorkspaceError::Invalid(errors));
    };
    if role == Role::Owner {
        actor.permit(Permission::Own)?;
    }
    if db.open_invitations(actor.workspace_id).await?.len() >= MAX_OPEN {
        return Err(WorkspaceError::field(
            "email",
            format!("This workspace already has {MAX_OPEN} open invitations: withdraw some first."),
        ));
    }
    let token: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(TOKEN_LENGTH)
        .map(char::from)
        .collect();
    let id = db
        .insert_invitation(
            actor.workspace_id,
            email,
            role.as_str(),
            &api_token::hash(&token),
            actor.user_id,
            Utc::now() + Duration::days(VALID_DAYS),
        )
        .await?;
    let link = format!("{}/invitations/{token}", site.trim_end_matches('/'));
    let mailed = match mailer {
        Some(mailer) => Some(
            mailer
                .send(&Mail {
                    to: email,
                    subject: &format!("{} invited you to {}", actor.username, actor.workspace_name),
                    body: &message(actor, role, &link),
                })
                .await
                .map_err(|error| {
                    tracing::warn!(%error, invitation = id, "the invitation was not e-mailed");
                    error.to_string()
                }),
        ),
        None => None,
    };
    Ok(Invited {
        id,
        email: email.to_owned(),
        role,
        link,
        mailed,
    })
}

/// The e-mail's text.
fn message(actor: &Member, role: Role, link: &str) -> String {
    format!(
        "{inviter} invited you to join the workspace \"{workspace}\" on AIConvoKit as {article} {role}.\n\n\
         Open this link to accept (it works for {VALID_DAYS} days):\n\n{link}\n\n\
         If you did not expect this, you can ignore this message.\n",
        inviter = actor.username,
        workspace = actor.workspace_name,
        article = if role == Role::Admin || role == Role::Owner || role == Role::Editor {
            "an"
        } else {
            "a"
        },
        role = role.as_str(),
    )
}

/// The invitation a link's secret names, if it is still open: `NotFound`
/// for an unknown, used or withdrawn one; `Invalid` for an expired one.
pub async fn open(db: &Db, token: &str) -> Result<Opened, WorkspaceError> {
    if token.is_empty() || token.len() > 200 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(WorkspaceError::NotFound);
    }
    let row = db
        .invitation_by_hash(&api_token::hash(token))
        .await?
        .filter(|row| row.accepted_at.is_none() && row.revoked_at.is_none())
        .ok_or(WorkspaceError::NotFound)?;
    if row.expires_at <= Utc::now() {
        return Err(WorkspaceError::field(
            crate::model::NON_FIELD_ERRORS,
            "This invitation has expired. Ask for a new one.",
        ));
    }
    let role = Role::parse(&row.role).unwrap_or(Role::Viewer);
    Ok(Opened { row, role })
}

/// Accepts the invitation for `user_id`, who then works in its
/// workspace: `(workspace id, role)`.
pub async fn accept(db: &Db, token: &str, user_id: i64) -> Result<(Opened, Role), WorkspaceError> {
    let opened = open(db, token).await?;
    let (_, role) = db
        .accept_invitation(opened.row.id, user_id)
        .await?
        .ok_or(WorkspaceError::NotFound)?;
    let role = Role::parse(&role).unwrap_or(Role::Viewer);
    Ok((opened, role))
}

/// A workspace's open invitations, for its admins.
pub async fn list(db: &Db, actor: &Member) -> Result<Vec<InvitationView>, WorkspaceError> {
    actor.permit(Permission::Administer)?;
    let now = Utc::now();
    Ok(db
        .open_invitations(actor.workspace_id)
        .await?
        .into_iter()
        .map(|row| InvitationView {
            id: row.id,
            role: Role::parse(&row.role).unwrap_or(Role::Viewer),
            email: row.email,
            invited_by: row.invited_by,
            created_at: row.created_at,
            expired: row.expires_at <= now,
            expires_at: row.expires_at,
        })
        .collect())
}

/// Withdraws an open invitation; its address.
pub async fn revoke(db: &Db, actor: &Member, id: i64) -> Result<String, WorkspaceError> {
    actor.permit(Permission::Administer)?;
    db.revoke_invitation(actor.workspace_id, id)
        .await?
        .ok_or(WorkspaceError::NotFound)
}
