//! The slug rule shared by plans, features, meters and limits. Tenant ids are forecast-core's
//! [`forecast_core::tenant::TenantId`], with the same rule, so both crates accept the same ids.

use crate::{Result, TenancyError};

/// Check the slug rule: 1 to 64 of `a-z`, `0-9`, `_`, `-`, starting with a letter or digit.
pub(crate) fn check_slug(what: &'static str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok { Ok(()) } else { Err(TenancyError::InvalidName { what, value: value.to_owned() }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        assert!(check_slug("meter", "api_calls-2").is_ok());
        for bad in ["", "Api", "-x", "a b", "a;drop", &"x".repeat(65)] {
            assert!(matches!(check_slug("meter", bad), Err(TenancyError::InvalidName { .. })), "{bad}");
        }
    }
}
