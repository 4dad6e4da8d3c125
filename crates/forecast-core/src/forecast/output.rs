//! Forecast results: per series, dates, point forecasts and optional quantiles.

use crate::{Panel, SeriesKey};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One quantile forecast path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantileForecast {
    /// The quantile level in (0, 1), e.g. 0.1.
    pub alpha: f64,
    /// One value per step.
    pub values: Vec<f64>,
}

/// The forecast of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesForecast {
    /// Index of the series in the panel.
    pub series: usize,
    /// The series key.
    pub key: SeriesKey,
    /// Target index of the first step.
    pub origin: usize,
    /// Date of each step.
    pub dates: Vec<NaiveDate>,
    /// Point forecast of each step.
    pub point: Vec<f64>,
    /// Quantile forecasts (from quantile models or conformal intervals), by increasing alpha.
    pub quantiles: Vec<QuantileForecast>,
}

impl SeriesForecast {
    /// An empty forecast of `series` from `origin` with the dates of `horizon` steps.
    pub(crate) fn new(panel: &Panel, series: usize, origin: usize, horizon: usize) -> Self {
        let s = &panel.series[series];
        let dates = (0..horizon).filter_map(|k| panel.date(s, origin + k)).collect();
        Self { series, key: s.key.clone(), origin, dates, point: Vec::with_capacity(horizon), quantiles: Vec::new() }
    }

    /// The quantile path at level `alpha`, if present (compared to 1e-9).
    pub fn quantile(&self, alpha: f64) -> Option<&[f64]> {
        self.quantiles.iter().find(|q| (q.alpha - alpha).abs() < 1e-9).map(|q| q.values.as_slice())
    }

    /// Insert or replace the quantile path at `alpha`, keeping the list sorted by alpha.
    pub fn set_quantile(&mut self, alpha: f64, values: Vec<f64>) {
        self.quantiles.retain(|q| (q.alpha - alpha).abs() >= 1e-9);
        self.quantiles.push(QuantileForecast { alpha, values });
        self.quantiles.sort_by(|a, b| a.alpha.total_cmp(&b.alpha));
    }
}

/// Forecasts of one model for every series of a panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecasts {
    /// The model's name.
    pub model: String,
    /// Number of steps.
    pub horizon: usize,
    /// One entry per series, in panel order.
    pub series: Vec<SeriesForecast>,
}

impl Forecasts {
    /// Write the forecasts as CSV rows `model,key,date,step,point[,q<alpha>...]` (key parts
    /// joined with `/`), with a header.
    ///
    /// # Errors
    /// [`crate::Error::Io`] when writing fails.
    pub fn write_csv<W: std::io::Write>(&self, mut out: W) -> crate::Result<()> {
        let io = |source| crate::Error::Io { path: "<forecast csv>".into(), source };
        let alphas: Vec<f64> =
            self.series.first().map(|s| s.quantiles.iter().map(|q| q.alpha).collect()).unwrap_or_default();
        let mut header = String::from("model,series,date,step,point");
        for a in &alphas {
            header.push_str(&format!(",q{}", (a * 100.0).round()));
        }
        writeln!(out, "{header}").map_err(io)?;
        for s in &self.series {
            for (k, (date, p)) in s.dates.iter().zip(&s.point).enumerate() {
                let mut line = format!("{},{},{date},{},{p}", self.model, csv_field(&s.key.to_string()), k + 1);
                for a in &alphas {
                    let v = s.quantile(*a).and_then(|q| q.get(k)).copied().unwrap_or(f64::NAN);
                    if v.is_nan() { line.push(',') } else { line.push_str(&format!(",{v}")) }
                }
                writeln!(out, "{line}").map_err(io)?;
            }
        }
        Ok(())
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}
