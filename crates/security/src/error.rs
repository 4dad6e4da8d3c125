//! The crate's error type.

/// Everything that can go wrong in forecast-security.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityError {
    /// Login failed. Deliberately the same for an unknown user, a wrong password, a disabled
    /// account and a locked account, so that callers cannot enumerate users.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// A new password breaks the password policy.
    #[error("password rejected: {reason}; accepted: {accepted}")]
    WeakPassword {
        /// What is wrong with it.
        reason: String,
        /// What the policy accepts.
        accepted: String,
    },
    /// A name (user, role, tenant, region, store) is malformed.
    #[error("invalid {what} `{value}`: expected {expected}")]
    InvalidName {
        /// What kind of name.
        what: &'static str,
        /// The rejected value.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A user, role or other record already exists.
    #[error("{what} `{id}` already exists")]
    AlreadyExists {
        /// The kind of record.
        what: &'static str,
        /// Its name.
        id: String,
    },
    /// A built-in role cannot be changed or deleted.
    #[error("role `{role}` is built in and cannot be changed; define a custom role that inherits it instead")]
    BuiltinRole {
        /// The role name.
        role: String,
    },
    /// Making `role` inherit `parent` would create an inheritance cycle.
    #[error("role `{role}` cannot inherit `{parent}`: `{parent}` already inherits `{role}`")]
    RoleCycle {
        /// The role being defined.
        role: String,
        /// The parent that leads back to it.
        parent: String,
    },
    /// The session token is unknown, revoked or logged out.
    #[error("session is not valid (unknown, revoked or logged out); log in again")]
    SessionInvalid,
    /// The session ran past a timeout.
    #[error("session expired ({kind} timeout); log in again")]
    SessionExpired {
        /// `idle` or `absolute`.
        kind: &'static str,
    },
    /// The tenant of the user, or of the resource, is not active (suspended, deleted or unknown).
    #[error("tenant `{tenant}` is {status}; its users, sessions, roles and stores are refused until it is active")]
    TenantInactive {
        /// The tenant.
        tenant: String,
        /// `suspended`, `deleted` or `unknown`.
        status: String,
    },
    /// The first platform administrator can be created only once per database.
    #[error("this security database was already bootstrapped; create further users through an administrator's session")]
    AlreadyBootstrapped,
    /// An authorisation check refused the action.
    #[error("permission denied: `{user}` may not {permission} on {resource}: {reason}")]
    PermissionDenied {
        /// Who asked.
        user: String,
        /// The permission checked.
        permission: String,
        /// The resource, as text.
        resource: String,
        /// Why it was refused.
        reason: String,
    },
    /// A panel lacks the column a data scope filters on.
    #[error("panel has no key or static column `{column}` to filter the data scope on; columns: {available}")]
    ScopeColumnMissing {
        /// The column the scope needs.
        column: String,
        /// The key and static columns the panel has.
        available: String,
    },
    /// The database was written by a newer version of this crate.
    #[error("schema of `{component}` is at version {found}, newer than this build supports ({supported})")]
    SchemaTooNew {
        /// The schema component (`forecast-security` or `forecast-security.audit`).
        component: &'static str,
        /// Version found in `schema_versions`.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// The database was written by an earlier development build that kept its version in
    /// `PRAGMA user_version`.
    #[error("database written by an earlier build (PRAGMA user_version = {user_version}); open a new file")]
    LegacySchema {
        /// The `PRAGMA user_version` found.
        user_version: i64,
    },
    /// An audit row did not extend the chain as it stood when it was appended: another writer
    /// appended first (or took the sequence number). Nothing was written; the log retries on
    /// a fresh head, so a caller sees this only when the log stayed contended.
    #[error(
        "audit row {seq} does not extend the chain, whose next sequence number is {next}: another writer appended first; nothing was written, append again"
    )]
    AuditOutOfSequence {
        /// The sequence number the row was built for.
        seq: u64,
        /// The next free sequence number, as the store saw it.
        next: u64,
    },
    /// A stored row could not be decoded.
    #[error("corrupt {table} row {row}: {message}")]
    CorruptRow {
        /// The table.
        table: &'static str,
        /// Its key.
        row: String,
        /// What was wrong.
        message: String,
    },
    /// An error from a backend library (SQLite, Argon2, the OS random source).
    #[error("{backend}: {source}")]
    Backend {
        /// Which backend.
        backend: &'static str,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An error from forecast-core.
    #[error(transparent)]
    Core(#[from] forecast_core::Error),
}

/// Result alias with [`SecurityError`] as the default error.
pub type Result<T, E = SecurityError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for SecurityError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Backend { backend: "sqlite", source: Box::new(e) }
    }
}

impl From<SecurityError> for forecast_core::Error {
    fn from(e: SecurityError) -> Self {
        match e {
            SecurityError::Core(inner) => inner,
            SecurityError::PermissionDenied { user, permission, resource, reason } => {
                Self::PermissionDenied { actor: user, action: permission, target: resource, reason }
            }
            SecurityError::TenantInactive { tenant, status } => Self::PermissionDenied {
                actor: "session".into(),
                action: "act".into(),
                target: format!("tenant {tenant}"),
                reason: format!("the tenant is {status}"),
            },
            other => Self::Backend { backend: "forecast-security", source: Box::new(other) },
        }
    }
}

impl SecurityError {
    /// A backend error from a displayable message (Argon2 and getrandom errors are not `Error + Send`
    /// in every version).
    pub(crate) fn backend(backend: &'static str, message: impl std::fmt::Display) -> Self {
        Self::Backend { backend, source: message.to_string().into() }
    }
}
