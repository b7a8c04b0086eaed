//! A team's settings: its name, members (role changes, removal) and
//! invitations, and leaving it. Destructive actions ask for a second click.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use sightline_api_types::Role;

use crate::{
    api::{self, ApiError},
    components::{
        form::{api_action, error_of, invalid, pending, report, succeeded, ActionButton},
        states::{ErrorBox, FormError, Loading},
    },
    pages::param_id,
    session::use_session,
};

/// Shows a team's members and invitations.
#[component]
pub fn Members() -> impl IntoView {
    let s = use_session();
    let team = param_id("team");
    Effect::new(move |_| s.team.set(Some(team.get())));
    let members = LocalResource::new(move || api::members(team.get()));
    let invites = LocalResource::new(move || api::invites(team.get()));
    let error = RwSignal::new(None::<ApiError>);
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member.as_str().to_string());
    let link = RwSignal::new(None::<String>);
    let send_invite = api_action(move |_: &()| {
        let (team, email_to, role) = (team.get_untracked(), email.get_untracked(), role.get_untracked());
        async move {
            let i = api::invite(team, email_to, role.parse().map_err(invalid)?).await?;
            email.set(String::new());
            link.set(i.accept_url);
            invites.refetch();
            Ok(())
        }
    });
    let invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send_invite.dispatch(());
    };
    let mail_off = move || s.me.with(|m| m.as_ref().is_some_and(|m| !m.mail_enabled));
    let remove = api_action(move |user: &i64| {
        let call = api::remove_member(team.get_untracked(), *user);
        async move {
            call.await?;
            members.refetch();
            Ok(())
        }
    });
    let withdraw = api_action(move |invite: &i64| {
        let call = api::delete_invite(team.get_untracked(), *invite);
        async move {
            call.await?;
            invites.refetch();
            Ok(())
        }
    });
    let team_name = move || {
        s.me.with(|m| {
            m.as_ref()
                .and_then(|m| m.teams.iter().find(|t| t.id == team.get()).map(|t| t.name.clone()))
                .unwrap_or_default()
        })
    };
    let set_role = api_action(move |(user, raw): &(i64, String)| {
        let (team, user, raw) = (team.get_untracked(), *user, raw.clone());
        async move {
            let done = match raw.parse::<Role>() {
                Ok(r) => api::set_role(team, user, r).await.map(|_| ()),
                Err(e) => Err(invalid(e)),
            };
            // Shows the role as stored (a refused change snaps back).
            members.refetch();
            done
        }
    });
    let change_role = move |user: i64, raw: String| {
        set_role.dispatch((user, raw));
    };
    report(send_invite, error);
    report(remove, error);
    report(withdraw, error);
    report(set_role, error);
    view! {
        <div class="page-head"><h1>"Members of " {team_name}</h1></div>
        <FormError error=error/>
        <TeamName team/>
        <super::twofactor::TeamTwoFactorSetting team/>
        <section class="card">
            <h2>"Members"</h2>
            {move || match members.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="plain">
                        <thead><tr><th>"Name"</th><th>"Email"</th><th>"Role"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|m| {
                                let uid = m.user_id;
                                view! {
                                    <tr>
                                        <td>{m.name.clone()}</td>
                                        <td>{m.email.clone()}</td>
                                        <td>
                                            <select aria-label=format!("Role of {}", m.email) on:change=move |ev| change_role(uid, event_target_value(&ev))>
                                                {[Role::Member, Role::Admin, Role::Owner].into_iter().map(|r| view! {
                                                    <option value=r.as_str() selected=r == m.role>{r.as_str()}</option>
                                                }).collect_view()}
                                            </select>
                                        </td>
                                        <td>
                                            <ActionButton class="link danger" pending=pending(remove) on_click=Callback::new(move |_| { remove.dispatch(uid); })>
                                                "Remove"
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
        <section class="card">
            <h2>"Invitations"</h2>
            <Show when=mail_off><p class="notice">"Mail is off on this server: copy the invitation link and send it yourself."</p></Show>
            <form class="inline" on:submit=invite>
                <label>"Email" <input type="email" required bind:value=email/></label>
                <label>"Role"
                    <select bind:value=role>
                        <option value="member">"Member"</option>
                        <option value="admin">"Admin"</option>
                        <option value="owner">"Owner"</option>
                    </select>
                </label>
                <ActionButton submit=true class="primary" pending=pending(send_invite)>"Invite"</ActionButton>
            </form>
            {move || link.get().map(|l| view! { <p class="notice">"Invitation link: " <code class="invite-link">{l}</code></p> })}
            {move || match invites.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No pending invitations."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="invites">
                        {list.into_iter().map(|i| {
                            let iid = i.id;
                            view! { <li>{i.email.clone()} " · " {i.role.as_str()} " · expires " {crate::format::datetime(&i.expires_at)}
                                " " <ActionButton class="link danger" pending=pending(withdraw) on_click=Callback::new(move |_| { withdraw.dispatch(iid); })>
                                    "Withdraw"
                                </ActionButton></li> }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
        <LeaveTeam team/>
    }
}

/// Renames the team (admins and owners).
#[component]
fn TeamName(team: Signal<i64>) -> impl IntoView {
    let s = use_session();
    let name = RwSignal::new(String::new());
    Effect::new(move |_| {
        let current =
            s.me.with(|m| m.as_ref().and_then(|m| m.teams.iter().find(|t| t.id == team.get()).map(|t| t.name.clone())));
        if let Some(n) = current {
            name.set(n);
        }
    });
    let rename = api_action(move |_: &()| {
        let call = api::rename_team(team.get_untracked(), name.get_untracked());
        async move {
            call.await?;
            if let Ok(me) = api::me().await {
                s.me.set(Some(me));
            }
            Ok(())
        }
    });
    let saved = succeeded(rename);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        rename.dispatch(());
    };
    view! {
        <form class="card inline" on:submit=submit>
            <label>"Display name" <input type="text" required maxlength="100" bind:value=name/></label>
            <ActionButton submit=true pending=pending(rename)>"Rename"</ActionButton>
            <Show when=move || saved.get()><span class="notice" role="status">"Saved."</span></Show>
            <FormError error=error_of(rename)/>
        </form>
    }
}

/// Leaves the team after a second click; the last owner is refused by the API.
#[component]
fn LeaveTeam(team: Signal<i64>) -> impl IntoView {
    let s = use_session();
    let navigate = use_navigate();
    let armed = RwSignal::new(false);
    let leave = api_action(move |_: &()| {
        let navigate = navigate.clone();
        let call = api::leave_team(team.get_untracked());
        async move {
            if let Err(e) = call.await {
                armed.set(false);
                return Err(e);
            }
            s.team.set(None);
            if let Ok(me) = api::me().await {
                s.me.set(Some(me));
            }
            navigate("/", Default::default());
            Ok(())
        }
    });
    view! {
        <section class="card danger-zone">
            <h2>"Leave this team"</h2>
            <p class="muted">"You lose access to its projects. The last owner cannot leave."</p>
            <FormError error=error_of(leave)/>
            {move || if armed.get() {
                view! {
                    <ActionButton class="danger" pending=pending(leave) on_click=Callback::new(move |_| { leave.dispatch(()); })>
                        "Yes, leave the team"
                    </ActionButton>
                    " "
                    <button on:click=move |_| armed.set(false)>"Cancel"</button>
                }.into_any()
            } else {
                view! { <button class="danger" on:click=move |_| armed.set(true)>"Leave team…"</button> }.into_any()
            }}
        </section>
    }
}
