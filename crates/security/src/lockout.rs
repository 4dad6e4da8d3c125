//! Lockout with exponential backoff after repeated login failures.

use chrono::TimeDelta;

/// When to lock an account after failed logins, and for how long.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `threshold` | 5 | consecutive failures before the first lock | >= 1 |
/// | `base` | 1 min | first lock length; each further failure doubles it | > 0 |
/// | `max` | 1 h | longest lock | >= `base` |
///
/// While locked, every login fails with the same error as a wrong password and costs the same
/// Argon2 work; attempts during a lock do not lengthen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Consecutive failures before the first lock.
    pub threshold: u32,
    /// Length of the first lock.
    pub base: TimeDelta,
    /// Longest lock.
    pub max: TimeDelta,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self { threshold: 5, base: TimeDelta::minutes(1), max: TimeDelta::hours(1) }
    }
}

impl LockoutPolicy {
    /// How long to lock after `failures` consecutive failures (`None`: not yet).
    pub fn lock_for(&self, failures: u32) -> Option<TimeDelta> {
        let over = failures.checked_sub(self.threshold.max(1))?;
        // 2^over overflows past 2^62; the cap is reached long before.
        let factor = 1i32.checked_shl(over.min(30)).unwrap_or(i32::MAX);
        Some(self.base.checked_mul(factor).unwrap_or(self.max).min(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let p = LockoutPolicy::default();
        assert_eq!(p.lock_for(4), None);
        assert_eq!(p.lock_for(5), Some(TimeDelta::minutes(1)));
        assert_eq!(p.lock_for(6), Some(TimeDelta::minutes(2)));
        assert_eq!(p.lock_for(8), Some(TimeDelta::minutes(8)));
        assert_eq!(p.lock_for(11), Some(TimeDelta::minutes(60)));
        assert_eq!(p.lock_for(u32::MAX), Some(TimeDelta::hours(1)));
    }
}
