//! The "Period" select above a page's data: one look-back window (`24h`,
//! `30d`…) out of the page's choices, bound to the signal its resource reads.

use leptos::prelude::*;

/// Windows the feedback and usage pages offer.
pub const LONG: &[(&str, &str)] =
    &[("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days"), ("90d", "Last 90 days")];

/// Renders the filter bar with a "Period" select over `choices` (value, label).
#[component]
pub fn PeriodFilter(period: RwSignal<String>, choices: &'static [(&'static str, &'static str)]) -> impl IntoView {
    view! {
        <div class="filters">
            <label class="filter">"Period"
                <select bind:value=period>
                    {choices.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect_view()}
                </select>
            </label>
        </div>
    }
}
