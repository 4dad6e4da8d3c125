#![doc = include_str!("../README.md")]

pub mod analytics;
pub mod billing;
pub mod branding;
pub mod currency;
pub mod entitlements;
pub mod error;
pub mod export;
pub mod ledger;
pub mod metering;
pub mod models;
pub mod name;
pub mod period;
pub mod plan;
pub mod quota;
pub mod scope;
pub mod storage;
pub mod store;
pub mod tenant;

pub use analytics::{DailyUsage, TenantUsage};
pub use billing::{Invoice, InvoiceLine};
pub use branding::Branding;
pub use currency::Currency;
pub use entitlements::Entitlements;
pub use error::{Result, TenancyError};
pub use export::TenantExport;
pub use forecast_core::tenant::{TenantId, TenantStatus};
pub use metering::{Aggregation, IngestReport, MIN_KEY_RETENTION, MeterTotal, UsageEvent};
pub use models::{MeteredModels, model_kinds};
pub use period::BillingPeriod;
pub use plan::{Enforcement, LimitSpec, MeterPrice, Plan, Reset, features, limits, settings};
pub use quota::QuotaStatus;
pub use scope::TenantScope;
pub use storage::{SqliteTenancyStore, TenancyStore};
pub use store::TenantStore;
pub use tenant::{NewTenant, Tenant};
