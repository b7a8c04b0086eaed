//! The team's projects: the list, creating one, and `/` sending the user to
//! their first team's projects.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::Redirect, hooks::use_navigate};

use crate::{
    api::{self, ApiError},
    components::states::{Empty, ErrorBox, FormError, Loading},
    pages::param_id,
    session::{current_team, use_session},
};

/// Sends `/` to the current team's projects.
#[component]
pub fn Home() -> impl IntoView {
    let s = use_session();
    move || match current_team(s) {
        Some(team) => view! { <Redirect path=format!("/teams/{team}/projects")/> }.into_any(),
        None => view! { <NewTeam/> }.into_any(),
    }
}

/// Creates a team, then shows its (empty) projects page.
#[component]
pub fn NewTeam() -> impl IntoView {
    let s = use_session();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<ApiError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::create_team(name.get_untracked()).await {
                Ok(team) => {
                    if let Ok(me) = api::me().await {
                        s.me.set(Some(me));
                    }
                    s.team.set(Some(team.id));
                    navigate(&format!("/teams/{}/projects", team.id), Default::default());
                }
                Err(e) => set_error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card narrow">
            <h1>"Create a team"</h1>
            <p>"Projects belong to teams; invite colleagues to a team from its Members page."</p>
            <form on:submit=submit class="inline">
                <label>"Team name" <input type="text" required bind:value=name/></label>
                <button class="primary" type="submit">"Create team"</button>
            </form>
            <FormError error=error/>
        </section>
    }
}

/// Lists a team's projects and creates new ones.
#[component]
pub fn ProjectList() -> impl IntoView {
    let s = use_session();
    let team = param_id("team");
    Effect::new(move |_| s.team.set(Some(team.get())));
    let projects = LocalResource::new(move || api::projects(team.get()));
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let platform = RwSignal::new("javascript".to_string());
    let (error, set_error) = signal(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::create_project(team.get_untracked(), name.get_untracked(), Some(platform.get_untracked())).await
            {
                Ok(p) => navigate(&format!("/projects/{}/setup", p.id), Default::default()),
                Err(e) => set_error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let list = move || match projects.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <Empty title="No projects yet">
                <p>"Create a project below to get a DSN and a snippet to paste into your site."</p>
            </Empty>
        }
        .into_any(),
        Some(Ok(list)) => view! {
            <ul class="project-grid">
                {list
                    .into_iter()
                    .map(|p| {
                        let dsn = p.keys.iter().find(|k| k.is_active).map(|k| k.dsn.clone()).unwrap_or_default();
                        view! {
                            <li class="card project-card">
                                <h2><a href=format!("/projects/{}/issues", p.id)>{p.name.clone()}</a></h2>
                                <p class="muted">{p.platform.clone()} " · " {p.slug.clone()}</p>
                                <code class="dsn small">{dsn}</code>
                                <p class="links">
                                    <a href=format!("/projects/{}/issues", p.id)>"Issues"</a>
                                    <a href=format!("/projects/{}/performance", p.id)>"Performance"</a>
                                    <a href=format!("/projects/{}/setup", p.id)>"Setup"</a>
                                    <a href=format!("/projects/{}/settings", p.id)>"Settings"</a>
                                </p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <section>
            <div class="page-head"><h1>"Projects"</h1></div>
            {list}
            <form class="card create-project" on:submit=submit>
                <h2>"New project"</h2>
                <div class="row">
                    <label>"Project name" <input type="text" name="project-name" required bind:value=name placeholder="Shop front-end"/></label>
                    <label>"Platform"
                        <select bind:value=platform>
                            <option value="javascript">"Browser JavaScript"</option>
                            <option value="javascript-react">"React"</option>
                            <option value="javascript-vue">"Vue"</option>
                            <option value="other">"Other"</option>
                        </select>
                    </label>
                    <button type="submit" class="primary" disabled=move || busy.get()>"Create project"</button>
                </div>
                <FormError error=error/>
            </form>
        </section>
    }
}
