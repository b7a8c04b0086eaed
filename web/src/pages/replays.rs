//! Session replays of a project: newest first, each with when it started,
//! how long it ran, the page it began on, its errors and clicks, the browser,
//! the user and the release; filters by period, URL, user, browser, release
//! and errors; pagination. A row opens the player ([`super::replay`]).

use leptos::prelude::*;
use sightline_api_types::ReplaySummary;

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

/// Writes a duration as `1:05` or `1:02:05`.
pub fn duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Shows a project's replays.
#[component]
pub fn Replays() -> impl IntoView {
    let id = param_id("project");
    let period = RwSignal::new("30d".to_string());
    let url = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let browser = RwSignal::new(String::new());
    let release = RwSignal::new(String::new());
    let errors = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    // A new filter starts again at page 1.
    Effect::new(move |_| {
        period.track();
        url.track();
        user.track();
        browser.track();
        release.track();
        errors.track();
        if page.get_untracked() != 1 {
            page.set(1);
        }
    });
    let data = LocalResource::new(move || {
        let mut q = format!("per_page=25&page={}&period={}", page.get(), api::encode(&period.get()));
        for (name, v) in
            [("url", url.get()), ("user", user.get()), ("browser", browser.get()), ("release", release.get())]
        {
            let v = v.trim().to_string();
            if !v.is_empty() {
                q.push_str(&format!("&{name}={}", api::encode(&v)));
            }
        }
        match errors.get().as_str() {
            "with" => q.push_str("&has_errors=true"),
            "without" => q.push_str("&has_errors=false"),
            _ => {}
        }
        async move { api::replays(id.get_untracked(), &q).await }
    });
    let body = move || match data.get() {
        None => view! { <Loading label="Loading replays…"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(p)) if p.replays.is_empty() => view! {
            <Empty title="No replays">
                <p>"Replays appear here when the SDK records them: load "<code>"sightline.replay.min.js"</code>
                " (or import "<code>"@sightline/browser/replay"</code>") and call "<code>"startReplay()"</code>
                " with "<code>"replaysSessionSampleRate"</code>" or "<code>"replaysOnErrorSampleRate"</code>
                " set, or use @sentry/browser's "<code>"replayIntegration"</code>". Filters may hide some."</p>
            </Empty>
        }
        .into_any(),
        Some(Ok(p)) => {
            let pages = p.total.div_ceil(p.per_page.max(1) as u64).max(1);
            let current = p.page as u64;
            let project = id.get_untracked();
            view! {
                <table class="plain replays">
                    <thead>
                        <tr>
                            <th>"Started"</th><th class="num">"Duration"</th><th>"URL"</th><th class="num">"Errors"</th>
                            <th class="num">"Clicks"</th><th>"Browser"</th><th>"User"</th><th>"Release"</th>
                        </tr>
                    </thead>
                    <tbody>{p.replays.into_iter().map(|r| view! { <Row project replay=r/> }).collect_view()}</tbody>
                </table>
                <nav class="pager" aria-label="Pages">
                    <button disabled={current <= 1} on:click=move |_| page.update(|n| *n = n.saturating_sub(1).max(1))>"Previous"</button>
                    <span>{format!("Page {current} of {pages} · {} replays", p.total)}</span>
                    <button disabled={current >= pages} on:click=move |_| page.update(|n| *n += 1)>"Next"</button>
                </nav>
            }
            .into_any()
        }
    };
    let text = |label: &'static str, signal: RwSignal<String>| {
        view! {
            <label class="filter">{label}
                <input type="search" prop:value=move || signal.get() on:change=move |ev| signal.set(event_target_value(&ev))/>
            </label>
        }
    };
    view! {
        <ProjectHeader id/>
        <PeriodFilter period choices=period::LONG/>
        <div class="filters replay-filters">
            {text("URL", url)}
            {text("User", user)}
            {text("Browser", browser)}
            {text("Release", release)}
            <label class="filter">"Errors"
                <select bind:value=errors>
                    <option value="">"Any"</option>
                    <option value="with">"With errors"</option>
                    <option value="without">"Without errors"</option>
                </select>
            </label>
        </div>
        <section class="card">
            <h2>"Replays"</h2>
            {body}
        </section>
    }
}

/// One replay's line; its start time links to the player.
#[component]
fn Row(project: i64, replay: ReplaySummary) -> impl IntoView {
    let r = replay;
    let href = format!("/projects/{project}/replays/{}", r.id);
    let browser = if r.os.is_empty() { r.browser.clone() } else { format!("{} on {}", r.browser, r.os) };
    let errors_class = if r.error_count > 0 { "num errors has-errors" } else { "num errors" };
    view! {
        <tr class="replay" data-replay=r.id.clone()>
            <td><a href=href title=format::datetime(&r.started_at)>{format::relative(&r.started_at)}</a></td>
            <td class="num duration">{duration(r.duration_secs)}</td>
            <td class="url"><code>{r.url.clone()}</code></td>
            <td class=errors_class>{format::count(r.error_count)}</td>
            <td class="num clicks">{format::count(r.click_count)}</td>
            <td>{browser}</td>
            <td class="user">{r.user.clone()}</td>
            <td>{(!r.release.is_empty()).then(|| view! { <code class="version">{r.release.clone()}</code> })}</td>
        </tr>
    }
}
