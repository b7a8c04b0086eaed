//! One release's health (`/projects/:project/releases/:version`): its
//! sessions, users, crash-free sessions and users and adoption over the
//! period chosen, in one environment or all, and the crash-free line per
//! hour (periods up to two days) or day, drawn by the performance page's
//! chart ([`crate::components::chart::line_chart`]).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use sightline_api_types::ReleaseHealthDetail;

use crate::{
    api,
    components::{
        chart::{line_chart, Axis, Point},
        layout::ProjectHeader,
        period::{self, PeriodFilter},
        states::{ErrorBox, Loading},
    },
    format,
    pages::{param_id, releases::percent},
};

/// Classes a crash-free rate as the vitals' dots are: 99.5 % and up good, under 98 % poor.
fn rating(v: f64) -> &'static str {
    if v >= 99.5 {
        "good"
    } else if v >= 98.0 {
        "needs-improvement"
    } else {
        "poor"
    }
}

/// Shows a release's health.
#[component]
pub fn ReleasePage() -> impl IntoView {
    let id = param_id("project");
    let params = use_params_map();
    // The link percent-encodes the version (`shop%401.2`); the router decodes parameters.
    let version = Signal::derive(move || params.read().get("version").unwrap_or_default());
    let period = RwSignal::new("7d".to_string());
    let environment = RwSignal::new(String::new());
    let data = LocalResource::new(move || {
        let (p, e, v) = (period.get(), environment.get(), version.get());
        async move { api::release_health(id.get(), &v, &p, &e).await }
    });
    let body = move || match data.get() {
        None => view! { <Loading label="Loading release health…"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(d)) => view! { <HealthView detail=d environment/> }.into_any(),
    };
    view! {
        <ProjectHeader id/>
        <p><a href=move || format!("/projects/{}/releases", id.get())>"← Releases"</a></p>
        <h2>"Release "<code class="version">{version}</code></h2>
        <PeriodFilter period choices=period::LONG/>
        {body}
    }
}

#[component]
fn HealthView(detail: ReleaseHealthDetail, environment: RwSignal<String>) -> impl IntoView {
    let h = detail.health.clone();
    let figure = |label: &'static str, class: &'static str, value: String| {
        view! { <div class=format!("figure {class}")><span class="muted small">{label}</span><strong>{value}</strong></div> }
    };
    let environments = detail.environments.clone();
    let chart = if detail.series.is_empty() {
        view! { <p class="chart-empty">"No sessions of this release in this period. SDKs send them when "<code>"release"</code>" is set."</p> }
            .into_any()
    } else {
        let points: Vec<Point> = detail
            .series
            .iter()
            .map(|p| Point { t_ms: f64::from(p.t_secs) * 1000.0, value: p.crash_free_sessions, samples: p.sessions })
            .collect();
        let lowest = points.iter().filter_map(|p| p.value).fold(100.0, f64::min);
        let axis = Axis {
            // Crash-free rates live near 100 %: start the axis just under the lowest.
            min: ((lowest - 5.0) / 10.0).floor().max(0.0) * 10.0,
            max: 100.0,
            format: &|v| format!("{v:.0} %"),
            dot_class: &rating,
            thresholds: vec![(99.5, "threshold good"), (98.0, "threshold poor")],
            tip: &|p| format!("{}: {} crash-free ({} sessions)", format::local(p.t_ms), percent(p.value), p.samples),
            label: "Crash-free sessions over time".into(),
            caption: "Dashed lines: 99.5 % (green) and 98 % (red) crash-free sessions.",
        };
        line_chart(&points, axis)
    };
    view! {
        <div class="filters">
            <label class="filter">"Environment"
                <select on:change=move |ev| environment.set(event_target_value(&ev)) prop:value=move || environment.get()>
                    <option value="">"All"</option>
                    {environments.into_iter().map(|e| view! { <option value=e.clone()>{e.clone()}</option> }).collect_view()}
                </select>
            </label>
        </div>
        <section class="card release-health">
            <h2>"Release health"</h2>
            <div class="figures">
                {figure("Sessions", "sessions", format::count(h.sessions))}
                {figure("Users", "users", format::count(h.users))}
                {figure("Crash-free sessions", "crash-free-sessions", percent(h.crash_free_sessions))}
                {figure("Crash-free users", "crash-free-users", percent(h.crash_free_users))}
                {figure("Adoption (sessions)", "session-adoption", percent(h.session_adoption))}
                {figure("Adoption (users)", "user-adoption", percent(h.user_adoption))}
                {figure("Crashed sessions", "crashed-sessions", format::count(h.crashed_sessions))}
                {figure("Of which unhandled errors", "unhandled-sessions", format::count(h.unhandled_sessions))}
                {figure("Errored sessions", "errored-sessions", format::count(h.errored_sessions))}
            </div>
        </section>
        <section class="card">
            <h2>"Crash-free sessions over time"</h2>
            {chart}
        </section>
    }
}
