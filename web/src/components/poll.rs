//! Polling for pages that follow the server: a function called every
//! `period` for as long as the calling component is on screen (the timer
//! stops when it is removed, so nothing touches a disposed resource).

use std::time::Duration;

use leptos::prelude::*;

/// Calls `tick` every `period` until the current component is cleaned up.
pub fn every(period: Duration, tick: impl Fn() + 'static) {
    let handle = set_interval_with_handle(tick, period).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
}
