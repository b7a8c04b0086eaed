//! The caller's account: password change, two-factor log-in
//! ([`super::twofactor`]) and personal API tokens (whose secret is shown
//! once, right after creation).

use leptos::prelude::*;
use sightline_api_types::Scope;

use crate::{
    api::{self, ApiError},
    components::{
        form::{api_action, error_of, pending, report, succeeded, ActionButton},
        states::{ErrorBox, FormError, Loading},
    },
    format,
    pages::twofactor::TwoFactorSection,
};

/// Shows the account page.
#[component]
pub fn Account() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let change_password = api_action(move |_: &()| {
        let call = api::change_password(current.get_untracked(), new.get_untracked());
        async move {
            call.await?;
            current.set(String::new());
            new.set(String::new());
            Ok(())
        }
    });
    let pw_done = succeeded(change_password);
    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change_password.dispatch(());
    };
    let tokens = LocalResource::new(api::tokens);
    let name = RwSignal::new(String::new());
    let write = RwSignal::new(false);
    let secret = RwSignal::new(None::<String>);
    let tok_error = RwSignal::new(None::<ApiError>);
    let create_token = api_action(move |_: &()| {
        let mut scopes = vec![Scope::Read.as_str().to_string()];
        if write.get_untracked() {
            scopes.push(Scope::Write.as_str().into());
        }
        let call = api::create_token(name.get_untracked(), scopes);
        async move {
            let t = call.await?;
            name.set(String::new());
            secret.set(Some(t.secret));
            tokens.refetch();
            Ok(())
        }
    });
    let revoke_token = api_action(move |id: &i64| {
        let call = api::delete_token(*id);
        async move {
            call.await?;
            tokens.refetch();
            Ok(())
        }
    });
    report(create_token, tok_error);
    report(revoke_token, tok_error);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create_token.dispatch(());
    };
    view! {
        <div class="page-head"><h1>"Account"</h1></div>
        <form class="card settings" on:submit=change>
            <h2>"Change password"</h2>
            <label>"Current password" <input type="password" autocomplete="current-password" required bind:value=current/></label>
            <label>"New password" <input type="password" autocomplete="new-password" required minlength="8" bind:value=new/></label>
            <FormError error=error_of(change_password)/>
            <div class="row">
                <ActionButton submit=true class="primary" pending=pending(change_password)>"Change password"</ActionButton>
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
                <ActionButton submit=true class="primary" pending=pending(create_token)>"Create token"</ActionButton>
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
                                        <td>
                                            <ActionButton class="link danger" pending=pending(revoke_token) on_click=Callback::new(move |_| { revoke_token.dispatch(id); })>
                                                "Revoke"
                                            </ActionButton>
                                        </td>
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
