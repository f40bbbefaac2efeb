//! One module per page.

mod account;
mod assistant;
mod auth;
mod dashboard;
mod landing;
mod not_found;
mod workspace;

pub use account::AccountPage;
pub use assistant::{
    AnalyticsTab, AssistantList, AssistantWorkspace, ChatPage, ChatTab, DocumentsTab, EvaluateTab,
    NewAssistantPage, PublishTab, SettingsTab, assistants_resource,
};
pub use auth::{LogInPage, SignUpPage};
pub use dashboard::DashboardPage;
pub use landing::LandingPage;
pub use not_found::NotFoundPage;
pub use workspace::{AuditPage, InvitationPage, WorkspaceSettingsPage};

/// A timestamp as pages show it, e.g. `Nov 26, 2026 19:47 UTC`.
pub fn format_time(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%b %-d, %Y %H:%M UTC").to_string()
}
