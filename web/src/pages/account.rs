//! The caller's account: password change, two-factor log-in
//! ([`super::twofactor`]) and personal API tokens (whose secret is shown
//! once, right after creation).

use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{self, ApiError},
    components::states::{ErrorBox, FormError, Loading},
    format,
    pages::twofactor::TwoFactorSection,
};

/// Shows the account page.
#[component]
pub fn Account() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let (pw_error, set_pw_error) = signal(None::<ApiError>);
    let pw_done = RwSignal::new(false);
    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pw_done.set(false);
        spawn_local(async move {
            match api::change_password(current.get_untracked(), new.get_untracked()).await {
                Ok(_) => {
                    set_pw_error.set(None);
                    current.set(String::new());
                    new.set(String::new());
                    pw_done.set(true);
                }
                Err(e) => set_pw_error.set(Some(e)),
            }
        });
    };
    let tokens = LocalResource::new(api::tokens);
    let name = RwSignal::new(String::new());
    let write = RwSignal::new(false);
    let secret = RwSignal::new(None::<String>);
    let (tok_error, set_tok_error) = signal(None::<ApiError>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut scopes = vec!["read".to_string()];
        if write.get_untracked() {
            scopes.push("write".into());
        }
        spawn_local(async move {
            match api::create_token(name.get_untracked(), scopes).await {
                Ok(t) => {
                    set_tok_error.set(None);
                    name.set(String::new());
                    secret.set(Some(t.secret));
                    tokens.refetch();
                }
                Err(e) => set_tok_error.set(Some(e)),
            }
        });
    };
    let revoke = move |id: i64| {
        spawn_local(async move {
            match api::delete_token(id).await {
                Ok(_) => tokens.refetch(),
                Err(e) => set_tok_error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="page-head"><h1>"Account"</h1></div>
        <form class="card settings" on:submit=change>
            <h2>"Change password"</h2>
            <label>"Current password" <input type="password" autocomplete="current-password" required bind:value=current/></label>
            <label>"New password" <input type="password" autocomplete="new-password" required minlength="8" bind:value=new/></label>
            <FormError error=pw_error/>
            <div class="row">
                <button type="submit" class="primary">"Change password"</button>
                <Show when=move || pw_done.get()><span class="notice" role="status">"Password changed."</span></Show>
            </div>
        </form>
        <TwoFactorSection/>
        <section class="card">
            <h2>"API tokens"</h2>
            <p class="muted">"Use a token as " <code>"Authorization: Bearer <token>"</code> " for the API under /api/v1/."</p>
            <form class="inline" on:submit=create>
                <label>"Token name" <input type="text" required bind:value=name placeholder="CI"/></label>
                <label class="check"><input type="checkbox" bind:checked=write/> " write scope"</label>
                <button type="submit" class="primary">"Create token"</button>
            </form>
            <FormError error=tok_error/>
            {move || secret.get().map(|s| view! {
                <div class="notice secret" role="status">
                    <p>"Copy this token now; it will not be shown again:"</p>
                    <code class="token-secret">{s}</code>
                </div>
            })}
            {move || match tokens.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No tokens yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="plain">
                        <thead><tr><th>"Name"</th><th>"Prefix"</th><th>"Scopes"</th><th>"Last used"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|t| {
                                let id = t.id;
                                view! {
                                    <tr>
                                        <td>{t.name.clone()}</td>
                                        <td><code>{t.prefix.clone()}</code></td>
                                        <td>{t.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")}</td>
                                        <td>{t.last_used_at.as_deref().map(format::relative).unwrap_or_else(|| "never".into())}</td>
                                        <td><button class="link danger" on:click=move |_| revoke(id)>"Revoke"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}
