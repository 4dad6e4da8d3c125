//! Report building blocks: the report as data ([`Report`], with a JSON Schema), rendered as
//! self-contained HTML with inline SVG charts (forecast with interval, driver waterfall,
//! segment table, minimal-change answers, feature importance) and, with the `pdf` feature, as a one-page PDF drawing the same charts.
//! Branding comes in as forecast-core's plain [`forecast_core::branding::Branding`].

mod chart;
mod html;
#[cfg(feature = "pdf")]
mod logo;
mod model;
#[cfg(feature = "pdf")]
mod pdf;
mod schema;
mod specimen;
mod svg;

pub use html::to_html;
pub use model::{
    CounterfactualRow, CounterfactualTable, Driver, ForecastChart, ForecastPoint, ImportanceRow, ImportanceTable,
    Report, SCHEMA_ID, SegmentRow, SegmentTable, Waterfall,
};
#[cfg(feature = "pdf")]
pub use pdf::to_pdf;
pub use schema::report_schema;
pub use specimen::specimen;

use crate::{Result, XaiError};

/// The report as pretty JSON (see [`report_schema`]).
///
/// # Errors
/// [`XaiError::Report`] if a number is not finite (JSON has no NaN).
pub fn to_json(r: &Report) -> Result<String> {
    serde_json::to_string_pretty(r).map_err(|e| XaiError::Report(format!("JSON: {e}")))
}

#[cfg(test)]
mod tests;
