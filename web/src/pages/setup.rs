//! Setting up a project: its DSN and ready-to-paste install snippets for our
//! SDK (script tag and npm) and for `@sentry/browser`.

use leptos::prelude::*;

use crate::{
    api,
    components::{
        layout::ProjectHeader,
        states::{ErrorBox, Loading},
    },
    pages::param_id,
};

/// The origin the dashboard was loaded from; the server that serves it also
/// serves the SDK bundle (`/sightline.min.js`) and its npm tarball.
fn origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

/// Returns the three install snippets for a DSN.
pub fn snippets(dsn: &str) -> [(&'static str, &'static str, String); 3] {
    let origin = origin();
    [
        (
            "script",
            "Sightline SDK — script tag",
            format!(
                "<script src=\"{origin}/sightline.min.js\"></script>\n<script>\n  Sightline.init({{ dsn: '{dsn}', release: 'my-site@1.0.0' }});\n</script>"
            ),
        ),
        (
            "npm",
            "Sightline SDK — npm",
            format!(
                "npm install {origin}/sightline-browser.tgz\n\n\
import {{ init }} from '@sightline/browser';\ninit({{ dsn: '{dsn}', environment: 'production' }});"
            ),
        ),
        (
            "sentry",
            "@sentry/browser (unchanged Sentry SDK)",
            format!(
                "npm install @sentry/browser\n\n\
import * as Sentry from '@sentry/browser';\nSentry.init({{\n  dsn: '{dsn}',\n  integrations: [Sentry.browserTracingIntegration()],\n  tracesSampleRate: 1.0,\n}});"
            ),
        ),
    ]
}

/// Shows one snippet with a copy button.
#[component]
pub fn Snippet(id: &'static str, title: &'static str, code: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = code.clone();
    let copy = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
    };
    view! {
        <div class="snippet" data-snippet=id>
            <div class="snippet-head">
                <h3>{title}</h3>
                <button class="small" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
            // Focusable: a long line scrolls, and the keyboard must reach it.
            <pre tabindex="0" aria-label=format!("{title}: code")><code>{code}</code></pre>
        </div>
    }
}

/// Shows a project's DSN and install snippets.
#[component]
pub fn Setup() -> impl IntoView {
    let id = param_id("project");
    let project = LocalResource::new(move || api::project(id.get()));
    let body = move || match project.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(p)) => {
            let dsn = p.keys.iter().find(|k| k.is_active).map(|k| k.dsn.clone()).unwrap_or_default();
            view! {
                <section class="card">
                    <h2>"Your DSN"</h2>
                    <p>"The DSN tells an SDK where to send events. It is public: it can only send, not read."</p>
                    <label class="dsn-field">"DSN" <input type="text" readonly class="dsn" value=dsn.clone() aria-label="DSN"/></label>
                </section>
                <section class="card">
                    <h2>"Install"</h2>
                    <p>"Paste one of these into your site; the first error shows up under Issues within seconds, page loads under Performance."</p>
                    {snippets(&dsn).into_iter().map(|(id, title, code)| view! { <Snippet id title code/> }).collect_view()}
                </section>
            }
            .into_any()
        }
    };
    view! {
        <ProjectHeader id project/>
        {body}
    }
}
