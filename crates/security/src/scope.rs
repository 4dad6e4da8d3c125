//! Resources, tenant domains and region/store scopes (Casbin's RBAC with domains).

use crate::error::{Result, SecurityError};
use forecast_core::tenant::TenantId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Check a region or store name: 1 to 64 of `A-Z a-z 0-9 _ . -` (`*` and `@` are refused).
pub(crate) fn check_name(what: &'static str, value: &str) -> Result<()> {
    let ok =
        !value.is_empty() && value.len() <= 64 && value.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(SecurityError::InvalidName { what, value: value.into(), expected: "1 to 64 of A-Z a-z 0-9 _ . -" })
    }
}

/// The tenants a role assignment applies in: Casbin's domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Domain {
    /// One tenant.
    Tenant(TenantId),
    /// Every tenant and the platform itself (platform operators only).
    AnyTenant,
}

impl Domain {
    /// The domain of one tenant.
    pub fn tenant(id: &TenantId) -> Self {
        Self::Tenant(id.clone())
    }

    /// Whether the domain includes `resource` (a tenant's, or the platform's).
    pub fn includes(&self, resource: &Resource) -> bool {
        match (self, &resource.tenant) {
            (Self::AnyTenant, _) => true,
            (Self::Tenant(t), Some(r)) => t == r,
            (Self::Tenant(_), None) => false,
        }
    }

    /// Whether every resource of `other` is also in `self`.
    pub fn contains(&self, other: &Self) -> bool {
        matches!(self, Self::AnyTenant) || self == other
    }

    pub(crate) fn to_db(&self) -> &str {
        match self {
            Self::Tenant(t) => t.as_str(),
            Self::AnyTenant => "*",
        }
    }

    pub(crate) fn from_db(s: &str) -> Result<Self> {
        if s == "*" {
            return Ok(Self::AnyTenant);
        }
        TenantId::new(s).map(Self::Tenant).map_err(|e| SecurityError::CorruptRow {
            table: "assignments",
            row: s.to_string(),
            message: e.to_string(),
        })
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tenant(t) => write!(f, "tenant {t}"),
            Self::AnyTenant => f.write_str("every tenant"),
        }
    }
}

/// Which regions and stores inside a tenant an assignment covers; `None` means all of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Scope {
    /// Allowed regions, or every region.
    pub regions: Option<BTreeSet<String>>,
    /// Allowed stores, or every store.
    pub stores: Option<BTreeSet<String>>,
}

impl Scope {
    /// The whole tenant.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only these regions.
    pub fn regions(regions: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self { regions: Some(regions.into_iter().map(Into::into).collect()), stores: None }
    }

    /// Only these stores.
    pub fn stores(stores: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self { regions: None, stores: Some(stores.into_iter().map(Into::into).collect()) }
    }

    /// Whether the scope is the whole tenant.
    pub fn is_unrestricted(&self) -> bool {
        self.regions.is_none() && self.stores.is_none()
    }

    /// Whether everything `other` covers is also covered by `self`.
    pub fn contains(&self, other: &Self) -> bool {
        let within = |mine: &Option<BTreeSet<String>>, theirs: &Option<BTreeSet<String>>| match (mine, theirs) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(m), Some(t)) => t.is_subset(m),
        };
        within(&self.regions, &other.regions) && within(&self.stores, &other.stores)
    }

    /// Whether a thing in `region` and `store` lies inside the scope. A restriction on regions
    /// (stores) covers only things that name a region (store) in the set: unknown is outside.
    pub fn covers(&self, region: Option<&str>, store: Option<&str>) -> bool {
        let inside = |set: &Option<BTreeSet<String>>, v: Option<&str>| match set {
            None => true,
            Some(s) => v.is_some_and(|v| s.contains(v)),
        };
        inside(&self.regions, region) && inside(&self.stores, store)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        for (what, set) in [("region", &self.regions), ("store", &self.stores)] {
            for v in set.iter().flatten() {
                check_name(what, v)?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(",");
        match (&self.regions, &self.stores) {
            (None, None) => f.write_str("all regions and stores"),
            (Some(r), None) => write!(f, "regions {{{}}}", list(r)),
            (None, Some(s)) => write!(f, "stores {{{}}}", list(s)),
            (Some(r), Some(s)) => write!(f, "regions {{{}}} and stores {{{}}}", list(r), list(s)),
        }
    }
}

/// What an action is on: a tenant's thing (optionally in a region and store), or the platform
/// itself (users and roles of operators, tenant lifecycle, billing).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Resource {
    /// The owning tenant; `None` for the platform.
    pub tenant: Option<TenantId>,
    /// The region, when the thing belongs to one.
    pub region: Option<String>,
    /// The store, when the thing belongs to one.
    pub store: Option<String>,
    /// A name (model, forecast, user), for messages and the audit trail.
    pub name: Option<String>,
}

impl Resource {
    /// A tenant-wide resource.
    pub fn tenant(tenant: &TenantId) -> Self {
        Self { tenant: Some(tenant.clone()), region: None, store: None, name: None }
    }

    /// The platform: only assignments in [`Domain::AnyTenant`] include it.
    pub fn platform() -> Self {
        Self { tenant: None, region: None, store: None, name: None }
    }

    /// Narrow to a region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Narrow to a store.
    pub fn store(mut self, store: impl Into<String>) -> Self {
        self.store = Some(store.into());
        self
    }

    /// Name the thing.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tenant {
            Some(t) => write!(f, "{t}")?,
            None => f.write_str("platform")?,
        }
        if let Some(r) = &self.region {
            write!(f, "/region:{r}")?;
        }
        if let Some(s) = &self.store {
            write!(f, "/store:{s}")?;
        }
        if let Some(n) = &self.name {
            write!(f, "/{n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> TenantId {
        TenantId::new(s).unwrap()
    }

    #[test]
    fn scope_covers_only_named_places() {
        let north = Scope::regions(["North"]);
        assert!(north.covers(Some("North"), None));
        assert!(north.covers(Some("North"), Some("s1")));
        assert!(!north.covers(Some("South"), None));
        assert!(!north.covers(None, Some("s1")), "unknown region is outside a region scope");
        assert!(Scope::all().covers(None, None));
        let both = Scope { regions: Some(["North".to_string()].into()), stores: Some(["s1".to_string()].into()) };
        assert!(both.covers(Some("North"), Some("s1")));
        assert!(!both.covers(Some("North"), Some("s2")));
        assert_eq!(both.to_string(), "regions {North} and stores {s1}");
    }

    #[test]
    fn containment_of_scopes_and_domains() {
        let north = Scope::regions(["North"]);
        let north_south = Scope::regions(["North", "South"]);
        assert!(Scope::all().contains(&north));
        assert!(north_south.contains(&north));
        assert!(!north.contains(&north_south));
        assert!(!north.contains(&Scope::all()));
        assert!(!north.contains(&Scope::stores(["s1"])), "all regions' store s1 is not inside North");
        assert!(Domain::AnyTenant.contains(&Domain::tenant(&id("acme"))));
        assert!(!Domain::tenant(&id("acme")).contains(&Domain::AnyTenant));
        assert!(!Domain::tenant(&id("acme")).contains(&Domain::tenant(&id("globex"))));
    }

    #[test]
    fn domains_and_names() {
        let acme = Resource::tenant(&id("acme"));
        assert!(Domain::AnyTenant.includes(&acme));
        assert!(Domain::AnyTenant.includes(&Resource::platform()));
        assert!(Domain::tenant(&id("acme")).includes(&acme));
        assert!(!Domain::tenant(&id("acme")).includes(&Resource::tenant(&id("globex"))));
        assert!(
            !Domain::tenant(&id("acme")).includes(&Resource::platform()),
            "a tenant role never reaches the platform"
        );
        assert_eq!(Domain::from_db(Domain::AnyTenant.to_db()).unwrap(), Domain::AnyTenant);
        assert!(Domain::from_db("Not A Tenant").is_err());
        assert!(check_name("region", "north-01").is_ok());
        assert!(check_name("region", "*").is_err());
        assert!(check_name("region", "").is_err());
        assert!(Scope::regions(["no pe"]).validate().is_err());
        assert_eq!(acme.region("N").store("s1").named("m").to_string(), "acme/region:N/store:s1/m");
        assert_eq!(Resource::platform().named("users").to_string(), "platform/users");
    }
}
