//! Pages that need an account.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::components::auth::Auth;
use crate::components::layout::Loading;
use crate::functions::login_url;
use crate::model::UserView;

/// Renders `render(user)` for a signed-in user; sends anyone else to log in
/// and back here afterwards. (The server does the same for full page loads.)
#[component]
pub fn RequireUser<F, V>(render: F) -> impl IntoView
where
    F: Fn(UserView) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let auth = expect_context::<Auth>();
    let location = use_location();
    let render = Arc::new(render);
    view! {
        <Transition fallback=|| view! { <Loading /> }>
            {
                let render = render.clone();
                move || {
                    let render = render.clone();
                    Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => render(user).into_any(),
                            _ => {
                                let path = location.pathname.get_untracked();
                                let search = location.search.get_untracked();
                                let search = search.trim_start_matches('?');
                                let here = if search.is_empty() { path } else { format!("{path}?{search}") };
                                view! { <Redirect path=login_url(&here) /> }.into_any()
                            }
                        }
                    })
                }
            }
        </Transition>
    }
}
