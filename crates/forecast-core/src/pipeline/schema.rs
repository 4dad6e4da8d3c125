//! `PanelSchema`: the layout of the panel a pipeline was fitted on, and the check that a panel
//! to forecast from has the same layout.

use crate::{Error, Frequency, Panel, Result, SeriesKey};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Frequency, column names, static levels and series keys of a training panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelSchema {
    /// The calendar step.
    pub frequency: Frequency,
    /// Key column names.
    pub key_names: Vec<String>,
    /// Target column name.
    pub target_name: String,
    /// Known-future regressor names, in the order the features read them.
    pub regressor_names: Vec<String>,
    /// Static column names.
    pub static_names: Vec<String>,
    /// Levels of each static column: a level's position is its code in the features.
    pub static_levels: Vec<Vec<String>>,
    /// The series the pipeline was fitted on, in panel order.
    pub series: Vec<SeriesKey>,
}

/// How the static codes of a panel map onto the codes a pipeline was fitted with: one entry
/// per series, one code per static column.
pub(crate) type StaticCodes = Vec<Vec<u32>>;

impl PanelSchema {
    /// The schema of `panel`.
    pub fn of(panel: &Panel) -> Self {
        Self {
            frequency: panel.frequency,
            key_names: panel.key_names.clone(),
            target_name: panel.target_name.clone(),
            regressor_names: panel.regressor_names.clone(),
            static_names: panel.static_names.clone(),
            static_levels: panel.static_levels.clone(),
            series: panel.series.iter().map(|s| s.key.clone()).collect(),
        }
    }

    /// Check that `panel` can be forecast by a pipeline of this schema, and return each
    /// series' static codes in the pipeline's encoding. Series the pipeline was not fitted on
    /// are accepted when every static level they carry was seen in training (a global model
    /// forecasts them from their own history, regressors and statics).
    ///
    /// # Errors
    /// [`Error::SchemaMismatch`] naming the first difference: frequency, key, target,
    /// regressor or static columns, or a static level the pipeline never saw (with the series).
    pub(crate) fn check(&self, panel: &Panel) -> Result<StaticCodes> {
        let mismatch =
            |what: &'static str, expected: String, found: String| Err(Error::SchemaMismatch { what, expected, found });
        if panel.frequency != self.frequency {
            return mismatch("frequency", format!("{:?}", self.frequency), format!("{:?}", panel.frequency));
        }
        if panel.key_names != self.key_names {
            return mismatch("key columns", list(&self.key_names), list(&panel.key_names));
        }
        if panel.target_name != self.target_name {
            return mismatch("target column", self.target_name.clone(), panel.target_name.clone());
        }
        if panel.regressor_names != self.regressor_names {
            return mismatch("regressor columns (names and order)", list(&self.regressor_names), {
                let missing: Vec<&String> =
                    self.regressor_names.iter().filter(|n| !panel.regressor_names.contains(n)).collect();
                let extra: Vec<&String> =
                    panel.regressor_names.iter().filter(|n| !self.regressor_names.contains(n)).collect();
                format!("{} (missing: {missing:?}; extra: {extra:?})", list(&panel.regressor_names))
            });
        }
        if panel.static_names != self.static_names {
            return mismatch("static columns", list(&self.static_names), list(&panel.static_names));
        }
        panel.validate()?;
        let lookup: Vec<HashMap<&str, u32>> = self
            .static_levels
            .iter()
            .map(|levels| levels.iter().enumerate().map(|(i, l)| (l.as_str(), i as u32)).collect())
            .collect();
        let mut codes = Vec::with_capacity(panel.series.len());
        for s in &panel.series {
            let mut row = Vec::with_capacity(s.statics.len());
            for (c, &code) in s.statics.iter().enumerate() {
                let level = &panel.static_levels[c][code as usize];
                match lookup[c].get(level.as_str()) {
                    Some(&k) => row.push(k),
                    None => {
                        return mismatch(
                            "static level",
                            format!(
                                "one of the {} levels of `{}` seen in training",
                                lookup[c].len(),
                                self.static_names[c]
                            ),
                            format!("`{level}` (series {})", s.key),
                        );
                    }
                }
            }
            codes.push(row);
        }
        Ok(codes)
    }
}

fn list(names: &[String]) -> String {
    format!("[{}]", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::RetailGenerator;

    #[test]
    fn differences_are_named_and_levels_are_remapped() {
        let panel = RetailGenerator::new(3).stores(2).items(2).days(60).future_days(7).generate().panel;
        let schema = PanelSchema::of(&panel);
        let codes = schema.check(&panel).unwrap();
        assert_eq!(codes, panel.series.iter().map(|s| s.statics.clone()).collect::<Vec<_>>());

        let mut weekly = panel.clone();
        weekly.frequency = Frequency::Weekly;
        let e = schema.check(&weekly).unwrap_err().to_string();
        assert!(e.contains("frequency") && e.contains("Daily") && e.contains("Weekly"), "{e}");

        let mut renamed = panel.clone();
        renamed.regressor_names[0] = "shelf_price".into();
        let e = schema.check(&renamed).unwrap_err().to_string();
        assert!(e.contains("missing: [\"price\"]") && e.contains("extra: [\"shelf_price\"]"), "{e}");

        // Levels listed in another order keep the training codes.
        let mut reordered = panel.clone();
        reordered.static_levels[1].reverse();
        for s in &mut reordered.series {
            s.statics[1] = 1 - s.statics[1];
        }
        assert_eq!(schema.check(&reordered).unwrap(), codes);

        let mut unseen = panel.clone();
        unseen.static_levels[0][1] = "store_99".into();
        let e = schema.check(&unseen).unwrap_err().to_string();
        assert!(e.contains("store_99") && e.contains("`store`") && e.contains("store_02/item_01"), "{e}");
    }
}
