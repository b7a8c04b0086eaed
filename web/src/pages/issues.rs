//! The issue list: filters and sort kept in the URL's query string (so a
//! filtered view can be shared and reloaded), the search syntax in the box
//! (a query that does not parse says why under it), "Assigned to me" and
//! "Unassigned" views, bulk resolve/ignore/merge, a
//! sparkline and event/user counts per issue, and pagination.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use sightline_api_types::{IssueStatus, IssueSummary, Project};

use crate::{
    api,
    components::{
        form::{api_action, error_of, pending, ActionButton},
        layout::ProjectHeader,
        poll,
        sparkline::Sparkline,
        states::{Empty, ErrorBox, FormError, Loading},
    },
    format,
    pages::{param_id, setup::Snippet},
};

/// How often a list on screen reloads itself, so new issues and fresh counts
/// show up without a reload (skipped while the tab is hidden, while issues
/// are selected, and while the keyboard focus is in the table).
const REFRESH: std::time::Duration = std::time::Duration::from_secs(10);

/// The list's query parameters and their defaults.
const FILTERS: [(&str, &str); 7] = [
    ("status", "unresolved"),
    ("environment", ""),
    ("release", ""),
    ("query", ""),
    ("period", "14d"),
    ("sort", "last_seen"),
    ("page", "1"),
];

/// Shows a project's issues.
#[component]
pub fn IssueList() -> impl IntoView {
    let id = param_id("project");
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let get = move |k: &str| {
        let default = FILTERS.iter().find(|(n, _)| *n == k).map(|(_, d)| *d).unwrap_or("");
        query.read().get(k).unwrap_or_else(|| default.to_string())
    };
    // Changing a filter rewrites the URL; the list reloads from it.
    let set = move |k: &'static str, v: String| {
        let mut parts = vec![];
        for (name, _) in FILTERS {
            let value = if name == k {
                v.clone()
            } else if name == "page" {
                "1".into()
            } else {
                get(name)
            };
            if !value.is_empty() {
                parts.push(format!("{name}={}", api::encode(&value)));
            }
        }
        navigate(&format!("{}?{}", location.pathname.get_untracked(), parts.join("&")), Default::default());
    };
    let api_query = move || {
        let period = get("period");
        let series = if matches!(period.as_str(), "7d" | "14d" | "30d" | "90d") { "14d" } else { "24h" };
        let mut q = format!("per_page=25&series={series}");
        for (name, _) in FILTERS {
            let v = get(name);
            if !v.is_empty() {
                q.push_str(&format!("&{name}={}", api::encode(&v)));
            }
        }
        q
    };
    let issues = LocalResource::new(move || {
        let q = api_query();
        async move { api::issues(id.get(), &q).await }
    });
    let project = LocalResource::new(move || api::project(id.get()));
    let selected = RwSignal::new(Vec::<i64>::new());
    // The resource keeps showing the current page while it reloads: no flash.
    poll::every(REFRESH, move || {
        let doc = document();
        let focus_in_table = doc.active_element().and_then(|e| e.closest("table.issues").ok().flatten()).is_some();
        if !doc.hidden() && !focus_in_table && selected.with_untracked(Vec::is_empty) {
            issues.refetch();
            project.refetch(); // the environment filter's choices
        }
    });
    let set_status = api_action(move |(ids, status): &(Vec<i64>, IssueStatus)| {
        let call = api::bulk_status(id.get_untracked(), ids.clone(), *status);
        async move {
            call.await?;
            selected.set(vec![]);
            issues.refetch();
            Ok(())
        }
    });
    let merge = api_action(move |ids: &Vec<i64>| {
        let call = api::merge(id.get_untracked(), ids.clone(), None);
        async move {
            call.await?;
            selected.set(vec![]);
            issues.refetch();
            Ok(())
        }
    });
    let two_selected = Signal::derive(move || selected.with(|s| s.len() < 2));
    let bulk = move |status: IssueStatus| {
        let ids = selected.get_untracked();
        if !ids.is_empty() {
            set_status.dispatch((ids, status));
        }
    };
    let none_selected = Signal::derive(move || selected.with(|s| s.is_empty()));
    let environments = move || match project.get() {
        Some(Ok(p)) => p.environments,
        _ => vec![],
    };
    let set_s = set.clone();
    let select = move |name: &'static str, label: &'static str, options: Vec<(String, String)>| {
        let set = set_s.clone();
        view! {
            <label class="filter">{label}
                <select on:change=move |ev| set(name, event_target_value(&ev))>
                    {options
                        .into_iter()
                        .map(|(v, text)| {
                            let v2 = v.clone();
                            view! { <option value=v selected=move || get(name) == v2>{text}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
        }
    };
    let opts = |list: &[(&str, &str)]| list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
    let (set_q, set_r, set_e) = (set.clone(), set.clone(), set.clone());
    let (set_mine, set_none) = (set.clone(), set.clone());
    // A query that does not parse answers 422: say why under the box.
    let search_error = move || match issues.get() {
        Some(Err(e)) if e.status == 422 && !get("query").is_empty() => Some(e.message),
        _ => None,
    };
    let filters = view! {
        <div class="filters" role="search">
            {select("status", "Status", opts(&[("unresolved", "Unresolved"), ("resolved", "Resolved"), ("ignored", "Ignored"), ("all", "All")]))}
            <label class="filter">"Environment"
                <select on:change=move |ev| set_e("environment", event_target_value(&ev))>
                    <option value="">"All"</option>
                    {move || environments().into_iter().map(|e| {
                        let e2 = e.clone();
                        view! { <option value=e.clone() selected=move || get("environment") == e2>{e.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="filter">"Release"
                <input type="text" placeholder="any" prop:value=move || get("release") on:change=move |ev| set_r("release", event_target_value(&ev))/>
            </label>
            <label class="filter grow">"Search"
                <input type="search" name="query" placeholder="is:unresolved assigned:me browser:Chrome !release:1.0 text"
                    prop:value=move || get("query") on:change=move |ev| set_q("query", event_target_value(&ev))/>
                {move || search_error().map(|m| view! { <p class="search-error error" role="alert">{m}</p> })}
            </label>
            <div class="views">
                <button type="button" class="view-mine" on:click=move |_| set_mine("query", "assigned:me".into())>"Assigned to me"</button>
                <button type="button" class="view-unassigned" on:click=move |_| set_none("query", "assigned:none".into())>"Unassigned"</button>
            </div>
            {select("period", "Period", opts(&[("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("14d", "Last 14 days"), ("30d", "Last 30 days"), ("90d", "Last 90 days")]))}
            {select("sort", "Sort by", opts(&[("last_seen", "Last seen"), ("first_seen", "First seen"), ("events", "Events"), ("users", "Users")]))}
        </div>
    };
    let set_page = set.clone();
    let body = move || match issues.get() {
        None => view! { <Loading label="Loading issues…"/> }.into_any(),
        Some(Err(e)) if e.status == 422 && !get("query").is_empty() => {
            view! { <p class="muted">"Fix the search above to see issues."</p> }.into_any()
        }
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(page)) if page.issues.is_empty() => {
            let filtered =
                get("status") != "unresolved" || ["environment", "release", "query"].iter().any(|k| !get(k).is_empty());
            if filtered {
                view! { <Empty title="No issues match these filters"><p>"Widen the period or clear the search."</p></Empty> }.into_any()
            } else {
                view! { <NoEvents project=id details=project on_first=Callback::new(move |_| issues.refetch())/> }
                    .into_any()
            }
        }
        Some(Ok(page)) => {
            let all_ids: Vec<i64> = page.issues.iter().map(|i| i.id).collect();
            let pages = page.total.div_ceil(page.per_page.max(1) as u64).max(1);
            let current = page.page as u64;
            let (prev, next) = (set_page.clone(), set_page.clone());
            view! {
                <table class="issues">
                    <thead>
                        <tr>
                            <th class="check">
                                <input type="checkbox" aria-label="Select all issues"
                                    prop:checked=move || !all_ids.is_empty() && selected.with(|s| s.len() == all_ids.len())
                                    on:change={let ids = page.issues.iter().map(|i| i.id).collect::<Vec<_>>(); move |ev| {
                                        selected.set(if event_target_checked(&ev) { ids.clone() } else { vec![] })
                                    }}/>
                            </th>
                            <th>"Issue"</th>
                            <th class="spark-col">"Trend"</th>
                            <th class="num">"Events"</th>
                            <th class="num">"Users"</th>
                            <th class="when">"Last seen"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {page.issues.into_iter().map(|i| view! { <IssueRow issue=i selected/> }).collect_view()}
                    </tbody>
                </table>
                <nav class="pager" aria-label="Pages">
                    <button disabled={current <= 1} on:click=move |_| prev("page", (current - 1).to_string())>"Previous"</button>
                    <span>{format!("Page {current} of {pages} · {} issues", page.total)}</span>
                    <button disabled={current >= pages} on:click=move |_| next("page", (current + 1).to_string())>"Next"</button>
                </nav>
            }
            .into_any()
        }
    };
    let resolving = move || get("status") != "resolved";
    view! {
        <ProjectHeader id project/>
        {filters}
        <div class="bulk" aria-live="polite">
            <span class="muted">{move || format!("{} selected", selected.with(|s| s.len()))}</span>
            <Show when=resolving fallback=move || view! {
                <ActionButton pending=pending(set_status) disabled=none_selected on_click=Callback::new(move |_| bulk(IssueStatus::Unresolved))>"Unresolve"</ActionButton>
            }>
                <ActionButton pending=pending(set_status) disabled=none_selected on_click=Callback::new(move |_| bulk(IssueStatus::Resolved))>"Resolve"</ActionButton>
            </Show>
            <ActionButton pending=pending(set_status) disabled=none_selected on_click=Callback::new(move |_| bulk(IssueStatus::Ignored))>"Ignore"</ActionButton>
            <ActionButton class="merge" pending=pending(merge) disabled=two_selected
                on_click=Callback::new(move |_| { merge.dispatch(selected.get_untracked()); })>"Merge"</ActionButton>
            <FormError error=error_of(set_status)/>
            <FormError error=error_of(merge)/>
        </div>
        {body}
    }
}

/// One issue in the list.
#[component]
fn IssueRow(issue: IssueSummary, selected: RwSignal<Vec<i64>>) -> impl IntoView {
    let id = issue.id;
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        selected.update(|s| {
            s.retain(|x| *x != id);
            if on {
                s.push(id);
            }
        });
    };
    let level = issue.level.as_str();
    view! {
        <tr class="issue-row" data-issue-id=id.to_string()>
            <td class="check">
                <input type="checkbox" aria-label=format!("Select {}", issue.title) prop:checked=move || selected.with(|s| s.contains(&id)) on:change=toggle/>
            </td>
            <td class="issue-main">
                <a class="issue-title" href=format!("/issues/{id}")>{issue.title.clone()}</a>
                <div class="issue-meta">
                    <span class=format!("level level-{level}")>{level}</span>
                    {issue.regressed.then(|| view! { <span class="badge regressed">"Regressed"</span> })}
                    {(issue.status != IssueStatus::Unresolved).then(|| view! { <span class="badge">{issue.status.as_str()}</span> })}
                    <span class="culprit">{issue.culprit.clone()}</span>
                    {issue.assignee.clone().map(|a| view! { <span class="badge assignee">{a.name}</span> })}
                    {(!issue.merged.is_empty()).then(|| view! { <span class="badge merged">{format!("+{} merged", issue.merged.len())}</span> })}
                    <span class="muted" title=format::datetime(&issue.first_seen)>{format!("first seen {}", format::relative(&issue.first_seen))}</span>
                </div>
            </td>
            <td class="spark-col"><Sparkline series=issue.series.clone() label=issue.title.clone()/></td>
            <td class="num events">{format::count(issue.events)}</td>
            <td class="num users">{format::count(issue.users)}</td>
            <td class="when" title=format::datetime(&issue.last_seen)>{format::relative(&issue.last_seen)}</td>
        </tr>
    }
}

/// The empty unfiltered list: all caught up, or no event ever (then the
/// snippet to paste, and a check every few seconds that shows the list as
/// soon as the first event has arrived). `details` is the page's project
/// resource, for the DSN in the snippet.
#[component]
fn NoEvents(
    project: Signal<i64>,
    details: LocalResource<api::ApiResult<Project>>,
    on_first: Callback<()>,
) -> impl IntoView {
    let any = LocalResource::new(move || api::issues(project.get(), "status=all&period=365d&per_page=1"));
    let waiting = RwSignal::new(false);
    Effect::new(move |_| match any.get() {
        Some(Ok(page)) if page.total == 0 => waiting.set(true),
        Some(Ok(_)) if waiting.get_untracked() => {
            waiting.set(false);
            on_first.run(());
        }
        _ => {}
    });
    poll::every(std::time::Duration::from_secs(3), move || {
        if waiting.get_untracked() {
            any.refetch();
        }
    });
    let snippet = move || match details.get() {
        Some(Ok(p)) => {
            let dsn = p.keys.iter().find(|k| k.is_active).map(|k| k.dsn.clone()).unwrap_or_default();
            let [(id, title, code), ..] = crate::pages::setup::snippets(&dsn);
            Some(view! { <Snippet id title code/> })
        }
        _ => None,
    };
    move || {
        match any.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Ok(page)) if page.total > 0 => view! {
            <Empty title="No unresolved issues">
                <p>"All caught up. Resolved and ignored issues are under the Status filter."</p>
            </Empty>
        }
        .into_any(),
        _ => view! {
            <Empty title="No events yet">
                <p>"Paste this snippet into your site (or see " <a href=move || format!("/projects/{}/setup", project.get())>"all install options"</a> "). Errors show up here within seconds."</p>
                <p class="muted waiting" role="status">"Waiting for the first event…"</p>
                {snippet}
            </Empty>
        }
        .into_any(),
    }
    }
}
