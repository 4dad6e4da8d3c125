//! SQLite helpers shared by the crates that keep state (feature `sqlite`).

use rusqlite::{Connection, ErrorCode};
use std::time::Duration;

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
    fn file_databases_switch_to_wal() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("x.db")).unwrap();
        assert_eq!(enable_wal(&conn).unwrap(), "wal");
        assert_eq!(enable_wal(&Connection::open_in_memory().unwrap()).unwrap(), "memory");
    }
}
