//! One session replay: its facts (start, duration, page, browser, user,
//! release, errors) and the player. The player is rrweb's Replayer in a
//! small JS module (`web/player/`, served as `/replay-player.js`) that this
//! page imports when it opens, so no other page loads rrweb; it fetches the
//! segments itself (the first one plays while the rest load) and shows the
//! timeline. `?at=<epoch ms>` opens it at that moment (the issue page's
//! "Watch replay" passes the error's time).

use leptos::{html::Div, prelude::*};
use leptos_router::hooks::use_navigate;
use sightline_api_types::ReplayDetail;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::{
    api,
    components::{
        form::{api_action, error_of, pending, ActionButton},
        states::{ErrorBox, FormError, Loading},
    },
    format,
    pages::{param_id, query_param, replays::duration},
};

/// Where build-web.sh puts the player module.
const PLAYER: &str = "/replay-player.js";

/// Shows a replay with its player.
#[component]
pub fn ReplayView() -> impl IntoView {
    let project = param_id("project");
    let params = leptos_router::hooks::use_params_map();
    let replay_id = Signal::derive(move || params.read().get("replay").unwrap_or_default());
    let at = query_param("at");
    let detail = LocalResource::new(move || {
        let r = replay_id.get();
        async move { api::replay(project.get_untracked(), &r).await }
    });
    let navigate = use_navigate();
    let delete = api_action(move |_: &()| {
        let (p, r) = (project.get_untracked(), replay_id.get_untracked());
        let navigate = navigate.clone();
        async move {
            api::delete_replay(p, &r).await?;
            navigate(&format!("/projects/{}/replays", project.get_untracked()), Default::default());
            Ok(())
        }
    });
    let error = error_of(delete);
    let busy = pending(delete);
    let body = move || match detail.get() {
        None => view! { <Loading label="Loading replay…"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(d)) => {
            let at = at.get_untracked().parse::<f64>().ok();
            view! {
                <Facts detail=d.clone()/>
                <Player project=project.get_untracked() detail=d at/>
            }
            .into_any()
        }
    };
    view! {
        <section class="replay-page">
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href=move || format!("/projects/{}/replays", project.get())>"← Replays"</a>
            </nav>
            <div class="issue-head">
                <h1>"Session replay"</h1>
                <div class="actions">
                    <ActionButton pending=busy on_click=Callback::new(move |_| {
                        let ok = window().confirm_with_message("Delete this replay and all its recording? This cannot be undone.").unwrap_or(false);
                        if ok {
                            delete.dispatch(());
                        }
                    })>"Delete replay"</ActionButton>
                </div>
            </div>
            <FormError error=error/>
            {body}
        </section>
    }
}

/// The replay's facts and its error events.
#[component]
fn Facts(detail: ReplayDetail) -> impl IntoView {
    let s = &detail.summary;
    let browser = if s.os.is_empty() { s.browser.clone() } else { format!("{} on {}", s.browser, s.os) };
    let facts: Vec<(&str, String)> = vec![
        ("Started", format::datetime(&s.started_at)),
        ("Duration", duration(s.duration_secs)),
        ("URL", s.url.clone()),
        ("Browser", browser),
        ("User", s.user.clone()),
        ("Release", s.release.clone()),
        ("Environment", s.environment.clone()),
        ("Errors", s.error_count.to_string()),
        ("Clicks", s.click_count.to_string()),
        (
            "Recorded",
            if s.replay_type == "buffer" { "from the minute before an error".into() } else { "whole session".into() },
        ),
    ];
    view! {
        <section class="card replay-facts">
            <dl class="facts">
                {facts.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> }).collect_view()}
            </dl>
        </section>
    }
}

/// Mounts the JS player on its element once both exist; unmounts it when the page goes.
#[component]
fn Player(project: i64, detail: ReplayDetail, at: Option<f64>) -> impl IntoView {
    let root = NodeRef::<Div>::new();
    let segments: Vec<String> =
        detail.segments.iter().map(|n| api::replay_segment_url(project, &detail.summary.id, *n)).collect();
    let failed = RwSignal::new(None::<String>);
    let empty = segments.is_empty();
    Effect::new(move |_| {
        let Some(el) = root.get() else { return };
        let el: JsValue = el.into();
        let segments = segments.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = mount(&el, &segments, at).await {
                failed.set(Some(e.as_string().unwrap_or_else(|| format!("{e:?}"))));
            }
        });
    });
    on_cleanup(move || {
        // The module is cached by the browser: importing it again is free.
        if let Some(el) = root.get_untracked() {
            let el: JsValue = el.into();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(m) = import(PLAYER).await {
                    let _ = call(&m, "unmount", &[el]);
                }
            });
        }
    });
    view! {
        {empty.then(|| view! { <p class="muted">"No segment of this replay is stored (any more)."</p> })}
        {move || failed.get().map(|e| view! { <div class="state error-box" role="alert">"The player could not be loaded: " {e}</div> })}
        <div class="card replay-player" node_ref=root data-state="loading"></div>
    }
}

/// Imports the player module and mounts it on `el`.
async fn mount(el: &JsValue, segments: &[String], at: Option<f64>) -> Result<(), JsValue> {
    if segments.is_empty() {
        return Ok(());
    }
    let module = import(PLAYER).await?;
    let opts = js_sys::Object::new();
    let list: js_sys::Array = segments.iter().map(|s| JsValue::from_str(s)).collect();
    js_sys::Reflect::set(&opts, &"segments".into(), &list)?;
    if let Some(at) = at {
        js_sys::Reflect::set(&opts, &"at".into(), &JsValue::from_f64(at))?;
    }
    let done = call(&module, "mount", &[el.clone(), opts.into()])?;
    JsFuture::from(done.dyn_into::<js_sys::Promise>()?).await?;
    Ok(())
}

/// `import(url)`: wasm-bindgen has no dynamic import, so a one-line function does it.
async fn import(url: &str) -> Result<JsValue, JsValue> {
    let f = js_sys::Function::new_with_args("u", "return import(u)");
    let p = f.call1(&JsValue::NULL, &JsValue::from_str(url))?;
    JsFuture::from(p.dyn_into::<js_sys::Promise>()?).await
}

/// Calls `module[name](...args)`.
fn call(module: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = js_sys::Reflect::get(module, &name.into())?.dyn_into()?;
    let a: js_sys::Array = args.iter().cloned().collect();
    f.apply(module, &a)
}
