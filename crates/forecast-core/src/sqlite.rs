//! SQLite helpers shared by the crates that keep state (feature `sqlite`).
//!
//! # One file, several crates
//! Each crate keeps its schema version in its own row of the table `schema_versions`
//! (`component`, `version`) instead of `PRAGMA user_version`, so forecast-security,
//! forecast-tenancy and forecast-mlops can keep their tables in one SQLite file and migrate
//! independently ([`migrate`]).

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior};
use std::time::Duration;

/// What [`migrate`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migration {
    /// The component's schema is at `version` (after applying any missing migrations).
    Current {
        /// The version now recorded.
        version: i64,
    },
    /// The file records a newer version of the component than this build knows; nothing was
    /// changed.
    TooNew {
        /// The version recorded in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The file was written by a build that kept versions in `PRAGMA user_version`; nothing
    /// was changed.
    Legacy {
        /// The `PRAGMA user_version` found.
        user_version: i64,
    },
}

/// Bring `component`'s schema up to the newest of `migrations` (entry `i` moves version `i` to
/// `i + 1`), recording the version in `schema_versions`. Runs in one `BEGIN IMMEDIATE`
/// transaction, so two processes opening the same new file never apply a migration twice.
///
/// # Errors
/// The SQLite error of a failing migration (the transaction is rolled back).
pub fn migrate(conn: &mut Connection, component: &str, migrations: &[&str]) -> rusqlite::Result<Migration> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let user_version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if user_version != 0 {
        return Ok(Migration::Legacy { user_version });
    }
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    )?;
    let found: i64 = tx
        .query_row("SELECT version FROM schema_versions WHERE component = ?1", [component], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let supported = i64::try_from(migrations.len()).unwrap_or(i64::MAX);
    if found > supported {
        return Ok(Migration::TooNew { found, supported });
    }
    for (i, sql) in migrations.iter().enumerate().skip(usize::try_from(found).unwrap_or(0)) {
        tx.execute_batch(sql)?;
        let version = i64::try_from(i + 1).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO schema_versions (component, version) VALUES (?1, ?2)
             ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            (component, version),
        )?;
    }
    tx.commit()?;
    Ok(Migration::Current { version: found.max(supported) })
}

/// Whether `conn` is a connection to the database file at `path` (false for in-memory
/// databases, which are never shared).
pub fn same_file(conn: &Connection, path: &std::path::Path) -> bool {
    let Some(mine) = conn.path().filter(|p| !p.is_empty()) else { return false };
    let canon = |p: &std::path::Path| std::fs::canonicalize(p).ok();
    canon(std::path::Path::new(mine)).is_some_and(|a| Some(a) == canon(path))
}

/// Switch a file database to WAL and return the journal mode SQLite reports (`"wal"`, or
/// `"memory"` for an in-memory database).
///
/// Changing the journal mode needs an exclusive lock, and SQLite reports `SQLITE_BUSY` at once
/// (without its busy handler) while another connection is opening the same new file, so the
/// switch is retried for up to about a second before the error is returned.
///
/// # Errors
/// The SQLite error, when the mode cannot be changed.
pub fn enable_wal(conn: &Connection) -> rusqlite::Result<String> {
    let mut attempt = 0;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::DatabaseBusy && attempt < 100 => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_keep_their_own_versions_in_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.db");
        let mut conn = Connection::open(&path).unwrap();
        let a = ["CREATE TABLE a1(x);", "CREATE TABLE a2(x);"];
        let b = ["CREATE TABLE b1(x);"];
        assert_eq!(migrate(&mut conn, "a", &a).unwrap(), Migration::Current { version: 2 });
        assert_eq!(migrate(&mut conn, "b", &b).unwrap(), Migration::Current { version: 1 });
        // Re-running applies nothing twice (a second CREATE TABLE would fail).
        assert_eq!(migrate(&mut conn, "a", &a).unwrap(), Migration::Current { version: 2 });
        assert_eq!(migrate(&mut conn, "a", &a[..1]).unwrap(), Migration::TooNew { found: 2, supported: 1 });
        let user_version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(user_version, 0, "user_version is left to nobody");
        let mut legacy = Connection::open(dir.path().join("old.db")).unwrap();
        legacy.pragma_update(None, "user_version", 3).unwrap();
        assert_eq!(migrate(&mut legacy, "a", &a).unwrap(), Migration::Legacy { user_version: 3 });
    }

    #[test]
    fn recognises_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        let conn = Connection::open(&path).unwrap();
        assert!(same_file(&conn, &path));
        assert!(!same_file(&conn, &dir.path().join("y.db")));
        assert!(!same_file(&Connection::open_in_memory().unwrap(), &path));
    }

    #[test]
    fn file_databases_switch_to_wal() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("x.db")).unwrap();
        assert_eq!(enable_wal(&conn).unwrap(), "wal");
        assert_eq!(enable_wal(&Connection::open_in_memory().unwrap()).unwrap(), "memory");
    }
}
