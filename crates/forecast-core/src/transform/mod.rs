//! Target transforms (mlforecast's `target_transforms`): a chain applied to each series'
//! target before a global model is fitted or asked, and undone on its forecasts.
//!
//! Every transform is fitted on a series' own history before the origin (the scalers' mean
//! and spread, Box-Cox's lambda) and applied to that history; forecasts come back through the
//! inverses in reverse order. Monotone transforms (scalers, log1p, Box-Cox) map quantiles to
//! quantiles exactly. Differences add back the value `lag` periods earlier: an observed one,
//! or the restored point forecast, for the point and for every quantile path alike (the
//! quantile of a step given the point path before it).
//!
//! ```
//! use forecast_core::transform::{TargetTransform, fit_transform};
//!
//! let history = [10.0, 12.0, 14.0, 16.0];
//! let chain = [TargetTransform::Differences(vec![1])];
//! let (z, fitted) = fit_transform(&chain, &history)?;
//! assert!(z[0].is_nan());
//! assert_eq!(z[1..], [2.0, 2.0, 2.0]);
//! // A forecast of +2 per step in the differenced space continues the ramp.
//! assert_eq!(fitted.inverse(&[2.0, 2.0], None), vec![18.0, 20.0]);
//! # Ok::<(), forecast_core::Error>(())
//! ```

mod boxcox;

pub use boxcox::guerrero_lambda;

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// One target transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetTransform {
    /// `y_t - y_{t-lag}` for each lag in turn (mlforecast's `Differences([1, 12])`).
    Differences(Vec<usize>),
    /// `(y - mean) / std` with the series' own mean and standard deviation.
    LocalStandardScaler,
    /// `(y - min) / (max - min)` with the series' own range.
    LocalMinMaxScaler,
    /// `ln(1 + y)` (targets above -1).
    Log1p,
    /// Box-Cox with a per-series lambda chosen by Guerrero's method over seasons of `season`
    /// periods (targets >= 0; lambda kept above 0 when a series has zeros).
    BoxCox {
        /// Season length of Guerrero's method.
        season: usize,
    },
}

impl TargetTransform {
    /// A short name for tables, e.g. `diff(12)` or `log1p`.
    pub fn name(&self) -> String {
        match self {
            Self::Differences(lags) => {
                format!("diff({})", lags.iter().map(usize::to_string).collect::<Vec<_>>().join(","))
            }
            Self::LocalStandardScaler => "standard".into(),
            Self::LocalMinMaxScaler => "minmax".into(),
            Self::Log1p => "log1p".into(),
            Self::BoxCox { season } => format!("boxcox({season})"),
        }
    }

    /// Whether the transformed target can be negative (so count objectives cannot fit it).
    pub fn can_be_negative(&self) -> bool {
        matches!(self, Self::Differences(_) | Self::LocalStandardScaler)
    }

    fn check(&self) -> Result<()> {
        let bad = |value: String, expected| Err(Error::InvalidParam { name: "target transform", value, expected });
        match self {
            Self::Differences(lags) if lags.is_empty() || lags.contains(&0) => {
                bad(self.name(), "differences at lags >= 1 (at least one lag)")
            }
            Self::BoxCox { season: 0 } => bad(self.name(), "a Box-Cox season >= 1"),
            _ => Ok(()),
        }
    }
}

/// The name of a chain, e.g. `diff(12)+standard`, or `none`.
pub fn chain_name(chain: &[TargetTransform]) -> String {
    if chain.is_empty() { "none".into() } else { chain.iter().map(TargetTransform::name).collect::<Vec<_>>().join("+") }
}

/// One transform fitted on one series.
#[derive(Debug, Clone, PartialEq)]
enum FittedStep {
    /// The input of the differencing at each lag (needed to add back), lag by lag.
    Differences(Vec<(usize, Vec<f64>)>),
    Affine {
        shift: f64,
        scale: f64,
    },
    Log1p,
    BoxCox {
        lambda: f64,
    },
}

/// A chain fitted on one series' history, able to undo itself on forecasts that follow it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FittedTransform {
    steps: Vec<FittedStep>,
}

/// Fit `chain` on `history` (NaN = missing) and return the transformed history and the
/// fitted chain.
///
/// # Errors
/// [`Error::InvalidParam`] for an invalid transform; [`Error::InvalidData`] when a value is
/// outside a transform's domain (log1p of a value <= -1, Box-Cox of a negative value).
pub fn fit_transform(chain: &[TargetTransform], history: &[f64]) -> Result<(Vec<f64>, FittedTransform)> {
    let mut values = history.to_vec();
    let mut steps = Vec::with_capacity(chain.len());
    for t in chain {
        t.check()?;
        let step = match t {
            TargetTransform::Differences(lags) => {
                let mut inputs = Vec::with_capacity(lags.len());
                for &lag in lags {
                    let input = values.clone();
                    for (i, v) in values.iter_mut().enumerate() {
                        *v = if i >= lag { input[i] - input[i - lag] } else { f64::NAN };
                    }
                    inputs.push((lag, input));
                }
                FittedStep::Differences(inputs)
            }
            TargetTransform::LocalStandardScaler => {
                let (mean, sd) = mean_sd(&values);
                let scale = if sd > 0.0 && sd.is_finite() { sd } else { 1.0 };
                affine(&mut values, mean, scale)
            }
            TargetTransform::LocalMinMaxScaler => {
                let (lo, hi) = values
                    .iter()
                    .filter(|v| !v.is_nan())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
                let (shift, range) = if lo.is_finite() { (lo, hi - lo) } else { (0.0, 1.0) };
                affine(&mut values, shift, if range > 0.0 { range } else { 1.0 })
            }
            TargetTransform::Log1p => {
                if let Some(v) = values.iter().find(|v| **v <= -1.0) {
                    return Err(Error::InvalidData(format!("log1p target transform: value {v} is <= -1")));
                }
                values.iter_mut().for_each(|v| *v = v.ln_1p());
                FittedStep::Log1p
            }
            TargetTransform::BoxCox { season } => {
                if let Some(v) = values.iter().find(|v| **v < 0.0) {
                    return Err(Error::InvalidData(format!("Box-Cox target transform: value {v} is negative")));
                }
                let zeros = values.contains(&0.0);
                let lambda = guerrero_lambda(&values, *season, if zeros { 0.05 } else { -0.9 }, 2.0);
                values.iter_mut().for_each(|v| *v = boxcox::forward(*v, lambda));
                FittedStep::BoxCox { lambda }
            }
        };
        steps.push(step);
    }
    Ok((values, FittedTransform { steps }))
}

fn affine(values: &mut [f64], shift: f64, scale: f64) -> FittedStep {
    values.iter_mut().for_each(|v| *v = (*v - shift) / scale);
    FittedStep::Affine { shift, scale }
}

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let obs: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if obs.is_empty() {
        return (0.0, 1.0);
    }
    let n = obs.len() as f64;
    let mean = obs.iter().sum::<f64>() / n;
    let var = if obs.len() > 1 { obs.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    (mean, var.sqrt())
}

impl FittedTransform {
    /// Whether the chain is empty (forecasts pass through unchanged).
    pub fn is_identity(&self) -> bool {
        self.steps.is_empty()
    }

    /// Undo the chain on a forecast `path` that continues the fitted history. `base` is the
    /// already restored point path for differences to add back past the history (`None`:
    /// this path is the point path itself, restored step by step).
    pub fn inverse(&self, path: &[f64], base: Option<&[f64]>) -> Vec<f64> {
        let mut values = path.to_vec();
        // Differences need each level's restored point path: restore the point path through
        // the chain first when this is a quantile path.
        let point_levels = base.map(|b| self.point_levels(b));
        for (depth, step) in self.steps.iter().enumerate().rev() {
            match step {
                FittedStep::Differences(inputs) => {
                    for (j, (lag, input)) in inputs.iter().enumerate().rev() {
                        let n = input.len();
                        let before: Option<&Vec<f64>> = point_levels.as_ref().map(|l| &l[depth][j]);
                        let mut restored: Vec<f64> = Vec::with_capacity(values.len());
                        for (k, z) in values.iter().enumerate() {
                            let back = n + k;
                            let prev = if back < *lag {
                                f64::NAN
                            } else if back - lag < n {
                                input[back - lag]
                            } else {
                                let i = back - lag - n;
                                before.map_or(restored[i], |b| b[i])
                            };
                            restored.push(z + prev);
                        }
                        values = restored;
                    }
                }
                FittedStep::Affine { shift, scale } => values.iter_mut().for_each(|v| *v = *v * scale + shift),
                FittedStep::Log1p => values.iter_mut().for_each(|v| *v = v.exp_m1()),
                FittedStep::BoxCox { lambda } => values.iter_mut().for_each(|v| *v = boxcox::inverse(*v, *lambda)),
            }
        }
        values
    }

    /// For a restored point path, the path at the input of every differencing (by step and
    /// lag), i.e. what each difference adds back from.
    fn point_levels(&self, restored: &[f64]) -> Vec<Vec<Vec<f64>>> {
        // Walk forward through the chain, transforming the restored point path the same way
        // the history was, to know each level's future values.
        let mut levels = Vec::with_capacity(self.steps.len());
        let mut values = restored.to_vec();
        for step in &self.steps {
            match step {
                FittedStep::Differences(inputs) => {
                    let mut per_lag = Vec::with_capacity(inputs.len());
                    for (lag, input) in inputs {
                        per_lag.push(values.clone());
                        let n = input.len();
                        let level = values.clone();
                        values = (0..level.len())
                            .map(|k| {
                                let back = n + k;
                                if back < *lag {
                                    f64::NAN
                                } else if back - lag < n {
                                    level[k] - input[back - lag]
                                } else {
                                    level[k] - level[back - lag - n]
                                }
                            })
                            .collect();
                    }
                    levels.push(per_lag);
                }
                FittedStep::Affine { shift, scale } => {
                    values.iter_mut().for_each(|v| *v = (*v - shift) / scale);
                    levels.push(Vec::new());
                }
                FittedStep::Log1p => {
                    values.iter_mut().for_each(|v| *v = v.ln_1p());
                    levels.push(Vec::new());
                }
                FittedStep::BoxCox { lambda } => {
                    values.iter_mut().for_each(|v| *v = boxcox::forward(*v, *lambda));
                    levels.push(Vec::new());
                }
            }
        }
        levels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_transform_by_hand() {
        let h = [2.0, 4.0, 6.0, 12.0];
        let (z, f) = fit_transform(&[TargetTransform::LocalMinMaxScaler], &h).unwrap();
        assert_eq!(z, vec![0.0, 0.2, 0.4, 1.0]);
        assert_eq!(f.inverse(&[0.5], None), vec![7.0]);
        let (z, _) = fit_transform(&[TargetTransform::LocalStandardScaler], &h).unwrap();
        let sd = ((16.0 + 4.0 + 0.0 + 36.0) / 3.0f64).sqrt();
        assert!((z[0] - (2.0 - 6.0) / sd).abs() < 1e-12);
        let (z, _) = fit_transform(&[TargetTransform::Log1p], &[0.0, std::f64::consts::E - 1.0]).unwrap();
        assert_eq!(z[0], 0.0);
        assert!((z[1] - 1.0).abs() < 1e-12);
        // Seasonal then first differences: y = 10 + t + 5 * (t % 2), season 2.
        let y: Vec<f64> = (0..8).map(|t| 10.0 + t as f64 + 5.0 * (t % 2) as f64).collect();
        let (z, f) = fit_transform(&[TargetTransform::Differences(vec![2, 1])], &y).unwrap();
        assert!(z[..3].iter().all(|v| v.is_nan()));
        assert!(z[3..].iter().all(|v| *v == 0.0), "{z:?}");
        let future: Vec<f64> = (8..12).map(|t| 10.0 + t as f64 + 5.0 * (t % 2) as f64).collect();
        assert_eq!(f.inverse(&[0.0; 4], None), future);
        assert!(fit_transform(&[TargetTransform::Differences(vec![])], &y).is_err());
        assert!(fit_transform(&[TargetTransform::Log1p], &[-1.0]).is_err());
        assert!(fit_transform(&[TargetTransform::BoxCox { season: 2 }], &[-1.0]).is_err());
    }

    #[test]
    fn quantile_paths_add_back_the_point_path() {
        let y = [1.0, 2.0, 3.0, 4.0];
        let (_, f) = fit_transform(&[TargetTransform::Differences(vec![1])], &y).unwrap();
        let point = f.inverse(&[1.0, 1.0, 1.0], None);
        assert_eq!(point, vec![5.0, 6.0, 7.0]);
        // q90 of each step is the point path before it plus the step's q90 increment.
        assert_eq!(f.inverse(&[3.0, 3.0, 3.0], Some(&point)), vec![7.0, 8.0, 9.0]);
    }

    fn chain() -> impl Strategy<Value = Vec<TargetTransform>> {
        let one = prop_oneof![
            prop::collection::vec(1usize..4, 1..3).prop_map(TargetTransform::Differences),
            Just(TargetTransform::LocalStandardScaler),
            Just(TargetTransform::LocalMinMaxScaler),
            Just(TargetTransform::Log1p),
            (1usize..5).prop_map(|season| TargetTransform::BoxCox { season }),
        ];
        prop::collection::vec(one, 0..3)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Transform a series, then undo it on its own tail as if it were a forecast: the
        /// original values come back.
        #[test]
        fn inverse_undoes_the_transform(
            chain in chain(),
            series in prop::collection::vec(0.0f64..50.0, 12..40),
            tail in 1usize..6,
        ) {
            // Box-Cox and log1p need non-negative input, which only the raw target is sure to
            // be: they may come first only.
            let ok_order = chain.iter().skip(1).all(|t| !matches!(t, TargetTransform::Log1p | TargetTransform::BoxCox { .. }));
            prop_assume!(ok_order);
            let split = series.len() - tail;
            let (_, fitted) = fit_transform(&chain, &series[..split]).unwrap();
            // The tail in the transformed space: transform the whole series with the
            // history's parameters, i.e. continue the chain on the tail.
            let tail_z = forward_with(&fitted, &series, split);
            let back = fitted.inverse(&tail_z, None);
            for (a, b) in back.iter().zip(&series[split..]) {
                prop_assert!((a - b).abs() <= 1e-8 * b.abs().max(1.0), "{:?} vs {:?} ({chain:?})", back, &series[split..]);
            }
        }
    }

    /// Apply a fitted chain to `series[split..]` as the continuation of `series[..split]`.
    fn forward_with(f: &FittedTransform, series: &[f64], split: usize) -> Vec<f64> {
        let mut values = series.to_vec();
        for step in &f.steps {
            match step {
                FittedStep::Differences(inputs) => {
                    for (lag, _) in inputs {
                        let input = values.clone();
                        for (i, v) in values.iter_mut().enumerate() {
                            *v = if i >= *lag { input[i] - input[i - lag] } else { f64::NAN };
                        }
                    }
                }
                FittedStep::Affine { shift, scale } => values.iter_mut().for_each(|v| *v = (*v - shift) / scale),
                FittedStep::Log1p => values.iter_mut().for_each(|v| *v = v.ln_1p()),
                FittedStep::BoxCox { lambda } => values.iter_mut().for_each(|v| *v = boxcox::forward(*v, *lambda)),
            }
        }
        values[split..].to_vec()
    }
}
