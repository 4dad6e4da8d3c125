//! AutoETS: exponential smoothing state-space models (Hyndman et al. 2008) chosen by AICc,
//! as statsforecast's `AutoETS` (2.1.1, a port of R forecast's `ets`) does.
//!
//! The search tries additive and multiplicative errors, no / additive / additive damped
//! trends and no / additive / multiplicative seasons, with statsforecast's restrictions:
//! additive errors never meet multiplicative seasons, multiplicative errors and seasons need
//! positive data, and seasons need `season_length > 1` and more than one season of data.
//! Each model is fitted by Nelder-Mead on the likelihood over its smoothing parameters
//! (alpha, beta, gamma in `1e-4..=0.9999`, phi in `0.8..=0.98`) and starting states
//! together; the lowest AICc wins. A constant series gets the constant.
//!
//! Differences from statsforecast: no multiplicative trend (statsforecast's default leaves it
//! out too), no admissibility check of the starting parameters (statsforecast raises when it
//! fails, which its own defaults do not trigger), no prediction intervals yet.
//!
//! ```
//! use forecast_core::stats::AutoEts;
//!
//! // Four years of a monthly series with a yearly cycle and growth.
//! let y: Vec<f64> = (0..48).map(|t| (100.0 + 2.0 * t as f64) * (1.0 + 0.3 * (t as f64 * 0.5236).sin())).collect();
//! let fit = AutoEts::new(12).fit(&y)?;
//! assert!(fit.model.season != forecast_core::stats::Component::None, "{}", fit.model);
//! let f = fit.forecast(12);
//! assert!((f[0] / ((100.0 + 96.0) * (1.0 + 0.3 * (48.0f64 * 0.5236).sin())) - 1.0).abs() < 0.05);
//! # Ok::<(), forecast_core::Error>(())
//! ```

mod fit;
mod recursion;

use crate::stats::prepare::Prepared;
use crate::{Error, Result};
use fit::{ModelFit, fit_model};
use recursion::{Kind, Shape, Smoothing, State};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One component of an ETS model, or `Auto` to let the search choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Absent (`N`).
    None,
    /// Additive (`A`).
    Additive,
    /// Multiplicative (`M`).
    Multiplicative,
    /// Chosen by AICc (`Z`).
    Auto,
}

impl Component {
    fn letter(self) -> char {
        match self {
            Self::None => 'N',
            Self::Additive => 'A',
            Self::Multiplicative => 'M',
            Self::Auto => 'Z',
        }
    }

    fn from_letter(c: char) -> Option<Self> {
        match c.to_ascii_uppercase() {
            'N' => Some(Self::None),
            'A' => Some(Self::Additive),
            'M' => Some(Self::Multiplicative),
            'Z' => Some(Self::Auto),
            _ => None,
        }
    }
}

/// The AutoETS search.
///
/// | Field | Default | Purpose | Range |
/// |---|---|---|---|
/// | `season_length` | (required) | periods per seasonal cycle (7 daily, 52 weekly, 12 monthly; 1 = no season) | >= 1 |
/// | `error` | `Auto` | error component | `Additive`, `Multiplicative`, `Auto` |
/// | `trend` | `Auto` | trend component | `None`, `Additive`, `Auto` |
/// | `season` | `Auto` | season component | any |
/// | `damped` | `None` (try both) | damp the trend | `Some(true)`, `Some(false)`, `None` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoEts {
    /// Periods per seasonal cycle.
    pub season_length: usize,
    /// Error component.
    pub error: Component,
    /// Trend component (multiplicative trends are not offered).
    pub trend: Component,
    /// Season component.
    pub season: Component,
    /// Whether the trend is damped; `None` tries both.
    pub damped: Option<bool>,
}

/// The model a search chose: statsforecast's `ETS(M,Ad,M)` notation in [`fmt::Display`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EtsModel {
    /// `Additive` or `Multiplicative`.
    pub error: Component,
    /// `None` or `Additive`.
    pub trend: Component,
    /// Whether the trend is damped.
    pub damped: bool,
    /// `None`, `Additive` or `Multiplicative`.
    pub season: Component,
}

impl fmt::Display for EtsModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = if self.damped { "d" } else { "" };
        write!(f, "ETS({},{}{d},{})", self.error.letter(), self.trend.letter(), self.season.letter())
    }
}

/// A fitted ETS model: forecasts from the state at the end of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct EtsFit {
    /// The chosen model.
    pub model: EtsModel,
    /// Season length used (1 for a model without season).
    pub season_length: usize,
    /// Level smoothing.
    pub alpha: f64,
    /// Trend smoothing (0 without trend).
    pub beta: f64,
    /// Season smoothing (0 without season).
    pub gamma: f64,
    /// Damping (1 for an undamped or absent trend).
    pub phi: f64,
    /// AICc of the chosen model (NaN for a constant series).
    pub aicc: f64,
    /// Variance of the one-step errors (relative errors for multiplicative errors).
    pub sigma2: f64,
    shape: Shape,
    end: State,
    /// Periods between the last observation and the end of the history.
    lead: usize,
}

impl EtsFit {
    /// Point forecasts for the `horizon` periods after the history.
    pub fn forecast(&self, horizon: usize) -> Vec<f64> {
        let mut f = vec![0.0; self.lead + horizon];
        self.end.forecast(&self.shape, self.phi, &mut f);
        f.split_off(self.lead)
    }
}

const LOWER: [f64; 4] = [1e-4, 1e-4, 1e-4, 0.8];
const UPPER: [f64; 4] = [0.9999, 0.9999, 0.9999, 0.98];

fn kind(c: Component) -> Kind {
    match c {
        Component::Additive => Kind::Additive,
        Component::Multiplicative => Kind::Multiplicative,
        Component::None | Component::Auto => Kind::None,
    }
}

fn component(k: Kind) -> Component {
    match k {
        Kind::None => Component::None,
        Kind::Additive => Component::Additive,
        Kind::Multiplicative => Component::Multiplicative,
    }
}

impl AutoEts {
    /// The full search (`ZZZ`) with this season length.
    pub fn new(season_length: usize) -> Self {
        Self { season_length, error: Component::Auto, trend: Component::Auto, season: Component::Auto, damped: None }
    }

    /// A search from statsforecast's model string, e.g. `"ZZZ"`, `"MAM"`, `"ANN"`.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] unless `spec` is three letters of `N`, `A`, `M`, `Z` with the
    /// error not `N` and the trend not `M`.
    pub fn from_spec(season_length: usize, spec: &str) -> Result<Self> {
        let bad = || Error::InvalidParam {
            name: "ets model",
            value: spec.into(),
            expected: "three letters error/trend/season: error A, M or Z; trend N, A or Z; season N, A, M or Z",
        };
        let letters: Vec<Component> =
            spec.chars().map(Component::from_letter).collect::<Option<_>>().ok_or_else(bad)?;
        let [error, trend, season] = letters[..] else { return Err(bad()) };
        if error == Component::None || trend == Component::Multiplicative {
            return Err(bad());
        }
        Ok(Self { season_length, error, trend, season, damped: None })
    }

    fn check(&self) -> Result<()> {
        if self.season_length == 0 {
            return Err(Error::InvalidParam { name: "season_length", value: "0".into(), expected: ">= 1" });
        }
        if self.error == Component::None {
            return Err(Error::InvalidParam {
                name: "error",
                value: "none".into(),
                expected: "additive, multiplicative or auto",
            });
        }
        if self.trend == Component::Multiplicative {
            return Err(Error::InvalidParam {
                name: "trend",
                value: "multiplicative".into(),
                expected: "none, additive or auto",
            });
        }
        if self.damped == Some(true) && self.trend == Component::None {
            return Err(Error::InvalidParam {
                name: "damped",
                value: "true".into(),
                expected: "false or None when the trend is None",
            });
        }
        Ok(())
    }

    /// Fit the search to `history` (NaN = missing, filled as [`crate::stats`] describes).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for an invalid search; [`Error::InvalidData`] when the history
    /// has no observed value, seven or fewer observations, or no model fits it (e.g. a fixed
    /// multiplicative model on data with zeros).
    pub fn fit(&self, history: &[f64]) -> Result<EtsFit> {
        self.check()?;
        let prepared = Prepared::new(history, "ets")?;
        self.fit_prepared(&prepared)
    }

    fn fit_prepared(&self, prepared: &Prepared) -> Result<EtsFit> {
        let y = &prepared.values;
        let n = y.len();
        let data = |msg: String| Error::InvalidData(format!("ets: {msg}"));
        if y.iter().all(|v| *v == y[0]) {
            let shape = Shape { error: Kind::Additive, trend: Kind::None, season: Kind::None, m: 1 };
            let end = State { level: y[0], growth: 0.0, seasonal: Vec::new(), front: 0 };
            let model =
                EtsModel { error: Component::Additive, trend: Component::None, damped: false, season: Component::None };
            let lead = prepared.lead;
            return Ok(EtsFit {
                model,
                season_length: 1,
                alpha: 0.9999,
                beta: 0.0,
                gamma: 0.0,
                phi: 1.0,
                aicc: f64::NAN,
                sigma2: 0.0,
                shape,
                end,
                lead,
            });
        }
        let m = self.season_length;
        let mut season = self.season;
        if n <= m {
            season = Component::None;
        }
        if m == 1 {
            if matches!(season, Component::Additive | Component::Multiplicative) {
                return Err(Error::InvalidParam {
                    name: "season",
                    value: format!("{season:?}"),
                    expected: "None or Auto when season_length is 1",
                });
            }
            season = Component::None;
        }
        let positive = y.iter().all(|v| *v > 0.0);
        if self.error == Component::Additive && season == Component::Multiplicative {
            return Err(Error::InvalidParam {
                name: "season",
                value: "multiplicative".into(),
                expected: "additive or none with additive errors (statsforecast forbids A,*,M)",
            });
        }
        if !positive && (self.error == Component::Multiplicative || season == Component::Multiplicative) {
            return Err(data(format!(
                "multiplicative components need positive data; this history of {n} values has zeros or negatives"
            )));
        }
        let fixed = |c: Component| usize::from(matches!(c, Component::Additive | Component::Multiplicative));
        let npars = 2 + 2 * fixed(self.trend) + 2 * fixed(season) + usize::from(self.damped == Some(true));
        if n <= npars + 4 {
            return Err(data(format!("{n} observations are too few; more than {} are needed", npars + 4)));
        }
        let expand = |c: Component, auto: &[Kind]| if c == Component::Auto { auto.to_vec() } else { vec![kind(c)] };
        let errors = expand(self.error, &[Kind::Additive, Kind::Multiplicative]);
        let trends = expand(self.trend, &[Kind::None, Kind::Additive]);
        let seasons = expand(season, &[Kind::None, Kind::Additive, Kind::Multiplicative]);
        let damping = self.damped.map_or(vec![true, false], |d| vec![d]);
        // statsforecast narrows these bounds in place while it starts each model; the order
        // of the loops below is therefore part of the result.
        let mut upper = UPPER;
        let mut best: Option<ModelFit> = None;
        for &error in &errors {
            for &trend in &trends {
                for &season in &seasons {
                    for &damped in &damping {
                        if trend == Kind::None && damped {
                            continue;
                        }
                        if error == Kind::Additive && season == Kind::Multiplicative {
                            continue;
                        }
                        if !positive && (error == Kind::Multiplicative || season == Kind::Multiplicative) {
                            continue;
                        }
                        if season != Kind::None && m == 1 {
                            continue;
                        }
                        let shape = Shape { error, trend, season, m: if season == Kind::None { 1 } else { m } };
                        let Some(fit) = fit_model(y, shape, damped, &LOWER, &mut upper) else { continue };
                        if !fit.aicc.is_nan() && best.as_ref().is_none_or(|b| fit.aicc < b.aicc) {
                            best = Some(fit);
                        }
                    }
                }
            }
        }
        let best = best
            .filter(|b| b.aicc.is_finite())
            .ok_or_else(|| data(format!("no model could be fitted to {n} observations")))?;
        let Smoothing { alpha, beta, gamma, phi } = best.smoothing;
        Ok(EtsFit {
            model: EtsModel {
                error: component(best.shape.error),
                trend: component(best.shape.trend),
                damped: best.damped,
                season: component(best.shape.season),
            },
            season_length: best.shape.m,
            alpha,
            beta,
            gamma,
            phi,
            aicc: best.aicc,
            sigma2: best.sigma2,
            shape: best.shape,
            end: best.end,
            lead: prepared.lead,
        })
    }
}

impl crate::baseline::SeriesForecaster for AutoEts {
    fn name(&self) -> &str {
        "ets"
    }

    fn forecast(&self, history: &[f64], horizon: usize) -> Result<Vec<f64>> {
        Ok(self.fit(history)?.forecast(horizon))
    }
}
