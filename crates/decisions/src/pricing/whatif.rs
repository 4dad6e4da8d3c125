//! Demand curves simulated with a fitted forecaster: change a planned price or discount in a
//! copy of the panel, forecast again, and count units, revenue and markdown.
//!
//! Everything else stays as planned (calendar, holidays, promotions, the other series). The
//! cells a what-if changes ([`WhatIfCells`]) are target indices of a series: in its planned
//! future (a window of steps, [`super::future_window`], or its planned promotion,
//! [`super::planned_promotions`]), forecast from the end of its history; or in its history
//! ([`super::historical_promotions`]), forecast from the cells' start (a backcast).
//!
//! A tree model is piecewise constant in each feature: between two discount levels it was
//! trained on, the simulated demand stays flat and then jumps at a split threshold that may sit
//! anywhere between them. So: simulate at the levels the history holds ([`super::support_levels`]);
//! read the elasticity off a constant-elasticity fit of the simulated points
//! ([`SimulatedCurve::smoothed`]), best over many historical promotions, whose contexts
//! average out the model's local quirks; and optimise on that smooth curve, anchored at the
//! planned window's simulated level ([`SimulatedCurve::smoothed_with_elasticity`],
//! [`SimulatedCurve::lever_curve`]), not on a fine grid of the raw staircase.

use super::cells::{WhatIfCells, column};
use super::curve::DemandCurve;
use super::optimise::{LeverCurve, LeverKind, Outcome};
use super::simulated::SimulatedCurve;
use crate::error::{DecisionError, Result, positive};
use forecast_core::Panel;
use forecast_core::forecast::FittedForecaster;

/// Where cells are forecast from: the end of the history for planned cells, their own start
/// for cells in the history (a backcast what-if: the targets before them are read).
fn origin_of(cells: &WhatIfCells, len: usize) -> usize {
    cells.periods.start.min(len)
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
                    format!(
                        "a non-empty range within 1..{} (history after its first period, or plan)",
                        sr.len() + sr.known_future()
                    ),
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
        let sub = panel.subset(&involved)?;
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
        Ok(SimulatedCurve {
            lever: self.lever,
            reference_price: self.reference_price(),
            planned: self.planned_value(),
            points,
        })
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
