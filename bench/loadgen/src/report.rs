//! Counters and latency histograms of a load run, and their report.
//!
//! Each connection task fills its own `Stats` without locking; the run merges
//! them into one `Summary`, which prints either as a short human-readable
//! block or as one JSON line. Latencies are kept in microseconds in an HDR
//! histogram (3 significant digits) and reported in milliseconds. Every
//! completed response is timed, whatever its status; transport errors are
//! counted but not timed. `sent` always equals 2xx + non-2xx + errors.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::json;

/// Largest latency the histogram holds exactly (one hour in microseconds).
const MAX_LATENCY_US: u64 = 3_600_000_000;

/// Counters and latencies gathered by one connection task.
#[derive(Debug, Clone)]
pub struct Stats {
    /// Counts requests attempted, including those that failed in transport.
    pub sent: u64,
    /// Counts responses with a 2xx status.
    pub ok: u64,
    /// Counts responses with any other status, by status code.
    pub non_2xx: BTreeMap<u16, u64>,
    /// Counts requests that got no response (connect, I/O, timeout).
    pub errors: u64,
    /// Keeps the first transport error seen, for the report.
    pub first_error: Option<String>,
    /// Counts open-loop sends that were scheduled before the end but never made.
    pub unsent: u64,
    latency_us: Histogram<u64>,
}

impl Stats {
    /// Creates empty counters and an empty latency histogram.
    pub fn new() -> Self {
        let latency_us = Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("histogram bounds are valid");
        Self { sent: 0, ok: 0, non_2xx: BTreeMap::new(), errors: 0, first_error: None, unsent: 0, latency_us }
    }

    /// Records one response with its status and its latency.
    pub fn record_response(&mut self, status: u16, latency: Duration) {
        self.sent += 1;
        if (200..300).contains(&status) {
            self.ok += 1;
        } else {
            *self.non_2xx.entry(status).or_default() += 1;
        }
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_us.saturating_record(us.clamp(1, MAX_LATENCY_US));
    }

    /// Records one request that got no response.
    pub fn record_error(&mut self, error: impl fmt::Display) {
        self.sent += 1;
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(error.to_string());
        }
    }

    /// Adds `other`'s counters and latencies into `self`.
    pub fn merge(&mut self, other: Stats) {
        self.sent += other.sent;
        self.ok += other.ok;
        for (status, n) in other.non_2xx {
            *self.non_2xx.entry(status).or_default() += n;
        }
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.unsent += other.unsent;
        self.latency_us.add(&other.latency_us).expect("histograms share bounds");
    }
}

/// The merged outcome of a run, with the settings it ran under.
#[derive(Debug)]
pub struct Summary {
    /// Names the target URL.
    pub url: String,
    /// Gives the number of connections used.
    pub connections: u32,
    /// Gives the open-loop target rate, or `None` for a closed-loop run.
    pub target_rate: Option<f64>,
    /// Gives the wall time from the first send to the last response.
    pub elapsed: Duration,
    /// Holds the merged counters and latencies.
    pub stats: Stats,
}

impl Summary {
    /// Returns the achieved rate of 2xx responses per second.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.stats.ok as f64 / secs
        } else {
            0.0
        }
    }

    /// Returns the latency at `quantile` (0..=1) in milliseconds, or 0 with no samples.
    pub fn latency_ms(&self, quantile: f64) -> f64 {
        let h = &self.stats.latency_us;
        if h.is_empty() {
            0.0
        } else {
            h.value_at_quantile(quantile) as f64 / 1000.0
        }
    }

    /// Returns the largest latency in milliseconds, or 0 with no samples.
    pub fn max_ms(&self) -> f64 {
        let h = &self.stats.latency_us;
        if h.is_empty() {
            0.0
        } else {
            h.max() as f64 / 1000.0
        }
    }

    /// Renders the summary as one line of JSON.
    pub fn to_json(&self) -> String {
        let non_2xx: serde_json::Map<String, serde_json::Value> =
            self.stats.non_2xx.iter().map(|(status, n)| (status.to_string(), json!(n))).collect();
        json!({
            "url": self.url,
            "mode": if self.target_rate.is_some() { "open" } else { "closed" },
            "connections": self.connections,
            "target_rate": self.target_rate,
            "elapsed_s": round3(self.elapsed.as_secs_f64()),
            "sent": self.stats.sent,
            "ok_2xx": self.stats.ok,
            "non_2xx": non_2xx,
            "errors": self.stats.errors,
            "first_error": self.stats.first_error,
            "unsent": self.stats.unsent,
            "rate_2xx": round3(self.rate()),
            "p50_ms": self.latency_ms(0.50),
            "p90_ms": self.latency_ms(0.90),
            "p99_ms": self.latency_ms(0.99),
            "max_ms": self.max_ms(),
        })
        .to_string()
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        match self.target_rate {
            Some(r) => writeln!(f, "open loop at {r:.0} req/s, {} connections, {}", self.connections, self.url)?,
            None => writeln!(f, "closed loop, {} connections, {}", self.connections, self.url)?,
        }
        writeln!(f, "  elapsed     {:.2} s", self.elapsed.as_secs_f64())?;
        writeln!(f, "  sent        {}", s.sent)?;
        writeln!(f, "  2xx         {}", s.ok)?;
        if s.non_2xx.is_empty() {
            writeln!(f, "  non-2xx     0")?;
        } else {
            let by_status: Vec<String> = s.non_2xx.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            writeln!(f, "  non-2xx     {}", by_status.join(", "))?;
        }
        match &s.first_error {
            Some(e) => writeln!(f, "  errors      {} (first: {e})", s.errors)?,
            None => writeln!(f, "  errors      {}", s.errors)?,
        }
        if self.target_rate.is_some() {
            writeln!(f, "  unsent      {} (scheduled but never sent: fell behind)", s.unsent)?;
        }
        writeln!(f, "  rate        {:.1} 2xx/s", self.rate())?;
        writeln!(
            f,
            "  latency ms  p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}",
            self.latency_ms(0.50),
            self.latency_ms(0.90),
            self.latency_ms(0.99),
            self.max_ms()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_counts_and_latencies() {
        let mut a = Stats::new();
        a.record_response(200, Duration::from_millis(1));
        a.record_response(503, Duration::from_millis(3));
        let mut b = Stats::new();
        b.record_response(503, Duration::from_millis(2));
        b.record_error("connection refused");
        a.merge(b);
        assert_eq!((a.sent, a.ok, a.errors), (4, 1, 1));
        assert_eq!(a.non_2xx.get(&503), Some(&2));
        assert_eq!(a.first_error.as_deref(), Some("connection refused"));
        let summary = Summary {
            url: "http://x/".into(),
            connections: 2,
            target_rate: None,
            elapsed: Duration::from_secs(1),
            stats: a,
        };
        assert!((summary.max_ms() - 3.0).abs() < 0.01);
        let line = summary.to_json();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["non_2xx"]["503"], 2);
        assert_eq!(v["rate_2xx"], 1.0);
        assert!(!line.contains('\n'));
    }
}
