//! The `period` query parameter: `1h`, `24h`, `7d`, `14d`, `30d`, `90d`
//! (a number and `h` or `d`, up to a year).

use super::error::ApiError;

/// A look-back window ending now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub seconds: u32,
}

impl Period {
    /// Parses `24h`, `14d` and the like.
    pub fn parse(raw: &str) -> Result<Period, ApiError> {
        let bad = || ApiError::Validation(format!("period {raw:?} is not like 24h or 14d (at most 365d)"));
        let raw = raw.trim();
        let (n, unit) = raw.split_at(raw.len().saturating_sub(1));
        let n: u32 = n.parse().map_err(|_| bad())?;
        let seconds = match unit {
            "h" => n.checked_mul(3600),
            "d" => n.checked_mul(86_400),
            _ => None,
        }
        .filter(|s| *s > 0 && *s <= 365 * 86_400)
        .ok_or_else(bad)?;
        Ok(Period { seconds })
    }

    /// Returns the window's start, epoch seconds.
    pub fn since(self) -> u32 {
        (chrono::Utc::now().timestamp() as u32).saturating_sub(self.seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_bad_ones_are_refused() {
        assert_eq!(Period::parse("24h").unwrap().seconds, 86_400);
        assert_eq!(Period::parse("14d").unwrap().seconds, 14 * 86_400);
        for bad in ["", "d", "0h", "5w", "-1d", "999d", "abc"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }
}
