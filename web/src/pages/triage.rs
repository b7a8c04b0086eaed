//! The issue page's triage panel: who owns the issue (a member or the
//! team), "ignore until" and "resolve in the next release", the issues
//! merged into it (with unmerge), similar issues (one click merges one in),
//! and the activity timeline with a comment
//! box. Every change reloads the timeline, so what was done shows at once.

use leptos::prelude::*;
use sightline_api_types::{ActivityEntry, AssignIssue, IssueStatus, IssueSummary, IssueUpdate, Snooze};

use crate::{
    api,
    components::{
        form::{api_action, error_of, pending, ActionButton},
        states::{ErrorBox, FormError, Loading},
    },
    format,
};

/// The snooze choices: label and what they set.
fn snoozes() -> Vec<(&'static str, Snooze)> {
    let s = |events, users, minutes| Snooze { events, users, minutes };
    vec![
        ("for 1 hour", s(None, None, Some(60))),
        ("for 24 hours", s(None, None, Some(24 * 60))),
        ("until 10 more events", s(Some(10), None, None)),
        ("until 100 more events", s(Some(100), None, None)),
        ("until 10 more users", s(None, Some(10), None)),
    ]
}

/// Shows the triage controls of `issue`; `changed` runs after each change.
#[component]
pub fn TriagePanel(issue: IssueSummary, team_id: Option<i64>, changed: Callback<()>) -> impl IntoView {
    let id = issue.id;
    let activity = LocalResource::new(move || api::activity(id));
    let members = LocalResource::new(move || async move {
        match team_id {
            Some(t) => api::members(t).await,
            None => Ok(vec![]),
        }
    });
    let merged = LocalResource::new(move || api::merged(id));
    let similar = LocalResource::new(move || api::similar(id));
    let after = move || {
        activity.refetch();
        merged.refetch();
        similar.refetch();
        changed.run(());
    };
    let assign = api_action(move |to: &AssignIssue| {
        let call = api::assign(id, to.clone());
        async move {
            call.await?;
            after();
            Ok(())
        }
    });
    let update = api_action(move |u: &IssueUpdate| {
        let call = api::update_issue(id, u.clone());
        async move {
            call.await?;
            after();
            Ok(())
        }
    });
    let comment_text = RwSignal::new(String::new());
    let comment = api_action(move |text: &String| {
        let call = api::comment(id, text.clone());
        async move {
            call.await?;
            comment_text.set(String::new());
            activity.refetch();
            Ok(())
        }
    });
    let unmerge = api_action(move |ids: &Vec<i64>| {
        let call = api::unmerge(id, ids.clone());
        async move {
            call.await?;
            after();
            Ok(())
        }
    });
    let project_id = issue.project_id;
    let merge_in = api_action(move |other: &i64| {
        let call = api::merge(project_id, vec![id, *other], Some(id));
        async move {
            call.await?;
            after();
            Ok(())
        }
    });
    let current = match &issue.assignee {
        Some(a) if a.team_id.is_some() => "team".to_string(),
        Some(a) => a.user_id.map(|u| format!("user:{u}")).unwrap_or_default(),
        None => String::new(),
    };
    let on_assign = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        let to = if v == "team" {
            AssignIssue { user_id: None, team_id }
        } else if let Some(u) = v.strip_prefix("user:").and_then(|u| u.parse().ok()) {
            AssignIssue { user_id: Some(u), team_id: None }
        } else {
            AssignIssue::default()
        };
        assign.dispatch(to);
    };
    let on_snooze = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        let choice = snoozes().into_iter().find(|(label, _)| *label == v);
        if let Some((_, snooze)) = choice {
            update.dispatch(IssueUpdate {
                ids: vec![],
                status: IssueStatus::Ignored,
                snooze: Some(snooze),
                in_next_release: false,
            });
        }
    };
    let next_release = move |_: ()| {
        update.dispatch(IssueUpdate {
            ids: vec![],
            status: IssueStatus::Resolved,
            snooze: None,
            in_next_release: true,
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = comment_text.get_untracked();
        if !text.trim().is_empty() {
            comment.dispatch(text);
        }
    };
    let cur = current.clone();
    view! {
        <section class="card triage">
            <div class="triage-controls">
                <label class="filter">"Assignee"
                    <select class="assignee" on:change=on_assign>
                        <option value="" selected=current.is_empty()>"Unassigned"</option>
                        <option value="team" selected=current == "team">"The team"</option>
                        {move || members.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|m| {
                            let v = format!("user:{}", m.user_id);
                            let sel = cur == v;
                            view! { <option value=v selected=sel>{m.email}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {(issue.status == IssueStatus::Unresolved).then(|| view! {
                    <label class="filter">"Ignore"
                        <select class="snooze" on:change=on_snooze>
                            <option value="">"choose…"</option>
                            {snoozes().into_iter().map(|(label, _)| view! { <option value=label>{label}</option> }).collect_view()}
                        </select>
                    </label>
                    <ActionButton class="next-release" title="Resolve in the next release" pending=pending(update) on_click=Callback::new(next_release)>"In next release"</ActionButton>
                })}
                {issue.snooze.clone().map(|s| view! { <span class="badge snoozed">{describe(&s)}</span> })}
                {issue.resolved_in_release.clone().map(|r| view! { <span class="badge">{format!("resolved in the release after {r}")}</span> })}
            </div>
            <FormError error=error_of(assign)/>
            <FormError error=error_of(update)/>
            {move || match merged.get() {
                Some(Ok(list)) if !list.is_empty() => Some(view! {
                    <h3>"Merged into this issue"</h3>
                    <ul class="merged">
                        {list.into_iter().map(|m| {
                            let mid = m.id;
                            view! { <li>{format!("#{} {}", m.id, m.title)} " "
                                <button type="button" class="unmerge" on:click=move |_| { unmerge.dispatch(vec![mid]); }>"Unmerge"</button></li> }
                        }).collect_view()}
                    </ul>
                }),
                _ => None,
            }}
            {move || match similar.get() {
                Some(Ok(list)) if !list.is_empty() => Some(view! {
                    <h3>"Similar issues"</h3>
                    <ul class="similar">
                        {list.into_iter().map(|s| {
                            let sid = s.id;
                            view! { <li>
                                <a href=format!("/issues/{}", s.id)>{s.title.clone()}</a> " "
                                <span class="muted score">{format!("{:.0}% alike", s.score * 100.0)}</span> " "
                                <button type="button" class="merge-similar" on:click=move |_| { merge_in.dispatch(sid); }>"Merge into this issue"</button>
                            </li> }
                        }).collect_view()}
                    </ul>
                    <FormError error=error_of(merge_in)/>
                }),
                _ => None,
            }}
            <h3>"Activity"</h3>
            {move || match activity.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                Some(Ok(list)) => view! { <ol class="activity">{list.into_iter().map(entry).collect_view()}</ol> }.into_any(),
            }}
            <form class="comment" on:submit=submit>
                <textarea aria-label="Comment" placeholder="Add a comment" prop:value=move || comment_text.get()
                    on:input=move |ev| comment_text.set(event_target_value(&ev))></textarea>
                <ActionButton submit=true pending=pending(comment)>"Comment"</ActionButton>
                <FormError error=error_of(comment)/>
            </form>
        </section>
    }
}

fn describe(s: &Snooze) -> String {
    let mut parts = vec![];
    if let Some(n) = s.events {
        parts.push(format!("{n} more events"));
    }
    if let Some(n) = s.users {
        parts.push(format!("{n} more users"));
    }
    if let Some(m) = s.minutes {
        parts.push(format!("{m} min"));
    }
    format!("ignored until {}", parts.join(" or "))
}

/// One timeline entry; links in comments are clickable.
fn entry(e: ActivityEntry) -> impl IntoView {
    let who = e.user.clone().unwrap_or_else(|| "Sightline".into());
    let what = match e.kind.as_str() {
        "first_seen" => "first seen".to_string(),
        "comment" => "commented".to_string(),
        "alert" => "alert fired".to_string(),
        "snooze_expired" => "snooze ended".to_string(),
        other => other.replace('_', " "),
    };
    let body = linkify(&e.body);
    view! {
        <li class=format!("activity-{}", e.kind)>
            <span class="who">{who}</span> " " <span class="what">{what}</span> " "
            <span class="muted" title=format::datetime(&e.at)>{format::relative(&e.at)}</span>
            <div class="body">{body}</div>
        </li>
    }
}

/// Splits text into plain words and http(s) links.
fn linkify(text: &str) -> Vec<AnyView> {
    let mut out = vec![];
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(" ".into_any());
        }
        if word.starts_with("https://") || word.starts_with("http://") {
            let (href, text) = (word.to_string(), word.to_string());
            out.push(view! { <a href=href rel="noopener noreferrer nofollow" target="_blank">{text}</a> }.into_any());
        } else {
            out.push(word.to_string().into_any());
        }
    }
    out
}
