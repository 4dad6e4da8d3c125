//! A consistency check of the whole store, used after crashes and by `Registry::verify`.

use crate::error::{MlopsError, Result};
use crate::validate::sha256_hex;
use rusqlite::Transaction;
use std::collections::BTreeMap;

/// Return every inconsistency found (empty when the store is sound).
pub(super) fn verify(tx: &Transaction<'_>) -> Result<Vec<String>> {
    let op = MlopsError::storage("verify");
    let mut problems = Vec::new();
    let integrity: String = tx.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(&op)?;
    if integrity != "ok" {
        problems.push(format!("sqlite integrity_check: {integrity}"));
    }
    let mut blobs = tx.prepare("SELECT tenant, sha256, bytes, size FROM blobs").map_err(&op)?;
    let rows = blobs
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?, r.get::<_, i64>(3)?))
        })
        .map_err(&op)?;
    for row in rows {
        let (tenant, sha, bytes, size) = row.map_err(&op)?;
        let actual = sha256_hex(&bytes);
        if actual != sha || i64::try_from(bytes.len()).ok() != Some(size) {
            problems.push(format!("blob {tenant}/{sha}: {} bytes (recorded {size}) hashing to {actual}", bytes.len()));
        }
    }
    let orphan_checks = [
        (
            "SELECT tenant || '/' || name || '@' || version FROM versions v WHERE NOT EXISTS \
             (SELECT 1 FROM blobs b WHERE b.tenant = v.tenant AND b.sha256 = v.artifact_sha256)",
            "version without its artifact",
        ),
        (
            "SELECT a.tenant || '/' || a.name || '@' || a.alias FROM aliases a LEFT JOIN versions v \
             ON v.tenant = a.tenant AND v.name = a.name AND v.version = a.version \
             WHERE v.version IS NULL OR v.archived != 0",
            "alias pointing at a missing or archived version",
        ),
        (
            "SELECT h.tenant || '/' || h.name || '@' || h.alias || ' seq ' || h.seq FROM alias_history h \
             WHERE h.to_version IS NOT NULL AND NOT EXISTS (SELECT 1 FROM versions v \
             WHERE v.tenant = h.tenant AND v.name = h.name AND v.version = h.to_version)",
            "history move to a missing version",
        ),
        (
            "SELECT v.tenant || '/' || v.name || '@' || v.version FROM versions v LEFT JOIN model_names n \
             ON n.tenant = v.tenant AND n.name = v.name WHERE n.latest IS NULL OR v.version > n.latest",
            "version beyond its name's counter",
        ),
    ];
    for (sql, what) in orphan_checks {
        let mut stmt = tx.prepare(sql).map_err(&op)?;
        for id in stmt.query_map([], |r| r.get::<_, String>(0)).map_err(&op)? {
            problems.push(format!("{what}: {}", id.map_err(&op)?));
        }
    }
    // Replay each alias's history: each move starts where the previous ended, and the last
    // move ends at the current holder.
    let mut replay: BTreeMap<(String, String), Option<u32>> = BTreeMap::new();
    let mut hist = tx
        .prepare("SELECT seq, tenant || '/' || name, alias, from_version, to_version FROM alias_history ORDER BY seq")
        .map_err(&op)?;
    let moves = hist
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?, r.get(4)?))
        })
        .map_err(&op)?;
    for m in moves {
        let (seq, name, alias, from, to): (i64, String, String, Option<u32>, Option<u32>) = m.map_err(&op)?;
        let held = replay.entry((name.clone(), alias.clone())).or_insert(None);
        if *held != from {
            problems
                .push(format!("history of {name}@{alias} seq {seq}: moves from {from:?} but the holder was {held:?}"));
        }
        *held = to;
    }
    let mut current: BTreeMap<(String, String), Option<u32>> = BTreeMap::new();
    let mut stmt = tx.prepare("SELECT tenant || '/' || name, alias, version FROM aliases").map_err(&op)?;
    for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(&op)? {
        let (name, alias, version): (String, String, u32) = row.map_err(&op)?;
        current.insert((name, alias), Some(version));
    }
    for (key, held) in &replay {
        let now = current.get(key).copied().flatten();
        if *held != now {
            problems.push(format!("alias {}@{}: history ends at {held:?} but it points at {now:?}", key.0, key.1));
        }
    }
    for key in current.keys().filter(|k| !replay.contains_key(*k)) {
        problems.push(format!("alias {}@{} has no history", key.0, key.1));
    }
    Ok(problems)
}
