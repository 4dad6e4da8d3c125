//! Opening SQLite databases: WAL mode, foreign keys, `schema_versions` migrations, time columns.

use crate::error::{Result, SecurityError};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;
use std::path::Path;

/// Open a database file (created if missing), or an in-memory one when `path` is `None`, and
/// bring `component`'s schema up to the newest of `migrations` (entry `i` moves version `i` to
/// `i + 1`). The version lives in `schema_versions`, so the file may hold other crates' tables.
pub(crate) fn open(path: Option<&Path>, component: &'static str, migrations: &[&str]) -> Result<Connection> {
    let mut conn = match path {
        Some(p) => Connection::open(p)?,
        None => Connection::open_in_memory()?,
    };
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // WAL lets readers run beside the single writer; in-memory databases ignore it.
    forecast_core::sqlite::enable_wal(&conn)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    use forecast_core::sqlite::Migration;
    match forecast_core::sqlite::migrate(&mut conn, component, migrations)? {
        Migration::Current { .. } => Ok(conn),
        Migration::TooNew { found, supported } => Err(SecurityError::SchemaTooNew { component, found, supported }),
        Migration::Legacy { user_version } => Err(SecurityError::LegacySchema { user_version }),
    }
}

/// Fixed-width RFC 3339 with nanoseconds, so text order is time order.
pub(crate) fn to_db_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Parse a time column written by [`to_db_time`].
pub(crate) fn from_db_time(table: &'static str, row: &str, s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|e| SecurityError::CorruptRow {
        table,
        row: row.to_string(),
        message: format!("time `{s}`: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn db_time_sorts_as_text_and_round_trips() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let b = a + chrono::TimeDelta::nanoseconds(1);
        assert!(to_db_time(a) < to_db_time(b));
        assert_eq!(from_db_time("t", "1", &to_db_time(b)).unwrap(), b);
        assert!(from_db_time("t", "1", "yesterday").is_err());
    }

    #[test]
    fn refuses_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        open(Some(&path), "t", &["CREATE TABLE a(x);", "CREATE TABLE b(x);"]).unwrap();
        let err = open(Some(&path), "t", &["CREATE TABLE a(x);"]).unwrap_err();
        assert!(matches!(err, SecurityError::SchemaTooNew { found: 2, supported: 1, .. }), "{err}");
        // Re-opening at the same version runs no migration twice.
        open(Some(&path), "t", &["CREATE TABLE a(x);", "CREATE TABLE b(x);"]).unwrap();
    }
}
