//! Detectors by name, with their parameters: what configuration files and the examples use.

use super::{
    Adwin, AdwinParams, ColumnMax, Cusum, CusumParams, Detector, EwmaChart, EwmaChartParams, HalfSpaceTrees, HstParams,
    MadParams, MinMaxScaled, ModifiedZScore, ResidualDetector, ResidualParams, ZScore, ZScoreParams,
};
use crate::{RealtimeError, Result};

/// The names [`DetectorSpec::from_name`] accepts, as in the table of [`crate::detect`].
pub const DETECTOR_NAMES: [&str; 7] = ["zscore", "mad", "ewma", "cusum", "residual", "hst", "adwin"];

/// A detector kind with its parameters; [`DetectorSpec::build`] makes a fresh detector (one per
/// series).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DetectorSpec {
    /// [`ZScore`].
    ZScore(ZScoreParams),
    /// [`ModifiedZScore`].
    Mad(MadParams),
    /// [`EwmaChart`].
    Ewma(EwmaChartParams),
    /// [`Cusum`].
    Cusum(CusumParams),
    /// [`ResidualDetector`]; its input is `[actual, point, lower, upper]`.
    Residual(ResidualParams),
    /// [`HalfSpaceTrees`]; with `min_max_scale` behind an online [`super::MinMaxScaler`].
    Hst {
        /// Tree parameters.
        params: HstParams,
        /// Scale raw inputs into [0, 1] online first (River's `MinMaxScaler() | HalfSpaceTrees()`).
        min_max_scale: bool,
    },
    /// [`Adwin`].
    Adwin(AdwinParams),
}

impl DetectorSpec {
    /// The detector of that name with its default parameters (HST with online min-max scaling).
    ///
    /// # Errors
    /// [`RealtimeError::UnknownDetector`] for a name not in [`DETECTOR_NAMES`].
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "zscore" => Self::ZScore(ZScoreParams::default()),
            "mad" => Self::Mad(MadParams::default()),
            "ewma" => Self::Ewma(EwmaChartParams::default()),
            "cusum" => Self::Cusum(CusumParams::default()),
            "residual" => Self::Residual(ResidualParams::default()),
            "hst" => Self::Hst { params: HstParams::default(), min_max_scale: true },
            "adwin" => Self::Adwin(AdwinParams::default()),
            _ => return Err(RealtimeError::UnknownDetector { name: name.into(), accepted: DETECTOR_NAMES.to_vec() }),
        })
    }

    /// The detector's name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ZScore(_) => "zscore",
            Self::Mad(_) => "mad",
            Self::Ewma(_) => "ewma",
            Self::Cusum(_) => "cusum",
            Self::Residual(_) => "residual",
            Self::Hst { .. } => "hst",
            Self::Adwin(_) => "adwin",
        }
    }

    /// Whether the detector is univariate (one value a point); several columns then get one
    /// detector each, combined by [`ColumnMax`].
    pub fn is_univariate(&self) -> bool {
        !matches!(self, Self::Residual(_) | Self::Hst { .. })
    }

    /// A fresh detector for points of `n_inputs` values; `seed` drives HST's random splits.
    ///
    /// # Errors
    /// [`RealtimeError::InvalidParam`] for invalid parameters, or an `n_inputs` the detector
    /// cannot take (0, or other than 4 for `residual`).
    pub fn build(&self, n_inputs: usize, seed: u64) -> Result<Box<dyn Detector>> {
        if n_inputs == 0 {
            return Err(RealtimeError::param("n_inputs", 0, "at least 1"));
        }
        if self.is_univariate() && n_inputs > 1 {
            let columns = (0..n_inputs).map(|_| self.build(1, seed)).collect::<Result<Vec<_>>>()?;
            return Ok(Box::new(ColumnMax::new(columns)?));
        }
        Ok(match self {
            Self::ZScore(p) => Box::new(ZScore::new(*p)?),
            Self::Mad(p) => Box::new(ModifiedZScore::new(*p)?),
            Self::Ewma(p) => Box::new(EwmaChart::new(*p)?),
            Self::Cusum(p) => Box::new(Cusum::new(*p)?),
            Self::Residual(p) => {
                if n_inputs != 4 {
                    return Err(RealtimeError::param(
                        "n_inputs",
                        n_inputs,
                        "4 for residual: actual, point, lower, upper",
                    ));
                }
                Box::new(ResidualDetector::new(*p)?)
            }
            Self::Hst { params, min_max_scale } => {
                let trees = HalfSpaceTrees::new(params.clone(), n_inputs, seed)?;
                if *min_max_scale { Box::new(MinMaxScaled::new(trees)) } else { Box::new(trees) }
            }
            Self::Adwin(p) => Box::new(Adwin::new(*p)?),
        })
    }
}
