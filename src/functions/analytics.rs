//! An assistant's figures for its Analytics page, with the chart drawn on
//! the server.

#[cfg(feature = "ssr")]
use crate::model::workspaces::Permission;
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::analytics::{AnalyticsPage, WeekFigures};

/// The figures of one of the signed-in user's assistants over `days` days
/// (7, 30 or 90; anything else is 30).
#[server(prefix = "/fn", endpoint = "assistant_analytics")]
pub async fn assistant_analytics(assistant_id: i64, days: u32) -> Result<AnalyticsPage, AppError> {
    use super::context::{found, internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let db = state().db;
        let assistant = found(db.assistant_of(member.workspace_id, assistant_id).await)?;
        let days = crate::analytics::period(Some(&days.to_string())).unwrap_or(30);
        let today = chrono::Utc::now().date_naive();
        let analytics = crate::analytics::of_assistant(&db, assistant.id, today, days)
            .await
            .map_err(internal)?;
        let chart_svg = crate::analytics::chart::questions_per_day(&analytics);
        Ok(AnalyticsPage {
            analytics,
            chart_svg,
        })
    })
    .await
}

/// The last seven days of each of the signed-in user's assistants that
/// was asked anything.
#[server(prefix = "/fn", endpoint = "assistants_week")]
pub async fn assistants_week() -> Result<Vec<WeekFigures>, AppError> {
    use super::context::{internal, require, respond, state};

    respond(async move {
        let member = require(Permission::Read).await?;
        let since = chrono::Utc::now() - chrono::Duration::days(7);
        let rows = state()
            .db
            .recent_questions(member.workspace_id, since)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|row| WeekFigures {
                assistant_id: row.assistant_id,
                questions: row.questions,
                answered: row.answered,
                up: row.up,
                down: row.down,
            })
            .collect())
    })
    .await
}
