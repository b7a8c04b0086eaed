//! Releases of a project: each version the build tools announced
//! (`sentry-cli releases new`, the bundler plugins), uploaded source maps
//! for, or saw on an event — with its first and last event, event count,
//! the issues it introduced, its source-map artifacts and last deploy.

use leptos::prelude::*;
use sightline_api_types::Release;

use crate::{
    api,
    components::{
        layout::ProjectHeader,
        states::{Empty, ErrorBox, Loading},
    },
    format,
    pages::param_id,
};

/// Lists a project's releases, most recently active first.
#[component]
pub fn Releases() -> impl IntoView {
    let id = param_id("project");
    let releases = LocalResource::new(move || api::releases(id.get()));
    let body = move || match releases.get() {
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
                        <th class="num">"New issues"</th><th class="num">"Artifacts"</th><th>"Deployed"</th>
                    </tr>
                </thead>
                <tbody>{list.into_iter().map(|r| view! { <Row release=r/> }).collect_view()}</tbody>
            </table>
        }
        .into_any(),
    };
    view! {
        <ProjectHeader id=id/>
        <section class="card">
            <h2>"Releases"</h2>
            {body}
        </section>
    }
}

/// One release's line.
#[component]
fn Row(release: Release) -> impl IntoView {
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
                <code class="version">{release.version.clone()}</code>
                {(!status.is_empty()).then(|| view! { <span class="badge">{status}</span> })}
            </td>
            <td>{when(&release.first_seen)}</td>
            <td>{when(&release.last_seen)}</td>
            <td class="num events">{format::count(release.events)}</td>
            <td class="num new-issues">{format::count(release.new_issues)}</td>
            <td class="num artifacts">{release.artifacts}</td>
            <td class="deployed">{deployed}</td>
        </tr>
    }
}
