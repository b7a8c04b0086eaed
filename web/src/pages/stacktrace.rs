//! An event's stack trace and breadcrumbs, read from the JSON blobs the API
//! passes through. Frames come innermost last (Sentry's order) and are shown
//! most recent first; runs of library frames fold into one `<details>`, and
//! in-app frames are highlighted with their source context when present.
//! A frame the server mapped through a source map shows the original file,
//! line and function, with a toggle to the minified frame (kept under `raw`);
//! one it could not map says why (`sourcemap_error`).

use leptos::prelude::*;
use serde_json::Value;

use crate::format;

fn text(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Renders `function file:line:col` of a frame (or of its `raw` minified twin).
fn head(frame: &Value) -> (String, String) {
    let file = {
        let f = text(frame, "filename");
        if f.is_empty() {
            text(frame, "abs_path")
        } else {
            f
        }
    };
    let function = text(frame, "function");
    let location = match (frame.get("lineno").and_then(Value::as_u64), frame.get("colno").and_then(Value::as_u64)) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    };
    (if function.is_empty() { "<anonymous>".to_string() } else { function }, format!("{file}{location}"))
}

/// Shows one frame: function, file:line:col, and source context if any.
#[component]
fn Frame(frame: Value) -> impl IntoView {
    let in_app = frame.get("in_app").and_then(Value::as_bool).unwrap_or(false);
    let (function, file) = head(&frame);
    let raw = frame.get("raw").filter(|r| r.is_object()).map(head);
    let unmapped = text(&frame, "sourcemap_error");
    let show_raw = RwSignal::new(false);
    let lines = |k: &str| frame.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
    let (pre, post) = (lines("pre_context"), lines("post_context"));
    let context_line = text(&frame, "context_line");
    let lineno = frame.get("lineno").and_then(Value::as_u64).unwrap_or(0);
    let context = (!context_line.is_empty()).then(|| {
        let start = lineno.saturating_sub(pre.len() as u64);
        let all: Vec<(u64, String, bool)> = pre
            .iter()
            .map(|l| (l.as_str().unwrap_or("").to_string(), false))
            .chain(std::iter::once((context_line.clone(), true)))
            .chain(post.iter().map(|l| (l.as_str().unwrap_or("").to_string(), false)))
            .enumerate()
            .map(|(i, (l, cur))| (start + i as u64, l, cur))
            .collect();
        view! {
            <ol class="source">
                {all.into_iter().map(|(n, l, cur)| view! { <li class:current=cur value=n.to_string()><code>{l}</code></li> }).collect_view()}
            </ol>
        }
    });
    let mapped = raw.is_some();
    let original = view! {
        <span class="function">{function}</span>
        " "
        <span class="file">{file}</span>
    };
    let toggle = raw.map(|(raw_function, raw_file)| {
        view! {
            <button class="link raw-toggle" on:click=move |_| show_raw.update(|v| *v = !*v)>
                {move || if show_raw.get() { "show original" } else { "show minified" }}
            </button>
            <div class="frame-raw" hidden=move || !show_raw.get()>
                "minified: " <span class="function">{raw_function}</span> " " <span class="file">{raw_file}</span>
            </div>
        }
    });
    view! {
        <li class="frame" class:in-app=in_app class:symbolicated=mapped>
            <div class="frame-head">
                {original}
                {in_app.then(|| view! { <span class="badge app">"in app"</span> })}
                {mapped.then(|| view! { <span class="badge mapped" title="mapped through an uploaded source map">"source-mapped"</span> })}
                {toggle}
            </div>
            {(!unmapped.is_empty()).then(|| view! { <p class="frame-unmapped muted">"Not source-mapped: " {unmapped}</p> })}
            {context}
        </li>
    }
}

/// Shows the frames, most recent call first, library runs folded.
#[component]
pub fn StackTrace(frames: Value) -> impl IntoView {
    let mut frames = frames.as_array().cloned().unwrap_or_default();
    if frames.is_empty() {
        return view! { <p class="muted">"This event has no stack trace."</p> }.into_any();
    }
    frames.reverse();
    let any_in_app = frames.iter().any(|f| f.get("in_app").and_then(Value::as_bool).unwrap_or(false));
    // Group consecutive frames by in-app-ness; without any in-app frame show all.
    let mut groups: Vec<(bool, Vec<Value>)> = vec![];
    for f in frames {
        let app = !any_in_app || f.get("in_app").and_then(Value::as_bool).unwrap_or(false);
        match groups.last_mut() {
            Some((g, list)) if *g == app => list.push(f),
            _ => groups.push((app, vec![f])),
        }
    }
    view! {
        <ol class="stacktrace">
            {groups
                .into_iter()
                .map(|(app, list)| {
                    if app {
                        list.into_iter().map(|f| view! { <Frame frame=f/> }).collect_view().into_any()
                    } else {
                        let n = list.len();
                        view! {
                            <li class="library-group">
                                <details>
                                    <summary>{format!("{n} library frame{}", if n == 1 { "" } else { "s" })}</summary>
                                    <ol>{list.into_iter().map(|f| view! { <Frame frame=f/> }).collect_view()}</ol>
                                </details>
                            </li>
                        }
                        .into_any()
                    }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}

/// Shows the breadcrumbs as a timeline, oldest first.
#[component]
pub fn Breadcrumbs(crumbs: Value) -> impl IntoView {
    let list = match &crumbs {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o.get("values").and_then(Value::as_array).cloned().unwrap_or_default(),
        _ => vec![],
    };
    if list.is_empty() {
        return view! { <p class="muted">"No breadcrumbs were recorded."</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|c| {
            let when = match c.get("timestamp") {
                Some(Value::Number(n)) => format::local(n.as_f64().unwrap_or(0.0) * 1000.0)[11..].to_string(),
                Some(Value::String(s)) => format::datetime(s).get(11..).unwrap_or("").to_string(),
                _ => String::new(),
            };
            let category = text(&c, "category");
            let level = text(&c, "level");
            let mut message = text(&c, "message");
            if let Some(d) = c.get("data").and_then(Value::as_object) {
                let data = d
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                    .collect::<Vec<_>>()
                    .join(" ");
                message = if message.is_empty() { data } else { format!("{message} ({data})") };
            }
            view! {
                <li class=format!("crumb level-{}", if level.is_empty() { "info" } else { level.as_str() })>
                    <time>{when}</time>
                    <span class="category">{if category.is_empty() { text(&c, "type") } else { category }}</span>
                    <span class="message">{message}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="breadcrumbs">{rows}</ol> }.into_any()
}
