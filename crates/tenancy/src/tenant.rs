//! Tenants: who they are, where they live (timezone, currency, locale) and whether they are active.

use crate::currency::Currency;
use crate::name::check_slug;
use crate::{Result, TenancyError};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use forecast_core::tenant::{TenantId, TenantStatus};
use serde::{Deserialize, Serialize};

/// Check a BCP 47 tag of the common shapes: `en`, `en-NZ`, `zh-Hant-TW`, `es-419`.
pub(crate) fn check_locale(locale: &str) -> Result<()> {
    let mut parts = locale.split('-');
    let language = parts.next().unwrap_or_default();
    let mut ok = (2..=3).contains(&language.len()) && language.chars().all(|c| c.is_ascii_lowercase());
    let rest: Vec<&str> = parts.collect();
    let is_script = |p: &str| {
        p.len() == 4
            && p.starts_with(|c: char| c.is_ascii_uppercase())
            && p[1..].chars().all(|c| c.is_ascii_lowercase())
    };
    let is_region = |p: &str| {
        (p.len() == 2 && p.chars().all(|c| c.is_ascii_uppercase()))
            || (p.len() == 3 && p.chars().all(|c| c.is_ascii_digit()))
    };
    ok &= match rest.as_slice() {
        [] => true,
        [a] => is_script(a) || is_region(a),
        [a, b] => is_script(a) && is_region(b),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(TenancyError::InvalidField {
            field: "locale",
            value: locale.to_owned(),
            expected: "a BCP 47 tag such as `en`, `en-NZ`, `zh-Hant-TW` or `es-419`",
        })
    }
}

/// Parse an IANA timezone name such as `Pacific/Auckland`.
pub(crate) fn parse_timezone(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| TenancyError::InvalidField {
        field: "timezone",
        value: name.to_owned(),
        expected: "an IANA timezone name such as `UTC`, `Europe/Paris` or `Pacific/Auckland`",
    })
}

/// A tenant as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its legal or trading name.
    pub name: String,
    /// The plan it is on.
    pub plan: String,
    /// Active, suspended or deleted (a deleted tenant's row stays as a tombstone: its id is
    /// never given to another tenant).
    pub status: TenantStatus,
    /// IANA timezone: quota and billing months start at local midnight on the 1st.
    pub timezone: Tz,
    /// Billing currency.
    pub currency: Currency,
    /// BCP 47 locale for reports.
    pub locale: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Tenant {
    /// Fail unless the tenant is active.
    ///
    /// # Errors
    /// [`TenancyError::TenantInactive`] naming the status found.
    pub fn ensure_active(&self) -> Result<()> {
        if self.status == TenantStatus::Active {
            return Ok(());
        }
        Err(TenancyError::TenantInactive { tenant: self.id.to_string(), status: self.status.as_str().into() })
    }
}

/// What is needed to create a tenant; built with [`NewTenant::new`] and setters.
///
/// | Field | Default | Purpose | Accepted |
/// |---|---|---|---|
/// | `timezone` | `UTC` | month boundaries for quotas and invoices | IANA names |
/// | `currency` | `USD` | invoice currency | active ISO 4217 codes |
/// | `locale` | `en` | report language | BCP 47 tags |
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub(crate) id: TenantId,
    pub(crate) name: String,
    pub(crate) plan: String,
    pub(crate) timezone: String,
    pub(crate) currency: String,
    pub(crate) locale: String,
}

impl NewTenant {
    /// A tenant `id` named `name` on `plan`, in UTC, billed in USD, locale `en`.
    ///
    /// # Errors
    /// [`TenancyError::Core`] for a bad id, [`TenancyError::InvalidName`] for a bad plan name.
    pub fn new(id: &str, name: impl Into<String>, plan: &str) -> Result<Self> {
        check_slug("plan name", plan)?;
        Ok(Self {
            id: TenantId::new(id)?,
            name: name.into(),
            plan: plan.to_owned(),
            timezone: "UTC".into(),
            currency: "USD".into(),
            locale: "en".into(),
        })
    }

    /// Set the IANA timezone (checked when the tenant is created).
    pub fn timezone(mut self, timezone: impl Into<String>) -> Self {
        self.timezone = timezone.into();
        self
    }

    /// Set the ISO 4217 currency code (checked when the tenant is created).
    pub fn currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = currency.into();
        self
    }

    /// Set the BCP 47 locale (checked when the tenant is created).
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = locale.into();
        self
    }

    /// Validate every field into a [`Tenant`] created at `now`.
    /// The id asked for.
    pub fn id(&self) -> &TenantId {
        &self.id
    }

    pub(crate) fn into_tenant(self, now: DateTime<Utc>) -> Result<Tenant> {
        if self.name.trim().is_empty() || self.name.len() > 200 {
            return Err(TenancyError::InvalidField {
                field: "tenant name",
                value: self.name,
                expected: "1 to 200 bytes of text",
            });
        }
        check_locale(&self.locale)?;
        Ok(Tenant {
            timezone: parse_timezone(&self.timezone)?,
            currency: Currency::new(&self.currency)?,
            id: self.id,
            name: self.name,
            plan: self.plan,
            status: TenantStatus::Active,
            locale: self.locale,
            created_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_are_checked() {
        for good in ["en", "en-NZ", "zh-Hant-TW", "es-419", "fil"] {
            assert!(check_locale(good).is_ok(), "{good}");
        }
        for bad in ["", "EN", "en_US", "en-us", "english", "zh-hant-TW", "en-NZ-x"] {
            assert!(check_locale(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn new_tenant_validates_every_field() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let ok = NewTenant::new("acme", "Acme", "pro").unwrap().timezone("Pacific/Auckland").currency("JPY");
        let t = ok.into_tenant(now).unwrap();
        assert_eq!(t.timezone, chrono_tz::Pacific::Auckland);
        assert_eq!(t.currency.exponent(), 0);
        let bad_tz = NewTenant::new("acme", "Acme", "pro").unwrap().timezone("Mars/Olympus");
        assert!(matches!(bad_tz.into_tenant(now), Err(TenancyError::InvalidField { field: "timezone", .. })));
        let bad_ccy = NewTenant::new("acme", "Acme", "pro").unwrap().currency("DOLLARS");
        assert!(matches!(bad_ccy.into_tenant(now), Err(TenancyError::InvalidField { field: "currency", .. })));
        let blank = NewTenant::new("acme", " ", "pro").unwrap();
        assert!(blank.into_tenant(now).is_err());
    }
}
