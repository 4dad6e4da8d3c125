//! The report as data: what the JSON form holds and the HTML and PDF forms draw.

use forecast_core::branding::Branding;
use serde::{Deserialize, Serialize};

/// Schema identifier written in every report.
pub const SCHEMA_ID: &str = "forecast-xai/report/v1";

/// An explanation report. Every number carries its unit in the section that holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA_ID`].
    pub schema: String,
    /// Heading, e.g. "Store 3, item 12: forecast for next week".
    pub title: String,
    /// When the report was made (ISO 8601, from the caller's `Clock`).
    pub generated_at: String,
    /// Name, colours and logo of the tenant.
    pub branding: Branding,
    /// Sentences for the reader, in order.
    pub summary: Vec<String>,
    /// Forecast with its interval, against actuals.
    pub forecast: Option<ForecastChart>,
    /// What moves the forecast: a waterfall from the expected value.
    pub drivers: Option<Waterfall>,
    /// Accuracy by segment.
    pub segments: Option<SegmentTable>,
    /// Error rules as sentences.
    pub rules: Vec<String>,
    /// A minimal-change question ("what gets it to +15% units next week?") and its answers.
    pub counterfactuals: Option<CounterfactualTable>,
    /// Feature importance of the model by several measures.
    pub importance: Option<ImportanceTable>,
}

impl Report {
    /// An empty report with a title.
    pub fn new(title: impl Into<String>, generated_at: impl Into<String>, branding: Branding) -> Self {
        Self {
            schema: SCHEMA_ID.into(),
            title: title.into(),
            generated_at: generated_at.into(),
            branding,
            summary: Vec::new(),
            forecast: None,
            drivers: None,
            segments: None,
            rules: Vec::new(),
            counterfactuals: None,
            importance: None,
        }
    }
}

/// A forecast line with its interval band and the actuals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastChart {
    /// Chart heading.
    pub title: String,
    /// Unit of every value, e.g. "units".
    pub unit: String,
    /// Nominal coverage of the interval, e.g. 0.8.
    pub interval_level: f64,
    /// One point per period, in time order.
    pub points: Vec<ForecastPoint>,
}

/// One period of a [`ForecastChart`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastPoint {
    /// Period label, e.g. "2026-03-02".
    pub period: String,
    /// What happened, when known.
    pub actual: Option<f64>,
    /// The point forecast, when made.
    pub forecast: Option<f64>,
    /// Lower interval bound.
    pub lower: Option<f64>,
    /// Upper interval bound.
    pub upper: Option<f64>,
}

/// A waterfall from the expected value through each driver to the forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waterfall {
    /// Chart heading.
    pub title: String,
    /// Unit of every value.
    pub unit: String,
    /// Label of the starting bar, e.g. "Typical week".
    pub base_label: String,
    /// The starting value.
    pub base: f64,
    /// Signed contributions, in display order.
    pub drivers: Vec<Driver>,
    /// Label of the final bar, e.g. "Forecast".
    pub total_label: String,
}

impl Waterfall {
    /// Base plus every contribution.
    pub fn total(&self) -> f64 {
        self.drivers.iter().fold(self.base, |acc, d| acc + d.value)
    }
}

/// One signed contribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    /// What it is, e.g. "Promotion on Saturday".
    pub label: String,
    /// Its contribution, in the waterfall's unit.
    pub value: f64,
}

/// Accuracy by segment (store, item, category, ...), worst first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentTable {
    /// Table heading.
    pub title: String,
    /// Unit of actuals and forecasts.
    pub unit: String,
    /// One row per segment.
    pub rows: Vec<SegmentRow>,
}

/// One segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRow {
    /// Segment name, e.g. "Store 3".
    pub segment: String,
    /// Sum of actuals, in the table's unit.
    pub actual: f64,
    /// Sum of forecasts, in the table's unit.
    pub forecast: f64,
    /// Weighted absolute percentage error, as a fraction.
    pub wape: f64,
    /// Bias `Σ(forecast - actual) / Σ actual`, as a fraction (negative: under-forecast).
    pub bias: f64,
    /// The feature that moves this segment's forecasts most, when known.
    pub main_driver: Option<String>,
}

/// A minimal-change question about a plan and its answers, sparsest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterfactualTable {
    /// The question in a store manager's words.
    pub title: String,
    /// Unit of `baseline`, `target` and each answer's `units`, e.g. "units".
    pub unit: String,
    /// Currency symbol of revenue and margin, e.g. "$".
    pub currency: String,
    /// Total forecast as planned, in `unit`.
    pub baseline: f64,
    /// Lowest total that answers the question, in `unit`.
    pub target: f64,
    /// Revenue as planned, in `currency`, when the data have prices.
    pub baseline_revenue: Option<f64>,
    /// Gross margin as planned (revenue minus units x unit cost), in `currency`, when a cost is known.
    pub baseline_margin: Option<f64>,
    /// What the search assumed and kept to: levers, ranges, constraints, unit cost, budget.
    pub notes: Vec<String>,
    /// The answers.
    pub rows: Vec<CounterfactualRow>,
}

/// One answer to a [`CounterfactualTable`]'s question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterfactualRow {
    /// What changes, in words, e.g. "Promotion on Tue Jan 02 and Wed Jan 03".
    pub change: String,
    /// Total forecast under the change, in the table's unit.
    pub units: f64,
    /// Change against the plan, in percent.
    pub change_pct: f64,
    /// Revenue under the change, in the table's currency.
    pub revenue: Option<f64>,
    /// Gross margin under the change, in the table's currency.
    pub margin: Option<f64>,
}

/// Feature importance by mean |SHAP|, gain, split counts and permutation, most important first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportanceTable {
    /// Table heading.
    pub title: String,
    /// Unit of mean |SHAP| and of the permutation increase, e.g. "units".
    pub unit: String,
    /// What the permutation increase measures, e.g. "increase in mean absolute error".
    pub permutation_metric: String,
    /// One row per feature.
    pub rows: Vec<ImportanceRow>,
}

/// One feature of an [`ImportanceTable`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportanceRow {
    /// The feature in words.
    pub feature: String,
    /// Mean absolute contribution to a forecast, in the table's unit.
    pub mean_abs_shap: Option<f64>,
    /// Share of the model's total split gain, as a fraction.
    pub gain_share: Option<f64>,
    /// Number of splits on the feature.
    pub splits: f64,
    /// Mean increase of the error when the feature is shuffled, in the table's unit.
    pub permutation: Option<f64>,
}
