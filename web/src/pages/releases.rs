//! Releases of a project: each version the build tools announced
//! (`sentry-cli releases new`, the bundler plugins), uploaded source maps
//! for, or saw on an event — with its first and last event, event count,
//! the issues it introduced, its source-map artifacts and last deploy — and
//! its release health over the period chosen: sessions, users, crash-free
//! sessions and users, adoption. A release links to its own page
//! ([`super::release`]) with the crash-free line over time.

use leptos::prelude::*;
use sightline_api_types::{Release, ReleaseHealth};

use crate::{
    api,
    components::{
        layout::ProjectHeader,
        period::{self, PeriodFilter},
        states::{Empty, ErrorBox, Loading},
    },
    format,
    pages::param_id,
};

/// Writes a percentage (`99.5 %`), or a dash when there is none.
pub fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{} %", (v * 100.0).round() / 100.0))
}

/// Lists a project's releases, most recently active first.
#[component]
pub fn Releases() -> impl IntoView {
    let id = param_id("project");
    let period = RwSignal::new("7d".to_string());
    let releases = LocalResource::new(move || {
        let p = period.get();
        async move { api::releases(id.get(), &p).await }
    });
    let body = move || {
        match releases.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <Empty title="No releases yet">
                "Set "<code>"release"</code>" in the SDK's init, or create one from your build with "
                <code>"sentry-cli releases new"</code>" or a Sentry bundler plugin (see the README, “sentry-cli”)."
            </Empty>
        }
        .into_any(),
        Some(Ok(list)) => view! {
            <table class="plain releases">
                <thead>
                    <tr>
                        <th>"Release"</th><th>"First seen"</th><th>"Last seen"</th><th class="num">"Events"</th>
                        <th class="num">"New issues"</th><th class="num">"Sessions"</th><th class="num">"Users"</th>
                        <th class="num">"Crash-free sessions"</th><th class="num">"Crash-free users"</th>
                        <th class="num">"Adoption"</th><th class="num">"Artifacts"</th><th>"Deployed"</th>
                    </tr>
                </thead>
                <tbody>{list.into_iter().map(|r| view! { <Row release=r project=id.get_untracked()/> }).collect_view()}</tbody>
            </table>
        }
        .into_any(),
    }
    };
    view! {
        <ProjectHeader id=id/>
        <PeriodFilter period choices=period::LONG/>
        <section class="card">
            <h2>"Releases"</h2>
            {body}
        </section>
    }
}

/// One release's line.
#[component]
fn Row(release: Release, project: i64) -> impl IntoView {
    let when = |t: &Option<String>| match t {
        Some(t) => view! { <time datetime=t.clone() title=format::datetime(t)>{format::relative(t)}</time> }.into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    };
    let status = match (&release.released_at, release.created_at.is_some()) {
        (Some(_), _) => "finalized",
        (None, true) => "created",
        (None, false) => "",
    };
    let deployed = match (&release.last_deploy_environment, release.deploys) {
        (Some(env), n) if n > 1 => format!("{env} ({n} deploys)"),
        (Some(env), _) => env.clone(),
        _ => "—".into(),
    };
    view! {
        <tr class="release" data-version=release.version.clone()>
            <td>
                <a href=format!("/projects/{project}/releases/{}", api::encode(&release.version))>
                    <code class="version">{release.version.clone()}</code>
                </a>
                {(!status.is_empty()).then(|| view! { <span class="badge">{status}</span> })}
            </td>
            <td>{when(&release.first_seen)}</td>
            <td>{when(&release.last_seen)}</td>
            <td class="num events">{format::count(release.events)}</td>
            <td class="num new-issues">{format::count(release.new_issues)}</td>
            <HealthCells health=release.health.clone()/>
            <td class="num artifacts">{release.artifacts}</td>
            <td class="deployed">{deployed}</td>
        </tr>
    }
}

/// The release-health cells of a release's line (dashes without sessions).
#[component]
fn HealthCells(health: Option<ReleaseHealth>) -> impl IntoView {
    let h = health.unwrap_or_default();
    let adoption = match (h.session_adoption, h.user_adoption) {
        (Some(s), Some(u)) => format!("{} / {} users", percent(Some(s)), percent(Some(u))),
        (s, _) => percent(s),
    };
    view! {
        <td class="num sessions">{format::count(h.sessions)}</td>
        <td class="num users">{format::count(h.users)}</td>
        <td class="num crash-free-sessions">{percent(h.crash_free_sessions)}</td>
        <td class="num crash-free-users">{percent(h.crash_free_users)}</td>
        <td class="num adoption">{adoption}</td>
    }
}
