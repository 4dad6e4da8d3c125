//! A regime shift: from one period on, customers react to price differently and promotions
//! follow a new pattern (a chain changing its promotion policy, a competitor opening, a
//! recession). Models fitted on the old regime then decay, which retraining must notice.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A structural break in the simulated demand, set with
/// [`super::RetailGenerator::regime_shift`].
///
/// | Field | Purpose | Range |
/// |---|---|---|
/// | `at` | first period of the new regime (0 = the generator's `start`; history or future) | any; past the end = no shift |
/// | `elasticity_scale` | every item's price elasticity is multiplied by it from `at` on (1.6 = 60 % more price sensitive) | >= 0 |
/// | `promotions` | the promotion pattern from `at` on (`None` keeps the old one) | [`PromoPattern`] |
///
/// Out-of-range values are moved to the nearest accepted value when the generator runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimeShift {
    /// First period of the new regime, counted from the generator's start.
    pub at: usize,
    /// Multiplier of the items' price elasticities in the new regime.
    pub elasticity_scale: f64,
    /// The new promotion pattern, if it changes.
    pub promotions: Option<PromoPattern>,
}

/// A regular promotion pattern: every item goes on promotion every `every` days for
/// `length` days at `discount` off, each item at its own random phase; each store joins each
/// promotion with probability `participation`. The post-promotion dip stays as before.
///
/// | Field | Purpose | Range |
/// |---|---|---|
/// | `every` | days from the start of one promotion to the start of the next | >= 1 |
/// | `length` | days each promotion lasts | 1..=`every` |
/// | `discount` | fraction off during a promotion | 0..=0.9 |
/// | `participation` | probability that a store joins a promotion | 0..=1 |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PromoPattern {
    /// Days between promotion starts.
    pub every: usize,
    /// Days per promotion.
    pub length: usize,
    /// Fraction off.
    pub discount: f64,
    /// Probability that a store joins.
    pub participation: f64,
}

impl RegimeShift {
    /// The shift with every value in its range (NaN scales become 1, NaN shares their bound).
    pub(super) fn clamped(&self) -> Self {
        let elasticity_scale = if self.elasticity_scale.is_nan() { 1.0 } else { self.elasticity_scale.max(0.0) };
        let promotions = self.promotions.map(|p| {
            let every = p.every.max(1);
            PromoPattern {
                every,
                length: p.length.clamp(1, every),
                discount: if p.discount.is_nan() { 0.0 } else { p.discount.clamp(0.0, 0.9) },
                participation: if p.participation.is_nan() { 1.0 } else { p.participation.clamp(0.0, 1.0) },
            }
        });
        Self { at: self.at, elasticity_scale, promotions }
    }
}

/// A regime shift laid over the simulated days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct DayShift {
    /// First simulated day of the new regime.
    pub(super) day: usize,
    /// Multiplier of the elasticity from `day` on.
    pub(super) elasticity_scale: f64,
}

/// Replace one series' promotion plan from `from` on with `pattern` at the item's `phase`,
/// store participation drawn from `seed` (a stream of its own, so the old regime's draws and
/// data stay exactly as without the shift).
pub(super) fn replan(
    plan: &mut [(f64, bool, f64)],
    from: usize,
    pattern: &PromoPattern,
    phase: usize,
    depth: f64,
    seed: u64,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for day in plan.iter_mut().skip(from) {
        *day = (0.0, false, 1.0);
    }
    let mut start = from + phase % pattern.every;
    while start < plan.len() {
        if rng.random::<f64>() < pattern.participation {
            for day in plan.iter_mut().skip(start).take(pattern.length) {
                *day = (pattern.discount, true, 1.0);
            }
            for (k, day) in plan.iter_mut().skip(start + pattern.length).take(7).enumerate() {
                if !day.1 {
                    day.2 = 1.0 - depth * (1.0 - k as f64 / 7.0);
                }
            }
        }
        start += pattern.every;
    }
}
