//! One elasticity from several readings of it (a simulated curve, offset regressions, a
//! history regression): inverse-variance weighting where every reading has a standard error,
//! the plain mean where one has none.

use crate::error::{DecisionError, Result};
use serde::{Deserialize, Serialize};

/// One reading of an item's elasticity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElasticityReading {
    /// Where it comes from (e.g. `pipeline`, `offset`), carried into the evidence.
    pub source: String,
    /// The estimate.
    pub elasticity: f64,
    /// Its standard error, when the source has one (a regression does; a curve simulated
    /// through a fitted model has no sampling error of its own to report).
    pub std_error: Option<f64>,
}

/// How [`combine_elasticities`] weighted the readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CombineRule {
    /// Weights `1 / se^2`, normalised: every reading had a standard error.
    InverseVariance,
    /// Equal weights: at least one reading had none.
    Mean,
}

/// The combined elasticity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CombinedElasticity {
    /// The weighted elasticity.
    pub elasticity: f64,
    /// `sqrt(1 / sum 1/se^2)` under [`CombineRule::InverseVariance`] (the readings taken as
    /// independent, so a lower bound when they share data); none under [`CombineRule::Mean`].
    pub std_error: Option<f64>,
    /// The weight of each reading, in the order given, summing to 1.
    pub weights: Vec<f64>,
    /// The rule applied.
    pub rule: CombineRule,
}

/// Combine readings of one elasticity.
///
/// With a standard error on every reading the weights are `1 / se^2` (the minimum-variance
/// unbiased combination of independent unbiased estimates); readings of one item's data are
/// not independent, so the combined standard error understates the uncertainty. With a reading
/// that has no standard error (a simulated curve) there is nothing to weigh it by, and the
/// rule is the plain mean.
///
/// ```
/// use forecast_decisions::pricing::{CombineRule, ElasticityReading, combine_elasticities};
///
/// let reading = |source: &str, elasticity, std_error| ElasticityReading { source: source.into(), elasticity, std_error };
/// let both = combine_elasticities(&[reading("a", -2.0, Some(0.1)), reading("b", -1.0, Some(0.2))])?;
/// assert_eq!(both.rule, CombineRule::InverseVariance);
/// assert!((both.elasticity + 1.8).abs() < 1e-12 && (both.weights[0] - 0.8).abs() < 1e-12);
/// let mean = combine_elasticities(&[reading("a", -2.0, Some(0.1)), reading("pipeline", -1.0, None)])?;
/// assert_eq!((mean.rule, mean.elasticity, mean.std_error), (CombineRule::Mean, -1.5, None));
/// # Ok::<(), forecast_decisions::DecisionError>(())
/// ```
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for no readings, a non-finite elasticity, or a standard
/// error that is not finite and > 0 (naming the reading's source).
pub fn combine_elasticities(readings: &[ElasticityReading]) -> Result<CombinedElasticity> {
    if readings.is_empty() {
        return Err(DecisionError::invalid("readings", "none", "at least one elasticity reading"));
    }
    for r in readings {
        if !r.elasticity.is_finite() {
            return Err(DecisionError::invalid(format!("elasticity of {}", r.source), r.elasticity, "a finite number"));
        }
        if let Some(se) = r.std_error
            && !(se.is_finite() && se > 0.0)
        {
            return Err(DecisionError::invalid(format!("std_error of {}", r.source), se, "a finite number > 0"));
        }
    }
    let precisions: Option<Vec<f64>> = readings.iter().map(|r| r.std_error.map(|se| se.powi(-2))).collect();
    let (weights, std_error, rule) = match precisions {
        Some(p) => {
            let total: f64 = p.iter().sum();
            (p.iter().map(|w| w / total).collect::<Vec<_>>(), Some(total.sqrt().recip()), CombineRule::InverseVariance)
        }
        None => (vec![1.0 / readings.len() as f64; readings.len()], None, CombineRule::Mean),
    };
    let elasticity = readings.iter().zip(&weights).map(|(r, w)| w * r.elasticity).sum();
    Ok(CombinedElasticity { elasticity, std_error, weights, rule })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(elasticity: f64, std_error: Option<f64>) -> ElasticityReading {
        ElasticityReading { source: "r".into(), elasticity, std_error }
    }

    #[test]
    fn equal_errors_give_the_mean_and_a_smaller_error() {
        let c = combine_elasticities(&[reading(-1.0, Some(0.2)), reading(-2.0, Some(0.2))]).unwrap();
        assert!((c.elasticity + 1.5).abs() < 1e-12);
        assert!((c.std_error.unwrap() - 0.2 / 2f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn bad_readings_name_their_source() {
        let e = combine_elasticities(&[ElasticityReading {
            source: "offset".into(),
            elasticity: -1.0,
            std_error: Some(0.0),
        }])
        .unwrap_err();
        assert_eq!(e.parameter(), Some("std_error of offset"));
        assert!(combine_elasticities(&[]).is_err());
        assert!(combine_elasticities(&[reading(f64::NAN, None)]).is_err());
    }
}
