//! Recommendations: one ranked list of actions, each with money, confidence and evidence.
//!
//! Every action carries its expected value in money (what doing it is expected to earn or save
//! over not doing it), a confidence in [0, 1], and the evidence behind it (forecast figures,
//! the quantile used, cost parameters) so that a person, a report or the agent can check it.
//! [`rank`] orders by risk-adjusted value (`expected_value * confidence`). Everything
//! serialises to JSON.

use crate::demand::DemandDistribution;
use crate::error::{DecisionError, Result, finite, non_negative, positive};
use crate::expansion::CannibalisationReport;
use serde::{Deserialize, Serialize};

/// What to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Place an order.
    Reorder {
        /// Units to order.
        quantity: f64,
    },
    /// Speed up an open or new order, at a cost.
    Expedite {
        /// Units to expedite.
        quantity: f64,
        /// Extra cost of expediting.
        extra_cost: f64,
    },
    /// Mark an item down.
    Discount {
        /// Discount as a fraction of the regular price, in (0, 1).
        discount: f64,
    },
    /// Raise a price.
    RaisePrice {
        /// Current price.
        from: f64,
        /// Recommended price.
        to: f64,
    },
    /// Look into sales far below the forecast.
    InvestigateDrop {
        /// Units the forecast expected.
        expected: f64,
        /// Units sold.
        actual: f64,
    },
    /// Open a candidate store.
    OpenStore {
        /// Candidate id.
        candidate: String,
    },
    /// Do not open a candidate store.
    DoNotOpen {
        /// Candidate id.
        candidate: String,
    },
}

/// One piece of evidence behind a recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// What it is (`lead_time_demand_mean`, `quantile`, `stockout_cost`, ...).
    pub name: String,
    /// Its value.
    pub value: f64,
    /// Where it came from or what it means.
    pub detail: String,
}

impl Evidence {
    /// Evidence `name = value` with a detail.
    pub fn new(name: impl Into<String>, value: f64, detail: impl Into<String>) -> Self {
        Self { name: name.into(), value, detail: detail.into() }
    }
}

/// An action on a target with money attached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// What the action applies to (a series key, an item, a store).
    pub target: String,
    /// The action.
    pub action: Action,
    /// Expected value in money of acting versus not acting.
    pub expected_value: f64,
    /// Confidence that acting is right, in [0, 1].
    pub confidence: f64,
    /// One sentence a person can read.
    pub rationale: String,
    /// The figures behind it.
    pub evidence: Vec<Evidence>,
}

impl Recommendation {
    /// A recommendation, checked.
    ///
    /// # Errors
    /// [`DecisionError::InvalidParameter`] for a non-finite value or a confidence outside [0, 1].
    pub fn new(
        target: impl Into<String>,
        action: Action,
        expected_value: f64,
        confidence: f64,
        rationale: impl Into<String>,
        evidence: Vec<Evidence>,
    ) -> Result<Self> {
        finite("expected_value", expected_value)?;
        if !(0.0..=1.0).contains(&confidence) {
            return Err(DecisionError::invalid("confidence", confidence, "a probability in [0, 1]"));
        }
        Ok(Self { target: target.into(), action, expected_value, confidence, rationale: rationale.into(), evidence })
    }

    /// Risk-adjusted value used for ranking.
    pub fn score(&self) -> f64 {
        self.expected_value * self.confidence
    }
}

/// A recommendation with its place in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    /// 1 for the first.
    pub rank: usize,
    /// `expected_value * confidence`.
    pub score: f64,
    /// The recommendation.
    #[serde(flatten)]
    pub recommendation: Recommendation,
}

/// Rank recommendations by risk-adjusted value, highest first (ties: higher expected value,
/// then target name), dropping none.
pub fn rank(recommendations: Vec<Recommendation>) -> Vec<Ranked> {
    let mut list = recommendations;
    list.sort_by(|a, b| {
        b.score()
            .total_cmp(&a.score())
            .then(b.expected_value.total_cmp(&a.expected_value))
            .then(a.target.cmp(&b.target))
    });
    list.into_iter().enumerate().map(|(i, r)| Ranked { rank: i + 1, score: r.score(), recommendation: r }).collect()
}

/// Whether to reorder `order_quantity` units now, from the forecast's lead-time demand.
///
/// The expected value is the shortage cost avoided minus the extra holding cost over the
/// protection interval: `p (n(IP) - n(IP + Q)) - h (n_bar(IP + Q) - n_bar(IP))` with `IP` the
/// inventory position, `p` the cost of a unit short (e.g. lost margin) and `h` the cost of a
/// unit left over at the end of the interval. The confidence is `P(D > IP)`, the probability of
/// running short without the order. `quantile` is the service level the quantity was set for.
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for a non-positive quantity or cost, a non-finite
/// position, or a quantile outside (0, 1).
pub fn reorder_recommendation(
    target: &str,
    lead_time_demand: &DemandDistribution,
    inventory_position: f64,
    order_quantity: f64,
    stockout_cost: f64,
    holding_cost: f64,
    quantile: f64,
) -> Result<Recommendation> {
    finite("inventory_position", inventory_position)?;
    positive("order_quantity", order_quantity)?;
    positive("stockout_cost", stockout_cost)?;
    non_negative("holding_cost", holding_cost)?;
    crate::error::open_unit("quantile", quantile)?;
    let (n0, nb0) = lead_time_demand.loss(inventory_position);
    let (n1, nb1) = lead_time_demand.loss(inventory_position + order_quantity);
    let value = stockout_cost * (n0 - n1) - holding_cost * (nb1 - nb0);
    let p_short = 1.0 - lead_time_demand.cdf(inventory_position);
    Recommendation::new(
        target,
        Action::Reorder { quantity: order_quantity },
        value,
        p_short.clamp(0.0, 1.0),
        format!(
            "order {order_quantity:.0} units: position {inventory_position:.0} covers lead-time demand with probability {:.0}%",
            100.0 * (1.0 - p_short)
        ),
        vec![
            Evidence::new(
                "lead_time_demand_mean",
                lead_time_demand.mean(),
                "forecast demand over the protection interval",
            ),
            Evidence::new(
                "lead_time_demand_quantile",
                lead_time_demand.quantile(quantile),
                format!("forecast quantile {quantile}"),
            ),
            Evidence::new("quantile", quantile, "service level the order quantity targets"),
            Evidence::new("inventory_position", inventory_position, "on hand + on order - backorders"),
            Evidence::new("expected_units_short_without", n0, "E[(D - IP)+]"),
            Evidence::new("expected_units_short_with", n1, "E[(D - IP - Q)+]"),
            Evidence::new("stockout_cost", stockout_cost, "cost per unit short"),
            Evidence::new("holding_cost", holding_cost, "cost per unit left over"),
        ],
    )
}

/// Whether to open a candidate store, from a Huff cannibalisation report.
///
/// Expected value of opening: `net_chain_gain * margin_rate - opening_cost` (over the same
/// period as the sales). A positive value recommends opening; otherwise not opening, worth the
/// loss avoided. `confidence` is the caller's (e.g. from the analog projection's spread).
///
/// # Errors
/// [`DecisionError::InvalidParameter`] for a margin rate outside [0, 1], a negative opening
/// cost or a confidence outside [0, 1].
pub fn expansion_recommendation(
    candidate: &str,
    report: &CannibalisationReport,
    margin_rate: f64,
    opening_cost: f64,
    confidence: f64,
) -> Result<Recommendation> {
    if !(0.0..=1.0).contains(&margin_rate) {
        return Err(DecisionError::invalid("margin_rate", margin_rate, "a fraction in [0, 1]"));
    }
    non_negative("opening_cost", opening_cost)?;
    let value = report.net_chain_gain * margin_rate - opening_cost;
    let evidence = vec![
        Evidence::new("candidate_sales", report.candidate_sales, "Huff model expected sales"),
        Evidence::new("cannibalised", report.cannibalised, "sales taken from the chain's own stores"),
        Evidence::new("from_competitors", report.from_competitors, "sales taken from competitors"),
        Evidence::new("net_chain_gain", report.net_chain_gain, "chain sales after minus before"),
        Evidence::new("margin_rate", margin_rate, "margin on sales"),
        Evidence::new("opening_cost", opening_cost, "cost of opening over the period"),
    ];
    if value > 0.0 {
        Recommendation::new(
            candidate,
            Action::OpenStore { candidate: candidate.to_owned() },
            value,
            confidence,
            format!(
                "open {candidate}: net margin gain {value:.0} after cannibalising {:.0} of own sales",
                report.cannibalised
            ),
            evidence,
        )
    } else {
        Recommendation::new(
            candidate,
            Action::DoNotOpen { candidate: candidate.to_owned() },
            -value,
            confidence,
            format!("do not open {candidate}: it would lose {:.0} after cannibalisation and opening cost", -value),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reorder_is_worth_more_when_stock_is_short() {
        let d = DemandDistribution::normal(100.0, 20.0).unwrap();
        let low = reorder_recommendation("s1/i1", &d, 60.0, 80.0, 5.0, 0.5, 0.95).unwrap();
        let high = reorder_recommendation("s1/i2", &d, 160.0, 80.0, 5.0, 0.5, 0.95).unwrap();
        assert!(low.expected_value > 0.0 && high.expected_value < low.expected_value);
        assert!(low.confidence > 0.9 && high.confidence < 0.01);
        let ranked = rank(vec![high.clone(), low.clone()]);
        assert_eq!(ranked[0].recommendation.target, "s1/i1");
        assert_eq!(ranked[1].rank, 2);
        let json = serde_json::to_value(&ranked).unwrap();
        assert_eq!(json[0]["action"]["type"], "reorder");
        assert_eq!(json[0]["rank"], 1);
    }

    #[test]
    fn confidence_out_of_range_is_refused() {
        let e = Recommendation::new("x", Action::Discount { discount: 0.1 }, 10.0, 1.5, "", vec![]).unwrap_err();
        assert_eq!(e.parameter(), Some("confidence"));
    }
}
