//! The production [`FeatureBuilder`] behind the forecasting traits.

use super::{BuildFeatures, RowFeatures, TrainingRows};
use crate::features::{FeatureBuilder, FeatureSpec};
use crate::{Panel, Result};

impl BuildFeatures for FeatureSpec {
    fn build<'a>(&self, panel: &'a Panel) -> Result<Box<dyn RowFeatures + 'a>> {
        Ok(Box::new(FeatureBuilder::new(panel, self.clone())?))
    }
}

impl RowFeatures for FeatureBuilder {
    fn names_for_shift(&self, shift: usize) -> Vec<String> {
        FeatureBuilder::names_for_shift(self, shift)
    }

    fn categorical(&self) -> Vec<usize> {
        FeatureBuilder::categorical(self)
    }

    fn n_features(&self) -> usize {
        FeatureBuilder::n_features(self)
    }

    fn row(&self, series: usize, history: &[f64], t: usize, shift: usize, out: &mut [f64]) -> Result<()> {
        FeatureBuilder::row(self, series, history, t, shift, out)
    }

    fn training_rows(&self, end: &[usize], shift: usize) -> Result<TrainingRows> {
        let m = self.training_matrix(end, shift)?;
        Ok(TrainingRows { x: m.x, y: m.y, rows: m.rows.iter().map(|r| (r.series, r.t)).collect() })
    }
}
