//! White-label settings: how reports present a tenant.

use crate::schema::to_millis;
use crate::scope::TenantScope;
use crate::tenant::check_locale;
use crate::{Result, TenancyError};
use forecast_core::AuditOutcome;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// A tenant's white-label settings, read by reports.
///
/// | Field | Default | Accepted |
/// |---|---|---|
/// | `display_name` | the tenant's name | 1 to 100 bytes |
/// | `logo_url` | none | an `https://` URL with a host, no credentials or spaces, at most 2,048 bytes |
/// | `primary_colour` | `#1F2937` | `#RRGGBB` |
/// | `accent_colour` | `#2563EB` | `#RRGGBB` |
/// | `locale` | the tenant's locale | BCP 47, e.g. `en-NZ` |
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    /// The name reports show.
    pub display_name: String,
    /// The logo location.
    pub logo_url: Option<String>,
    /// Main colour, `#RRGGBB`.
    pub primary_colour: String,
    /// Highlight colour, `#RRGGBB`.
    pub accent_colour: String,
    /// Report language and number format.
    pub locale: String,
}

impl Branding {
    /// Default colours and no logo, for `display_name` in `locale`.
    pub fn new(display_name: impl Into<String>, locale: impl Into<String>) -> Self {
        Self {
            display_name: display_name.into(),
            logo_url: None,
            primary_colour: "#1F2937".into(),
            accent_colour: "#2563EB".into(),
            locale: locale.into(),
        }
    }

    /// Set the logo URL.
    pub fn logo_url(mut self, url: impl Into<String>) -> Self {
        self.logo_url = Some(url.into());
        self
    }

    /// Set both colours.
    pub fn colours(mut self, primary: impl Into<String>, accent: impl Into<String>) -> Self {
        self.primary_colour = primary.into();
        self.accent_colour = accent.into();
        self
    }

    /// Check every field.
    ///
    /// # Errors
    /// [`TenancyError::InvalidField`] naming the field and what it accepts.
    pub fn validate(&self) -> Result<()> {
        if self.display_name.trim().is_empty() || self.display_name.len() > 100 {
            return Err(TenancyError::InvalidField {
                field: "display name",
                value: self.display_name.clone(),
                expected: "1 to 100 bytes of text",
            });
        }
        if let Some(url) = &self.logo_url {
            check_https_url(url)?;
        }
        check_colour("primary colour", &self.primary_colour)?;
        check_colour("accent colour", &self.accent_colour)?;
        check_locale(&self.locale)
    }
}

fn check_colour(field: &'static str, value: &str) -> Result<()> {
    let ok = value.len() == 7 && value.starts_with('#') && value[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(TenancyError::InvalidField { field, value: value.to_owned(), expected: "`#RRGGBB` hex, e.g. `#2563EB`" })
    }
}

fn check_https_url(url: &str) -> Result<()> {
    let bad = || TenancyError::InvalidField {
        field: "logo URL",
        value: url.to_owned(),
        expected: "an https:// URL with a host name, no credentials or spaces, at most 2048 bytes",
    };
    let rest = url.strip_prefix("https://").ok_or_else(bad)?;
    if url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control() || "\"<>\\^`{|}".contains(c)) {
        return Err(bad());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    if host.len() > 253 || !host.split('.').all(label_ok) || !port_ok {
        return Err(bad());
    }
    Ok(())
}

impl TenantScope<'_> {
    /// Store the tenant's white-label settings.
    ///
    /// # Errors
    /// [`TenancyError::InvalidField`] from [`Branding::validate`]; the tenant-state errors.
    pub fn set_branding(&self, branding: &Branding) -> Result<()> {
        branding.validate()?;
        let now = to_millis(self.now());
        self.write(|tx, tenant| {
            tx.execute(
                "INSERT INTO branding (tenant_id, display_name, logo_url, primary_colour, accent_colour, locale, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(tenant_id) DO UPDATE SET display_name = excluded.display_name, logo_url = excluded.logo_url,
                   primary_colour = excluded.primary_colour, accent_colour = excluded.accent_colour,
                   locale = excluded.locale, updated_at = excluded.updated_at",
                params![
                    tenant.id.as_str(),
                    branding.display_name,
                    branding.logo_url,
                    branding.primary_colour,
                    branding.accent_colour,
                    branding.locale,
                    now
                ],
            )?;
            self.audit(self.event("branding.set", "branding", AuditOutcome::Success))
        })
    }

    /// The tenant's white-label settings, or defaults from its name and locale.
    ///
    /// # Errors
    /// The tenant-state errors.
    pub fn branding(&self) -> Result<Branding> {
        self.read(|tx, tenant| {
            let stored = tx
                .query_row(
                    "SELECT display_name, logo_url, primary_colour, accent_colour, locale FROM branding WHERE tenant_id = ?1",
                    [tenant.id.as_str()],
                    |r| {
                        Ok(Branding {
                            display_name: r.get(0)?,
                            logo_url: r.get(1)?,
                            primary_colour: r.get(2)?,
                            accent_colour: r.get(3)?,
                            locale: r.get(4)?,
                        })
                    },
                )
                .optional()?;
            Ok(stored.unwrap_or_else(|| Branding::new(tenant.name, tenant.locale)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logo_urls_must_be_https_with_a_host() {
        for good in ["https://cdn.example.com/logo.png", "https://example.com", "https://a-b.example:8443/x?y=1#z"] {
            assert!(check_https_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://example.com/logo.png",
            "https://",
            "https:///logo.png",
            "https://user:pw@example.com/",
            "https://exa mple.com/",
            "https://example..com/",
            "https://-x.com/",
            "https://example.com:port/",
            "javascript:alert(1)",
            "https://example.com/<script>",
        ] {
            assert!(check_https_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn colours_must_be_six_hex_digits() {
        assert!(check_colour("c", "#A1b2C3").is_ok());
        for bad in ["A1B2C3", "#A1B2C", "#A1B2C3D", "#GGGGGG", "red", "#fff"] {
            assert!(check_colour("c", bad).is_err(), "{bad}");
        }
        let err = Branding::new("Acme", "en").colours("#000000", "blue").validate().unwrap_err();
        assert!(err.to_string().contains("accent colour"), "{err}");
        assert!(Branding::new("", "en").validate().is_err());
        assert!(Branding::new("Acme", "english").validate().is_err());
    }
}
