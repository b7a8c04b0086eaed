//! One issue: title, culprit, counts and status actions; the selected event
//! (latest by default, `?event=` otherwise) with its stack trace,
//! breadcrumbs and context; navigation between events; the tag breakdown.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use sightline_api_types::{EventDetail, IssueStatus, TagBreakdown};

use crate::{
    api::{self, ApiError},
    components::{
        bars::DailyBars,
        form::{api_action, error_of, pending, ActionButton},
        states::{ErrorBox, FormError, Loading},
    },
    format,
    pages::{
        feedback::FeedbackList,
        param_id, query_param,
        stacktrace::{Breadcrumbs, StackTrace},
        triage::TriagePanel,
    },
    session::use_session,
};

/// Shows an issue.
#[component]
pub fn IssuePage() -> impl IntoView {
    let s = use_session();
    let id = param_id("issue");
    let event_id = query_param("event");
    let issue = LocalResource::new(move || api::issue(id.get()));
    let tags = LocalResource::new(move || api::tags(id.get()));
    let feedback = LocalResource::new(move || api::issue_feedback(id.get()));
    let chosen = LocalResource::new(move || {
        let ev = event_id.get();
        async move {
            if ev.is_empty() {
                Ok(None)
            } else {
                api::event(id.get_untracked(), &ev).await.map(Some)
            }
        }
    });
    // Select the issue's team in the switcher (its project is loaded once
    // per project, not on every refetch of the issue).
    let project_id = Memo::new(move |_| issue.get().and_then(Result::ok).map(|d| d.issue.project_id));
    let project = LocalResource::new(move || {
        let pid = project_id.get();
        async move {
            match pid {
                Some(pid) => api::project(pid).await.ok(),
                None => None,
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Some(p)) = project.get() {
            s.team.set(Some(p.team_id));
        }
    });
    let set_status = api_action(move |status: &IssueStatus| {
        let call = api::set_status(id.get_untracked(), *status);
        async move {
            call.await?;
            issue.refetch();
            Ok(())
        }
    });
    let act = move |status: IssueStatus| {
        set_status.dispatch(status);
    };
    let error = error_of(set_status);
    let busy = pending(set_status);
    let header = move || match issue.get() {
        None => view! { <Loading label="Loading issue…"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(d)) => {
            let i = d.issue;
            let status = i.status;
            view! {
                <nav class="crumbs" aria-label="Breadcrumb">
                    <a href=format!("/projects/{}/issues", i.project_id)>"← Issues"</a>
                </nav>
                <div class="issue-head">
                    <div>
                        <h1 class="issue-title">{i.title.clone()}</h1>
                        <p class="culprit">{i.culprit.clone()}</p>
                        <p class="issue-meta">
                            <span class=format!("level level-{}", i.level)>{i.level.as_str()}</span>
                            <span class=format!("badge status-{}", status.as_str())>{status.as_str()}</span>
                            {i.regressed.then(|| view! { <span class="badge regressed">"Regressed"</span> })}
                            <span title=format::datetime(&i.first_seen)>{format!("First seen {}", format::relative(&i.first_seen))}</span>
                            <span title=format::datetime(&i.last_seen)>{format!("Last seen {}", format::relative(&i.last_seen))}</span>
                        </p>
                    </div>
                    <dl class="stats">
                        <div><dt>"Events"</dt><dd class="events">{format::count(i.events)}</dd></div>
                        <div><dt>"Users"</dt><dd class="users">{format::count(i.users)}</dd></div>
                    </dl>
                    <div class="actions">
                        {match status {
                            IssueStatus::Unresolved => view! {
                                <ActionButton class="primary" pending=busy on_click=Callback::new(move |_| act(IssueStatus::Resolved))>"Resolve"</ActionButton>
                                <ActionButton pending=busy on_click=Callback::new(move |_| act(IssueStatus::Ignored))>"Ignore"</ActionButton>
                            }.into_any(),
                            _ => view! {
                                <ActionButton pending=busy on_click=Callback::new(move |_| act(IssueStatus::Unresolved))>"Unresolve"</ActionButton>
                            }.into_any(),
                        }}
                    </div>
                </div>
            }
            .into_any()
        }
    };
    // The event shown: ?event= if given, else the issue's latest.
    let event = move || -> Option<Result<Option<EventDetail>, ApiError>> {
        if event_id.get().is_empty() {
            issue.get().map(|r| r.map(|d| d.latest_event))
        } else {
            chosen.get()
        }
    };
    let event_view = move || match event() {
        None => view! { <Loading label="Loading event…"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(None)) => {
            view! { <p class="muted">"No event of this issue is stored any more (retention)."</p> }.into_any()
        }
        Some(Ok(Some(e))) => {
            let project = project_id.get().unwrap_or(0);
            view! { <EventView event=e project/> }.into_any()
        }
    };
    let nav = move || {
        let n = event()?.ok()??.navigation;
        let link = move |target: Option<String>, label: &'static str| match target {
            Some(e) => view! { <EventLink id=id event=e label/> }.into_any(),
            None => view! { <span class="disabled" aria-disabled="true">{label}</span> }.into_any(),
        };
        Some(view! {
            <nav class="event-nav" aria-label="Events">
                {link(n.oldest.filter(|_| n.older.is_some()), "Oldest")}
                {link(n.older, "← Older")}
                <span>{format!("Event {} of {}", n.position, n.total)}</span>
                {link(n.newer, "Newer →")}
                {link(n.latest.filter(|_| n.position > 1), "Latest")}
            </nav>
        })
    };
    // A missing or forbidden issue shows one error, not one per request.
    let failed = move || matches!(issue.get(), Some(Err(_)));
    view! {
        <section class="issue-page">
            {header}
            <FormError error=error/>
            {move || match (issue.get(), project.get()) {
                (Some(Ok(d)), Some(p)) => Some(view! {
                    <TriagePanel issue=d.issue team_id=p.map(|p| p.team_id) changed=Callback::new(move |_| issue.refetch())/>
                }),
                _ => None,
            }}
            <Show when=move || !failed()>
            <div class="issue-body">
                <div class="main-col">
                    {nav}
                    {event_view}
                </div>
                <aside class="side-col">
                    <h2>"Last 14 days"</h2>
                    {move || issue.get().and_then(|r| r.ok()).map(|d| view! { <DailyBars series=d.issue.series/> })}
                    <h2>"Tags"</h2>
                    {move || match tags.get() {
                        None => view! { <Loading/> }.into_any(),
                        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                        Some(Ok(t)) => view! { <Tags tags=t/> }.into_any(),
                    }}
                    {move || match (feedback.get(), issue.get()) {
                        (Some(Ok(list)), Some(Ok(d))) if !list.is_empty() => Some(view! {
                            <h2>"User feedback"</h2>
                            <FeedbackList project=d.issue.project_id items=list/>
                        }),
                        _ => None,
                    }}
                </aside>
            </div>
            </Show>
        </section>
    }
}

#[component]
fn EventLink(id: Signal<i64>, event: String, label: &'static str) -> impl IntoView {
    let navigate = use_navigate();
    let href = format!("/issues/{}?event={}", id.get_untracked(), api::encode(&event));
    let h2 = href.clone();
    view! { <a href=href on:click=move |ev| { ev.prevent_default(); navigate(&h2, Default::default()); }>{label}</a> }
}

/// Shows one event: exception, stack trace, breadcrumbs and context, and
/// "Watch replay" when a session replay was recorded around it.
#[component]
fn EventView(event: EventDetail, project: i64) -> impl IntoView {
    let e = event;
    let s = &e.summary;
    let browser = format!("{} {}", s.browser, e.browser_version).trim().to_string();
    let os = format!("{} {}", s.os, e.os_version).trim().to_string();
    let facts: Vec<(&str, String)> = vec![
        ("Event ID", s.event_id.clone()),
        ("Time", format::datetime(&s.timestamp)),
        ("URL", s.url.clone()),
        ("User", s.user.clone()),
        ("Browser", browser),
        ("OS", os),
        ("Release", s.release.clone()),
        ("Environment", s.environment.clone()),
        ("SDK", e.sdk.clone()),
    ];
    let heading = if e.exception_type.is_empty() {
        e.message.clone()
    } else {
        format!("{}: {}", e.exception_type, e.exception_value)
    };
    // The player opens at the error's moment.
    let replay = e.replay_id.clone().filter(|r| !r.is_empty() && project > 0).map(|r| {
        let at = format::parse_ms(&s.timestamp);
        let at = if at.is_finite() { format!("?at={at:.0}") } else { String::new() };
        view! { <a class="button watch-replay" href=format!("/projects/{project}/replays/{r}{at}")>"Watch replay"</a> }
    });
    view! {
        <section class="card event">
            <h2 class="exception">{heading}</h2>
            {replay}
            <dl class="facts">
                {facts.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> }).collect_view()}
            </dl>
        </section>
        <section class="card">
            <h2>"Stack trace"</h2>
            <StackTrace frames=e.frames.clone()/>
        </section>
        <section class="card">
            <h2>"Breadcrumbs"</h2>
            <Breadcrumbs crumbs=e.breadcrumbs.clone()/>
        </section>
        {(!e.tags.is_empty()).then(|| view! {
            <section class="card">
                <h2>"Event tags"</h2>
                <ul class="chips">{e.tags.iter().map(|(k, v)| view! { <li><b>{k.clone()}</b> " " {v.clone()}</li> }).collect_view()}</ul>
            </section>
        })}
    }
}

/// Shows each tag's top values as bars.
#[component]
fn Tags(tags: Vec<TagBreakdown>) -> impl IntoView {
    if tags.is_empty() {
        return view! { <p class="muted">"No tags."</p> }.into_any();
    }
    tags.into_iter()
        .map(|t| {
            let total = t.total.max(1) as f64;
            view! {
                <div class="tag-breakdown">
                    <h3>{t.key.clone()}</h3>
                    <ul>
                        {t.values.into_iter().map(|v| {
                            let pct = v.count as f64 / total * 100.0;
                            view! {
                                <li title=format!("{}: {} of {} events", v.value, v.count, t.total)>
                                    <span class="bar" style=format!("width: {pct:.1}%")></span>
                                    <span class="label">{v.value.clone()}</span>
                                    <span class="pct">{format!("{pct:.0}%")}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
            }
        })
        .collect_view()
        .into_any()
}
