//! A promotion budget shared by several items: pick one candidate per item to maximise total
//! profit with total markdown within the budget (a multiple-choice knapsack), exactly by
//! dynamic programming over the Pareto frontier of (spend, profit).

use super::optimise::PricingDecision;
use crate::error::{DecisionError, Result, non_negative};
use serde::{Deserialize, Serialize};

/// Frontier states kept before the frontier is thinned (and the result marked inexact).
const MAX_STATES: usize = 50_000;

/// The candidate picked for one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetPick {
    /// The item (as given).
    pub target: String,
    /// Index into the item's [`PricingDecision::candidates`].
    pub candidate: usize,
    /// The lever value.
    pub value: f64,
    /// Its profit.
    pub profit: f64,
    /// Its spend (markdown, 0 when negative).
    pub spend: f64,
}

/// The allocation of a promotion budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetAllocation {
    /// One pick per item, in the order given.
    pub picks: Vec<BudgetPick>,
    /// Total profit.
    pub profit: f64,
    /// Total spend.
    pub spend: f64,
    /// The budget.
    pub budget: f64,
    /// Whether the optimum is exact (false when the frontier had to be thinned).
    pub exact: bool,
}

/// Pick one feasible candidate per item maximising total profit with total spend (markdown)
/// at most `budget`. Every item needs a feasible candidate that spends nothing (e.g. discount
/// 0), so that a tight budget always has an answer.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for a negative budget, or an item without a feasible
/// zero-spend candidate (naming it).
pub fn allocate_budget(items: &[(&str, &PricingDecision)], budget: f64) -> Result<BudgetAllocation> {
    non_negative("budget", budget)?;
    // Frontier states: (spend, profit, parent state in the previous frontier, candidate).
    let mut layers: Vec<Vec<(f64, f64, usize, usize)>> = Vec::with_capacity(items.len());
    let mut frontier: Vec<(f64, f64, usize, usize)> = vec![(0.0, 0.0, 0, 0)];
    let mut exact = true;
    for (target, decision) in items {
        let options: Vec<(usize, f64, f64)> = decision
            .candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.feasible())
            .map(|(i, c)| (i, c.outcome.markdown.max(0.0), c.profit))
            .collect();
        if !options.iter().any(|o| o.1 == 0.0) {
            return Err(DecisionError::invalid(
                format!("candidates of {target}"),
                "no feasible zero-spend candidate",
                "a feasible candidate without markdown (include discount 0 or the planned price in the grid)",
            ));
        }
        let mut next = Vec::with_capacity(frontier.len() * options.len());
        for (p, &(spend, profit, _, _)) in frontier.iter().enumerate() {
            for &(i, s, pr) in &options {
                if spend + s <= budget + 1e-9 {
                    next.push((spend + s, profit + pr, p, i));
                }
            }
        }
        next.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let mut pruned: Vec<(f64, f64, usize, usize)> = Vec::with_capacity(next.len());
        for s in next {
            if pruned.last().is_none_or(|l| s.1 > l.1) {
                pruned.push(s);
            }
        }
        if pruned.len() > MAX_STATES {
            exact = false;
            let width = (budget.max(1e-12)) / MAX_STATES as f64;
            let mut thinned: Vec<(f64, f64, usize, usize)> = Vec::with_capacity(MAX_STATES + 1);
            for s in pruned {
                match thinned.last_mut() {
                    Some(l) if (l.0 / width).floor() == (s.0 / width).floor() => {
                        if s.1 > l.1 {
                            *l = s;
                        }
                    }
                    _ => thinned.push(s),
                }
            }
            pruned = thinned;
        }
        layers.push(frontier);
        frontier = pruned;
    }
    let (mut state, last) = frontier
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
        .map(|(i, s)| (i, *s))
        .unwrap_or((0, (0.0, 0.0, 0, 0)));
    let mut picks = Vec::with_capacity(items.len());
    let mut current = frontier;
    for (k, (target, decision)) in items.iter().enumerate().rev() {
        let (_, _, parent, i) = current[state];
        let c = &decision.candidates[i];
        picks.push(BudgetPick {
            target: (*target).to_owned(),
            candidate: i,
            value: c.outcome.value,
            profit: c.profit,
            spend: c.outcome.markdown.max(0.0),
        });
        current = std::mem::take(&mut layers[k]);
        state = parent;
    }
    picks.reverse();
    Ok(BudgetAllocation { picks, profit: last.1, spend: last.0, budget, exact })
}
