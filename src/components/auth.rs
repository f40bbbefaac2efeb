//! Who is signed in, as every page reads it.

use leptos::prelude::*;

use crate::error::AppError;
use crate::functions::accounts::LogOut;
use crate::model::UserView;
use crate::model::workspaces::WorkspaceView;

/// Who is signed in, shared by every page. Reloaded on every navigation, so
/// logging in, out, or a session ending elsewhere shows at once.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<UserView>, AppError>>,
    /// The signed-in person's workspaces (the current one marked).
    pub workspaces: Resource<Result<Vec<WorkspaceView>, AppError>>,
    pub log_out: ServerAction<LogOut>,
}
