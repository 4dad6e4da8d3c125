//! Per-feature data drift with Evidently's default test selection.
//!
//! | reference rows | kind | distinct values (both samples) | method | drift when |
//! |---|---|---|---|---|
//! | <= 1000 | numerical | > 5 | KS test | p < 0.05 |
//! | <= 1000 | numerical or categorical | 3 or more (numerical: <= 5) | chi-square | p < 0.05 |
//! | <= 1000 | numerical or categorical | <= 2 | two-proportion Z test | p < 0.05 |
//! | > 1000 | numerical | > 5 | Wasserstein / std(reference) | >= 0.1 |
//! | > 1000 | numerical (<= 5 values) or categorical | any | Jensen-Shannon distance | >= 0.1 |
//!
//! PSI is reported beside every feature (quantile bins of the reference for numerical
//! features, category shares for categorical ones) with levels 0.1 and 0.25.

use super::stats;
use crate::error::{MlopsError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a feature is a quantity or a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    /// A quantity (price, lag, rolling mean).
    Numerical,
    /// A label coded as numbers (store, item, promo flag, weekday).
    Categorical,
}

/// The test or distance used for one feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftMethod {
    /// Two-sample Kolmogorov-Smirnov test (p-value).
    Ks,
    /// Pearson chi-square test of current counts against reference shares (p-value).
    ChiSquare,
    /// Two-proportion Z test (p-value).
    ZTest,
    /// Wasserstein distance divided by the reference's standard deviation.
    WassersteinNormed,
    /// Jensen-Shannon distance of the category shares.
    JensenShannon,
}

/// How far the population moved by PSI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PsiLevel {
    /// PSI < 0.1.
    Stable,
    /// 0.1 <= PSI < 0.25.
    Moderate,
    /// PSI >= 0.25.
    Significant,
}

/// Thresholds of the drift checks (Evidently's defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `p_value` | 0.05 | a test reports drift below it | (0, 1) |
/// | `distance` | 0.1 | a distance reports drift at or above it | > 0 |
/// | `max_test_rows` | 1000 | tests up to this many reference rows, distances above | >= 1 |
/// | `max_categorical_values` | 5 | a numerical feature with at most this many values is treated as categorical | >= 2 |
/// | `psi_bins` | 10 | quantile bins of the reference for PSI | >= 2 |
/// | `psi_moderate` | 0.1 | PSI level of moderate shift | > 0 |
/// | `psi_significant` | 0.25 | PSI level of significant shift | > `psi_moderate` |
/// | `drift_share` | 0.5 | the data set drifts when at least this share of features drift | (0, 1] |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DriftOptions {
    /// See the table.
    pub p_value: f64,
    /// See the table.
    pub distance: f64,
    /// See the table.
    pub max_test_rows: usize,
    /// See the table.
    pub max_categorical_values: usize,
    /// See the table.
    pub psi_bins: usize,
    /// See the table.
    pub psi_moderate: f64,
    /// See the table.
    pub psi_significant: f64,
    /// See the table.
    pub drift_share: f64,
}

impl Default for DriftOptions {
    fn default() -> Self {
        Self {
            p_value: 0.05,
            distance: 0.1,
            max_test_rows: 1000,
            max_categorical_values: 5,
            psi_bins: 10,
            psi_moderate: 0.1,
            psi_significant: 0.25,
            drift_share: 0.5,
        }
    }
}

/// The drift verdict of one feature (or of the predictions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    /// Feature name.
    pub feature: String,
    /// Kind as given.
    pub kind: FeatureKind,
    /// The method Evidently's defaults select.
    pub method: DriftMethod,
    /// Test statistic or distance (KS D, chi-square, z, normed Wasserstein, JS distance).
    pub statistic: f64,
    /// p-value for the tests; None for distances.
    pub p_value: Option<f64>,
    /// Evidently's drift score: the p-value for tests, the distance otherwise.
    pub score: f64,
    /// The threshold the score was held against.
    pub threshold: f64,
    /// Whether the feature drifted.
    pub drifted: bool,
    /// Population stability index.
    pub psi: f64,
    /// PSI level.
    pub psi_level: PsiLevel,
    /// Reference rows used (missing values dropped).
    pub n_reference: usize,
    /// Current rows used.
    pub n_current: usize,
    /// Missing (NaN) values dropped from the current sample.
    pub n_current_missing: usize,
}

/// Canonical category key of a coded value (so -0.0 and 0.0 are one category).
fn key(v: f64) -> u64 {
    if v == 0.0 { 0 } else { v.to_bits() }
}

fn counts(x: &[f64]) -> BTreeMap<u64, f64> {
    let mut m = BTreeMap::new();
    for v in x {
        *m.entry(key(*v)).or_insert(0.0) += 1.0;
    }
    m
}

/// Test one feature for drift between a reference and a current sample.
///
/// # Errors
/// [`MlopsError::InvalidInput`] when either sample has no finite values.
pub fn feature_drift(
    feature: &str,
    kind: FeatureKind,
    reference: &[f64],
    current: &[f64],
    options: &DriftOptions,
) -> Result<FeatureDrift> {
    let r: Vec<f64> = reference.iter().copied().filter(|v| !v.is_nan()).collect();
    let c: Vec<f64> = current.iter().copied().filter(|v| !v.is_nan()).collect();
    if r.is_empty() || c.is_empty() {
        return Err(MlopsError::InvalidInput(format!(
            "feature `{feature}`: drift needs values in both samples, got {} reference and {} current",
            r.len(),
            c.len()
        )));
    }
    let (rc, cc) = (counts(&r), counts(&c));
    let keys: Vec<u64> =
        rc.keys().chain(cc.keys()).copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let n_values = keys.len();
    let few_values = kind == FeatureKind::Categorical || n_values <= options.max_categorical_values;
    let shares = |m: &BTreeMap<u64, f64>, n: usize| -> Vec<f64> {
        keys.iter().map(|k| m.get(k).copied().unwrap_or(0.0) / n as f64).collect()
    };
    let (method, statistic, p_value) = if r.len() <= options.max_test_rows {
        if !few_values {
            let ks = stats::ks_2samp(&r, &c)?;
            (DriftMethod::Ks, ks.statistic, Some(ks.p_value))
        } else if n_values > 2 {
            let k_norm = c.len() as f64 / r.len() as f64;
            let expected: Vec<f64> = keys.iter().map(|k| rc.get(k).copied().unwrap_or(0.0) * k_norm).collect();
            let observed: Vec<f64> = keys.iter().map(|k| cc.get(k).copied().unwrap_or(0.0)).collect();
            let (stat, p) = stats::chisquare(&observed, &expected)?;
            (DriftMethod::ChiSquare, stat, Some(p))
        } else {
            let (z, p) = z_test(&keys, &rc, &cc, r.len(), c.len());
            (DriftMethod::ZTest, z, Some(p))
        }
    } else if !few_values {
        let norm = stats::std_population(&r).max(0.001);
        (DriftMethod::WassersteinNormed, stats::wasserstein_distance(&r, &c)? / norm, None)
    } else {
        (DriftMethod::JensenShannon, stats::jensen_shannon(&shares(&rc, r.len()), &shares(&cc, c.len()))?, None)
    };
    let (score, threshold, drifted) = match p_value {
        Some(p) => (p, options.p_value, p < options.p_value),
        None => (statistic, options.distance, statistic >= options.distance),
    };
    let psi = if kind == FeatureKind::Categorical {
        categorical_psi(shares(&rc, r.len()), shares(&cc, c.len()))
    } else {
        stats::psi(&r, &c, options.psi_bins)?
    };
    Ok(FeatureDrift {
        feature: feature.into(),
        kind,
        method,
        statistic,
        p_value,
        score,
        threshold,
        drifted,
        psi,
        psi_level: psi_level(psi, options),
        n_reference: r.len(),
        n_current: c.len(),
        n_current_missing: current.len() - c.len(),
    })
}

/// Evidently's `z_stat_test`: the share of the first category in each sample.
fn z_test(keys: &[u64], rc: &BTreeMap<u64, f64>, cc: &BTreeMap<u64, f64>, n1: usize, n2: usize) -> (f64, f64) {
    if keys.len() == 1 {
        return (0.0, 1.0);
    }
    let target = keys[0];
    // Evidently codes the target category as 0 and the other as 1, then compares the means.
    let p1 = 1.0 - rc.get(&target).copied().unwrap_or(0.0) / n1 as f64;
    let p2 = 1.0 - cc.get(&target).copied().unwrap_or(0.0) / n2 as f64;
    let (n1, n2) = (n1 as f64, n2 as f64);
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    (z, stats::normal_two_sided_p(z))
}

fn categorical_psi(mut r: Vec<f64>, mut c: Vec<f64>) -> f64 {
    stats::fill_zeroes(&mut r);
    stats::fill_zeroes(&mut c);
    r.iter().zip(&c).map(|(a, b)| (a - b) * (a / b).ln()).sum()
}

fn psi_level(psi: f64, options: &DriftOptions) -> PsiLevel {
    if psi >= options.psi_significant {
        PsiLevel::Significant
    } else if psi >= options.psi_moderate {
        PsiLevel::Moderate
    } else {
        PsiLevel::Stable
    }
}
