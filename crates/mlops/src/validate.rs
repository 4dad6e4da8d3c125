//! The checks the services make above the store: names, and content addresses of bytes read back.

use crate::error::{MlopsError, Result};
use sha2::{Digest, Sha256};

/// Hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Fail unless `bytes` still hash to the address `expected` they were stored under.
pub(crate) fn check_content(expected: &str, bytes: &[u8]) -> Result<()> {
    let actual = sha256_hex(bytes);
    if actual == expected { Ok(()) } else { Err(MlopsError::CorruptArtifact { expected: expected.into(), actual }) }
}

/// Check a model, alias, experiment or key name: `[A-Za-z0-9_.-]+`, at most 200 characters.
pub(crate) fn check_name(what: &'static str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 200
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(MlopsError::InvalidName {
            what,
            value: value.into(),
            expected: "1 to 200 characters from letters, digits, `_`, `.` and `-`",
        })
    }
}

/// An alias is a name that does not start with a digit (digits refer to version numbers).
pub(crate) fn check_alias(alias: &str) -> Result<()> {
    check_name("alias", alias)?;
    if alias.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(MlopsError::InvalidName {
            what: "alias",
            value: alias.into(),
            expected: "a name that does not start with a digit (digits refer to version numbers)",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("model name", "demand.v2-x_1").is_ok());
        for bad in ["", "a b", "a@b", "é"] {
            assert!(check_name("model name", bad).is_err(), "{bad}");
        }
        assert!(check_alias("champion").is_ok());
        assert!(check_alias("2nd").is_err());
    }

    #[test]
    fn content_is_checked() {
        let sha = sha256_hex(b"model");
        assert!(check_content(&sha, b"model").is_ok());
        assert!(matches!(check_content(&sha, b"modem"), Err(MlopsError::CorruptArtifact { .. })));
    }
}
