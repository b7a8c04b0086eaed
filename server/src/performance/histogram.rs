//! Web Vitals histograms as the `vitals_*` rollups keep them: a `sumMap` of
//! bucket → (count, sum) per page and hour/day. Bucket 0 holds values under
//! one stored unit; bucket `k ≥ 1` holds values whose `20 · ln(value)`
//! rounds to `k − 1`, so every bucket is about 5 % wide. A percentile read
//! back is the mean of the bucket that holds its rank: exact when that
//! bucket's samples are equal (one page load, say), else within the bucket,
//! about 2.5 % of the exact value. Merging costs the few dozen occupied
//! buckets of each row, not its samples: that keeps a 14-day page fast.

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

/// A merged histogram as `sumMapMerge` answers it: ascending buckets, their
/// counts and the sums of their values.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(from = "(Vec<u16>, Vec<u64>, Vec<f64>)")]
pub struct Histogram {
    pub buckets: Vec<u16>,
    pub counts: Vec<u64>,
    pub sums: Vec<f64>,
}

impl From<(Vec<u16>, Vec<u64>, Vec<f64>)> for Histogram {
    fn from((buckets, counts, sums): (Vec<u16>, Vec<u64>, Vec<f64>)) -> Self {
        Histogram { buckets, counts, sums }
    }
}

impl Histogram {
    /// Returns the number of samples.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Returns the `q`-quantile (0 < q ≤ 1) in stored units, or `None` when
    /// empty: the mean of the bucket that holds the nearest rank.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut below = 0u64;
        for (i, &count) in self.counts.iter().enumerate() {
            below += count;
            if count > 0 && below >= rank {
                return Some(self.sums.get(i).copied().unwrap_or(0.0) / count as f64);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: impl IntoIterator<Item = f64>) -> Histogram {
        let mut by_bucket = std::collections::BTreeMap::<u16, (u64, f64)>::new();
        for v in values {
            let slot = by_bucket.entry(bucket(v)).or_default();
            *slot = (slot.0 + 1, slot.1 + v);
        }
        Histogram {
            buckets: by_bucket.keys().copied().collect(),
            counts: by_bucket.values().map(|s| s.0).collect(),
            sums: by_bucket.values().map(|s| s.1).collect(),
        }
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
    fn equal_samples_come_back_exactly_and_empty_is_none() {
        assert_eq!(of([1234.0]).quantile(0.75), Some(1234.0));
        assert_eq!(of([180.0, 180.0, 4200.0]).quantile(0.5), Some(180.0));
        assert_eq!(of([0.0, 0.0, 0.0]).quantile(0.75), Some(0.0));
        assert_eq!(Histogram::default().quantile(0.5), None);
    }
}
