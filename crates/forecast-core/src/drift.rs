//! The drift (model health) signal port: a monitor that compares production data with the
//! training data produces a [`DriftReport`]; retraining triggers consume it through
//! [`DriftSource`], so the crate that computes drift and the crate that retrains never depend
//! on each other.

use crate::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// One drifted (or checked) signal: a feature, the predictions, or a metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftSignal {
    /// What was checked, e.g. `price`, `prediction`, `wape`.
    pub name: String,
    /// The test or distance used, e.g. `ks`, `wasserstein`, `psi`, `decay`.
    pub method: String,
    /// The statistic or distance measured.
    pub score: f64,
    /// The threshold `score` is compared with.
    pub threshold: f64,
    /// Whether this signal counts as drifted.
    pub drifted: bool,
}

/// A drift report about one model, as plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// The model checked, e.g. `demand@champion`.
    pub model: String,
    /// When the report was made (from the producer's `Clock`).
    pub generated_at: DateTime<Utc>,
    /// Whether the producer judges the data as drifted as a whole.
    pub drifted: bool,
    /// Share of the checked features that drifted, in [0, 1].
    pub drifted_share: f64,
    /// Every signal checked.
    pub signals: Vec<DriftSignal>,
    /// Why the model is not healthy, one line each (empty when healthy).
    pub reasons: Vec<String>,
}

/// Produces the latest drift report of a model.
pub trait DriftSource: Send + Sync + Debug {
    /// The newest report about `model` (e.g. `demand@champion`), or `None` when there is none.
    ///
    /// # Errors
    /// When the producer cannot read or compute its report.
    fn latest(&self, model: &str) -> Result<Option<DriftReport>>;
}

impl<D: DriftSource + ?Sized> DriftSource for std::sync::Arc<D> {
    fn latest(&self, model: &str) -> Result<Option<DriftReport>> {
        (**self).latest(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Fixed(DriftReport);

    impl DriftSource for Fixed {
        fn latest(&self, model: &str) -> Result<Option<DriftReport>> {
            Ok((self.0.model == model).then(|| self.0.clone()))
        }
    }

    #[test]
    fn arc_forwards_and_reports_round_trip() {
        let report = DriftReport {
            model: "m@champion".into(),
            generated_at: DateTime::<Utc>::UNIX_EPOCH,
            drifted: true,
            drifted_share: 0.5,
            signals: vec![DriftSignal {
                name: "price".into(),
                method: "ks".into(),
                score: 0.01,
                threshold: 0.05,
                drifted: true,
            }],
            reasons: vec!["price drifted".into()],
        };
        let source = std::sync::Arc::new(Fixed(report.clone()));
        assert_eq!(source.latest("m@champion").unwrap(), Some(report.clone()));
        assert_eq!(source.latest("other@champion").unwrap(), None);
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(serde_json::from_str::<DriftReport>(&json).unwrap(), report);
    }
}
