//! Publishing an assistant on websites: its widget's settings, a new public
//! key, and a token for the dashboard's live preview.

// `save_widget` takes one argument per form field, and `#[server]` copies
// them into code an item-level `allow` does not reach.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use crate::model::workspaces::Permission;
#[cfg(feature = "ssr")]
use crate::workspaces::audit::Event;
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{WidgetPreview, WidgetView};

#[cfg(feature = "ssr")]
mod server {
    use axum::http::header::{HOST, ORIGIN};
    use axum::http::request::Parts;
    use leptos::prelude::use_context;

    use crate::db::widgets::WidgetRow;
    use crate::model::WidgetView;
    use crate::state::AppState;

    /// The widget as the dashboard shows it, with the script's address.
    pub fn view_of(state: &AppState, row: WidgetRow) -> WidgetView {
        let host = use_context::<Parts>().and_then(|parts| {
            parts
                .headers
                .get(HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        let script_url = crate::widget::script_url(
            state.config.public_url.as_deref(),
            host.as_deref(),
            state.config.secure_cookies,
        );
        WidgetView {
            assistant_id: row.assistant_id,
            allowed_origins: row.origins(),
            suggestions: row.suggestion_list(),
            public_key: row.public_key,
            enabled: row.enabled,
            title: row.title,
            accent: row.accent,
            position: row.position,
            welcome: row.welcome,
            show_sources: row.show_sources,
            show_feedback: row.show_feedback,
            visitor_hourly_limit: row.visitor_hourly_limit,
            daily_limit: row.daily_limit,
            script_url,
        }
    }

    /// The origin the request came from (a server function called by the
    /// page's script), else the one its `Host` implies.
    pub fn caller_origin(https: bool) -> Option<String> {
        let parts = use_context::<Parts>()?;
        let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
        header(ORIGIN)
            .and_then(crate::widget::normalize_origin)
            .or_else(|| {
                let scheme = if https { "https" } else { "http" };
                header(HOST)
                    .and_then(|host| crate::widget::normalize_origin(&format!("{scheme}://{host}")))
            })
    }
}

/// The widget of one of the signed-in user's assistants.
#[server(prefix = "/fn", endpoint = "widget_settings")]
pub async fn widget_settings(assistant_id: i64) -> Result<WidgetView, AppError> {
    use super::context::{found, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let state = state();
        let row = found(
            state
                .db
                .widget_of(member.workspace_id, assistant_id, &crate::widget::new_key())
                .await,
        )?;
        Ok(server::view_of(&state, row))
    })
    .await
}

/// Saves the widget's settings. Checkboxes are present when ticked;
/// suggestions are four fields, empty ones ignored.
#[server(prefix = "/fn", endpoint = "save_widget")]
pub async fn save_widget(
    assistant_id: i64,
    #[server(default)] enabled: Option<String>,
    #[server(default)] allowed_origins: String,
    #[server(default)] title: String,
    #[server(default)] accent: String,
    #[server(default)] position: String,
    #[server(default)] welcome: String,
    #[server(default)] suggestion_1: String,
    #[server(default)] suggestion_2: String,
    #[server(default)] suggestion_3: String,
    #[server(default)] suggestion_4: String,
    #[server(default)] show_sources: Option<String>,
    #[server(default)] show_feedback: Option<String>,
    #[server(default)] visitor_hourly_limit: String,
    #[server(default)] daily_limit: String,
) -> Result<WidgetView, AppError> {
    use super::context::{found, require, respond, state};
    use crate::widget::{SettingsForm, validate_settings};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let form = SettingsForm {
            enabled: enabled.is_some(),
            allowed_origins,
            title,
            accent,
            position,
            welcome,
            suggestions: vec![suggestion_1, suggestion_2, suggestion_3, suggestion_4],
            show_sources: show_sources.is_some(),
            show_feedback: show_feedback.is_some(),
            visitor_hourly_limit,
            daily_limit,
        };
        let settings = validate_settings(&form).map_err(|fields| {
            let typed = [
                ("allowed_origins", form.allowed_origins.as_str()),
                ("title", form.title.as_str()),
                ("accent", form.accent.as_str()),
                ("position", form.position.as_str()),
                ("welcome", form.welcome.as_str()),
                ("suggestion_1", form.suggestions[0].as_str()),
                ("suggestion_2", form.suggestions[1].as_str()),
                ("suggestion_3", form.suggestions[2].as_str()),
                ("suggestion_4", form.suggestions[3].as_str()),
                ("visitor_hourly_limit", form.visitor_hourly_limit.as_str()),
                ("daily_limit", form.daily_limit.as_str()),
            ];
            AppError::Invalid {
                fields,
                values: Default::default(),
            }
            .with_values(typed)
        })?;
        let state = state();
        let row = found(
            state
                .db
                .save_widget(
                    member.workspace_id,
                    assistant_id,
                    &settings,
                    &crate::widget::new_key(),
                )
                .await,
        )?;
        let detail = if settings.enabled {
            "website chat on"
        } else {
            "website chat off"
        };
        super::context::record(
            &member,
            Event::new("publishing.changed", &format!("assistant #{assistant_id}")).with(detail),
        )
        .await;
        super::context::back_saying_saved("publishing");
        Ok(server::view_of(&state, row))
    })
    .await
}

/// Gives the widget a new public key: the snippet on every site must be
/// replaced, and visitors' sessions under the old key end.
#[server(prefix = "/fn", endpoint = "rotate_widget_key")]
pub async fn rotate_widget_key(assistant_id: i64) -> Result<WidgetView, AppError> {
    use super::context::{found, require, respond, state};

    respond(async move {
        let member = require(Permission::Edit).await?;
        let state = state();
        let row = found(
            state
                .db
                .rotate_widget_key(member.workspace_id, assistant_id, &crate::widget::new_key())
                .await,
        )?;
        super::context::record(
            &member,
            Event::new("publishing.changed", &format!("assistant #{assistant_id}"))
                .with("website chat key replaced"),
        )
        .await;
        Ok(server::view_of(&state, row))
    })
    .await
}

/// What the dashboard's preview mounts the widget with: a short-lived
/// token for the dashboard's own origin, valid whether or not the widget is
/// on or the dashboard's origin listed.
#[server(prefix = "/fn", endpoint = "start_widget_preview")]
pub async fn start_widget_preview(assistant_id: i64) -> Result<WidgetPreview, AppError> {
    use super::context::{found, require, respond, state};

    respond(async move {
        let member = require(Permission::Ask).await?;
        let state = state();
        let row = found(
            state
                .db
                .widget_of(member.workspace_id, assistant_id, &crate::widget::new_key())
                .await,
        )?;
        let origin =
            server::caller_origin(state.config.secure_cookies).ok_or(AppError::NotFound)?;
        let token = crate::web::widget::preview_token(&state, &row, &origin);
        let view = server::view_of(&state, row);
        Ok(WidgetPreview {
            script_url: view.script_url,
            public_key: view.public_key,
            token,
        })
    })
    .await
}
