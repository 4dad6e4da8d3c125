//! The `ModelStore` port: the registry operations other crates need.
//!
//! forecast-mlops implements it on SQLite; forecast-security wraps it with permission checks;
//! retrain, realtime and the agent consume it.
//!
//! A store serves one tenant. Stores are obtained per tenant from a [`ModelStores`] (the
//! registry, or a decorator such as forecast-tenancy's quota check), so the tenant is fixed
//! when a store is handed out and no method takes one: a store cannot be pointed at another
//! tenant's models.

use crate::artifact::ModelArtifact;
use crate::tenant::TenantId;
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A reference to one model version: `name@3` or `name@champion`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ModelRef {
    /// A version number.
    Version {
        /// Model name.
        name: String,
        /// Version number (from 1).
        version: u32,
    },
    /// An alias such as `champion`.
    Alias {
        /// Model name.
        name: String,
        /// Alias name.
        alias: String,
    },
}

impl ModelRef {
    /// The model name.
    pub fn name(&self) -> &str {
        match self {
            Self::Version { name, .. } | Self::Alias { name, .. } => name,
        }
    }
}

impl std::str::FromStr for ModelRef {
    type Err = Error;

    /// Parse `name@<version>` or `name@<alias>`; names and aliases are
    /// `[A-Za-z0-9_.-]+`, an alias does not start with a digit.
    fn from_str(s: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::InvalidData(format!("model reference `{s}`: {why}; expected `name@3` or `name@champion`"))
        };
        let (name, rest) = s.split_once('@').ok_or_else(|| bad("no `@`"))?;
        let ok = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !ok(name) {
            return Err(bad("the name must be letters, digits, `_`, `.` or `-`"));
        }
        if !ok(rest) {
            return Err(bad("the part after `@` must be a version number or an alias"));
        }
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let version: u32 = rest.parse().map_err(|_| bad("a version is a whole number from 1"))?;
            if version == 0 {
                return Err(bad("versions start at 1"));
            }
            Ok(Self::Version { name: name.into(), version })
        } else {
            Ok(Self::Alias { name: name.into(), alias: rest.into() })
        }
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Version { name, version } => write!(f, "{name}@{version}"),
            Self::Alias { name, alias } => write!(f, "{name}@{alias}"),
        }
    }
}

/// What identifies the data a model was trained on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DataFingerprint {
    /// SHA-256 of the training rows, hex.
    pub sha256: String,
    /// Number of training rows.
    pub rows: u64,
    /// First date in the training data.
    pub start: Option<NaiveDate>,
    /// Last date in the training data.
    pub end: Option<NaiveDate>,
}

/// A version to register.
#[derive(Debug, Clone)]
pub struct NewModelVersion {
    /// Model name (`[A-Za-z0-9_.-]+`).
    pub name: String,
    /// The fitted model.
    pub artifact: ModelArtifact,
    /// Hyper-parameters, as text.
    pub params: BTreeMap<String, String>,
    /// Evaluation metrics (e.g. backtest WAPE).
    pub metrics: BTreeMap<String, f64>,
    /// Feature column names, in the model's order.
    pub feature_names: Vec<String>,
    /// The training data's fingerprint.
    pub data: Option<DataFingerprint>,
    /// The version this one was derived from (same name).
    pub parent: Option<u32>,
    /// Free-form tags.
    pub tags: BTreeMap<String, String>,
    /// Who registers it.
    pub created_by: String,
}

impl NewModelVersion {
    /// A version with no params, metrics, features, data fingerprint, parent or tags.
    pub fn new(name: impl Into<String>, artifact: ModelArtifact, created_by: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            artifact,
            params: BTreeMap::new(),
            metrics: BTreeMap::new(),
            feature_names: Vec::new(),
            data: None,
            parent: None,
            tags: BTreeMap::new(),
            created_by: created_by.into(),
        }
    }
}

/// A registered, immutable model version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    /// Model name.
    pub name: String,
    /// Version number, from 1 per name.
    pub version: u32,
    /// Model kind ([`ModelArtifact::kind`]).
    pub kind: String,
    /// SHA-256 of the artifact bytes, hex.
    pub artifact_sha256: String,
    /// Hyper-parameters.
    pub params: BTreeMap<String, String>,
    /// Metrics.
    pub metrics: BTreeMap<String, f64>,
    /// Feature names.
    pub feature_names: Vec<String>,
    /// Training data fingerprint.
    pub data: Option<DataFingerprint>,
    /// Parent version.
    pub parent: Option<u32>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Creator.
    pub created_by: String,
    /// Registration time.
    pub created_at: DateTime<Utc>,
    /// Version of the library that registered it.
    pub library_version: String,
    /// Archived versions stay resolvable by number but cannot take an alias.
    pub archived: bool,
}

impl ModelVersion {
    /// The record of `new` registered as `version`, with its artifact hash and registration time,
    /// stamped with this library's version and not archived.
    pub fn from_new(new: NewModelVersion, version: u32, artifact_sha256: String, created_at: DateTime<Utc>) -> Self {
        Self {
            kind: new.artifact.kind().to_string(),
            name: new.name,
            version,
            artifact_sha256,
            params: new.params,
            metrics: new.metrics,
            feature_names: new.feature_names,
            data: new.data,
            parent: new.parent,
            tags: new.tags,
            created_by: new.created_by,
            created_at,
            library_version: env!("CARGO_PKG_VERSION").to_string(),
            archived: false,
        }
    }
}

/// One move of an alias, as kept in the append-only alias history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasMove {
    /// Model name.
    pub name: String,
    /// Alias name.
    pub alias: String,
    /// Previous holder (None when the alias was new).
    pub from: Option<u32>,
    /// New holder (None when the alias was removed).
    pub to: Option<u32>,
    /// Who moved it.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// The registry operations other crates depend on, inside one tenant: names, version numbers,
/// aliases and histories are the tenant's own, and another tenant's models are
/// [`Error::NotFound`].
pub trait ModelStore: Send + Sync + fmt::Debug {
    /// Register a new immutable version; returns it with its number.
    ///
    /// # Errors
    /// Invalid name, storage failure.
    fn register(&self, version: NewModelVersion) -> Result<ModelVersion>;

    /// Resolve `name@3` or `name@alias` to its version record.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the name, version or alias does not exist.
    fn resolve(&self, reference: &ModelRef) -> Result<ModelVersion>;

    /// Load the artifact of a reference.
    ///
    /// # Errors
    /// [`Error::NotFound`], or a storage or format error.
    fn load(&self, reference: &ModelRef) -> Result<ModelArtifact>;

    /// Point `alias` of `name` at `version` atomically, recording the move.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown or archived version.
    fn set_alias(&self, name: &str, alias: &str, version: u32, actor: &str, reason: &str) -> Result<AliasMove>;

    /// Every move of `alias` of `name`, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    fn alias_history(&self, name: &str, alias: &str) -> Result<Vec<AliasMove>>;

    /// Move `alias` back to the holder it had before its latest move.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the alias has no previous holder.
    fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> Result<AliasMove>;

    /// The version `alias` of `name` pointed at the instant `at` (None when it was unset):
    /// "which version was `champion` on date D". The default replays [`ModelStore::alias_history`];
    /// stores override it with an indexed query.
    ///
    /// # Errors
    /// Storage failure.
    fn alias_at(&self, name: &str, alias: &str, at: DateTime<Utc>) -> Result<Option<u32>> {
        Ok(self.alias_history(name, alias)?.into_iter().rfind(|m| m.at <= at).and_then(|m| m.to))
    }
}

impl<S: ModelStore + ?Sized> ModelStore for Arc<S> {
    fn register(&self, version: NewModelVersion) -> Result<ModelVersion> {
        (**self).register(version)
    }
    fn resolve(&self, reference: &ModelRef) -> Result<ModelVersion> {
        (**self).resolve(reference)
    }
    fn load(&self, reference: &ModelRef) -> Result<ModelArtifact> {
        (**self).load(reference)
    }
    fn set_alias(&self, name: &str, alias: &str, version: u32, actor: &str, reason: &str) -> Result<AliasMove> {
        (**self).set_alias(name, alias, version, actor, reason)
    }
    fn alias_history(&self, name: &str, alias: &str) -> Result<Vec<AliasMove>> {
        (**self).alias_history(name, alias)
    }
    fn rollback(&self, name: &str, alias: &str, actor: &str, reason: &str) -> Result<AliasMove> {
        (**self).rollback(name, alias, actor, reason)
    }
    fn alias_at(&self, name: &str, alias: &str, at: DateTime<Utc>) -> Result<Option<u32>> {
        (**self).alias_at(name, alias, at)
    }
}

/// Hands out model stores bound to one tenant.
///
/// forecast-mlops' registry implements it; forecast-tenancy wraps one to meter the plan's
/// `models` quota; forecast-security takes one to build a session's guarded store, so the
/// tenant checked and the tenant served are the same by construction.
pub trait ModelStores: Send + Sync + fmt::Debug {
    /// The store of `tenant`'s models.
    ///
    /// # Errors
    /// When the tenant may not be served (e.g. suspended) or the store cannot be opened.
    fn models(&self, tenant: &TenantId) -> Result<Arc<dyn ModelStore>>;
}

impl<S: ModelStores + ?Sized> ModelStores for Arc<S> {
    fn models(&self, tenant: &TenantId) -> Result<Arc<dyn ModelStore>> {
        (**self).models(tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        assert_eq!("demand@3".parse::<ModelRef>().unwrap(), ModelRef::Version { name: "demand".into(), version: 3 });
        assert_eq!(
            "demand@champion".parse::<ModelRef>().unwrap(),
            ModelRef::Alias { name: "demand".into(), alias: "champion".into() }
        );
        for bad in ["demand", "@3", "demand@", "demand@0", "de mand@3", "demand@3x"] {
            assert!(bad.parse::<ModelRef>().is_err(), "{bad}");
        }
        assert_eq!("a.b-c@x_1".parse::<ModelRef>().unwrap().to_string(), "a.b-c@x_1");
    }

    /// A store that only knows its alias history, to exercise the default `alias_at`.
    #[derive(Debug)]
    struct HistoryOnly(Vec<AliasMove>);

    impl ModelStore for HistoryOnly {
        fn register(&self, _: NewModelVersion) -> Result<ModelVersion> {
            Err(Error::InvalidData("read-only".into()))
        }
        fn resolve(&self, r: &ModelRef) -> Result<ModelVersion> {
            Err(Error::NotFound { what: "model", id: r.to_string() })
        }
        fn load(&self, r: &ModelRef) -> Result<ModelArtifact> {
            Err(Error::NotFound { what: "model", id: r.to_string() })
        }
        fn set_alias(&self, _: &str, _: &str, _: u32, _: &str, _: &str) -> Result<AliasMove> {
            Err(Error::InvalidData("read-only".into()))
        }
        fn alias_history(&self, _: &str, _: &str) -> Result<Vec<AliasMove>> {
            Ok(self.0.clone())
        }
        fn rollback(&self, _: &str, _: &str, _: &str, _: &str) -> Result<AliasMove> {
            Err(Error::InvalidData("read-only".into()))
        }
    }

    #[test]
    fn default_alias_at_replays_the_history() {
        use chrono::TimeZone;
        let day = |d: u32| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
        let mv = |from, to, d| AliasMove {
            name: "m".into(),
            alias: "champion".into(),
            from,
            to,
            actor: "a".into(),
            at: day(d),
            reason: String::new(),
        };
        let store = HistoryOnly(vec![mv(None, Some(1), 2), mv(Some(1), Some(2), 5), mv(Some(2), None, 9)]);
        let at = |d| store.alias_at("m", "champion", day(d)).unwrap();
        assert_eq!([at(1), at(2), at(4), at(5), at(8), at(9)], [None, Some(1), Some(1), Some(2), Some(2), None]);
    }
}
