//! Feature importances of a fitted GBDT.

use serde::{Deserialize, Serialize};

/// Which importance to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportanceKind {
    /// Total loss reduction of the splits on each feature (LightGBM's `gain`).
    Gain,
    /// Number of splits on each feature (LightGBM's `split`).
    Split,
}

/// Per-feature gain and split counts, summed over the kept trees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub(crate) struct Importances {
    pub(crate) gain: Vec<f64>,
    pub(crate) split: Vec<f64>,
}

impl Importances {
    /// Sum `(feature, gain)` pairs of splits over `n_features` columns.
    pub(crate) fn from_splits<'a>(n_features: usize, splits: impl IntoIterator<Item = &'a (usize, f64)>) -> Self {
        let mut out = Self { gain: vec![0.0; n_features], split: vec![0.0; n_features] };
        for &(f, g) in splits {
            out.gain[f] += g;
            out.split[f] += 1.0;
        }
        out
    }

    /// The requested importance, one value per feature.
    pub(crate) fn get(&self, kind: ImportanceKind) -> &[f64] {
        match kind {
            ImportanceKind::Gain => &self.gain,
            ImportanceKind::Split => &self.split,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_gain_and_counts_per_feature() {
        let imp = Importances::from_splits(3, &[(0, 1.5), (2, 0.5), (0, 1.0)]);
        assert_eq!(imp.get(ImportanceKind::Gain), &[2.5, 0.0, 0.5]);
        assert_eq!(imp.get(ImportanceKind::Split), &[2.0, 0.0, 1.0]);
    }
}
