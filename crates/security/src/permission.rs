//! Permissions and the built-in roles' permission matrix.

use crate::error::{Result, SecurityError};
use std::fmt;

/// Something a role may allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Read forecasts and their intervals.
    ViewForecasts,
    /// Read model versions, aliases and their history.
    ViewModels,
    /// Read sales history (panels) within the data scope.
    ViewData,
    /// Produce new forecasts with registered models.
    RunForecasts,
    /// Fit models and run backtests.
    TrainModels,
    /// Register new model versions.
    RegisterModels,
    /// Move an alias (e.g. `champion`) to a version.
    PromoteModels,
    /// Move an alias back to its previous holder.
    RollbackModels,
    /// Read the audit trail.
    ViewAudit,
    /// Create, disable and delete users; grant roles.
    ManageUsers,
    /// Define custom roles.
    ManageRoles,
    /// Create and configure tenants.
    ManageTenants,
    /// Plans, invoices and payment settings.
    ManageBilling,
}

impl Permission {
    /// Every permission, in matrix order.
    pub const ALL: [Self; 13] = [
        Self::ViewForecasts,
        Self::ViewModels,
        Self::ViewData,
        Self::RunForecasts,
        Self::TrainModels,
        Self::RegisterModels,
        Self::PromoteModels,
        Self::RollbackModels,
        Self::ViewAudit,
        Self::ManageUsers,
        Self::ManageRoles,
        Self::ManageTenants,
        Self::ManageBilling,
    ];

    /// The snake-case name used in storage and messages.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ViewForecasts => "view_forecasts",
            Self::ViewModels => "view_models",
            Self::ViewData => "view_data",
            Self::RunForecasts => "run_forecasts",
            Self::TrainModels => "train_models",
            Self::RegisterModels => "register_models",
            Self::PromoteModels => "promote_models",
            Self::RollbackModels => "rollback_models",
            Self::ViewAudit => "view_audit",
            Self::ManageUsers => "manage_users",
            Self::ManageRoles => "manage_roles",
            Self::ManageTenants => "manage_tenants",
            Self::ManageBilling => "manage_billing",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Permission {
    type Err = SecurityError;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| SecurityError::InvalidName {
            what: "permission",
            value: s.into(),
            expected: "one of view_forecasts, view_models, view_data, run_forecasts, train_models, register_models, \
                       promote_models, rollback_models, view_audit, manage_users, manage_roles, manage_tenants, \
                       manage_billing",
        })
    }
}

/// The four built-in roles, each inheriting the one below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BuiltinRole {
    /// Reads forecasts and models.
    Viewer,
    /// Viewer, plus data, forecasting, training and registering models.
    Analyst,
    /// Analyst, plus promotion, rollback and the audit trail.
    Manager,
    /// Manager, plus users, roles, tenants and billing.
    Admin,
}

impl BuiltinRole {
    /// The four roles, least privileged first.
    pub const ALL: [Self; 4] = [Self::Viewer, Self::Analyst, Self::Manager, Self::Admin];

    /// The role's stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Analyst => "analyst",
            Self::Manager => "manager",
            Self::Admin => "admin",
        }
    }

    /// What the role is for, in one line.
    pub fn description(&self) -> &'static str {
        match self {
            Self::Viewer => "reads forecasts and models",
            Self::Analyst => "viewer + data, forecasting, training, registering models",
            Self::Manager => "analyst + promotion, rollback, audit trail",
            Self::Admin => "manager + users, roles, tenants, billing",
        }
    }

    /// The role it inherits, if any.
    pub fn parent(&self) -> Option<Self> {
        match self {
            Self::Viewer => None,
            Self::Analyst => Some(Self::Viewer),
            Self::Manager => Some(Self::Analyst),
            Self::Admin => Some(Self::Manager),
        }
    }

    /// The permissions the role holds directly (without inheritance).
    pub fn own_permissions(&self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Self::Viewer => &[ViewForecasts, ViewModels],
            Self::Analyst => &[ViewData, RunForecasts, TrainModels, RegisterModels],
            Self::Manager => &[PromoteModels, RollbackModels, ViewAudit],
            Self::Admin => &[ManageUsers, ManageRoles, ManageTenants, ManageBilling],
        }
    }

    /// Whether the role holds `permission`, directly or by inheritance: the documented matrix.
    pub fn allows(&self, permission: Permission) -> bool {
        self.own_permissions().contains(&permission) || self.parent().is_some_and(|p| p.allows(permission))
    }
}

impl fmt::Display for BuiltinRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>().unwrap(), p);
        }
        assert!("fly".parse::<Permission>().is_err());
    }

    #[test]
    fn roles_nest() {
        for w in BuiltinRole::ALL.windows(2) {
            for p in Permission::ALL {
                assert!(!w[0].allows(p) || w[1].allows(p), "{} has {p} but {} does not", w[0], w[1]);
            }
        }
        assert!(Permission::ALL.iter().all(|p| BuiltinRole::Admin.allows(*p)));
    }
}
