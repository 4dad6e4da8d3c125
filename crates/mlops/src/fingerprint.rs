//! Training-data fingerprints for registered versions.

use chrono::NaiveDate;
use forecast_core::DataFingerprint;
use sha2::{Digest, Sha256};

/// Fingerprint training rows: SHA-256 over every value's IEEE-754 bits (little-endian, row
/// by row, each row prefixed by its length), the row count and the date range.
///
/// Equal rows in equal order give equal hashes; any changed value, row or order changes it.
pub fn data_fingerprint<'a>(
    rows: impl IntoIterator<Item = &'a [f64]>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> DataFingerprint {
    let mut hasher = Sha256::new();
    let mut n_rows = 0u64;
    for row in rows {
        hasher.update((row.len() as u64).to_le_bytes());
        for v in row {
            hasher.update(v.to_bits().to_le_bytes());
        }
        n_rows += 1;
    }
    DataFingerprint { sha256: hex::encode(hasher.finalize()), rows: n_rows, start, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_change_changes_the_hash() {
        let a = [[1.0, 2.0], [3.0, 4.0]];
        let fp = data_fingerprint(a.iter().map(|r| r.as_slice()), None, None);
        assert_eq!(fp.rows, 2);
        assert_eq!(fp, data_fingerprint(a.iter().map(|r| r.as_slice()), None, None));
        let b = [[1.0, 2.0], [3.0, 4.000_000_000_000_001]];
        assert_ne!(fp.sha256, data_fingerprint(b.iter().map(|r| r.as_slice()), None, None).sha256);
        let swapped = [[3.0, 4.0], [1.0, 2.0]];
        assert_ne!(fp.sha256, data_fingerprint(swapped.iter().map(|r| r.as_slice()), None, None).sha256);
        let split = [vec![1.0], vec![2.0, 3.0, 4.0]];
        assert_ne!(fp.sha256, data_fingerprint(split.iter().map(|r| r.as_slice()), None, None).sha256);
    }
}
