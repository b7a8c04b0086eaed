//! The pages before logging in: log in (with a second step for a
//! two-factor code), sign up, forgot and reset password; and accepting a
//! team invitation (which needs a logged-in caller). Sign-up links and the
//! form show only when the instance's policy would let them work.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use sightline_api_types::{LoginOutcome, SignupInfo};

use crate::{
    api,
    components::{
        form::{api_action, error_of, pending, succeeded, ActionButton},
        states::FormError,
    },
    pages::query_param,
    session::use_session,
};

/// Wraps a logged-out page in a centred card.
#[component]
fn AuthCard(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class="card auth-card">
                <p class="brand">"Sightline"</p>
                <h1>{title}</h1>
                {children()}
            </div>
        </main>
    }
}

/// Returns where to go after logging in: `?next=` if it is a local path.
fn next_path() -> String {
    let next = query_param("next").get_untracked();
    if next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/".into()
    }
}

/// Returns the invitation token when `next` is an invitation's accept page.
fn invite_token(next: &str) -> Option<String> {
    let token = next.strip_prefix("/invites/accept?token=")?.split('&').next()?;
    (!token.is_empty()).then(|| token.to_string())
}

/// Returns why the sign-up form would be refused, or `None` when it would work.
fn signup_refusal(info: &SignupInfo, invited: bool) -> Option<&'static str> {
    match info.policy.as_str() {
        _ if info.first_user => None,
        "open" => None,
        "invite" if invited => None,
        "invite" => Some("Sign-up on this instance needs an invitation: ask a team admin to invite you, then follow the link in the invitation."),
        _ => Some("Sign-up is closed on this instance: ask an administrator to create your account."),
    }
}

/// Logs a user in: the password, then a two-factor code when the account has one.
#[component]
pub fn Login() -> impl IntoView {
    let s = use_session();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let challenge = RwSignal::new(None::<String>);
    let next = next_path();
    let signup_href = format!("/signup?next={}", api::encode(&next));
    let invited = invite_token(&next).is_some();
    let policy = LocalResource::new(api::signup_info);
    let can_sign_up = move || policy.get().and_then(Result::ok).is_some_and(|p| signup_refusal(&p, invited).is_none());
    let log_in = api_action(move |_: &()| {
        let (navigate, next) = (navigate.clone(), next.clone());
        let (challenged, code, email, password) =
            (challenge.get_untracked(), code.get_untracked(), email.get_untracked(), password.get_untracked());
        async move {
            let outcome = match challenged {
                Some(c) => api::login_two_factor(c, code).await.map(LoginOutcome::LoggedIn),
                None => api::login(email, password).await,
            }?;
            match outcome {
                LoginOutcome::LoggedIn(me) => {
                    s.me.set(Some(me));
                    navigate(&next, Default::default());
                }
                LoginOutcome::TwoFactor(c) => challenge.set(Some(c.challenge)),
            }
            Ok(())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        log_in.dispatch(());
    };
    view! {
        <AuthCard title="Log in">
            <form on:submit=submit>
                <Show
                    when=move || challenge.get().is_none()
                    fallback=move || view! {
                        <p>"Enter the 6-digit code from your authenticator app, or one of your recovery codes."</p>
                        <label>"Authentication code" <input type="text" name="code" autocomplete="one-time-code" inputmode="numeric" required bind:value=code/></label>
                    }
                >
                    <label>"Email" <input type="email" name="email" autocomplete="email" required bind:value=email/></label>
                    <label>"Password" <input type="password" name="password" autocomplete="current-password" required bind:value=password/></label>
                </Show>
                <FormError error=error_of(log_in)/>
                <ActionButton submit=true class="primary" pending=pending(log_in)>
                    {move || if challenge.get().is_some() { "Verify" } else { "Log in" }}
                </ActionButton>
            </form>
            <p class="alt">
                {move || can_sign_up().then(|| view! { <a href=signup_href.clone()>"Create an account"</a> " · " })}
                <a href="/forgot-password">"Forgot your password?"</a>
            </p>
        </AuthCard>
    }
}

/// Creates an account (and its first team); with an invitation in `?next=`,
/// the account also joins the invitation's team.
#[component]
pub fn Signup() -> impl IntoView {
    let s = use_session();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let next = next_path();
    let invite = invite_token(&next);
    let invited = invite.is_some();
    // Signing up redeems the invitation, so its accept page has nothing left to do.
    let next = if invited { "/".to_string() } else { next };
    let policy = LocalResource::new(api::signup_info);
    let refusal = move || policy.get().and_then(Result::ok).and_then(|p| signup_refusal(&p, invited));
    let sign_up = api_action(move |_: &()| {
        let (navigate, next, invite) = (navigate.clone(), next.clone(), invite.clone());
        let call = api::register(email.get_untracked(), password.get_untracked(), name.get_untracked(), invite);
        async move {
            let me = call.await?;
            s.me.set(Some(me));
            navigate(&next, Default::default());
            Ok(())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sign_up.dispatch(());
    };
    view! {
        <AuthCard title="Create your account">
            <Show
                when=move || refusal().is_none()
                fallback=move || view! { <p class="notice" role="status">{refusal}</p> }
            >
                <form on:submit=submit>
                    <Show when=move || invited><p class="muted">"You were invited to a team: your new account joins it."</p></Show>
                    <label>"Name" <input type="text" name="name" autocomplete="name" bind:value=name/></label>
                    <label>"Email" <input type="email" name="email" autocomplete="email" required bind:value=email/></label>
                    <label>"Password" <input type="password" name="password" autocomplete="new-password" required minlength="8" bind:value=password/></label>
                    <FormError error=error_of(sign_up)/>
                    <ActionButton submit=true class="primary" pending=pending(sign_up)>"Sign up"</ActionButton>
                </form>
            </Show>
            <p class="alt">"Already have an account? " <a href="/login">"Log in"</a></p>
        </AuthCard>
    }
}

/// Asks for a password-reset e-mail.
#[component]
pub fn Forgot() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let request = api_action(move |_: &()| api::request_reset(email.get_untracked()));
    let sent = succeeded(request);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        request.dispatch(());
    };
    view! {
        <AuthCard title="Reset your password">
            <Show
                when=move || sent.get()
                fallback=move || view! {
                    <form on:submit=submit>
                        <label>"Email" <input type="email" name="email" autocomplete="email" required bind:value=email/></label>
                        <FormError error=error_of(request)/>
                        <ActionButton submit=true class="primary" pending=pending(request)>"Send reset link"</ActionButton>
                    </form>
                }
            >
                <p class="notice" role="status">"If an account uses that address, a reset link is on its way. It works for one hour."</p>
            </Show>
            <p class="alt"><a href="/login">"Back to log in"</a></p>
        </AuthCard>
    }
}

/// Sets a new password with the token from the e-mail (`?token=`).
#[component]
pub fn Reset() -> impl IntoView {
    let token = query_param("token");
    let password = RwSignal::new(String::new());
    let confirm = api_action(move |_: &()| api::confirm_reset(token.get_untracked(), password.get_untracked()));
    let done = succeeded(confirm);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirm.dispatch(());
    };
    view! {
        <AuthCard title="Choose a new password">
            <Show
                when=move || done.get()
                fallback=move || view! {
                    <form on:submit=submit>
                        <label>"New password" <input type="password" autocomplete="new-password" required minlength="8" bind:value=password/></label>
                        <FormError error=error_of(confirm)/>
                        <ActionButton submit=true class="primary" pending=pending(confirm)>"Set password"</ActionButton>
                    </form>
                }
            >
                <p class="notice" role="status">"Your password was changed. " <a href="/login">"Log in"</a></p>
            </Show>
        </AuthCard>
    }
}

/// Accepts a team invitation (`?token=`) for the logged-in user.
#[component]
pub fn AcceptInvite() -> impl IntoView {
    let s = use_session();
    let token = query_param("token");
    let accept = api_action(move |_: &()| {
        let call = api::accept_invite(token.get_untracked());
        async move {
            call.await?;
            if let Ok(me) = api::me().await {
                s.me.set(Some(me));
            }
            Ok(())
        }
    });
    let done = succeeded(accept);
    view! {
        <section class="card narrow">
            <h1>"Team invitation"</h1>
            <Show
                when=move || done.get()
                fallback=move || view! {
                    <p>"You were invited to join a team. Accept to see its projects."</p>
                    <FormError error=error_of(accept)/>
                    <ActionButton class="primary" pending=pending(accept) on_click=Callback::new(move |_| { accept.dispatch(()); })>
                        "Accept invitation"
                    </ActionButton>
                }
            >
                <p class="notice" role="status">"You joined the team. " <a href="/">"See its projects"</a></p>
            </Show>
        </section>
    }
}
