//! The rollup grain the dashboard reads: `issue_hourly`/`vitals_hourly` for
//! look-backs up to two days, `issue_daily`/`vitals_daily` beyond (tables of
//! clickhouse_rollups.sql). A period starts at the bucket holding its first
//! second, so "24h" means the last 24 whole hours plus the current one, as
//! the sparklines draw it.

/// One of the two rollup resolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    Hourly,
    Daily,
}

impl Grain {
    /// Picks the rollup for a look-back of `seconds`.
    pub fn for_period(seconds: u32) -> Grain {
        if seconds <= 2 * 86_400 {
            Grain::Hourly
        } else {
            Grain::Daily
        }
    }

    /// Returns the table of `family` (`issue` or `vitals`) at this grain.
    pub fn table(self, family: &str) -> String {
        match self {
            Grain::Hourly => format!("{family}_hourly"),
            Grain::Daily => format!("{family}_daily"),
        }
    }

    /// Returns the condition "bucket is in the period starting at the bound `?`".
    pub fn since_clause(self) -> &'static str {
        match self {
            Grain::Hourly => "bucket >= toStartOfHour(toDateTime(?))",
            Grain::Daily => "bucket >= toStartOfDay(toDateTime(?))",
        }
    }

    /// Returns the bucket width in seconds.
    pub fn seconds(self) -> u32 {
        match self {
            Grain::Hourly => 3600,
            Grain::Daily => 86_400,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_days_and_less_read_hours_longer_periods_read_days() {
        assert_eq!(Grain::for_period(3600), Grain::Hourly);
        assert_eq!(Grain::for_period(2 * 86_400), Grain::Hourly);
        assert_eq!(Grain::for_period(2 * 86_400 + 1), Grain::Daily);
        assert_eq!(Grain::Daily.table("vitals"), "vitals_daily");
    }
}
