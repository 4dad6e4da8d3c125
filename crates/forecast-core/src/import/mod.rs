//! Import tree ensembles trained by other libraries, so that the compiled predictor
//! ([`crate::predictor::CompiledPredictor`]) scores them and predicts what they predict.
//!
//! - [`lightgbm::parse`]: LightGBM text models (`model.txt`).
//! - [`xgboost::parse`]: XGBoost JSON models (`save_model("m.json")`).
//! - [`detect`]: either of them, or our own [`ModelArtifact`] JSON, told apart by content.

pub mod lightgbm;
pub mod xgboost;

use crate::{Error, ModelArtifact, Result};

/// Read a model of any supported format, telling the format from the content: a LightGBM
/// text model starts with the line `tree`; an XGBoost JSON model has a top-level `learner`;
/// a [`ModelArtifact`] JSON has `format_version` and `model`.
///
/// # Errors
/// [`Error::ModelImport`] or [`Error::Serde`] from the matching parser, or
/// [`Error::InvalidData`] when the content matches no format.
pub fn detect(text: &str) -> Result<ModelArtifact> {
    let start = text.trim_start();
    if start.lines().next().map(str::trim) == Some("tree") {
        return lightgbm::parse(text).map(ModelArtifact::TreeEnsemble);
    }
    if start.starts_with('{') {
        if start.contains("\"learner\"") {
            return xgboost::parse(text).map(ModelArtifact::TreeEnsemble);
        }
        if start.contains("\"format_version\"") {
            return ModelArtifact::from_json(text);
        }
    }
    Err(Error::InvalidData(
        "unrecognised model: expected a LightGBM text model (first line `tree`), an XGBoost JSON model \
         (with `learner`) or a forecast ModelArtifact JSON (with `format_version`)"
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::TreeEnsemble;

    #[test]
    fn detects_our_artifact_and_rejects_unknown_text() {
        let a = ModelArtifact::TreeEnsemble(TreeEnsemble { n_features: 2, ..Default::default() });
        assert_eq!(detect(&a.to_json().unwrap()).unwrap(), a);
        assert!(matches!(detect("a,b\n1,2\n"), Err(Error::InvalidData(_))));
    }
}
