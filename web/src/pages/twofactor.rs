//! Two-factor log-in in the dashboard. The account page's section: set up
//! (QR code and the key for typing by hand, confirmed with a code from the
//! app), the recovery codes shown once, and turning it off with the password
//! and a code. The team page's setting that requires it of every member.

use leptos::prelude::*;
use sightline_api_types::TwoFactorSetup;

use crate::{
    api::{self, ApiError},
    components::{
        form::{api_action, error_of, pending, report, ActionButton},
        states::{ErrorBox, FormError, Loading},
    },
    session::use_session,
};

/// Shows and changes the caller's two-factor log-in.
#[component]
pub fn TwoFactorSection() -> impl IntoView {
    let status = LocalResource::new(api::two_factor_status);
    let setup = RwSignal::new(None::<TwoFactorSetup>);
    let codes = RwSignal::new(None::<Vec<String>>);
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let start = api_action(move |_: &()| async move {
        setup.set(Some(api::two_factor_setup().await?));
        Ok(())
    });
    let enable = api_action(move |_: &()| {
        let call = api::two_factor_enable(code.get_untracked());
        async move {
            let r = call.await?;
            setup.set(None);
            code.set(String::new());
            codes.set(Some(r.codes));
            status.refetch();
            Ok(())
        }
    });
    let turn_off = api_action(move |_: &()| {
        let call = api::two_factor_disable(password.get_untracked(), code.get_untracked());
        async move {
            call.await?;
            codes.set(None);
            password.set(String::new());
            code.set(String::new());
            status.refetch();
            Ok(())
        }
    });
    report(start, error);
    report(enable, error);
    report(turn_off, error);
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        enable.dispatch(());
    };
    let disable = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        turn_off.dispatch(());
    };
    view! {
        <section class="card settings two-factor">
            <h2>"Two-factor log-in"</h2>
            {move || match status.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                Some(Ok(st)) if st.enabled => view! {
                    <p class="notice" role="status">
                        "Two-factor log-in is on. " {st.recovery_codes_left} " unused recovery codes left."
                    </p>
                    <form on:submit=disable>
                        <label>"Password" <input type="password" autocomplete="current-password" required bind:value=password/></label>
                        <label>"Code or recovery code" <input type="text" autocomplete="one-time-code" required bind:value=code/></label>
                        <ActionButton submit=true class="danger" pending=pending(turn_off)>"Turn off two-factor log-in"</ActionButton>
                    </form>
                }.into_any(),
                Some(Ok(_)) => match setup.get() {
                    None => view! {
                        <p class="muted">"Log in with your password and a code from an authenticator app on your phone."</p>
                        <ActionButton class="primary" pending=pending(start) on_click=Callback::new(move |_| { start.dispatch(()); })>
                            "Set up two-factor log-in"
                        </ActionButton>
                    }.into_any(),
                    Some(s) => view! {
                        <p>"Scan this QR code with your authenticator app, or type the key into it:"</p>
                        <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=s.qr_svg></div>
                        <p>"Key: " <code class="totp-secret">{s.secret}</code></p>
                        <form on:submit=confirm>
                            <label>"Code from the app" <input type="text" autocomplete="one-time-code" inputmode="numeric" required bind:value=code/></label>
                            <ActionButton submit=true class="primary" pending=pending(enable)>"Turn on"</ActionButton>
                        </form>
                    }.into_any(),
                },
            }}
            {move || codes.get().map(|list| view! {
                <div class="notice secret" role="status">
                    <p>"Save these recovery codes now. Each logs in once without the app; they will not be shown again:"</p>
                    <ul class="recovery-codes">
                        {list.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                    </ul>
                </div>
            })}
            <FormError error=error/>
        </section>
    }
}

/// Requires two-factor log-in of a team's members (admins who have it themselves).
#[component]
pub fn TeamTwoFactorSetting(team: Signal<i64>) -> impl IntoView {
    let s = use_session();
    let stored = Memo::new(move |_| {
        s.me.with(|m| {
            m.as_ref().and_then(|m| m.teams.iter().find(|t| t.id == team.get()).map(|t| t.require_two_factor))
        })
        .unwrap_or(false)
    });
    // What the box shows: the stored value, set again after every answer so a refused change snaps back.
    let checked = RwSignal::new(false);
    Effect::new(move |_| checked.set(stored.get()));
    let set = api_action(move |want: &bool| {
        let call = api::set_team_two_factor(team.get_untracked(), *want);
        async move {
            let done = call.await;
            if let Ok(me) = api::me().await {
                s.me.set(Some(me));
            }
            checked.set(stored.get_untracked());
            done
        }
    });
    let toggle = move |ev: leptos::ev::Event| {
        set.dispatch(event_target_checked(&ev));
    };
    view! {
        <section class="card">
            <h2>"Two-factor log-in"</h2>
            <label class="check">
                <input type="checkbox" prop:checked=move || checked.get() disabled=move || set.pending().get() on:change=toggle/>
                " Require two-factor log-in of every member"
            </label>
            <p class="muted">"Members without it cannot see this team's projects until they turn it on in their account settings."</p>
            <FormError error=error_of(set)/>
        </section>
    }
}
