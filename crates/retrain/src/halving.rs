//! The successive-halving schedule: how many candidates run at each rung and with how much
//! resource (boosting rounds or training periods), computed exactly as scikit-learn's
//! `HalvingGridSearchCV` / `HalvingRandomSearchCV` do for the same inputs.

use crate::error::{Result, invalid};
use serde::{Deserialize, Serialize};

/// The smallest resource given to a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinResources {
    /// A fixed amount.
    Fixed(usize),
    /// As large as possible so the last rung uses (close to) `max_resources`, scikit-learn's
    /// `"exhaust"`; `floor` is the smallest allowed (scikit-learn's `"smallest"` value).
    Exhaust {
        /// Lower bound.
        floor: usize,
    },
}

/// The schedule, rung by rung.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HalvingSchedule {
    /// Candidates evaluated at each rung (`n_candidates_`).
    pub n_candidates: Vec<usize>,
    /// Resource per candidate at each rung (`n_resources_`).
    pub n_resources: Vec<usize>,
    /// The resource of the first rung after `Exhaust` (`min_resources_`).
    pub min_resources: usize,
    /// Rungs the resources allow (`n_possible_iterations_`).
    pub n_possible_iterations: usize,
    /// Rungs needed to reach one candidate (`n_required_iterations_`).
    pub n_required_iterations: usize,
}

/// `1 + floor(log(x) / log(factor))` in floating point, as scikit-learn computes it (so at an
/// exact power such as 243 = 3^5 it gives 5, not 6, exactly like scikit-learn).
fn one_plus_log(x: usize, factor: usize) -> usize {
    1 + ((x as f64).ln() / (factor as f64).ln()).floor().max(0.0) as usize
}

impl HalvingSchedule {
    /// The schedule for `n_candidates` candidates.
    ///
    /// | Name | Default | Purpose | Range |
    /// |---|---|---|---|
    /// | `n_candidates` | | candidates at the first rung | >= 1 |
    /// | `min_resources` | | resource of the first rung | [`MinResources`] |
    /// | `max_resources` | | resource cap | >= min_resources |
    /// | `factor` | 3 | keep 1/factor of the candidates, multiply the resource by factor | >= 2 |
    /// | `aggressive_elimination` | false | add rungs at `min_resources` until one candidate is left | |
    ///
    /// # Errors
    /// [`crate::RetrainError::InvalidParam`] naming the input out of range.
    pub fn new(
        n_candidates: usize,
        min_resources: MinResources,
        max_resources: usize,
        factor: usize,
        aggressive_elimination: bool,
    ) -> Result<Self> {
        if n_candidates == 0 {
            return Err(invalid("n_candidates", 0, ">= 1"));
        }
        if factor < 2 {
            return Err(invalid("factor", factor, ">= 2"));
        }
        let n_required = one_plus_log(n_candidates, factor);
        let min = match min_resources {
            MinResources::Fixed(m) => m,
            MinResources::Exhaust { floor } => {
                floor.max(max_resources / factor.saturating_pow((n_required - 1) as u32).max(1))
            }
        };
        if min == 0 || min > max_resources {
            return Err(invalid("min_resources", min, "1 to max_resources"));
        }
        let n_possible = one_plus_log(max_resources / min, factor);
        let n_iterations = if aggressive_elimination { n_required } else { n_possible.min(n_required) };
        let mut n_candidates_out = Vec::with_capacity(n_iterations);
        let mut n_resources = Vec::with_capacity(n_iterations);
        let mut left = n_candidates;
        for itr in 0..n_iterations {
            let power = if aggressive_elimination { (itr + n_possible).saturating_sub(n_required) } else { itr };
            let r = factor.saturating_pow(power as u32).saturating_mul(min).min(max_resources);
            n_resources.push(r);
            n_candidates_out.push(left);
            left = left.div_ceil(factor);
        }
        Ok(Self {
            n_candidates: n_candidates_out,
            n_resources,
            min_resources: min,
            n_possible_iterations: n_possible,
            n_required_iterations: n_required,
        })
    }

    /// scikit-learn's `HalvingRandomSearchCV(n_candidates="exhaust")`: as many first-rung
    /// candidates as `max_resources / min_resources`.
    ///
    /// # Errors
    /// As [`HalvingSchedule::new`].
    pub fn exhaust_candidates(
        min_resources: usize,
        max_resources: usize,
        factor: usize,
        aggressive: bool,
    ) -> Result<Self> {
        if min_resources == 0 {
            return Err(invalid("min_resources", 0, ">= 1"));
        }
        Self::new(max_resources / min_resources, MinResources::Fixed(min_resources), max_resources, factor, aggressive)
    }
}
