//! Project settings: name, retention, allowed origins, data scrubbing
//! (secrets and card numbers, IP addresses, extra sensitive and safe fields), the client keys
//! (label, per-key rate limit, active state, rotation, new keys, deletion),
//! and deleting the project, confirmed by typing its name.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use sightline_api_types::{KeyUpdate, ProjectKey, ProjectUpdate};

use crate::{
    api::{self, ApiError},
    components::{
        form::{api_action, error_of, pending, report, succeeded, ActionButton},
        layout::ProjectHeader,
        states::{ErrorBox, FormError, Loading},
    },
    pages::param_id,
};

/// Shows and edits a project's settings and keys.
#[component]
pub fn Settings() -> impl IntoView {
    let id = param_id("project");
    let project = LocalResource::new(move || api::project(id.get()));
    let keys = LocalResource::new(move || api::keys(id.get()));
    let general = move || match project.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(p)) => {
            let name = RwSignal::new(p.name.clone());
            let retention = RwSignal::new(p.retention_days.to_string());
            let origins = RwSignal::new(p.allowed_origins.join("\n"));
            let save =
                api_action(move |update: &ProjectUpdate| api::update_project(id.get_untracked(), update.clone()));
            let saved = succeeded(save);
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let update = ProjectUpdate {
                    name: Some(name.get_untracked()),
                    platform: None,
                    retention_days: retention.get_untracked().trim().parse().ok(),
                    allowed_origins: Some(
                        origins
                            .get_untracked()
                            .lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .map(String::from)
                            .collect(),
                    ),
                    ..Default::default()
                };
                save.dispatch(update);
            };
            view! {
                <form class="card settings" on:submit=submit>
                    <h2>"General"</h2>
                    <label>"Name" <input type="text" required bind:value=name/></label>
                    <label>"Retention (days)" <input type="number" min="1" max="3650" bind:value=retention/></label>
                    <label>"Allowed origins (one per line: shop.example.com, *.example.com, https://shop.example.com:8443; empty = any)"
                        <textarea rows="3" bind:value=origins placeholder="shop.example.com"></textarea>
                    </label>
                    <FormError error=error_of(save)/>
                    <div class="row">
                        <ActionButton submit=true class="primary" pending=pending(save)>"Save"</ActionButton>
                        <Show when=move || saved.get()><span class="notice" role="status">"Saved."</span></Show>
                    </div>
                </form>
            }
            .into_any()
        }
    };
    let key_error = RwSignal::new(None::<ApiError>);
    let new_key = api_action(move |_: &()| {
        let call =
            api::create_key(id.get_untracked(), KeyUpdate { label: Some("New key".into()), ..Default::default() });
        async move {
            call.await?;
            keys.refetch();
            Ok(())
        }
    });
    report(new_key, key_error);
    let key_list = move || {
        match keys.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(list)) => list
            .into_iter()
            .map(|k| view! { <KeyRow project=id key_=k on_change=Callback::new(move |_| keys.refetch()) error=key_error/> })
            .collect_view()
            .into_any(),
    }
    };
    let scrubbing = move || match project.get() {
        Some(Ok(p)) => Some(
            view! { <DataScrubbing id=p.id scrub_data=p.scrub_data scrub_ip=p.scrub_ip_addresses sensitive=p.sensitive_fields safe=p.safe_fields/> },
        ),
        _ => None,
    };
    view! {
        <ProjectHeader id project/>
        {general}
        {scrubbing}
        <section class="card">
            <div class="card-head">
                <h2>"Client keys (DSN)"</h2>
                <ActionButton pending=pending(new_key) on_click=Callback::new(move |_| { new_key.dispatch(()); })>"New key"</ActionButton>
            </div>
            <FormError error=key_error/>
            <ul class="keys">{key_list}</ul>
        </section>
        {move || project.get().and_then(Result::ok).map(|p| view! { <DeleteProject id=p.id team=p.team_id name=p.name/> })}
    }
}

/// Splits a textarea into trimmed, non-empty lines.
fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// Edits what ingest filters out of events before storing them.
#[component]
fn DataScrubbing(
    id: i64,
    scrub_data: bool,
    scrub_ip: bool,
    sensitive: Vec<String>,
    safe: Vec<String>,
) -> impl IntoView {
    let scrub_data = RwSignal::new(scrub_data);
    let scrub_ip = RwSignal::new(scrub_ip);
    let sensitive = RwSignal::new(sensitive.join("\n"));
    let safe = RwSignal::new(safe.join("\n"));
    let save = api_action(move |update: &ProjectUpdate| api::update_project(id, update.clone()));
    let saved = succeeded(save);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let update = ProjectUpdate {
            scrub_data: Some(scrub_data.get_untracked()),
            scrub_ip_addresses: Some(scrub_ip.get_untracked()),
            sensitive_fields: Some(lines(&sensitive.get_untracked())),
            safe_fields: Some(lines(&safe.get_untracked())),
            ..Default::default()
        };
        save.dispatch(update);
    };
    view! {
        <form class="card settings" on:submit=submit>
            <h2>"Data scrubbing"</h2>
            <p class="muted">"Applied when events arrive, before they are stored: values under keys such as password, secret, token, auth, cookie or session, and card numbers, become [Filtered]."</p>
            <label class="check"><input type="checkbox" name="scrub_data" bind:checked=scrub_data/> "Scrub sensitive data"</label>
            <label class="check"><input type="checkbox" name="scrub_ip_addresses" bind:checked=scrub_ip/> "Do not store IP addresses"</label>
            <label>"Additional sensitive fields (one per line; any key containing one is scrubbed)"
                <textarea name="sensitive_fields" rows="3" bind:value=sensitive placeholder="iban"></textarea>
            </label>
            <label>"Safe fields (one per line; never scrubbed)"
                <textarea name="safe_fields" rows="3" bind:value=safe placeholder="session_count"></textarea>
            </label>
            <FormError error=error_of(save)/>
            <div class="row">
                <ActionButton submit=true class="primary" pending=pending(save)>"Save scrubbing"</ActionButton>
                <Show when=move || saved.get()><span class="notice" role="status">"Saved."</span></Show>
            </div>
        </form>
    }
}

/// Deletes the project once its name is typed; its events expire with retention.
#[component]
fn DeleteProject(id: i64, team: i64, name: String) -> impl IntoView {
    let navigate = use_navigate();
    let typed = RwSignal::new(String::new());
    let expected = name.clone();
    let matches = move || typed.get() == expected;
    let delete = api_action(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            api::delete_project(id).await?;
            navigate(&format!("/teams/{team}/projects"), Default::default());
            Ok(())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        delete.dispatch(());
    };
    view! {
        <form class="card danger-zone" on:submit=submit>
            <h2>"Delete project"</h2>
            <p class="muted">"Its keys stop accepting events at once and its issues are removed. This cannot be undone."</p>
            <label>{format!("Type “{name}” to confirm")} <input type="text" bind:value=typed autocomplete="off"/></label>
            <FormError error=error_of(delete)/>
            <ActionButton submit=true class="danger" pending=pending(delete) disabled=Signal::derive(move || !matches())>
                "Delete project"
            </ActionButton>
        </form>
    }
}

#[component]
fn KeyRow(
    project: Signal<i64>,
    key_: ProjectKey,
    on_change: Callback<()>,
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let k = key_;
    let kid = k.id;
    let active = k.is_active;
    let limit = RwSignal::new(k.rate_limit_per_minute.map(|l| l.to_string()).unwrap_or_default());
    // `None` rotates the key.
    let change = api_action(move |update: &Option<KeyUpdate>| {
        let (pid, update) = (project.get_untracked(), update.clone());
        async move {
            match update {
                Some(u) => api::update_key(pid, kid, u).await?,
                None => api::rotate_key(pid, kid).await?,
            };
            on_change.run(());
            Ok(())
        }
    });
    let run = move |update: Option<KeyUpdate>| {
        change.dispatch(update);
    };
    let armed = RwSignal::new(false);
    let delete = api_action(move |_: &()| {
        let call = api::delete_key(project.get_untracked(), kid);
        async move {
            if let Err(e) = call.await {
                armed.set(false);
                return Err(e);
            }
            on_change.run(());
            Ok(())
        }
    });
    report(change, error);
    report(delete, error);
    let busy = Signal::derive(move || change.pending().get() || delete.pending().get());
    let save_limit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let raw = limit.get_untracked();
        let value = if raw.trim().is_empty() { None } else { raw.trim().parse().ok() };
        run(Some(KeyUpdate { rate_limit_per_minute: Some(value), ..Default::default() }));
    };
    view! {
        <li class="key" class:inactive=!active>
            <div class="key-head">
                <strong>{k.label.clone()}</strong>
                <span class="badge">{if active { "active" } else { "inactive" }}</span>
            </div>
            <code class="dsn small">{k.dsn.clone()}</code>
            <form class="inline" on:submit=save_limit>
                <label>"Rate limit (events/min, empty = server default)"
                    <input type="number" min="1" bind:value=limit/>
                </label>
                <ActionButton submit=true pending=busy>"Save limit"</ActionButton>
                <ActionButton pending=busy on_click=Callback::new(move |_| run(Some(KeyUpdate { is_active: Some(!active), ..Default::default() })))>
                    {if active { "Deactivate" } else { "Activate" }}
                </ActionButton>
                <ActionButton pending=busy on_click=Callback::new(move |_| run(None))>"Rotate"</ActionButton>
                {move || if armed.get() {
                    view! {
                        <ActionButton class="danger" pending=busy on_click=Callback::new(move |_| { delete.dispatch(()); })>"Yes, delete key"</ActionButton>
                        <button type="button" on:click=move |_| armed.set(false)>"Cancel"</button>
                    }.into_any()
                } else {
                    view! { <button type="button" class="danger" on:click=move |_| armed.set(true)>"Delete…"</button> }.into_any()
                }}
            </form>
        </li>
    }
}
