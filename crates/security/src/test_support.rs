//! Fixtures for the unit tests: a cheap-hash store over a fixed tenant directory.

use crate::{AuditKey, AuditLog, PasswordParams, Security, SecurityConfig, Session};
use chrono::TimeZone;
use forecast_core::ManualClock;
use forecast_core::tenant::{FixedTenants, TenantId};
use std::sync::Arc;

pub(crate) const PASSWORD: &str = "orange kettle drifting north";

/// A store with cheap Argon2 parameters, tenant `acme` active, and its directory.
pub(crate) fn fast_security() -> (Security, Arc<FixedTenants>) {
    let clock = Arc::new(ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()));
    let tenants = Arc::new(FixedTenants::active([&TenantId::new("acme").unwrap()]));
    let audit = Arc::new(AuditLog::in_memory(AuditKey::from_bytes([1; 32])).unwrap());
    let config = SecurityConfig { password: PasswordParams::INSECURE_FAST, ..SecurityConfig::default() };
    (Security::in_memory(clock, tenants.clone(), audit, config).unwrap(), tenants)
}

/// Bootstrap `ops` and log it in.
pub(crate) fn admin_session(s: &Security) -> Session {
    s.bootstrap_admin("ops", PASSWORD).unwrap();
    s.login("ops", PASSWORD).unwrap().0
}
