//! Log-in throttling: token buckets per account (e-mail) and per client IP,
//! so neither one password nor one address can be brute-forced. Buckets
//! live in memory (governor's keyed limiters); a restart resets them.

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Per-account and per-IP log-in limiters.
pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginThrottle {
    /// Allows `per_account` attempts per account and `per_ip` per address, per minute.
    pub fn new(per_account: u32, per_ip: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("non-zero"));
        LoginThrottle { per_account: RateLimiter::keyed(quota(per_account)), per_ip: RateLimiter::keyed(quota(per_ip)) }
    }

    /// Charges one attempt; `Err(wait)` when either bucket is empty.
    pub fn check(&self, email: &str, ip: IpAddr) -> Result<(), Duration> {
        let now = governor::clock::DefaultClock::default().now();
        self.per_ip.check_key(&ip).map_err(|n| n.wait_time_from(now))?;
        self.per_account.check_key(&email.trim().to_lowercase()).map_err(|n| n.wait_time_from(now))?;
        Ok(())
    }
}

impl Default for LoginThrottle {
    /// Five attempts a minute per account, twenty per address.
    fn default() -> Self {
        LoginThrottle::new(5, 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_on_one_account_waits() {
        let t = LoginThrottle::new(5, 100);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..5 {
            assert!(t.check("Ada@example.com", ip).is_ok());
        }
        assert!(t.check("ada@example.com ", ip).is_err(), "case and spaces do not reset the bucket");
        assert!(t.check("bob@example.com", ip).is_ok());
    }
}
