//! Web Vitals histograms as the `vitals_*` rollups keep them: a `sumMap` of
//! bucket → count per page and hour/day. Bucket 0 holds values under one
//! stored unit; bucket `k ≥ 1` holds values whose `20 · ln(value)` rounds to
//! `k − 1`, so every bucket is about 5 % wide and a percentile read back from
//! a merged histogram (interpolated inside its bucket) is within 2.5 % of the
//! exact one. Merging costs the few dozen occupied buckets of each row, not
//! its samples: that is what keeps a 14-day performance page fast.

use serde::Deserialize;

/// Buckets per factor e (20 → each bucket spans a factor e^(1/20) ≈ 1.051).
const PER_E: f64 = 20.0;

/// Returns the bucket of a value in stored units; mirrors the rollups' SQL
/// `if(x < 1, 0, least(1 + round(log(x) * 20), 1000))`.
pub fn bucket(stored: f64) -> u16 {
    if stored.is_nan() || stored < 1.0 {
        0
    } else {
        (1.0 + (stored.ln() * PER_E).round()).min(1000.0) as u16
    }
}

/// A merged histogram as `sumMapMerge` answers it: ascending buckets and their counts.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(from = "(Vec<u16>, Vec<u64>)")]
pub struct Histogram(pub Vec<u16>, pub Vec<u64>);

impl From<(Vec<u16>, Vec<u64>)> for Histogram {
    fn from((buckets, counts): (Vec<u16>, Vec<u64>)) -> Self {
        Histogram(buckets, counts)
    }
}

impl Histogram {
    /// Returns the number of samples.
    pub fn total(&self) -> u64 {
        self.1.iter().sum()
    }

    /// Returns the `q`-quantile (0 < q ≤ 1) in stored units, or `None` when
    /// empty. Inside the bucket that holds the rank it interpolates
    /// geometrically, as the buckets are spaced.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * total as f64).max(f64::MIN_POSITIVE);
        let mut below = 0u64;
        for (&k, &count) in self.0.iter().zip(&self.1) {
            if count == 0 {
                continue;
            }
            if (below + count) as f64 >= rank {
                let within = ((rank - below as f64) / count as f64).clamp(0.0, 1.0);
                return Some(if k == 0 {
                    0.0
                } else {
                    let low = ((f64::from(k) - 1.5) / PER_E).exp().max(1.0);
                    let high = ((f64::from(k) - 0.5) / PER_E).exp();
                    low * (high / low).powf(within)
                });
            }
            below += count;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: impl IntoIterator<Item = f64>) -> Histogram {
        let mut counts = std::collections::BTreeMap::<u16, u64>::new();
        for v in values {
            *counts.entry(bucket(v)).or_default() += 1;
        }
        Histogram(counts.keys().copied().collect(), counts.values().copied().collect())
    }

    fn exact(sorted: &[f64], q: f64) -> f64 {
        sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
    }

    #[test]
    fn buckets_follow_the_sql_formula() {
        assert_eq!(bucket(0.0), 0);
        assert_eq!(bucket(0.999), 0);
        assert_eq!(bucket(1.0), 1);
        assert_eq!(bucket(2500.0), 157); // 1 + round(20 · 7.824)
        assert_eq!(bucket(f64::INFINITY), 1000);
        assert_eq!(bucket(f64::NAN), 0);
    }

    #[test]
    fn percentiles_are_within_two_and_a_half_percent() {
        // A skewed, web-vitals-like spread: 40 ms to 12 s.
        let mut values: Vec<f64> = (0..5000).map(|i| 40.0 * (1.0 + f64::from(i) / 50.0).powf(1.8)).collect();
        values.sort_by(f64::total_cmp);
        let h = of(values.iter().copied());
        assert_eq!(h.total(), 5000);
        for q in [0.5, 0.75, 0.95] {
            let (got, want) = (h.quantile(q).unwrap(), exact(&values, q));
            assert!((got / want - 1.0).abs() <= 0.025, "q{q}: {got} vs {want}");
        }
    }

    #[test]
    fn one_sample_comes_back_close_and_empty_is_none() {
        let one = of([1234.0]).quantile(0.75).unwrap();
        assert!((one / 1234.0 - 1.0).abs() <= 0.026, "{one}");
        assert_eq!(of([0.0, 0.0, 0.0]).quantile(0.75), Some(0.0));
        assert_eq!(Histogram::default().quantile(0.5), None);
    }
}
