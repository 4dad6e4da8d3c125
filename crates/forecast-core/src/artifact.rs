//! `ModelArtifact`: the closed, versioned, serialisable set of fitted model kinds.
//!
//! Anything that stores or ships a model stores this. JSON is for people and diffs; the
//! compact binary (postcard) is for registries. Both round-trip bit-identically: `f64`
//! values are written with enough digits (JSON) or as raw IEEE bits (binary).

use crate::baseline::{BaselineModel, SeriesForecaster};
use crate::gbdt::GbdtModel;
use crate::model::{LinearModel, Predict};
use crate::pipeline::ForecastPipeline;
use crate::tree::TreeEnsemble;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// The newest artifact format version this build writes and reads (2 added the pipeline kind).
pub const FORMAT_VERSION: u32 = 2;

/// A fitted model of one of the kinds this workspace knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ModelArtifact {
    /// A tree ensemble (imported from LightGBM or XGBoost, or any converted forest).
    TreeEnsemble(TreeEnsemble),
    /// A linear model (OLS, elastic net, GLM).
    Linear(LinearModel),
    /// A baseline forecaster (naive, seasonal naive, moving average). It forecasts from a
    /// series' history, not from design rows: use [`ModelArtifact::as_series_forecaster`].
    Baseline(BaselineModel),
    /// A gradient-boosted tree model fitted by [`crate::gbdt`].
    Gbdt(GbdtModel),
    /// A fitted forecasting pipeline (features, strategy, step and quantile models, panel
    /// layout, calibration): what the registry serves to forecast a panel. Use
    /// [`ModelArtifact::into_pipeline`].
    Pipeline(Box<ForecastPipeline>),
}

/// The on-disk envelope: format version plus the model.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope<M> {
    format_version: u32,
    model: M,
}

impl ModelArtifact {
    /// A short name of the model kind, e.g. `"tree_ensemble"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TreeEnsemble(_) => "tree_ensemble",
            Self::Linear(_) => "linear",
            Self::Baseline(_) => "baseline",
            Self::Gbdt(_) => "gbdt",
            Self::Pipeline(_) => "pipeline",
        }
    }

    /// Whether the model scores design-matrix rows ([`ModelArtifact::into_predictor`] succeeds).
    pub fn is_row_model(&self) -> bool {
        !matches!(self, Self::Baseline(_) | Self::Pipeline(_))
    }

    /// The model as a row predictor. A tree ensemble comes back compiled
    /// ([`crate::predictor::CompiledPredictor`]), which predicts bit-identically to its reference walk.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for a malformed tree ensemble (see [`TreeEnsemble::validate`]);
    /// [`Error::Unsupported`] for a baseline, which forecasts from a series' history rather than
    /// from feature rows (see [`ModelArtifact::as_series_forecaster`]).
    pub fn into_predictor(self) -> Result<Box<dyn Predict>> {
        match self {
            Self::TreeEnsemble(m) => Ok(Box::new(crate::predictor::CompiledPredictor::compile(&m)?)),
            Self::Linear(m) => Ok(Box::new(m)),
            Self::Gbdt(m) => Ok(Box::new(m)),
            Self::Baseline(_) => Err(Error::Unsupported {
                operation: "scoring design rows (into_predictor)",
                kind: "baseline",
                hint: "baselines forecast from a series' history: use as_series_forecaster()",
            }),
            Self::Pipeline(_) => Err(Error::Unsupported {
                operation: "scoring design rows (into_predictor)",
                kind: "pipeline",
                hint: "a pipeline forecasts a panel: use into_pipeline() and ForecastPipeline::forecast",
            }),
        }
    }

    /// The model as a forecaster of a series from its own history, for the baselines; `None`
    /// for row models.
    pub fn as_series_forecaster(&self) -> Option<&dyn SeriesForecaster> {
        match self {
            Self::Baseline(m) => Some(m),
            _ => None,
        }
    }

    /// Serialise as pretty JSON with a format version.
    ///
    /// # Errors
    /// [`Error::Serde`] if serialisation fails.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(&Envelope { format_version: FORMAT_VERSION, model: self })
            .map_err(|e| Error::Serde { format: "json", message: e.to_string() })
    }

    /// Read an artifact written by [`ModelArtifact::to_json`].
    ///
    /// # Errors
    /// [`Error::Serde`] for malformed JSON, [`Error::UnsupportedFormat`] for a newer format.
    pub fn from_json(text: &str) -> Result<Self> {
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let v: Version =
            serde_json::from_str(text).map_err(|e| Error::Serde { format: "json", message: e.to_string() })?;
        check_version(v.format_version)?;
        let env: Envelope<Self> =
            serde_json::from_str(text).map_err(|e| Error::Serde { format: "json", message: e.to_string() })?;
        Ok(env.model)
    }

    /// Serialise to the compact binary form: a 4-byte little-endian format version, then postcard.
    ///
    /// # Errors
    /// [`Error::Serde`] if serialisation fails.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = FORMAT_VERSION.to_le_bytes().to_vec();
        let body = postcard::to_stdvec(self).map_err(|e| Error::Serde { format: "binary", message: e.to_string() })?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Read an artifact written by [`ModelArtifact::to_bytes`].
    ///
    /// # Errors
    /// [`Error::Serde`] for truncated or malformed bytes, [`Error::UnsupportedFormat`] for a newer format.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (head, body) = bytes.split_at_checked(4).ok_or(Error::Serde {
            format: "binary",
            message: format!("artifact is {} bytes, shorter than its 4-byte header", bytes.len()),
        })?;
        let mut v = [0u8; 4];
        v.copy_from_slice(head);
        check_version(u32::from_le_bytes(v))?;
        postcard::from_bytes(body).map_err(|e| Error::Serde { format: "binary", message: e.to_string() })
    }

    /// Write the JSON form to `path`.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Serde`].
    pub fn save_json(&self, path: &std::path::Path) -> Result<()> {
        std::fs::write(path, self.to_json()?).map_err(|source| Error::Io { path: path.into(), source })
    }

    /// Read the JSON form from `path`.
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::Serde`] or [`Error::UnsupportedFormat`].
    pub fn load_json(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.into(), source })?;
        Self::from_json(&text)
    }
}

fn check_version(found: u32) -> Result<()> {
    if found == 0 || found > FORMAT_VERSION {
        return Err(Error::UnsupportedFormat { found, supported: FORMAT_VERSION });
    }
    Ok(())
}

impl From<TreeEnsemble> for ModelArtifact {
    fn from(m: TreeEnsemble) -> Self {
        Self::TreeEnsemble(m)
    }
}

impl From<LinearModel> for ModelArtifact {
    fn from(m: LinearModel) -> Self {
        Self::Linear(m)
    }
}

impl From<BaselineModel> for ModelArtifact {
    fn from(m: BaselineModel) -> Self {
        Self::Baseline(m)
    }
}

impl From<GbdtModel> for ModelArtifact {
    fn from(m: GbdtModel) -> Self {
        Self::Gbdt(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Link;

    #[test]
    fn json_and_binary_round_trip_bit_identically() {
        let m = ModelArtifact::Linear(LinearModel {
            coefficients: vec![0.1, 1.0 / 3.0, -2.5e-300],
            intercept: std::f64::consts::PI,
            impute: vec![0.0, 1.0, f64::MIN_POSITIVE],
            link: Link::Log,
        });
        assert_eq!(ModelArtifact::from_json(&m.to_json().unwrap()).unwrap(), m);
        assert_eq!(ModelArtifact::from_bytes(&m.to_bytes().unwrap()).unwrap(), m);
    }

    #[test]
    fn rejects_newer_format_and_truncation() {
        let m = ModelArtifact::TreeEnsemble(TreeEnsemble::default());
        let mut b = m.to_bytes().unwrap();
        b[0] = 99;
        assert!(matches!(ModelArtifact::from_bytes(&b), Err(Error::UnsupportedFormat { found: 99, .. })));
        assert!(ModelArtifact::from_bytes(&[1, 0]).is_err());
        let j = m.to_json().unwrap().replace(&format!("\"format_version\": {FORMAT_VERSION}"), "\"format_version\": 7");
        assert!(matches!(ModelArtifact::from_json(&j), Err(Error::UnsupportedFormat { found: 7, .. })));
    }

    #[test]
    fn baseline_round_trips_and_is_not_a_row_model() {
        let m = ModelArtifact::from(BaselineModel::seasonal_naive(7));
        assert_eq!(m.kind(), "baseline");
        assert!(!m.is_row_model());
        assert_eq!(ModelArtifact::from_json(&m.to_json().unwrap()).unwrap(), m);
        let back = ModelArtifact::from_bytes(&m.to_bytes().unwrap()).unwrap();
        let history: Vec<f64> = (0..14).map(f64::from).collect();
        let f = back.as_series_forecaster().unwrap();
        assert_eq!(f.forecast(&history, 2).unwrap(), vec![7.0, 8.0]);
        assert!(matches!(back.into_predictor(), Err(Error::Unsupported { kind: "baseline", .. })));
        let linear = ModelArtifact::TreeEnsemble(TreeEnsemble::default());
        assert!(linear.is_row_model() && linear.as_series_forecaster().is_none());
        assert!(linear.into_predictor().is_ok());
    }
}
