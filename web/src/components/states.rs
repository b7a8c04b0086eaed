//! Loading, empty, error and not-found states, written once so every page
//! shows them the same way (and at a fixed minimum height, so content does
//! not jump when data arrives).

use leptos::prelude::*;

use crate::api::ApiError;

/// Shows that data is on its way.
#[component]
pub fn Loading(#[prop(optional, into)] label: Option<String>) -> impl IntoView {
    view! {
        <div class="state loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {label.unwrap_or_else(|| "Loading…".into())}
        </div>
    }
}

/// Shows an API error: its message and code.
#[component]
pub fn ErrorBox(error: ApiError) -> impl IntoView {
    view! {
        <div class="state error-box" role="alert">
            <strong>"Something went wrong: "</strong>
            <span class="error-message">{error.message.clone()}</span>
            <span class="error-code">" (" {error.code.clone()} ")"</span>
        </div>
    }
}

/// Shows a short inline error under a form, or nothing.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <p class="form-error" role="alert">
                    {e.message} <span class="error-code">" (" {e.code} ")"</span>
                </p>
            }
        })
    }
}

/// Shows an empty state: what is missing and what to do next.
#[component]
pub fn Empty(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <div class="state empty">
            <h3>{title}</h3>
            {children()}
        </div>
    }
}

/// Shows the page for an unknown URL.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class="card auth-card">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a href="/">"Go to your projects"</a>
            </div>
        </main>
    }
}
