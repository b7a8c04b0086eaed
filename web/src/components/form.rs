//! Forms and buttons that call the API. Each call is a Leptos [`Action`]
//! (as in leptos' `todo_app_sqlite_axum`), never a task spawned by hand: the
//! page knows while it is pending — its button is disabled and marked busy,
//! so a double click cannot send it twice — and shows the error of the
//! latest run under the form ([`super::states::FormError`]). What a success
//! changes (clearing fields, refetching a list) happens inside the action's
//! future, after the call answered.

use std::future::Future;

use leptos::prelude::*;

use crate::api::{ApiError, ApiResult};

/// An API call made by a form or a button.
pub type ApiAction<I, T> = Action<I, ApiResult<T>>;

/// Creates the action that runs `call` with what is dispatched. It runs on
/// the browser's only thread: the `fetch` futures are not `Send`.
pub fn api_action<I, T, F, Fu>(call: F) -> ApiAction<I, T>
where
    I: 'static,
    T: 'static,
    F: Fn(&I) -> Fu + 'static,
    Fu: Future<Output = ApiResult<T>> + 'static,
{
    Action::new_local(call)
}

/// Returns the error of the action's latest run (none once a run succeeds).
pub fn error_of<I, T>(action: ApiAction<I, T>) -> Signal<Option<ApiError>>
where
    I: 'static,
    T: Clone + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// Shows the error of several actions under one form: whenever one of them
/// finishes, `into` holds its error (or none when it succeeded), so the
/// latest call to answer decides what the form says.
pub fn report<I, T>(action: ApiAction<I, T>, into: RwSignal<Option<ApiError>>)
where
    I: 'static,
    T: Clone + 'static,
{
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            into.set(result.err());
        }
    });
}

/// Returns whether the action's latest run succeeded (false while none has).
pub fn succeeded<I, T>(action: ApiAction<I, T>) -> Signal<bool>
where
    I: 'static,
    T: Clone + 'static,
{
    Signal::derive(move || matches!(action.value().get(), Some(Ok(_))))
}

/// Returns whether the action is running.
pub fn pending<I, T>(action: ApiAction<I, T>) -> Signal<bool>
where
    I: 'static,
    T: 'static,
{
    let pending = action.pending();
    Signal::derive(move || pending.get())
}

/// Converts a refusal found before calling (a form value outside its set)
/// into the error a form shows.
pub fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError { status: 0, code: "validation".into(), message: message.to_string() }
}

/// A button that runs an action: disabled and busy (a spinner, `aria-busy`)
/// while `pending`, so the page shows the call is on its way; `disabled`
/// disables it for other reasons. A `submit` button submits its form; any
/// other runs `on_click`.
#[component]
pub fn ActionButton(
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional, into)] class: String,
    #[prop(optional)] submit: bool,
    #[prop(optional, into)] disabled: MaybeProp<bool>,
    #[prop(optional, into)] title: Option<String>,
    #[prop(optional)] on_click: Option<Callback<()>>,
    children: Children,
) -> impl IntoView {
    view! {
        <button
            type=if submit { "submit" } else { "button" }
            class=class
            title=title
            disabled=move || pending.get() || disabled.get().unwrap_or(false)
            aria-busy=move || pending.get().to_string()
            on:click=move |_| {
                if let Some(f) = on_click {
                    f.run(())
                }
            }
        >
            {children()}
        </button>
    }
}
