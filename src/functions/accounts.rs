//! Sign up, log in, log out, and who is signed in.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::UserView;

/// Creates an account and signs it in, then sends the browser to `next`.
#[server(prefix = "/fn", endpoint = "sign_up")]
pub async fn sign_up(
    username: String,
    email: String,
    password: String,
    password_confirm: String,
    next: Option<String>,
) -> Result<UserView, AppError> {
    use super::context::{
        account_error, auth_session, client_ip, internal, redirect, respond, state,
    };
    use crate::accounts;
    use crate::auth::session::sign_in;
    use crate::model::sign_in::PASSWORD_SIGNUP_OFF;
    use crate::workspaces::audit::{self, Actor};

    respond(async move {
        let typed = [("username", username.as_str()), ("email", email.as_str())];
        if !state().config.sso.password_login {
            return Err(password_login_off(PASSWORD_SIGNUP_OFF).with_values(typed));
        }
        let db = state().db;
        let validated =
            accounts::check_new_user(&db, Some(&username), Some(&email), Some(&password))
                .await
                .map_err(internal)?;
        let mut errors = validated.as_ref().err().cloned().unwrap_or_default();
        if password != password_confirm {
            errors
                .entry("password_confirm".to_owned())
                .or_default()
                .push("The two passwords do not match.".to_owned());
        }
        let new_user = match validated {
            Ok(new_user) if errors.is_empty() => new_user,
            _ => {
                return Err(AppError::Invalid {
                    fields: errors,
                    values: Default::default(),
                }
                .with_values(typed));
            }
        };
        let user = accounts::register(&db, new_user)
            .await
            .map_err(|error| account_error(error).with_values(typed))?;
        let mut auth = auth_session().await?;
        sign_in(&mut auth, &user).await.map_err(internal)?;
        let actor = Actor::person(user.id, &user.username, client_ip());
        audit::record_sign_in(&state().db, &actor, "new account").await;
        redirect(&super::safe_next(next.as_deref()));
        Ok(user.into_view())
    })
    .await
}

/// Signs a user in by username and password, then sends the browser to `next`.
#[server(prefix = "/fn", endpoint = "log_in")]
pub async fn log_in(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<UserView, AppError> {
    use super::context::{
        auth_session, client_ip, internal, login_error, redirect, respond, state,
    };
    use crate::accounts::BAD_CREDENTIALS;
    use crate::auth::session::{Credentials, sign_in};
    use crate::model::NON_FIELD_ERRORS;
    use crate::model::sign_in::PASSWORD_LOGIN_OFF;
    use crate::workspaces::audit::{self, Actor};

    respond(async move {
        let username = username.trim().to_owned();
        if !state().config.sso.password_login {
            return Err(password_login_off(PASSWORD_LOGIN_OFF)
                .with_values([("username", username.as_str())]));
        }
        let mut auth = auth_session().await?;
        let credentials = Credentials {
            username: username.clone(),
            password,
        };
        let user = auth.authenticate(credentials).await.map_err(login_error)?;
        let Some(user) = user else {
            return Err(AppError::field(NON_FIELD_ERRORS, BAD_CREDENTIALS)
                .with_values([("username", username.as_str())]));
        };
        sign_in(&mut auth, &user).await.map_err(internal)?;
        let actor = Actor::person(user.id, &user.username, client_ip());
        audit::record_sign_in(&state().db, &actor, "password").await;
        redirect(&super::safe_next(next.as_deref()));
        Ok(user.into_view())
    })
    .await
}

/// The refusal of a form when the operator turned password log-in off:
/// the message shown above the form, answered 403 when called from script
/// (a plain form post is still sent back to its form).
#[cfg(feature = "ssr")]
fn password_login_off(message: &str) -> AppError {
    if !super::context::is_plain_form_post()
        && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(axum::http::StatusCode::FORBIDDEN);
    }
    AppError::field(crate::model::NON_FIELD_ERRORS, message)
}

/// Ends the session and sends the browser to the landing page.
#[server(prefix = "/fn", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use super::context::{auth_session, internal, respond};

    respond(async move {
        let mut auth = auth_session().await?;
        auth.logout().await.map_err(internal)?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

/// The signed-in user, if any.
#[server(prefix = "/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    use super::context::{auth_session, respond};

    respond(async move { Ok(auth_session().await?.user.map(|user| user.into_view())) }).await
}

/// Changes the signed-in user's password. This browser stays signed in on
/// a new session id; every other browser session, and any copy of this
/// browser's old cookie, is signed out. API keys are not touched.
#[server(prefix = "/fn", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    use super::context::{account_error, auth_session, internal, respond, state};
    use crate::accounts;
    use crate::auth::session::sign_in;

    respond(async move {
        let mut auth = auth_session().await?;
        let user = auth.user.clone().ok_or(AppError::Unauthorized)?;
        let updated = accounts::change_password(
            &state().db,
            &user,
            &current_password,
            &new_password,
            &new_password_confirm,
        )
        .await
        .map_err(account_error)?;
        // A new session id with the new auth hash keeps this browser in.
        sign_in(&mut auth, &updated).await.map_err(internal)?;
        tracing::info!(user_id = updated.id, "password changed");
        super::context::back_saying_saved("password");
        Ok(())
    })
    .await
}

/// Deletes the signed-in user's account and everything it owns once the
/// password is confirmed, then ends the session and goes to the landing page.
#[server(prefix = "/fn", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    use super::context::{account_error, auth_session, internal, respond, state};
    use crate::accounts;

    respond(async move {
        let mut auth = auth_session().await?;
        let user = auth.user.clone().ok_or(AppError::Unauthorized)?;
        {
            let state = state();
            accounts::delete_account(
                &state.db,
                &state.files,
                state.semantic.as_deref(),
                &state.known_keys,
                &user,
                &password,
            )
            .await
        }
        .map_err(account_error)?;
        auth.logout().await.map_err(internal)?;
        leptos_axum::redirect("/?account=deleted");
        Ok(())
    })
    .await
}
