#![doc = include_str!("../README.md")]

mod admin;
mod audit_log;
mod audit_query;
mod authority;
mod authorize;
mod crypto;
mod data_scope;
mod db;
mod error;
mod grants;
mod guard;
mod lockout;
mod login;
mod name;
mod password;
mod password_policy;
mod permission;
mod rate_limit;
mod roles;
mod scope;
mod service;
mod session;
pub mod store;
mod tracker_guard;
mod users;

#[cfg(test)]
mod test_support;

pub use audit_log::{AuditCheckpoint, AuditKey, AuditLog, AuditRecord, Tamper, Verification};
pub use audit_query::AuditQuery;
pub use authority::{SessionOperator, SessionPermissions};
pub use authorize::{Decision, Reason};
pub use data_scope::DataScope;
pub use error::{Result, SecurityError};
pub use guard::GuardedModelStore;
pub use lockout::LockoutPolicy;
pub use name::Realm;
pub use password::{PasswordParams, StoredHash, hash_password, params_of, verify_password};
pub use password_policy::{PasswordPolicy, common_password_count};
pub use permission::{BuiltinRole, Permission};
pub use rate_limit::{KeyKind, Quota, RateDecision, RateKey, RateLimiter, RateLimiterConfig};
pub use roles::{Assignment, RoleDef};
pub use scope::{Domain, Resource, Scope};
pub use service::{Security, SecurityConfig};
pub use session::{Session, SessionPolicy, SessionToken};
pub use store::{AuditStore, SecurityStore, SqliteAuditStore, SqliteSecurityStore};
pub use tracker_guard::GuardedRunTracker;
pub use users::User;
