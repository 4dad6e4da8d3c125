//! Demand curves simulated with a fitted forecaster: change a planned price or discount in a
//! copy of the panel, forecast again, and count units, revenue and markdown.
//!
//! Everything else stays as planned (calendar, holidays, promotions, the other series). The
//! cells a what-if changes ([`WhatIfCells`]) are target indices of a series: in its planned
//! future (a window of steps, [`future_window`], or its planned promotion,
//! [`planned_promotions`]), forecast from the end of its history; or in its history
//! ([`historical_promotions`]), forecast from the cells' start (a backcast).
//!
//! A tree model is piecewise constant in each feature: between two discount levels it was
//! trained on, the simulated demand stays flat and then jumps at a split threshold that may sit
//! anywhere between them. So: simulate at the levels the history holds ([`support_levels`]);
//! read the elasticity off a constant-elasticity fit of the simulated points
//! ([`SimulatedCurve::smoothed`]), best over many historical promotions, whose contexts
//! average out the model's local quirks; and optimise on that smooth curve, anchored at the
//! planned window's simulated level ([`SimulatedCurve::smoothed_with_elasticity`],
//! [`SimulatedCurve::lever_curve`]), not on a fine grid of the raw staircase.

use super::curve::{ConstantElasticity, DemandCurve};
use super::optimise::{LeverCurve, LeverKind, LeverOnCurve, Outcome};
use crate::error::{DecisionError, Result, positive};
use forecast_core::Panel;
use forecast_core::forecast::FittedForecaster;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The cells of one series a what-if changes: target indices `periods` (past its history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatIfCells {
    /// Series index in the panel.
    pub series: usize,
    /// Target indices, within the series' planned future.
    pub periods: Range<usize>,
}

/// The first `steps` of the planned future of each series in `series`.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for an unknown series or steps beyond a series' plan.
pub fn future_window(panel: &Panel, series: &[usize], steps: Range<usize>) -> Result<Vec<WhatIfCells>> {
    series
        .iter()
        .map(|&s| {
            let sr = panel
                .series
                .get(s)
                .ok_or_else(|| DecisionError::invalid("series", s, format!("a series index < {}", panel.series.len())))?;
            let periods = sr.len() + steps.start..sr.len() + steps.end;
            if steps.is_empty() || steps.end > sr.known_future() {
                return Err(DecisionError::invalid(
                    format!("steps of series {}", sr.key),
                    format!("{}..{}", steps.start, steps.end),
                    format!("a non-empty range within its {} planned periods", sr.known_future()),
                ));
            }
            Ok(WhatIfCells { series: s, periods })
        })
        .collect()
}

/// The first planned promotion (a run of periods with `promo_column > 0` past the history) of
/// each series in `series`; series with none planned are left out (compare the lengths).
///
/// # Errors
/// [`DecisionError::UnknownName`] when the panel has no such column;
/// [`DecisionError::InvalidParameter`] for an unknown series.
pub fn planned_promotions(panel: &Panel, series: &[usize], promo_column: &str) -> Result<Vec<WhatIfCells>> {
    let j = column(panel, promo_column)?;
    let mut out = Vec::new();
    for &s in series {
        let sr = panel
            .series
            .get(s)
            .ok_or_else(|| DecisionError::invalid("series", s, format!("a series index < {}", panel.series.len())))?;
        let end_of_plan = sr.len() + sr.known_future();
        let promo = &sr.regressors[j];
        if let Some(start) = (sr.len()..end_of_plan).find(|&t| promo[t] > 0.0) {
            let end = (start..end_of_plan).find(|&t| promo[t] <= 0.0).unwrap_or(end_of_plan);
            out.push(WhatIfCells { series: s, periods: start..end });
        }
    }
    Ok(out)
}

/// The distinct values of a regressor in the history of `series` (sorted, to 1e-9): the levels
/// a model fitted on that history can speak for.
///
/// # Errors
/// [`DecisionError::UnknownName`] when the panel has no such column.
pub fn support_levels(panel: &Panel, series: &[usize], name: &str) -> Result<Vec<f64>> {
    let j = column(panel, name)?;
    let mut levels: Vec<f64> = series
        .iter()
        .filter_map(|&s| panel.series.get(s))
        .flat_map(|sr| sr.regressors[j][..sr.len()].iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    Ok(levels)
}

fn column(panel: &Panel, name: &str) -> Result<usize> {
    panel.regressor_index(name).ok_or_else(|| DecisionError::UnknownName {
        what: "regressor",
        name: name.to_owned(),
        known: panel.regressor_names.join(", "),
    })
}

/// Where cells are forecast from: the end of the history for planned cells, their own start
/// for cells in the history (a backcast what-if: the targets before them are read).
fn origin_of(cells: &WhatIfCells, len: usize) -> usize {
    cells.periods.start.min(len)
}

/// The promotions in the history of each series in `series`: every run of periods with
/// `promo_column > 0` starting at or after `first_start` (leave room for the model's lags) and
/// ending within the history. What-ifs on them average a model's response over many past
/// contexts, a steadier estimate of its elasticity than one planned window.
///
/// # Errors
/// [`DecisionError::UnknownName`] when the panel has no such column;
/// [`DecisionError::InvalidParameter`] for an unknown series.
pub fn historical_promotions(
    panel: &Panel,
    series: &[usize],
    promo_column: &str,
    first_start: usize,
) -> Result<Vec<WhatIfCells>> {
    let j = column(panel, promo_column)?;
    let mut out = Vec::new();
    for &s in series {
        let sr = panel
            .series
            .get(s)
            .ok_or_else(|| DecisionError::invalid("series", s, format!("a series index < {}", panel.series.len())))?;
        let promo = &sr.regressors[j][..sr.len()];
        let mut t = first_start.max(1);
        while t < promo.len() {
            if promo[t] > 0.0 && promo[t - 1] <= 0.0 {
                let end = (t..promo.len()).find(|&u| promo[u] <= 0.0).unwrap_or(promo.len());
                if end < promo.len() {
                    out.push(WhatIfCells { series: s, periods: t..end });
                }
                t = end;
            } else {
                t += 1;
            }
        }
    }
    Ok(out)
}

/// A demand curve simulated with a fitted forecaster over a price or discount lever.
#[derive(Debug)]
pub struct PipelineCurve<'a> {
    model: &'a dyn FittedForecaster,
    /// The series with cells only: every forecast copies and scores just these.
    panel: Panel,
    /// The cells as given (series index into the caller's panel).
    cells: Vec<WhatIfCells>,
    /// Index into `panel` of each cell's series.
    local: Vec<usize>,
    lever: LeverKind,
    lever_column: usize,
    price_column: usize,
    discount_column: Option<usize>,
    settings: Vec<(usize, f64)>,
    /// Groups of cell indices forecast together (at most one cell per series in a group).
    rounds: Vec<Vec<usize>>,
}

impl<'a> PipelineCurve<'a> {
    fn cell_series(&self, i: usize) -> &forecast_core::Series {
        &self.panel.series[self.local[i]]
    }

    /// A curve over `lever` changing `cells`, with revenue at the `price` column net of the
    /// `discount` column (if any). For [`LeverKind::Discount`] the lever column is `discount`,
    /// for [`LeverKind::Price`] it is `price`.
    ///
    /// # Errors
    /// [`DecisionError::UnknownName`] for a column the panel lacks;
    /// [`DecisionError::MissingParameter`] for a discount lever without a discount column;
    /// [`DecisionError::InvalidParameter`] for no cells, an unknown series, or cells outside a
    /// series' plan.
    pub fn new(
        model: &'a dyn FittedForecaster,
        panel: &Panel,
        lever: LeverKind,
        price: &str,
        discount: Option<&str>,
        cells: Vec<WhatIfCells>,
    ) -> Result<Self> {
        let price_column = column(panel, price)?;
        let discount_column = discount.map(|d| column(panel, d)).transpose()?;
        let lever_column = match lever {
            LeverKind::Price => price_column,
            LeverKind::Discount => discount_column.ok_or_else(|| DecisionError::MissingParameter {
                name: "discount".into(),
                context: "a discount what-if".into(),
                expected: "the name of the discount-fraction regressor".into(),
            })?,
        };
        if cells.is_empty() {
            return Err(DecisionError::invalid("cells", "none", "at least one series window to change"));
        }
        for c in &cells {
            let sr = panel.series.get(c.series).ok_or_else(|| {
                DecisionError::invalid("cells.series", c.series, format!("a series index < {}", panel.series.len()))
            })?;
            if c.periods.is_empty() || c.periods.start == 0 || c.periods.end > sr.len() + sr.known_future() {
                return Err(DecisionError::invalid(
                    format!("cells of series {}", sr.key),
                    format!("{}..{}", c.periods.start, c.periods.end),
                    format!("a non-empty range within 1..{} (history after its first period, or plan)", sr.len() + sr.known_future()),
                ));
            }
        }
        let mut involved: Vec<usize> = cells.iter().map(|c| c.series).collect();
        involved.sort_unstable();
        involved.dedup();
        let local: Vec<usize> = cells.iter().map(|c| involved.binary_search(&c.series).unwrap_or(0)).collect();
        let mut rounds: Vec<Vec<usize>> = Vec::new();
        let mut per_series = vec![0usize; involved.len()];
        for (i, &l) in local.iter().enumerate() {
            let r = per_series[l];
            per_series[l] += 1;
            if rounds.len() <= r {
                rounds.push(Vec::new());
            }
            rounds[r].push(i);
        }
        let sub = Panel {
            frequency: panel.frequency,
            key_names: panel.key_names.clone(),
            target_name: panel.target_name.clone(),
            regressor_names: panel.regressor_names.clone(),
            static_names: panel.static_names.clone(),
            static_levels: panel.static_levels.clone(),
            series: involved.iter().map(|&s| panel.series[s].clone()).collect(),
        };
        Ok(Self {
            model,
            panel: sub,
            cells,
            local,
            lever,
            lever_column,
            price_column,
            discount_column,
            settings: Vec::new(),
            rounds,
        })
    }

    /// Also set regressor `name` to `value` in every cell (e.g. `promo` to 1: a promotion at
    /// each simulated discount).
    ///
    /// # Errors
    /// [`DecisionError::UnknownName`] for a column the panel lacks;
    /// [`DecisionError::InvalidParameter`] for a non-finite value or the lever's own column.
    pub fn with_setting(mut self, name: &str, value: f64) -> Result<Self> {
        let j = column(&self.panel, name)?;
        if !value.is_finite() || j == self.lever_column {
            return Err(DecisionError::invalid(name, value, "a finite value for a column other than the lever's"));
        }
        self.settings.push((j, value));
        Ok(self)
    }

    /// The cells changed.
    pub fn cells(&self) -> &[WhatIfCells] {
        &self.cells
    }

    /// Mean planned shelf price over the cells: the reference of [`DemandCurve::demand`] for a
    /// discount lever.
    pub fn reference_price(&self) -> f64 {
        self.mean_planned(self.price_column)
    }

    fn mean_planned(&self, j: usize) -> f64 {
        let (sum, n) = self.cells.iter().enumerate().fold((0.0, 0usize), |(sum, n), (i, c)| {
            let v = &self.cell_series(i).regressors[j][c.periods.clone()];
            (sum + v.iter().sum::<f64>(), n + v.len())
        });
        sum / n.max(1) as f64
    }

    /// Forecast with the lever at `value` in every cell.
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] for a discount outside [0, 1) or a price <= 0, or a
    /// negative or non-finite forecast; forecasting errors.
    pub fn simulate(&self, value: f64) -> Result<Outcome> {
        match self.lever {
            LeverKind::Discount if !(0.0..1.0).contains(&value) => {
                return Err(DecisionError::invalid("discount", value, "a fraction in [0, 1)"));
            }
            LeverKind::Price => {
                positive("price", value)?;
            }
            LeverKind::Discount => {}
        }
        let mut total = Outcome { value, units: 0.0, revenue: 0.0, markdown: 0.0 };
        for round in &self.rounds {
            self.simulate_round(round, value, &mut total)?;
        }
        Ok(total)
    }

    /// One forecast: the cells `round` (at most one per series) changed in a copy of the panel,
    /// each forecast from its own origin.
    fn simulate_round(&self, round: &[usize], value: f64, total: &mut Outcome) -> Result<()> {
        let mut panel = self.panel.clone();
        let mut origins = vec![None; panel.series.len()];
        let mut horizon = 0;
        for &i in round {
            let c = &self.cells[i];
            let sr = &mut panel.series[self.local[i]];
            let origin = origin_of(c, sr.len());
            origins[self.local[i]] = Some(origin);
            horizon = horizon.max(c.periods.end - origin);
            for t in c.periods.clone() {
                sr.regressors[self.lever_column][t] = value;
                for &(j, v) in &self.settings {
                    sr.regressors[j][t] = v;
                }
            }
        }
        let forecasts = self.model.forecast(&panel, &origins, horizon)?;
        for &i in round {
            let c = &self.cells[i];
            let sf = forecasts.series.iter().find(|f| f.series == self.local[i]).ok_or_else(|| {
                DecisionError::invalid("forecast", c.series, "a forecast for every series with cells")
            })?;
            let planned = self.cell_series(i);
            let changed = &panel.series[self.local[i]];
            for t in c.periods.clone() {
                let u = sf.point.get(t - sf.origin).copied().unwrap_or(f64::NAN);
                if !(u.is_finite() && u >= 0.0) {
                    return Err(DecisionError::invalid(
                        format!("forecast of series {} at period {t}", planned.key),
                        u,
                        "a finite number >= 0",
                    ));
                }
                let disc = |s: &forecast_core::Series| self.discount_column.map_or(0.0, |d| s.regressors[d][t]);
                let net = changed.regressors[self.price_column][t] * (1.0 - disc(changed));
                let reference = match self.lever {
                    LeverKind::Discount => planned.regressors[self.price_column][t],
                    LeverKind::Price => planned.regressors[self.price_column][t] * (1.0 - disc(planned)),
                };
                total.units += u;
                total.revenue += net * u;
                total.markdown += (reference - net) * u;
            }
        }
        Ok(())
    }

    /// [`PipelineCurve::simulate`] at each value.
    ///
    /// # Errors
    /// As [`PipelineCurve::simulate`]; [`DecisionError::InsufficientData`] for fewer than two
    /// values.
    pub fn simulate_grid(&self, values: &[f64]) -> Result<SimulatedCurve> {
        if values.len() < 2 {
            return Err(DecisionError::InsufficientData {
                what: "a simulated curve (grid values)".into(),
                needed: 2,
                got: values.len(),
            });
        }
        let points = values.iter().map(|&v| self.simulate(v)).collect::<Result<Vec<_>>>()?;
        Ok(SimulatedCurve { lever: self.lever, reference_price: self.reference_price(), planned: self.planned_value(), points })
    }
}

impl DemandCurve for PipelineCurve<'_> {
    /// Units at a net `price`: for a price lever the shelf price; for a discount lever the
    /// discount `1 - price / reference_price`.
    fn demand(&self, price: f64) -> Result<f64> {
        let value = match self.lever {
            LeverKind::Price => price,
            LeverKind::Discount => 1.0 - price / self.reference_price(),
        };
        Ok(self.simulate(value)?.units)
    }
}

impl LeverCurve for PipelineCurve<'_> {
    fn lever(&self) -> LeverKind {
        self.lever
    }

    fn outcome(&self, value: f64) -> Result<Outcome> {
        self.simulate(value)
    }

    fn planned_value(&self) -> f64 {
        self.mean_planned(self.lever_column)
    }
}

/// Simulated points of a demand curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatedCurve {
    /// The lever simulated.
    pub lever: LeverKind,
    /// Mean planned shelf price over the cells.
    pub reference_price: f64,
    /// Mean planned lever value over the cells.
    pub planned: f64,
    /// One outcome per grid value, in grid order.
    pub points: Vec<Outcome>,
}

/// The constant-elasticity fit of a simulated curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurveFit {
    /// The fitted curve (units against net price).
    pub curve: ConstantElasticity,
    /// R squared of `ln units` on `ln net price` over the points.
    pub r_squared: f64,
}

impl SimulatedCurve {
    /// `(ln net price, ln units)` of every point (net price = revenue / units).
    fn log_points(&self) -> Result<Vec<(f64, f64)>> {
        self.points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if p.units > 0.0 && p.revenue > 0.0 {
                    Ok(((p.revenue / p.units).ln(), p.units.ln()))
                } else {
                    Err(DecisionError::invalid(format!("points[{i}].units"), p.units, "units and revenue > 0 for a log-log fit"))
                }
            })
            .collect()
    }

    /// Least-squares fit of `ln units = a + e ln(net price)` over the points: the elasticity
    /// the simulation implies, and a smooth curve to optimise on instead of a tree's staircase.
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] for a point without units or revenue;
    /// [`DecisionError::NoSolution`] when the net prices do not vary.
    pub fn smoothed(&self) -> Result<CurveFit> {
        let xy = self.log_points()?;
        let n = xy.len() as f64;
        let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
        let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
        if sxx <= 1e-18 {
            return Err(DecisionError::NoSolution {
                what: "the curve's elasticity".into(),
                reason: "the simulated net prices do not vary; widen the grid".into(),
            });
        }
        let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
        let e = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx;
        self.smoothed_with_elasticity(e)
    }

    /// The best fit of `ln units = a + e ln(net price)` with the elasticity `e` given (e.g.
    /// estimated on many historical windows, [`historical_promotions`]): this curve's level,
    /// another curve's shape.
    ///
    /// # Errors
    /// As [`SimulatedCurve::smoothed`]; [`DecisionError::InvalidParameter`] for a non-finite
    /// elasticity.
    pub fn smoothed_with_elasticity(&self, elasticity: f64) -> Result<CurveFit> {
        crate::error::finite("elasticity", elasticity)?;
        let xy = self.log_points()?;
        let n = xy.len() as f64;
        let (mx, my) = (xy.iter().map(|p| p.0).sum::<f64>() / n, xy.iter().map(|p| p.1).sum::<f64>() / n);
        let syy: f64 = xy.iter().map(|p| (p.1 - my).powi(2)).sum();
        let rss: f64 = xy.iter().map(|p| (p.1 - my - elasticity * (p.0 - mx)).powi(2)).sum();
        Ok(CurveFit {
            curve: ConstantElasticity { reference_price: mx.exp(), reference_demand: my.exp(), elasticity },
            r_squared: if syy > 0.0 { 1.0 - rss / syy } else { 1.0 },
        })
    }

    /// The fitted curve read through this curve's lever, to optimise on: shelf price and net
    /// factor taken from the simulated points.
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] when the first point has no units.
    pub fn lever_curve(&self, fit: &CurveFit) -> Result<LeverOnCurve<ConstantElasticity>> {
        let p = self.points.first().filter(|p| p.units > 0.0).ok_or_else(|| {
            DecisionError::invalid("points[0].units", self.points.first().map_or(0.0, |p| p.units), "units > 0")
        })?;
        let (shelf_price, net_factor) = match self.lever {
            LeverKind::Discount => ((p.revenue + p.markdown) / p.units, 1.0),
            LeverKind::Price => (self.planned, p.revenue / (p.value * p.units)),
        };
        Ok(LeverOnCurve { curve: fit.curve, lever: self.lever, shelf_price, net_factor, planned: self.planned })
    }
}
