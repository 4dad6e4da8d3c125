//! `DataScope`: which series and rows of a tenant a user may read.

use crate::error::{Result, SecurityError};
use crate::scope::{Resource, Scope};
use forecast_core::tenant::TenantId;
use forecast_core::{Panel, Series};

/// The data a user may read in one tenant: a union of [`Scope`]s (regions and store sets).
///
/// Only [`crate::Security::data_scope`] makes one, from a live session's grants: it cannot be
/// built or widened outside this crate (the column setters only say where to look). The
/// tenant is part of every check: a row, resource, panel or SQL row of another tenant is never
/// readable, whatever its region or store.
///
/// Series are placed by a column named `region` and `store` (see
/// [`DataScope::region_column`], [`DataScope::store_column`]), looked up among the panel's
/// static columns, then its key columns; SQL rows by a `tenant_id` column too
/// ([`DataScope::tenant_column`]).
///
/// A scope cannot be made up:
///
/// ```compile_fail
/// let everything = forecast_security::DataScope::new("globex", vec![forecast_security::Scope::all()]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataScope {
    tenant: TenantId,
    grants: Vec<Scope>,
    tenant_column: String,
    region_column: String,
    store_column: String,
}

impl DataScope {
    /// A scope over `tenant` from `grants` (none: nothing readable).
    pub(crate) fn new(tenant: TenantId, grants: Vec<Scope>) -> Self {
        Self {
            tenant,
            grants,
            tenant_column: "tenant_id".into(),
            region_column: "region".into(),
            store_column: "store".into(),
        }
    }

    /// The tenant whose data this is.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The scopes granting reads; a row is readable when any one covers it.
    pub fn grants(&self) -> &[Scope] {
        &self.grants
    }

    /// Read the tenant of SQL rows from another column (default `tenant_id`).
    pub fn tenant_column(mut self, column: impl Into<String>) -> Self {
        self.tenant_column = column.into();
        self
    }

    /// Read regions from another column (default `region`).
    pub fn region_column(mut self, column: impl Into<String>) -> Self {
        self.region_column = column.into();
        self
    }

    /// Read stores from another column (default `store`).
    pub fn store_column(mut self, column: impl Into<String>) -> Self {
        self.store_column = column.into();
        self
    }

    /// Whether the scope reads everything in its tenant.
    pub fn is_unrestricted(&self) -> bool {
        self.grants.iter().any(Scope::is_unrestricted)
    }

    /// Whether a row of `tenant` in `region` and `store` is readable.
    pub fn permits(&self, tenant: &str, region: Option<&str>, store: Option<&str>) -> bool {
        tenant == self.tenant.as_str() && self.grants.iter().any(|g| g.covers(region, store))
    }

    /// [`DataScope::permits`] for a resource, as a `Result`.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] naming the resource.
    pub fn check(&self, user: &str, resource: &Resource) -> Result<()> {
        let tenant = resource.tenant.as_ref().map_or("", TenantId::as_str);
        if self.permits(tenant, resource.region.as_deref(), resource.store.as_deref()) {
            return Ok(());
        }
        Err(SecurityError::PermissionDenied {
            user: user.into(),
            permission: "view_data".into(),
            resource: resource.to_string(),
            reason: format!("outside the data scope of tenant {}", self.tenant),
        })
    }

    /// Keep the readable items of a query result; `place` gives each item's tenant, region and
    /// store. Items of another tenant are always dropped.
    pub fn filter<T>(
        &self,
        items: impl IntoIterator<Item = T>,
        place: impl Fn(&T) -> (&str, Option<&str>, Option<&str>),
    ) -> Vec<T> {
        items
            .into_iter()
            .filter(|item| {
                let (tenant, region, store) = place(item);
                self.permits(tenant, region, store)
            })
            .collect()
    }

    /// A SQL `WHERE` fragment with `?` placeholders and its parameters restricting a query to
    /// the scope, for tables with the tenant, region and store columns (names must be plain
    /// identifiers). The tenant is always the first term: `tenant_id = ? AND (...)`, where
    /// `(...)` is `0` (nothing) when no grant reads anything and `1` when one reads all.
    ///
    /// # Errors
    /// [`SecurityError::InvalidName`] for a column name that is not `[A-Za-z_][A-Za-z0-9_]*`.
    pub fn sql_predicate(&self) -> Result<(String, Vec<String>)> {
        for c in [&self.tenant_column, &self.region_column, &self.store_column] {
            let ok = c.chars().next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
                && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
            if !ok {
                return Err(SecurityError::InvalidName {
                    what: "column",
                    value: c.clone(),
                    expected: "[A-Za-z_][A-Za-z0-9_]*",
                });
            }
        }
        let mut params = vec![self.tenant.to_string()];
        let tenant_term = format!("{} = ?", self.tenant_column);
        if self.is_unrestricted() {
            return Ok((format!("{tenant_term} AND (1)"), params));
        }
        let mut alternatives = Vec::new();
        for g in &self.grants {
            let mut terms = Vec::new();
            for (column, set) in [(&self.region_column, &g.regions), (&self.store_column, &g.stores)] {
                if let Some(set) = set {
                    let marks = vec!["?"; set.len()].join(", ");
                    terms.push(if set.is_empty() { "0".to_string() } else { format!("{column} IN ({marks})") });
                    params.extend(set.iter().cloned());
                }
            }
            alternatives.push(format!("({})", terms.join(" AND ")));
        }
        if alternatives.is_empty() {
            return Ok((format!("{tenant_term} AND (0)"), params));
        }
        Ok((format!("{tenant_term} AND ({})", alternatives.join(" OR ")), params))
    }

    /// The readable part of a panel that belongs to `owner`. Static levels are renumbered to
    /// the kept series, so no region or store name outside the scope survives.
    ///
    /// # Errors
    /// [`SecurityError::PermissionDenied`] when `owner` is not this scope's tenant;
    /// [`SecurityError::ScopeColumnMissing`] when a grant restricts regions (stores) and the
    /// panel has no region (store) column.
    pub fn filter_panel(&self, owner: &TenantId, panel: &Panel) -> Result<Panel> {
        if owner != &self.tenant {
            return Err(SecurityError::PermissionDenied {
                user: "data scope".into(),
                permission: "view_data".into(),
                resource: format!("panel of tenant {owner}"),
                reason: format!("this data scope reads tenant {} only", self.tenant),
            });
        }
        if self.is_unrestricted() {
            return Ok(panel.clone());
        }
        let region = locate(panel, &self.region_column, self.grants.iter().any(|g| g.regions.is_some()))?;
        let store = locate(panel, &self.store_column, self.grants.iter().any(|g| g.stores.is_some()))?;
        let series: Vec<Series> = panel
            .series
            .iter()
            .filter(|s| {
                let r = region.and_then(|c| c.value(panel, s));
                let st = store.and_then(|c| c.value(panel, s));
                self.grants.iter().any(|g| g.covers(r, st))
            })
            .cloned()
            .collect();
        Ok(renumber_statics(Panel { series, ..panel.clone() }))
    }
}

/// Where a panel keeps a column.
#[derive(Debug, Clone, Copy)]
enum Column {
    Static(usize),
    Key(usize),
}

impl Column {
    fn value<'a>(self, panel: &'a Panel, s: &'a Series) -> Option<&'a str> {
        match self {
            Self::Static(i) => {
                let code = *s.statics.get(i)? as usize;
                panel.static_levels.get(i)?.get(code).map(String::as_str)
            }
            Self::Key(j) => s.key.0.get(j).map(String::as_str),
        }
    }
}

fn locate(panel: &Panel, name: &str, needed: bool) -> Result<Option<Column>> {
    if let Some(i) = panel.static_names.iter().position(|n| n == name) {
        return Ok(Some(Column::Static(i)));
    }
    if let Some(j) = panel.key_names.iter().position(|n| n == name) {
        return Ok(Some(Column::Key(j)));
    }
    if needed {
        let mut available: Vec<&str> = panel.static_names.iter().chain(&panel.key_names).map(String::as_str).collect();
        available.dedup();
        return Err(SecurityError::ScopeColumnMissing { column: name.into(), available: available.join(", ") });
    }
    Ok(None)
}

fn renumber_statics(mut panel: Panel) -> Panel {
    for i in 0..panel.static_names.len() {
        let Some(levels) = panel.static_levels.get(i) else { continue };
        let mut used: Vec<u32> = panel.series.iter().filter_map(|s| s.statics.get(i).copied()).collect();
        used.sort_unstable();
        used.dedup();
        let new_levels = used.iter().filter_map(|&c| levels.get(c as usize).cloned()).collect();
        for s in &mut panel.series {
            if let Some(code) = s.statics.get_mut(i) {
                *code = used.binary_search(code).map_or(0, |p| p as u32);
            }
        }
        panel.static_levels[i] = new_levels;
    }
    panel
}
