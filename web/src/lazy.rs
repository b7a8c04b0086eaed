//! Pages loaded on demand. Each page here is a split point: the build
//! (`scripts/build-web.sh`, which runs `wasm-split-cli` between cargo and
//! wasm-bindgen) moves the page's code, and whatever only it uses, out of the
//! main wasm into files under `pages-<build hash>/` that the browser fetches
//! the first time the page opens. The main module keeps what the first
//! screens need: sign-in, the project list and the issue list.
//!
//! The route changes at once and shows "Loading page…" until the code is in.
//! A load that fails (the network, or a new version deployed since this tab
//! opened, whose build hash no longer exists on the server) says so and
//! offers a reload, instead of taking the whole app down: these split points
//! are `fallible`, where Leptos' own `LazyRoute` would panic.

use std::future::Future;

use leptos::{prelude::*, wasm_split::SplitLoaderError};
use send_wrapper::SendWrapper;

use crate::components::states::Loading;

/// Declares the route component `$route`, which loads and renders `$page`.
macro_rules! on_demand {
    ($(#[$doc:meta])* $route:ident => $page:path) => {
        $(#[$doc])*
        #[component]
        pub fn $route() -> impl IntoView {
            #[leptos::wasm_split::wasm_split($route, fallible, wasm_split_path = ::leptos::wasm_split)]
            fn load() -> Result<AnyView, SplitLoaderError> {
                use $page as Page;
                Ok(view! { <Page/> }.into_any())
            }
            page_view(load())
        }
    };
}

on_demand!(/// `/issues/:issue`
    IssueRoute => crate::pages::issue::IssuePage);
on_demand!(/// `/projects/:project/performance`
    PerformanceRoute => crate::pages::performance::Performance);
on_demand!(/// `/projects/:project/feedback`
    FeedbackRoute => crate::pages::feedback::Feedback);
on_demand!(/// `/projects/:project/usage`
    UsageRoute => crate::pages::usage::Usage);
on_demand!(/// `/projects/:project/releases`
    ReleasesRoute => crate::pages::releases::Releases);
on_demand!(/// `/projects/:project/releases/:version`
    ReleaseRoute => crate::pages::release::ReleasePage);
on_demand!(/// `/projects/:project/settings`
    SettingsRoute => crate::pages::settings::Settings);
on_demand!(/// `/projects/:project/alerts`
    AlertsRoute => crate::pages::alerts::Alerts);
on_demand!(/// `/projects/:project/setup`
    SetupRoute => crate::pages::setup::Setup);
on_demand!(/// `/teams/:team/members`
    MembersRoute => crate::pages::team::Members);
on_demand!(/// `/account`
    AccountRoute => crate::pages::account::Account);
on_demand!(/// `/invites/accept`
    AcceptInviteRoute => crate::pages::auth::AcceptInvite);
on_demand!(/// `/projects/:project/replays`
    ReplaysRoute => crate::pages::replays::Replays);
on_demand!(/// `/projects/:project/replays/:replay`
    ReplayRoute => crate::pages::replay::ReplayView);

/// Shows "Loading page…" until `page` resolves, then the page, or why it
/// could not be loaded.
fn page_view(page: impl Future<Output = Result<AnyView, SplitLoaderError>> + 'static) -> impl IntoView {
    // The browser runs one thread; Suspend wants a Send future.
    let page = SendWrapper::new(page);
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading page…"/> }>
            {Suspend::new(async move {
                match page.await {
                    Ok(view) => view,
                    Err(_) => view! { <LoadFailed/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The page's code did not arrive.
#[component]
fn LoadFailed() -> impl IntoView {
    view! {
        <div class="state error-box" role="alert">
            <strong>"This page could not be loaded. "</strong>
            "The connection may have dropped, or Sightline was updated since this tab was opened. "
            <button on:click=|_| {
                let _ = window().location().reload();
            }>"Reload"</button>
        </div>
    }
}
