//! Sales data in: [`SalesRecord`]s and CSV files become a [`crate::Panel`], with every
//! problem found reported by file, line, column and value ([`IngestReport`]); and the
//! seeded synthetic retail panel ([`generator::RetailGenerator`], [`default_panel`]).
//!
//! ```
//! use forecast_core::data::{CsvSpec, GapPolicy, IngestOptions, read_csv_from};
//! let csv = "day,shop,units,promo\n2024-01-01,a,3,no\n2024-01-03,a,5,yes\n2024-01-04,a,,no\n";
//! let spec = CsvSpec::new("day", "units").keys(["shop"]).regressors(["promo"]);
//! let (panel, report) = read_csv_from(csv.as_bytes(), "sales.csv", &spec, &IngestOptions::strict(GapPolicy::Zero))?;
//! assert_eq!(panel.series[0].target, vec![3.0, 0.0, 5.0]); // 2024-01-02 was a gap
//! // A flag is never guessed for a gap day: it is missing (NaN) and counted; one future day planned.
//! let promo = &panel.series[0].regressors[0];
//! assert!(promo[1].is_nan());
//! assert_eq!([promo[0], promo[2], promo[3]], [0.0, 1.0, 0.0]);
//! assert_eq!((report.periods_filled, report.future_rows, report.flag_cells_missing), (1, 1, 1));
//! # Ok::<(), forecast_core::Error>(())
//! ```

mod assemble;
mod cells;
mod gaps;
pub mod generator;
pub mod holidays;
mod ingest;
mod options;
mod record;
mod report;
mod sampling;
mod spec;
#[cfg(test)]
mod tests;

pub use generator::{GeneratedData, PromoPattern, RegimeShift, RetailGenerator, default_data, default_panel};
pub use ingest::{read_csv, read_csv_from};
pub use options::{DuplicatePolicy, GapPolicy, IngestMode, IngestOptions, NegativePolicy};
pub use record::{RECORD_COLUMNS, SalesRecord};
pub use report::{IngestReport, Issue, MAX_STORED_ISSUES, Problem, SeriesGaps};
pub use sampling::ln_gamma;
pub use spec::CsvSpec;
