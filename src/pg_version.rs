//! The target PostgreSQL major version: one type for every version check.

use std::fmt;
use std::str::FromStr;

/// A PostgreSQL major version (`15`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PgVersion(pub u32);

impl PgVersion {
    /// The version bellows assumes when none is given.
    pub const DEFAULT: PgVersion = PgVersion(15);

    /// True when the target is `major` or newer.
    pub fn at_least(self, major: u32) -> bool {
        self.0 >= major
    }
}

impl Default for PgVersion {
    fn default() -> Self {
        PgVersion::DEFAULT
    }
}

impl fmt::Display for PgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for PgVersion {
    type Err = String;

    /// Accepts `15`, `15.4`, `v15`, `9.6`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
        let major = t.split('.').next().unwrap_or("");
        let valid_rest = t
            .split('.')
            .skip(1)
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        match major.parse::<u32>() {
            Ok(m) if (9..=30).contains(&m) && valid_rest => Ok(PgVersion(m)),
            _ => Err(format!(
                "`{s}` is not a PostgreSQL version: write the major version, like 15, 15.4 or v15"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        assert_eq!("15".parse(), Ok(PgVersion(15)));
        assert_eq!("15.4".parse(), Ok(PgVersion(15)));
        assert_eq!("v16".parse(), Ok(PgVersion(16)));
        assert_eq!("9.6".parse(), Ok(PgVersion(9)));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "abc", "15.x", "1", "150", "-3", "15."] {
            assert!(bad.parse::<PgVersion>().is_err(), "{bad}");
        }
    }
}
