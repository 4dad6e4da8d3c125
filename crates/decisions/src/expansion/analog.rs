//! Analog-store projection: a candidate's sales from the most similar existing stores.
//!
//! Attributes (size, parking, demographics of the catchment, ...) are standardised by the
//! existing stores' mean and standard deviation, optionally weighted, and the `k` nearest stores
//! by Euclidean distance are the analogs. The projection is their inverse-distance weighted mean
//! sales; their spread (weighted standard deviation, lowest and highest) says how much the
//! analogs disagree.

use crate::error::{DecisionError, Result};
use serde::{Deserialize, Serialize};

/// An existing store with its attributes and sales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExistingStore {
    /// Store id.
    pub id: String,
    /// Attribute values, one per attribute name, in order.
    pub attributes: Vec<f64>,
    /// Sales over a common period (e.g. the last 52 weeks).
    pub sales: f64,
}

/// One analog used in a projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analog {
    /// Store id.
    pub id: String,
    /// Standardised distance to the candidate.
    pub distance: f64,
    /// Weight in the projection (sums to 1 over analogs).
    pub weight: f64,
    /// The store's sales.
    pub sales: f64,
}

/// A candidate's projected sales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalogProjection {
    /// Weighted mean of the analogs' sales.
    pub expected_sales: f64,
    /// Weighted standard deviation of the analogs' sales.
    pub spread: f64,
    /// Lowest analog sales.
    pub low: f64,
    /// Highest analog sales.
    pub high: f64,
    /// The analogs, nearest first.
    pub analogs: Vec<Analog>,
}

/// Project a candidate with `attributes` from the `k` most similar `stores`.
///
/// `weights` (one per attribute, >= 0) scale attributes after standardisation; `None` weighs
/// them equally. An attribute that does not vary among the stores cannot tell them apart and
/// contributes nothing.
///
/// # Errors
/// [`DecisionError::InsufficientData`] without stores or with `k = 0`;
/// [`DecisionError::LengthMismatch`] when a store or the weights have the wrong number of
/// attributes; [`DecisionError::InvalidParameter`] for a non-finite attribute or sales value
/// (naming the store) or a negative weight.
pub fn project_analog(
    attributes: &[f64],
    stores: &[ExistingStore],
    attribute_names: &[&str],
    k: usize,
    weights: Option<&[f64]>,
) -> Result<AnalogProjection> {
    let m = attribute_names.len();
    if stores.is_empty() || k == 0 {
        return Err(DecisionError::InsufficientData {
            what: "analog projection (stores, k)".into(),
            needed: 1,
            got: stores.len().min(k),
        });
    }
    if attributes.len() != m {
        return Err(DecisionError::LengthMismatch {
            what: "candidate attributes".into(),
            expected: m,
            got: attributes.len(),
        });
    }
    for (j, v) in attributes.iter().enumerate() {
        if !v.is_finite() {
            return Err(DecisionError::invalid(format!("candidate.{}", attribute_names[j]), v, "a finite number"));
        }
    }
    for s in stores {
        if s.attributes.len() != m {
            return Err(DecisionError::LengthMismatch {
                what: format!("attributes of store {}", s.id),
                expected: m,
                got: s.attributes.len(),
            });
        }
        if let Some(j) = s.attributes.iter().position(|v| !v.is_finite()) {
            return Err(DecisionError::invalid(
                format!("store {}.{}", s.id, attribute_names[j]),
                s.attributes[j],
                "a finite number",
            ));
        }
        if !s.sales.is_finite() {
            return Err(DecisionError::invalid(format!("store {}.sales", s.id), s.sales, "a finite number"));
        }
    }
    let w = match weights {
        Some(w) if w.len() != m => {
            return Err(DecisionError::LengthMismatch { what: "attribute weights".into(), expected: m, got: w.len() });
        }
        Some(w) => {
            if let Some(j) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(DecisionError::invalid(format!("weights[{}]", attribute_names[j]), w[j], "a weight >= 0"));
            }
            w.to_vec()
        }
        None => vec![1.0; m],
    };
    let n = stores.len() as f64;
    let scale: Vec<(f64, f64)> = (0..m)
        .map(|j| {
            let mean = stores.iter().map(|s| s.attributes[j]).sum::<f64>() / n;
            let sd = (stores.iter().map(|s| (s.attributes[j] - mean).powi(2)).sum::<f64>() / n).sqrt();
            (mean, sd)
        })
        .collect();
    let distance = |a: &[f64]| -> f64 {
        (0..m)
            .filter(|&j| scale[j].1 > 0.0)
            .map(|j| w[j] * ((a[j] - attributes[j]) / scale[j].1).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let mut ranked: Vec<(usize, f64)> = stores.iter().enumerate().map(|(i, s)| (i, distance(&s.attributes))).collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(stores[a.0].id.cmp(&stores[b.0].id)));
    ranked.truncate(k);
    // A small floor keeps an identical store from taking infinite weight.
    let raw: Vec<f64> = ranked.iter().map(|(_, d)| 1.0 / (d + 1e-6)).collect();
    let total: f64 = raw.iter().sum();
    let analogs: Vec<Analog> = ranked
        .iter()
        .zip(&raw)
        .map(|((i, d), r)| Analog {
            id: stores[*i].id.clone(),
            distance: *d,
            weight: r / total,
            sales: stores[*i].sales,
        })
        .collect();
    let expected_sales: f64 = analogs.iter().map(|a| a.weight * a.sales).sum();
    let spread = analogs.iter().map(|a| a.weight * (a.sales - expected_sales).powi(2)).sum::<f64>().sqrt();
    let low = analogs.iter().map(|a| a.sales).fold(f64::INFINITY, f64::min);
    let high = analogs.iter().map(|a| a.sales).fold(f64::NEG_INFINITY, f64::max);
    Ok(AnalogProjection { expected_sales, spread, low, high, analogs })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(id: &str, size: f64, income: f64, sales: f64) -> ExistingStore {
        ExistingStore { id: id.into(), attributes: vec![size, income], sales }
    }

    #[test]
    fn nearest_stores_dominate_and_spread_reflects_disagreement() {
        let stores = vec![
            store("a", 1000.0, 40.0, 2.0e6),
            store("b", 1100.0, 42.0, 2.2e6),
            store("c", 3000.0, 70.0, 6.0e6),
            store("d", 2900.0, 68.0, 5.8e6),
        ];
        let p = project_analog(&[1050.0, 41.0], &stores, &["size", "income"], 2, None).unwrap();
        let ids: Vec<&str> = p.analogs.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&"a") && ids.contains(&"b"));
        assert!(p.expected_sales > 2.0e6 && p.expected_sales < 2.2e6);
        assert!(p.low == 2.0e6 && p.high == 2.2e6 && p.spread < 1.5e5);
    }

    #[test]
    fn bad_store_attribute_is_named() {
        let stores = vec![store("a", f64::NAN, 1.0, 1.0)];
        let e = project_analog(&[1.0, 1.0], &stores, &["size", "income"], 1, None).unwrap_err();
        assert_eq!(e.parameter(), Some("store a.size"));
    }
}
