//! The team's projects: the list, creating one, and `/` sending the user to
//! their first team's projects.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_navigate};

use crate::{
    api,
    components::{
        form::{api_action, error_of, pending, ActionButton},
        states::{Empty, ErrorBox, FormError, Loading},
    },
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
    let create = api_action(move |_: &()| {
        let navigate = navigate.clone();
        let call = api::create_team(name.get_untracked());
        async move {
            let team = call.await?;
            if let Ok(me) = api::me().await {
                s.me.set(Some(me));
            }
            s.team.set(Some(team.id));
            navigate(&format!("/teams/{}/projects", team.id), Default::default());
            Ok(())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(());
    };
    view! {
        <section class="card narrow">
            <h1>"Create a team"</h1>
            <p>"Projects belong to teams; invite colleagues to a team from its Members page."</p>
            <form on:submit=submit class="inline">
                <label>"Team name" <input type="text" required bind:value=name/></label>
                <ActionButton submit=true class="primary" pending=pending(create)>"Create team"</ActionButton>
            </form>
            <FormError error=error_of(create)/>
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
    let create = api_action(move |_: &()| {
        let navigate = navigate.clone();
        let call = api::create_project(team.get_untracked(), name.get_untracked(), Some(platform.get_untracked()));
        async move {
            let p = call.await?;
            navigate(&format!("/projects/{}/setup", p.id), Default::default());
            Ok(())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(());
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
                    <ActionButton submit=true class="primary" pending=pending(create)>"Create project"</ActionButton>
                </div>
                <FormError error=error_of(create)/>
            </form>
        </section>
    }
}
