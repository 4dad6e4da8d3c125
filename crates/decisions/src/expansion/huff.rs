//! Huff-model cannibalisation: who a new store takes its sales from.
//!
//! The probability that demand point `i` shops at store `j` is
//! `A_j^alpha d_ij^-beta / sum_k A_k^alpha d_ik^-beta`, with attractiveness `A` (floor area, a
//! score) and distance `d`; a store's expected sales are the spending of every demand point
//! times that probability. `alpha` and `beta` are calibrated on existing stores' observed
//! sales shares where at least three stores report sales. Adding a candidate re-divides every
//! demand point's spending: the candidate's expected sales, each existing store's loss, and
//! the chain's net gain (sales taken from competitors, not from itself).

use crate::error::{DecisionError, Result, non_negative, positive};
use serde::{Deserialize, Serialize};

/// How distances are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DistanceMetric {
    /// Straight line in the coordinates' units.
    #[default]
    Euclidean,
    /// Great-circle kilometres; coordinates are (latitude, longitude) in degrees.
    Haversine,
}

impl DistanceMetric {
    /// Distance between `(x1, y1)` and `(x2, y2)`.
    pub fn distance(self, a: (f64, f64), b: (f64, f64)) -> f64 {
        match self {
            Self::Euclidean => ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt(),
            Self::Haversine => {
                let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
                let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
                2.0 * 6371.0088 * h.sqrt().min(1.0).asin()
            }
        }
    }
}

/// A source of demand: a neighbourhood, census block or postcode centroid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemandPoint {
    /// Id.
    pub id: String,
    /// Coordinates.
    pub location: (f64, f64),
    /// Spending available for the category over the period (same units as sales).
    pub spending: f64,
}

/// A store in the market: ours or a competitor's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HuffStore {
    /// Id.
    pub id: String,
    /// Coordinates.
    pub location: (f64, f64),
    /// Attractiveness (> 0), e.g. floor area.
    pub attractiveness: f64,
    /// True for the chain's own stores.
    pub own: bool,
    /// Observed sales over the period, if known (used for calibration).
    pub sales: Option<f64>,
}

/// The Huff model's parameters.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `alpha` | 1 | attractiveness exponent | > 0 |
/// | `beta` | 2 | distance decay exponent | > 0 |
/// | `metric` | euclidean | how distance is measured | [`DistanceMetric`] |
/// | `min_distance` | 0.1 | distances are floored here so a store on a demand point stays finite | > 0 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HuffModel {
    /// Attractiveness exponent.
    pub alpha: f64,
    /// Distance decay exponent.
    pub beta: f64,
    /// Distance metric.
    pub metric: DistanceMetric,
    /// Distance floor.
    pub min_distance: f64,
}

impl Default for HuffModel {
    fn default() -> Self {
        Self { alpha: 1.0, beta: 2.0, metric: DistanceMetric::Euclidean, min_distance: 0.1 }
    }
}

/// Result of a calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The fitted model.
    pub model: HuffModel,
    /// Stores whose sales were used.
    pub stores_used: usize,
    /// Root mean squared error of the fitted shares.
    pub share_rmse: f64,
}

/// One existing store's sales before and after the candidate opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreImpact {
    /// Store id.
    pub id: String,
    /// Ours or a competitor's.
    pub own: bool,
    /// Expected sales without the candidate.
    pub before: f64,
    /// Expected sales with the candidate.
    pub after: f64,
    /// `after - before` (negative: sales taken).
    pub change: f64,
}

/// What opening the candidate does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CannibalisationReport {
    /// The candidate's expected sales.
    pub candidate_sales: f64,
    /// Every existing store's impact.
    pub stores: Vec<StoreImpact>,
    /// Sales the candidate takes from the chain's own stores (>= 0).
    pub cannibalised: f64,
    /// Sales the candidate takes from competitors (>= 0).
    pub from_competitors: f64,
    /// Chain sales after minus before: candidate sales minus cannibalisation.
    pub net_chain_gain: f64,
}

impl HuffModel {
    fn check(&self, points: &[DemandPoint], stores: &[HuffStore]) -> Result<()> {
        positive("alpha", self.alpha)?;
        positive("beta", self.beta)?;
        positive("min_distance", self.min_distance)?;
        if stores.is_empty() {
            return Err(DecisionError::InsufficientData { what: "Huff model (stores)".into(), needed: 1, got: 0 });
        }
        for p in points {
            non_negative(&format!("demand point {}.spending", p.id), p.spending)?;
            if !(p.location.0.is_finite() && p.location.1.is_finite()) {
                return Err(DecisionError::invalid(
                    format!("demand point {}.location", p.id),
                    format!("{:?}", p.location),
                    "finite coordinates",
                ));
            }
        }
        for s in stores {
            positive(&format!("store {}.attractiveness", s.id), s.attractiveness)?;
            if !(s.location.0.is_finite() && s.location.1.is_finite()) {
                return Err(DecisionError::invalid(
                    format!("store {}.location", s.id),
                    format!("{:?}", s.location),
                    "finite coordinates",
                ));
            }
        }
        Ok(())
    }

    /// Expected sales of every store (in order).
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] for a bad parameter, spending, location or
    /// attractiveness (naming the point or store); [`DecisionError::InsufficientData`] without
    /// stores.
    pub fn store_sales(&self, points: &[DemandPoint], stores: &[HuffStore]) -> Result<Vec<f64>> {
        self.check(points, stores)?;
        let mut sales = vec![0.0; stores.len()];
        let mut utility = vec![0.0; stores.len()];
        for p in points {
            for (u, s) in utility.iter_mut().zip(stores) {
                let d = self.metric.distance(p.location, s.location).max(self.min_distance);
                // Logs keep large exponents from overflowing.
                *u = self.alpha * s.attractiveness.ln() - self.beta * d.ln();
            }
            let top = utility.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = utility.iter().map(|u| (u - top).exp()).sum();
            for (sale, u) in sales.iter_mut().zip(&utility) {
                *sale += p.spending * (u - top).exp() / total;
            }
        }
        Ok(sales)
    }

    /// Fit `alpha` and `beta` to the observed sales shares of the stores that report sales
    /// (least squares on shares among them), searching alpha in [0.05, 5] and beta in
    /// [0.05, 6] on a grid refined around the best point. `metric` and `min_distance` are kept.
    ///
    /// # Errors
    /// [`DecisionError::InsufficientData`] with fewer than three stores reporting sales;
    /// [`DecisionError::InvalidParameter`] for a negative sales figure or bad inputs.
    pub fn calibrate(&self, points: &[DemandPoint], stores: &[HuffStore]) -> Result<Calibration> {
        let observed: Vec<(usize, f64)> =
            stores.iter().enumerate().filter_map(|(i, s)| s.sales.map(|v| (i, v))).collect();
        if observed.len() < 3 {
            return Err(DecisionError::InsufficientData {
                what: "Huff calibration (stores with sales)".into(),
                needed: 3,
                got: observed.len(),
            });
        }
        for (i, v) in &observed {
            non_negative(&format!("store {}.sales", stores[*i].id), *v)?;
        }
        let total: f64 = observed.iter().map(|o| o.1).sum();
        positive("total observed sales", total)?;
        self.check(points, stores)?;
        let loss = |alpha: f64, beta: f64| -> Result<f64> {
            let m = HuffModel { alpha, beta, ..*self };
            let sales = m.store_sales(points, stores)?;
            let pred_total: f64 = observed.iter().map(|(i, _)| sales[*i]).sum();
            Ok(observed.iter().map(|(i, v)| (sales[*i] / pred_total - v / total).powi(2)).sum::<f64>()
                / observed.len() as f64)
        };
        let (mut a_lo, mut a_hi, mut b_lo, mut b_hi) = (0.05, 5.0, 0.05, 6.0);
        let mut best = (self.alpha, self.beta, f64::INFINITY);
        for _ in 0..6 {
            let steps = 12;
            for ia in 0..=steps {
                for ib in 0..=steps {
                    let a = a_lo + (a_hi - a_lo) * ia as f64 / steps as f64;
                    let b = b_lo + (b_hi - b_lo) * ib as f64 / steps as f64;
                    let l = loss(a, b)?;
                    if l < best.2 {
                        best = (a, b, l);
                    }
                }
            }
            let (wa, wb) = ((a_hi - a_lo) / 6.0, (b_hi - b_lo) / 6.0);
            a_lo = (best.0 - wa).max(0.01);
            a_hi = best.0 + wa;
            b_lo = (best.1 - wb).max(0.01);
            b_hi = best.1 + wb;
        }
        Ok(Calibration {
            model: HuffModel { alpha: best.0, beta: best.1, ..*self },
            stores_used: observed.len(),
            share_rmse: best.2.sqrt(),
        })
    }

    /// Open `candidate` among `stores`: its expected sales, what each store loses, and the
    /// chain's net gain.
    ///
    /// # Errors
    /// As [`HuffModel::store_sales`].
    pub fn add_store(
        &self,
        points: &[DemandPoint],
        stores: &[HuffStore],
        candidate: &HuffStore,
    ) -> Result<CannibalisationReport> {
        let before = self.store_sales(points, stores)?;
        let mut with: Vec<HuffStore> = stores.to_vec();
        with.push(candidate.clone());
        let after = self.store_sales(points, &with)?;
        let candidate_sales = after[stores.len()];
        let impacts: Vec<StoreImpact> = stores
            .iter()
            .zip(before.iter().zip(&after))
            .map(|(s, (b, a))| StoreImpact { id: s.id.clone(), own: s.own, before: *b, after: *a, change: a - b })
            .collect();
        let cannibalised = -impacts.iter().filter(|i| i.own).map(|i| i.change).sum::<f64>();
        let from_competitors = -impacts.iter().filter(|i| !i.own).map(|i| i.change).sum::<f64>();
        let net = if candidate.own { candidate_sales - cannibalised } else { -cannibalised };
        Ok(CannibalisationReport {
            candidate_sales,
            stores: impacts,
            cannibalised,
            from_competitors,
            net_chain_gain: net,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid_points() -> Vec<DemandPoint> {
        let mut pts = Vec::new();
        for i in 0..10 {
            for j in 0..10 {
                pts.push(DemandPoint {
                    id: format!("p{i}_{j}"),
                    location: (i as f64, j as f64),
                    spending: 100.0 + (i * j) as f64,
                });
            }
        }
        pts
    }

    fn stores() -> Vec<HuffStore> {
        let s = |id: &str, x: f64, y: f64, a: f64, own: bool| HuffStore {
            id: id.into(),
            location: (x, y),
            attractiveness: a,
            own,
            sales: None,
        };
        vec![
            s("own_1", 2.0, 2.0, 3.0, true),
            s("own_2", 7.0, 3.0, 2.0, true),
            s("comp_1", 5.0, 8.0, 4.0, false),
            s("comp_2", 1.0, 8.0, 1.5, false),
        ]
    }

    #[test]
    fn sales_add_up_to_spending_and_candidate_splits_its_sources() {
        let pts = grid_points();
        let st = stores();
        let m = HuffModel::default();
        let sales = m.store_sales(&pts, &st).unwrap();
        let spending: f64 = pts.iter().map(|p| p.spending).sum();
        assert!((sales.iter().sum::<f64>() - spending).abs() < 1e-6 * spending);
        let cand = HuffStore { id: "new".into(), location: (6.0, 6.0), attractiveness: 2.5, own: true, sales: None };
        let r = m.add_store(&pts, &st, &cand).unwrap();
        assert!((r.candidate_sales - r.cannibalised - r.from_competitors).abs() < 1e-6 * spending);
        assert!(r.stores.iter().all(|s| s.change <= 0.0));
        assert!((r.net_chain_gain - r.from_competitors).abs() < 1e-6 * spending);
    }

    #[test]
    fn calibration_recovers_the_generating_exponents() {
        let pts = grid_points();
        let truth = HuffModel { alpha: 1.4, beta: 1.7, ..HuffModel::default() };
        let mut st = stores();
        let sales = truth.store_sales(&pts, &st).unwrap();
        for (s, v) in st.iter_mut().zip(&sales) {
            s.sales = Some(*v);
        }
        let cal = HuffModel::default().calibrate(&pts, &st).unwrap();
        assert!((cal.model.alpha - 1.4).abs() < 0.02 && (cal.model.beta - 1.7).abs() < 0.02, "{cal:?}");
        assert!(cal.share_rmse < 1e-3);
    }

    #[test]
    fn haversine_distance_of_a_known_pair() {
        // Paris to London is about 344 km.
        let d = DistanceMetric::Haversine.distance((48.8566, 2.3522), (51.5074, -0.1278));
        assert!((d - 343.5).abs() < 2.0, "{d}");
    }
}
