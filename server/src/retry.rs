//! Retry timing shared by the workers that deliver something later (the
//! alert outbox today): an exponentially growing, capped delay and a number
//! of attempts after which a delivery is given up. It sits below both the
//! configuration that sets it and the workers that use it.

use std::time::Duration;

/// Retry timing of failed deliveries.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Delay after the first failure; doubles with each further one.
    pub base: Duration,
    /// Longest delay between two attempts.
    pub max: Duration,
    /// Attempts after which a delivery is given up (`failed`).
    pub max_attempts: i32,
}

impl Backoff {
    /// Returns the delay before the next attempt, after `attempts` failures.
    pub fn delay(&self, attempts: i32) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
        self.base.saturating_mul(2u32.saturating_pow(doublings)).min(self.max)
    }
}
