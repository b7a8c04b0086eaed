//! The frame around every logged-in page: top bar with the team switcher and
//! main links, and the project header with its tabs. The shell loads the
//! current user once and sends a logged-out visitor to `/login?next=…`.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, A},
    hooks::{use_location, use_navigate},
};
use sightline_api_types::Project;

use crate::{
    api,
    components::{
        form::{api_action, pending, ActionButton},
        states::{ErrorBox, Loading},
    },
    session::{current_team, use_session},
};

/// Wraps the logged-in pages.
#[component]
pub fn Shell() -> impl IntoView {
    let s = use_session();
    let location = use_location();
    let navigate = use_navigate();
    let me = LocalResource::new(api::me);
    Effect::new(move |_| match me.get() {
        Some(Ok(m)) => s.me.set(Some(m)),
        Some(Err(e)) if e.is_unauthenticated() => {
            // The router's `search` comes without its leading `?`.
            let search = location.search.get_untracked();
            let search = search.trim_start_matches('?');
            let here =
                format!("{}{}{search}", location.pathname.get_untracked(), if search.is_empty() { "" } else { "?" });
            navigate(&format!("/login?next={}", api::encode(&here)), Default::default());
        }
        _ => {}
    });
    let failed = move || match me.get() {
        Some(Err(e)) if !e.is_unauthenticated() => Some(view! { <ErrorBox error=e/> }),
        _ => None,
    };
    view! {
        <div class="app">
            <TopBar/>
            <main class="content" id="main">
                {failed}
                <Show when=move || s.me.with(|m| m.is_some()) fallback=|| view! { <Loading/> }>
                    <Outlet/>
                </Show>
            </main>
        </div>
    }
}

#[component]
fn TopBar() -> impl IntoView {
    let s = use_session();
    let navigate = use_navigate();
    let team = move || current_team(s);
    let nav = navigate.clone();
    let switch = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        if id == "new" {
            // Keep showing the current team until the new one exists.
            let current = team().map(|t| t.to_string()).unwrap_or_default();
            event_target::<web_sys::HtmlSelectElement>(&ev).set_value(&current);
            nav("/teams/new", Default::default());
        } else if let Ok(id) = id.parse::<i64>() {
            s.team.set(Some(id));
            nav(&format!("/teams/{id}/projects"), Default::default());
        }
    };
    // Logged out locally even when the call fails: the session may be gone already.
    let logout = api_action(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            let _ = api::logout().await;
            s.me.set(None);
            navigate("/login", Default::default());
            Ok(())
        }
    });
    let teams = move || s.me.with(|m| m.as_ref().map(|m| m.teams.clone()).unwrap_or_default());
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Sightline"</a>
            <label class="team-switch">
                <span class="sr-only">"Team"</span>
                <select aria-label="Team" on:change=switch>
                    <For each=teams key=|t| (t.id, t.name.clone()) let:t>
                        <option value=t.id.to_string() selected=move || team() == Some(t.id)>{t.name.clone()}</option>
                    </For>
                    <option value="new">"+ New team…"</option>
                </select>
            </label>
            <nav class="mainnav" aria-label="Main">
                <A href=move || format!("/teams/{}/projects", team().unwrap_or(0))>"Projects"</A>
                <A href=move || format!("/teams/{}/members", team().unwrap_or(0))>"Members"</A>
                <A href="/account">"Account"</A>
            </nav>
            <div class="who">
                <span class="email">{move || s.me.with(|m| m.as_ref().map(|m| m.user.email.clone()).unwrap_or_default())}</span>
                <ActionButton class="link" pending=pending(logout) on_click=Callback::new(move |_| { logout.dispatch(()); })>"Log out"</ActionButton>
            </div>
        </header>
    }
}

/// Shows a project's name and its tabs; selects the project's team. A page
/// that loads the project anyway passes its `project` resource, so the
/// project is fetched once.
#[component]
pub fn ProjectHeader(
    #[prop(into)] id: Signal<i64>,
    #[prop(optional)] project: Option<LocalResource<api::ApiResult<Project>>>,
) -> impl IntoView {
    let s = use_session();
    let project = project.unwrap_or_else(|| LocalResource::new(move || api::project(id.get())));
    Effect::new(move |_| {
        if let Some(Ok(p)) = project.get() {
            s.team.set(Some(p.team_id));
        }
    });
    let name = move || match project.get() {
        Some(Ok(p)) => p.name,
        Some(Err(_)) => "Project".into(),
        None => "\u{a0}".into(),
    };
    let tab = move |path: &'static str, label: &'static str| {
        view! { <A href=move || format!("/projects/{}/{path}", id.get())>{label}</A> }
    };
    view! {
        <div class="project-header">
            <h1 class="project-name">{name}</h1>
            <nav class="tabs" aria-label="Project">
                {tab("issues", "Issues")}
                {tab("performance", "Performance")}
                {tab("feedback", "Feedback")}
                {tab("replays", "Replays")}
                {tab("releases", "Releases")}
                {tab("alerts", "Alerts")}
                {tab("usage", "Usage")}
                {tab("settings", "Settings")}
                {tab("setup", "Setup")}
            </nav>
        </div>
    }
}
