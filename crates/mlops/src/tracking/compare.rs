//! Side-by-side comparison of runs.

use forecast_core::tracking::Run;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Runs side by side: one column per run, one row per param or metric key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunComparison {
    /// Run ids, in the order asked for.
    pub run_ids: Vec<i64>,
    /// Run names.
    pub run_names: Vec<String>,
    /// Each param key and its value in each run (None where not logged).
    pub params: BTreeMap<String, Vec<Option<String>>>,
    /// Each metric key and its latest value in each run.
    pub metrics: BTreeMap<String, Vec<Option<f64>>>,
}

impl RunComparison {
    pub(crate) fn new(runs: Vec<Run>) -> Self {
        let n = runs.len();
        let mut params: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
        let mut metrics: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
        for (i, run) in runs.iter().enumerate() {
            for (k, v) in &run.params {
                params.entry(k.clone()).or_insert_with(|| vec![None; n])[i] = Some(v.clone());
            }
            for (k, v) in &run.metrics {
                metrics.entry(k.clone()).or_insert_with(|| vec![None; n])[i] = Some(*v);
            }
        }
        Self {
            run_ids: runs.iter().map(|r| r.id).collect(),
            run_names: runs.into_iter().map(|r| r.name).collect(),
            params,
            metrics,
        }
    }

    /// Param keys whose values are not the same in every run.
    pub fn differing_params(&self) -> Vec<&str> {
        self.params.iter().filter(|(_, v)| v.windows(2).any(|w| w[0] != w[1])).map(|(k, _)| k.as_str()).collect()
    }

    /// The run with the lowest (or highest) value of `metric`, skipping runs without it.
    pub fn best(&self, metric: &str, lower_is_better: bool) -> Option<i64> {
        let values = self.metrics.get(metric)?;
        let (i, _) = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v)))
            .min_by(|a, b| if lower_is_better { a.1.total_cmp(&b.1) } else { b.1.total_cmp(&a.1) })?;
        self.run_ids.get(i).copied()
    }
}

impl fmt::Display for RunComparison {
    /// An aligned text table: params first (marked `*` where they differ), then metrics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let differing = self.differing_params();
        let mut rows: Vec<Vec<String>> = vec![
            std::iter::once("key".to_string())
                .chain(self.run_ids.iter().zip(&self.run_names).map(|(id, n)| format!("{n} (#{id})")))
                .collect(),
        ];
        for (k, vals) in &self.params {
            let mark = if differing.contains(&k.as_str()) { "*" } else { "" };
            rows.push(
                std::iter::once(format!("params.{k}{mark}"))
                    .chain(vals.iter().map(|v| v.clone().unwrap_or_else(|| "-".into())))
                    .collect(),
            );
        }
        for (k, vals) in &self.metrics {
            rows.push(
                std::iter::once(format!("metrics.{k}"))
                    .chain(vals.iter().map(|v| v.map_or_else(|| "-".into(), |v| format!("{v:.6}"))))
                    .collect(),
            );
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
            .collect();
        for row in rows {
            let cells: Vec<String> = row.iter().zip(&widths).map(|(s, w)| format!("{s:<w$}")).collect();
            writeln!(f, "{}", cells.join("  ").trim_end())?;
        }
        Ok(())
    }
}
