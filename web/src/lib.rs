//! The Sightline dashboard: a Leptos app rendered in the browser (`csr`),
//! compiled to wasm32 and bound by `wasm-bindgen --target web`
//! (`scripts/build-web.sh`). Every route is listed here; one file per page
//! lives under [`pages`], shared pieces under [`components`], and [`api`] is
//! the only module that touches the network. The server answers `index.html`
//! for all of these paths, so deep links and reloads work.

pub mod api;
pub mod components;
pub mod format;
pub mod lazy;
pub mod pages;
pub mod session;

use leptos::prelude::*;
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use crate::{components::layout::Shell, pages::*};

/// Starts the app: mounts it on `<body>` once the wasm module loads.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// Declares the routes.
#[component]
pub fn App() -> impl IntoView {
    session::provide();
    view! {
        <Router>
            <Routes fallback=|| view! { <components::states::NotFound/> }>
                <Route path=path!("/login") view=auth::Login/>
                <Route path=path!("/signup") view=auth::Signup/>
                <Route path=path!("/forgot-password") view=auth::Forgot/>
                <Route path=path!("/reset-password") view=auth::Reset/>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=projects::Home/>
                    <Route path=path!("/invites/accept") view=lazy::AcceptInviteRoute/>
                    <Route path=path!("/teams/new") view=projects::NewTeam/>
                    <Route path=path!("/teams/:team/projects") view=projects::ProjectList/>
                    <Route path=path!("/teams/:team/members") view=lazy::MembersRoute/>
                    <Route path=path!("/projects/:project/setup") view=lazy::SetupRoute/>
                    <Route path=path!("/projects/:project/issues") view=issues::IssueList/>
                    <Route path=path!("/projects/:project/performance") view=lazy::PerformanceRoute/>
                    <Route path=path!("/projects/:project/feedback") view=lazy::FeedbackRoute/>
                    <Route path=path!("/projects/:project/usage") view=lazy::UsageRoute/>
                    <Route path=path!("/projects/:project/releases") view=lazy::ReleasesRoute/>
                    <Route path=path!("/projects/:project/releases/:version") view=lazy::ReleaseRoute/>
                    <Route path=path!("/projects/:project/settings") view=lazy::SettingsRoute/>
                    <Route path=path!("/projects/:project/alerts") view=lazy::AlertsRoute/>
                    <Route path=path!("/issues/:issue") view=lazy::IssueRoute/>
                    <Route path=path!("/account") view=lazy::AccountRoute/>
                    <Route path=path!("/projects/:project/replays") view=lazy::ReplaysRoute/>
                    <Route path=path!("/projects/:project/replays/:replay") view=lazy::ReplayRoute/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
