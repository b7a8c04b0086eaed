//! What the SDK blamed for one page's vitals: the elements behind its LCP,
//! the first sources of its layout shifts and the targets of its slowest
//! interactions, each with how many page loads blamed it and their p75.
//! `@sentry/browser` 10+ sends these as span attributes.

use leptos::prelude::*;
use sightline_api_types::{Attribution, Vital};

use crate::{
    api,
    components::states::{ErrorBox, Loading},
    format,
};

/// Shows the attribution of `page` over `period`.
#[component]
pub fn PageAttribution(project: i64, page: String, period: String) -> impl IntoView {
    let title = page.clone();
    let data = LocalResource::new(move || {
        let (page, period) = (page.clone(), period.clone());
        async move { api::attribution(project, &page, &period).await }
    });
    let body = move || match data.get() {
        None => view! { <Loading label="Loading attribution…"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(a)) => view! {
            <div class="attribution">
                <Blamed vital=Vital::Lcp heading="LCP element" rows=a.lcp/>
                <Blamed vital=Vital::Cls heading="Layout shift source" rows=a.cls/>
                <Blamed vital=Vital::Inp heading="Slowest interaction target" rows=a.inp/>
            </div>
        }
        .into_any(),
    };
    let shown = title.clone();
    view! {
        <section class="card page-attribution" data-page=title>
            <h2>"What slows " <code>{shown}</code></h2>
            {body}
        </section>
    }
}

/// One vital's selectors, most frequent first.
#[component]
fn Blamed(vital: Vital, heading: &'static str, rows: Vec<Attribution>) -> impl IntoView {
    let list = if rows.is_empty() {
        view! { <p class="muted">"Nothing reported in this period."</p> }.into_any()
    } else {
        view! {
            <table class="pages" data-vital=vital.as_str()>
                <thead><tr><th>"Element"</th><th class="num">"Page loads"</th><th class="num">"p75"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let class = format!("num rating-{}", format::rating(vital, r.p75));
                        view! {
                            <tr>
                                <td class="selector"><code>{r.selector}</code></td>
                                <td class="num">{r.samples}</td>
                                <td class=class>{format::vital(vital, Some(r.p75))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! { <div><h3>{heading}</h3>{list}</div> }
}
