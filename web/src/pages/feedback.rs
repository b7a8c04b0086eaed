//! User feedback of a project: what visitors wrote through the feedback
//! widget or `captureFeedback`, newest first, with who wrote it, the page,
//! the issue it is about and its screenshot. [`FeedbackList`] is also the
//! issue page's "User feedback" section.

use leptos::prelude::*;
use sightline_api_types::Feedback as Item;

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

/// Shows a project's feedback.
#[component]
pub fn Feedback() -> impl IntoView {
    let id = param_id("project");
    let period = RwSignal::new("30d".to_string());
    let data = LocalResource::new(move || {
        let p = period.get();
        async move { api::feedback(id.get(), &p).await }
    });
    let body = move || {
        match data.get() {
        None => view! { <Loading label="Loading feedback…"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <Empty title="No feedback yet">
                <p>"Feedback appears here when visitors send it: " <code>"Sightline.captureFeedback({ message })"</code>
                ", " <code>"Sightline.showFeedbackWidget()"</code> ", or @sentry/browser's feedback widget and " <code>"captureFeedback"</code> "."</p>
            </Empty>
        }
        .into_any(),
        Some(Ok(list)) => view! { <section class="card"><FeedbackList project=id.get() items=list/></section> }.into_any(),
    }
    };
    view! {
        <ProjectHeader id/>
        <PeriodFilter period choices=period::LONG/>
        {body}
    }
}

/// The feedback items, each with its author, page, issue link and screenshot.
#[component]
pub fn FeedbackList(project: i64, items: Vec<Item>) -> impl IntoView {
    view! {
        <ul class="feedback-list">
            {items.into_iter().map(|f| {
                let who = match (f.name.is_empty(), f.email.is_empty()) {
                    (false, false) => format!("{} <{}>", f.name, f.email),
                    (false, true) => f.name.clone(),
                    (true, false) => f.email.clone(),
                    (true, true) => "Anonymous".into(),
                };
                let shot = f.has_screenshot.then(|| {
                    let src = format!("/api/v1/projects/{project}/feedback/{}/screenshot", f.id);
                    let href = src.clone();
                    view! { <a href=href target="_blank" rel="noopener"><img class="feedback-shot" src=src alt="Screenshot sent with the feedback" loading="lazy"/></a> }
                });
                let issue = f.issue_id.map(|i| view! { <a href=format!("/issues/{i}")>"the issue"</a> });
                view! {
                    <li class="feedback" data-feedback=f.id.clone()>
                        <p class="feedback-message">{f.message.clone()}</p>
                        <p class="muted small">
                            {who} " · " {format::relative(&f.timestamp)}
                            {(!f.url.is_empty()).then(|| view! { " · " <span class="feedback-url">{f.url.clone()}</span> })}
                            {(!f.browser.is_empty()).then(|| format!(" · {} on {}", f.browser, f.os))}
                            {issue.map(|a| view! { " · about " {a} })}
                        </p>
                        {shot}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
