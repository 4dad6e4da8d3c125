//! AutoTheta: the standard, optimised, dynamic standard and dynamic optimised Theta models
//! of Fiorucci et al. (2016), chosen by in-sample MSE, as statsforecast's `AutoTheta`
//! (2.1.1, `python/statsforecast/theta.py`, `src/theta.cpp`) does.
//!
//! A seasonal series (`season_length >= 4`, two seasons of data, and a lag-`m`
//! autocorrelation above the 90% one-sided bound of Bartlett's formula) is first divided by
//! its classical multiplicative seasonal component (additive when the data are not positive
//! or a factor is below 0.01); the forecasts are multiplied back by the last season's
//! factors. The level start, alpha (`0.1..=0.99`) and, for the optimised models, theta
//! (`>= 1`) are found by Nelder-Mead on the sum of squared one-step errors after the first
//! three, over the mean absolute value.
//!
//! ```
//! use forecast_core::stats::{AutoTheta, ThetaModel};
//!
//! let y: Vec<f64> = (0..40).map(|t| 50.0 + 1.5 * t as f64 + [2.0, -1.0, -3.0, 2.0][t % 4]).collect();
//! let fit = AutoTheta::new(4).fit(&y)?;
//! let f = fit.forecast(4);
//! assert!(f.iter().all(|v| (100.0..125.0).contains(v)), "{f:?} from {:?}", fit.model);
//! let stm = AutoTheta { model: Some(ThetaModel::Stm), ..AutoTheta::new(1) }.fit(&y)?;
//! assert_eq!((stm.model, stm.theta, stm.decomposition), (ThetaModel::Stm, 2.0, None));
//! # Ok::<(), forecast_core::Error>(())
//! ```

use super::decompose::{autocorrelation, seasonal_component};
use super::nelder_mead::NelderMead;
use super::prepare::Prepared;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// The four Theta models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThetaModel {
    /// Standard Theta (theta = 2; statsforecast's `Theta`).
    Stm,
    /// Optimised Theta (statsforecast's `OptimizedTheta`).
    Otm,
    /// Dynamic standard Theta (the trend line is updated each period).
    Dstm,
    /// Dynamic optimised Theta.
    Dotm,
}

impl ThetaModel {
    fn dynamic(self) -> bool {
        matches!(self, Self::Dstm | Self::Dotm)
    }

    fn optimised(self) -> bool {
        matches!(self, Self::Otm | Self::Dotm)
    }
}

/// How a seasonal series is deseasonalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decomposition {
    /// Divide by the seasonal factors (statsforecast's default).
    Multiplicative,
    /// Subtract the seasonal component.
    Additive,
}

/// The AutoTheta search.
///
/// | Field | Default | Purpose | Range |
/// |---|---|---|---|
/// | `season_length` | (required) | periods per seasonal cycle (1 = never deseasonalise) | >= 1 |
/// | `decomposition` | `Multiplicative` | deseasonalisation when the seasonality test passes | both |
/// | `model` | `None` (all four, lowest MSE) | fix one Theta model | any [`ThetaModel`] |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoTheta {
    /// Periods per seasonal cycle.
    pub season_length: usize,
    /// Deseasonalisation kind.
    pub decomposition: Decomposition,
    /// A fixed model, or `None` to choose among the four.
    pub model: Option<ThetaModel>,
}

/// The state of the Theta recursion after a period.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ThetaState {
    level: f64,
    mean_y: f64,
    a: f64,
    b: f64,
    mu: f64,
    /// `(1 - alpha)^(i + 1)` after period `i` (statsforecast calls `pow` twice a step; a
    /// running product gives the same values to rounding).
    decay_power: f64,
}

/// A fitted Theta model.
#[derive(Debug, Clone, PartialEq)]
pub struct ThetaFit {
    /// The chosen model.
    pub model: ThetaModel,
    /// Level smoothing.
    pub alpha: f64,
    /// Theta coefficient (2 for the standard models).
    pub theta: f64,
    /// Starting level.
    pub initial_level: f64,
    /// The fitting criterion: squared one-step errors after the third, over the mean
    /// absolute (deseasonalised) value.
    pub mse: f64,
    /// How the series was deseasonalised, if it was.
    pub decomposition: Option<Decomposition>,
    /// Seasonal factors (or terms) of the next periods, repeated over the horizon.
    pub seasonal: Vec<f64>,
    end: ThetaState,
    n: usize,
    lead: usize,
}

const TOL: f64 = 1e-10;
/// `Φ⁻¹(0.95)`, the bound of statsforecast's seasonality test.
const Z_95: f64 = 1.644_853_626_951_472_2;

fn start(y: &[f64], model: ThetaModel, level0: f64, alpha: f64, theta: f64) -> ThetaState {
    let (a, b, mu) = if model.dynamic() {
        (y[0], 0.0, y[0])
    } else {
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let weighted = y.iter().enumerate().map(|(i, v)| v * (i + 1) as f64).sum::<f64>() / n;
        let b = 6.0 * (2.0 * weighted - (n + 1.0) * mean) / (n * n - 1.0);
        let a = mean - (n + 1.0) * b / 2.0;
        (a, b, level0 + (1.0 - 1.0 / theta) * (a + b))
    };
    ThetaState { level: alpha * y[0] + (1.0 - alpha) * level0, mean_y: y[0], a, b, mu, decay_power: 1.0 - alpha }
}

/// The state after period `i` from the state after `i - 1`, observing `y` (or, to
/// forecast, the model's own mean).
fn step(prev: &ThetaState, i: usize, model: ThetaModel, alpha: f64, theta: f64, y: Option<f64>) -> ThetaState {
    let fi = i as f64;
    let decay = 1.0 - alpha;
    let decay_power = prev.decay_power * decay;
    let mu = prev.level + (1.0 - 1.0 / theta) * (prev.a * prev.decay_power + prev.b * (1.0 - decay_power) / alpha);
    let y = y.unwrap_or(mu);
    let level = alpha * y + decay * prev.level;
    let mean_y = (fi * prev.mean_y + y) / (fi + 1.0);
    let (a, b) = if model.dynamic() {
        let b = ((fi - 1.0) * prev.b + 6.0 * (y - prev.mean_y) / (fi + 1.0)) / (fi + 2.0);
        (mean_y - b * (fi + 2.0) / 2.0, b)
    } else {
        (prev.a, prev.b)
    };
    ThetaState { level, mean_y, a, b, mu, decay_power }
}

/// One pass: the criterion and the end state.
fn pass(y: &[f64], model: ThetaModel, level0: f64, alpha: f64, theta: f64) -> (f64, ThetaState) {
    let mut state = start(y, model, level0, alpha, theta);
    let mut sse = 0.0;
    for (i, &obs) in y.iter().enumerate().skip(1) {
        state = step(&state, i, model, alpha, theta, Some(obs));
        if i >= 3 {
            sse += (obs - state.mu) * (obs - state.mu);
        }
    }
    let scale = (y.iter().map(|v| v.abs()).sum::<f64>() / y.len() as f64).max(TOL);
    (sse / scale, state)
}

fn fit_model(y: &[f64], model: ThetaModel) -> (f64, f64, f64, f64, ThetaState) {
    let unpack = |x: &[f64]| (x[0], x[1], if model.optimised() { x[2] } else { 2.0 });
    let (mut x0, mut lower, mut upper) = (vec![y[0] / 2.0, 0.5], vec![-1e10, 0.1], vec![1e10, 0.99]);
    if model.optimised() {
        x0.push(2.0);
        lower.push(1.0);
        upper.push(1e10);
    }
    let objective = |x: &[f64]| {
        let (level0, alpha, theta) = unpack(x);
        let mse = pass(y, model, level0, alpha, theta).0.max(-1e10);
        // statsforecast maps a NaN criterion to -inf (its selection then drops the model).
        if mse.is_nan() { f64::NEG_INFINITY } else { mse }
    };
    let best = NelderMead::default().minimize(objective, &x0, &lower, &upper);
    let (level0, alpha, theta) = unpack(&best);
    let (mse, end) = pass(y, model, level0, alpha, theta);
    (mse, level0, alpha, theta, end)
}

impl AutoTheta {
    /// The full search with this season length and multiplicative deseasonalisation.
    pub fn new(season_length: usize) -> Self {
        Self { season_length, decomposition: Decomposition::Multiplicative, model: None }
    }

    /// Fit to `history` (NaN = missing, filled as [`crate::stats`] describes).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `season_length` is 0; [`Error::InvalidData`] when the
    /// history has no observed value, three or fewer observations, or no model fits.
    pub fn fit(&self, history: &[f64]) -> Result<ThetaFit> {
        if self.season_length == 0 {
            return Err(Error::InvalidParam { name: "season_length", value: "0".into(), expected: ">= 1" });
        }
        let prepared = Prepared::new(history, "theta")?;
        let mut y = prepared.values;
        let (n, m) = (y.len(), self.season_length);
        let mut decomposition = None;
        let mut seasonal = Vec::new();
        if m >= 4 && n >= 2 * m {
            let r = autocorrelation(&y, m);
            let stat = ((1.0 + 2.0 * r[..m - 1].iter().map(|v| v * v).sum::<f64>()) / n as f64).sqrt();
            if r[m - 1].abs() / stat > Z_95 {
                let positive = y.iter().all(|v| *v > 0.0);
                let mut kind = if positive { self.decomposition } else { Decomposition::Additive };
                let mut component = seasonal_component(&y, m, kind == Decomposition::Multiplicative);
                if kind == Decomposition::Multiplicative && component.iter().any(|s| *s < 0.01) {
                    kind = Decomposition::Additive;
                    component = seasonal_component(&y, m, false);
                }
                for (v, s) in y.iter_mut().zip(&component) {
                    *v = if kind == Decomposition::Additive { *v - s } else { *v / s };
                }
                seasonal = component[n - m..].to_vec();
                decomposition = Some(kind);
            }
        }
        if n <= 3 {
            return Err(Error::InvalidData(format!("theta: {n} observations are too few; at least 4 are needed")));
        }
        let models =
            self.model.map_or(vec![ThetaModel::Stm, ThetaModel::Otm, ThetaModel::Dstm, ThetaModel::Dotm], |m| vec![m]);
        let mut best: Option<ThetaFit> = None;
        for model in models {
            let (mse, initial_level, alpha, theta, end) = fit_model(&y, model);
            if !mse.is_nan() && best.as_ref().is_none_or(|b| mse < b.mse) {
                let seasonal = seasonal.clone();
                best = Some(ThetaFit {
                    model,
                    alpha,
                    theta,
                    initial_level,
                    mse,
                    decomposition,
                    seasonal,
                    end,
                    n,
                    lead: prepared.lead,
                });
            }
        }
        best.filter(|b| b.mse.is_finite())
            .ok_or_else(|| Error::InvalidData(format!("theta: no model could be fitted to {n} observations")))
    }
}

impl ThetaFit {
    /// Point forecasts for the `horizon` periods after the history.
    pub fn forecast(&self, horizon: usize) -> Vec<f64> {
        let mut state = self.end;
        let mut out = Vec::with_capacity(horizon);
        for j in 0..self.lead + horizon {
            state = step(&state, self.n + j, self.model, self.alpha, self.theta, None);
            if j < self.lead {
                continue;
            }
            let v = match self.decomposition {
                Some(Decomposition::Multiplicative) => state.mu * self.seasonal[j % self.seasonal.len()],
                Some(Decomposition::Additive) => state.mu + self.seasonal[j % self.seasonal.len()],
                None => state.mu,
            };
            out.push(v);
        }
        out
    }
}

impl crate::baseline::SeriesForecaster for AutoTheta {
    fn name(&self) -> &str {
        "theta"
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>> {
        Ok(self.fit(history)?.forecast(horizon))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_theta_recursion_by_hand() {
        // y = 1, 2, 3, 4, 5: the regression line is a = 0, b = 1 (on t = 1..5).
        let y = [1.0, 2.0, 3.0, 4.0, 5.0];
        let s0 = start(&y, ThetaModel::Stm, 0.5, 0.5, 2.0);
        assert_eq!((s0.a, s0.b, s0.level, s0.mu), (0.0, 1.0, 0.75, 0.5 + 0.5 * 1.0));
        // mu_1 = level_0 + (1 - 1/2)(a (1/2)^1 + b (1 - (1/2)^2) / (1/2)) = 0.75 + 0.5 * 1.5.
        let s1 = step(&s0, 1, ThetaModel::Stm, 0.5, 2.0, Some(2.0));
        assert_eq!((s1.mu, s1.level, s1.mean_y), (1.5, 1.375, 1.5));
        // The dynamic model refits the line: b = (0 + 6 (2 - 1) / 2) / 3 = 1, a = 1.5 - 1.5.
        let d0 = start(&y, ThetaModel::Dstm, 0.5, 0.5, 2.0);
        let d1 = step(&d0, 1, ThetaModel::Dstm, 0.5, 2.0, Some(2.0));
        assert_eq!((d1.b, d1.a), (1.0, 0.0));
    }

    #[test]
    fn a_straight_line_is_extrapolated_at_half_slope_plus_level() {
        // Theta = 2 halves the long-run slope; an optimised theta follows the line.
        let y: Vec<f64> = (0..30).map(|t| 10.0 + 2.0 * t as f64).collect();
        let otm = AutoTheta { model: Some(ThetaModel::Otm), ..AutoTheta::new(1) }.fit(&y).unwrap();
        let f = otm.forecast(3);
        for (h, v) in f.iter().enumerate() {
            assert!((v - (10.0 + 2.0 * (30 + h) as f64)).abs() < 1.0, "step {h}: {v}");
        }
        assert!(otm.theta > 1.5 && otm.decomposition.is_none());
        assert!(AutoTheta::new(1).fit(&[1.0, 2.0, 3.0]).is_err());
        assert!(AutoTheta::new(0).fit(&y).is_err());
    }

    #[test]
    fn seasonal_series_are_deseasonalised_and_the_lead_skips_periods() {
        let factors = [1.3, 0.8, 0.7, 1.2];
        let y: Vec<f64> = (0..32).map(|t| 100.0 * factors[t % 4]).collect();
        let fit = AutoTheta::new(4).fit(&y).unwrap();
        assert_eq!(fit.decomposition, Some(Decomposition::Multiplicative));
        let f = fit.forecast(4);
        assert!(f.iter().enumerate().all(|(h, v)| (v - 100.0 * factors[h % 4]).abs() < 1.0), "{f:?}");
        // Two missing periods at the end: the forecasts continue the calendar.
        let mut gappy = y.clone();
        gappy.extend([f64::NAN, f64::NAN]);
        let g = AutoTheta::new(4).fit(&gappy).unwrap().forecast(2);
        assert!((g[0] - 100.0 * factors[2]).abs() < 1.0 && (g[1] - 100.0 * factors[3]).abs() < 1.0, "{g:?}");
    }
}
