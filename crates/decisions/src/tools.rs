//! The canonical agent tools of this crate: `reorder`, `lost_sales`, `optimize_price` and
//! `recommend`, each a [`forecast_core::Tool`] over a [`ToolContext`] (panel and fitted
//! pipeline) with the contract's argument and result schemas
//! ([`forecast_core::tool::contract::ToolName`]).
//!
//! `store` and `item` select series through [`ToolContext::series`]; a selection of several
//! series is answered for all of them together (sums of the per-series plans, lost sales of
//! every selected series, one price for the item in every selected store). Arguments that are
//! valid by the schema but not usable are refused with
//! [`forecast_core::Error::InvalidArgument`] naming the argument.

use crate::demand::DemandDistribution;
use crate::error::DecisionError;
use crate::inventory::ServiceTarget;
use crate::lead_time::StepDependence;
use crate::lost_sales::{Censoring, LostSalesOptions, StockKind, estimate_lost_sales};
use crate::pricing::{
    LeverCurve, LeverKind, PipelineCurve, PriceConstraints, PricingDecision, future_window, optimise_lever,
};
use crate::recommend::{Action, Evidence, Recommendation, rank};
use crate::reorder::{LotSize, ReorderPlan, ReorderSettings, plan_series};
use forecast_core::tool::ToolContext;
use forecast_core::tool::contract::ToolName;
use forecast_core::{Error, Result, Tool, ToolEffect};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

fn invalid(tool: ToolName, argument: &str, message: String) -> Error {
    Error::InvalidArgument { operation: tool.as_str().into(), argument: argument.into(), message }
}

/// A crate error as a core error: forecasting errors pass through, the rest keep their text.
fn core(tool: ToolName, e: DecisionError) -> Error {
    match e {
        DecisionError::Core(e) => e,
        other => Error::InvalidData(format!("{tool}: {other}")),
    }
}

/// The store and item the selection shares (null when it spans several).
fn scope(ctx: &ToolContext, series: &[usize]) -> (Value, Value) {
    fn common<'a>(series: &[usize], f: impl Fn(usize) -> Option<&'a str>) -> Value {
        let first = series.first().and_then(|&s| f(s));
        if series.iter().all(|&s| f(s) == first) { first.map_or(Value::Null, |v| json!(v)) } else { Value::Null }
    }
    (common(series, |s| ctx.store_of(s)), common(series, |s| ctx.item_of(s)))
}

/// Net price (price times one minus discount) of series `s` in period `t`, from the columns
/// `price` and `discount` when the panel has them.
fn net_price(ctx: &ToolContext, s: usize, t: usize) -> Option<f64> {
    let panel = ctx.panel();
    let sr = panel.series.get(s)?;
    let price = sr.regressors.get(panel.regressor_index("price")?)?.get(t).copied()?;
    let discount = panel.regressor_index("discount").and_then(|j| sr.regressors[j].get(t).copied()).unwrap_or(0.0);
    let net = price * (1.0 - discount);
    net.is_finite().then_some(net)
}

fn check_horizon(ctx: &ToolContext, tool: ToolName, argument: &str, horizon: usize) -> Result<()> {
    match ctx.pipeline().max_horizon() {
        Some(m) if horizon > m => Err(invalid(
            tool,
            argument,
            format!("{horizon} periods exceed the {m} steps the direct-strategy pipeline was fitted for"),
        )),
        _ => Ok(()),
    }
}

/// Settings of the `reorder` tool (and of the reorders `recommend` proposes).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `lead_time` | 2 | lead time when the argument is null | >= 0 |
/// | `review_period` | 1 | periods between reviews; `horizon` null means `lead_time + review_period` | >= 0 |
/// | `service_level` | 0.95 | cycle service level when the argument is null | (0, 1) |
/// | `dependence` | comonotone | dependence of forecast errors across steps | [`StepDependence`] |
/// | `poisson_without_band` | true | a Poisson count on point forecasts when the pipeline has no quantile band | |
/// | `positions` | none | inventory position per panel series (`None`: unknown, counted as 0 and `on_hand` null) | finite |
/// | `unit` | `units` | the result's unit | |
#[derive(Debug, Clone, PartialEq)]
pub struct ReorderToolSettings {
    /// Lead time in periods when the argument is null.
    pub lead_time: usize,
    /// Review period in periods.
    pub review_period: usize,
    /// Cycle service level when the argument is null.
    pub service_level: f64,
    /// Dependence of forecast errors across steps.
    pub dependence: StepDependence,
    /// Poisson fallback for forecasts without quantiles.
    pub poisson_without_band: bool,
    /// Inventory position of each panel series, if known.
    pub positions: Vec<Option<f64>>,
    /// Unit of the quantities.
    pub unit: String,
}

impl Default for ReorderToolSettings {
    fn default() -> Self {
        Self {
            lead_time: 2,
            review_period: 1,
            service_level: 0.95,
            dependence: StepDependence::Comonotone,
            poisson_without_band: true,
            positions: Vec::new(),
            unit: "units".into(),
        }
    }
}

/// The `reorder` tool: per selected series a [`plan_series`] over the protection interval
/// `horizon` (= lead time + review period) from the pipeline's forecast, summed.
#[derive(Debug, Clone)]
pub struct ReorderTool {
    ctx: ToolContext,
    settings: ReorderToolSettings,
}

impl ReorderTool {
    /// The tool with default settings.
    pub fn new(ctx: &ToolContext) -> Self {
        Self { ctx: ctx.clone(), settings: ReorderToolSettings::default() }
    }

    /// The tool with `settings`.
    ///
    /// # Errors
    /// [`DecisionError::LengthMismatch`] when `positions` is neither empty nor one per panel
    /// series; [`DecisionError::InvalidParameter`] for a service level outside (0, 1) or a
    /// non-finite position.
    pub fn with_settings(ctx: &ToolContext, settings: ReorderToolSettings) -> crate::Result<Self> {
        let n = ctx.panel().series.len();
        if !settings.positions.is_empty() && settings.positions.len() != n {
            return Err(DecisionError::LengthMismatch {
                what: "inventory positions (one per panel series)".into(),
                expected: n,
                got: settings.positions.len(),
            });
        }
        crate::error::open_unit("service_level", settings.service_level)?;
        for (s, p) in settings.positions.iter().enumerate() {
            if let Some(p) = p {
                crate::error::finite(&format!("positions[{s}]"), *p)?;
            }
        }
        Ok(Self { ctx: ctx.clone(), settings })
    }

    fn position(&self, s: usize) -> Option<f64> {
        self.settings.positions.get(s).copied().flatten()
    }

    /// Plans of `series` with the demand they were computed on.
    fn plans(
        &self,
        series: &[usize],
        lead_time: usize,
        horizon: usize,
        service: f64,
    ) -> Result<Vec<(ReorderPlan, DemandDistribution)>> {
        let tool = ToolName::Reorder;
        check_horizon(&self.ctx, tool, "horizon", horizon)?;
        let panel = self.ctx.panel();
        let mut origins = vec![None; panel.series.len()];
        for &s in series {
            origins[s] = Some(panel.series[s].len());
        }
        let forecasts = self.ctx.pipeline().forecast_from(panel, &origins, horizon)?;
        let settings = ReorderSettings {
            lead_time,
            review_period: horizon - lead_time,
            service: ServiceTarget::CycleServiceLevel(service),
            dependence: self.settings.dependence,
            lot_size: LotSize::UpToReorderPoint,
            pack_size: None,
            poisson_without_band: self.settings.poisson_without_band,
        };
        forecasts
            .series
            .iter()
            .map(|sf| plan_series(sf, self.position(sf.series).unwrap_or(0.0), &settings).map_err(|e| core(tool, e)))
            .collect()
    }
}

impl Tool for ReorderTool {
    fn name(&self) -> &str {
        ToolName::Reorder.as_str()
    }
    fn description(&self) -> &str {
        ToolName::Reorder.description()
    }
    fn parameters(&self) -> Value {
        ToolName::Reorder.parameters()
    }
    fn result_schema(&self) -> Value {
        ToolName::Reorder.result_schema()
    }
    fn effect(&self) -> ToolEffect {
        ToolName::Reorder.effect()
    }

    fn call(&self, args: &Value) -> Result<Value> {
        let op = self.name();
        let series = self.ctx.series(op, args)?;
        let lead_time = self.ctx.lead_time(op, args)?.unwrap_or(self.settings.lead_time);
        let service = self.ctx.service_level(op, args)?.unwrap_or(self.settings.service_level);
        let horizon = self.ctx.horizon(op, args, (lead_time + self.settings.review_period).max(1))?;
        if horizon < lead_time {
            return Err(invalid(
                ToolName::Reorder,
                "horizon",
                format!("{horizon} periods do not cover the lead time of {lead_time}; give at least {lead_time}"),
            ));
        }
        let plans = self.plans(&series, lead_time, horizon, service)?;
        let sum = |f: fn(&ReorderPlan) -> f64| plans.iter().map(|(p, _)| f(p)).sum::<f64>();
        let on_hand: Option<f64> = series.iter().map(|&s| self.position(s)).sum();
        let (store, item) = scope(&self.ctx, &series);
        Ok(json!({
            "store": store, "item": item, "unit": self.settings.unit,
            "order_quantity": sum(|p| p.order_quantity),
            "reorder_point": sum(|p| p.reorder_point),
            "safety_stock": sum(|p| p.safety_stock),
            "on_hand": on_hand, "service_level": service, "lead_time": lead_time, "horizon": horizon,
        }))
    }
}

/// Settings of the `lost_sales` tool.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `options` | [`LostSalesOptions::default`] | demand model, intervals, seed, revenue columns | |
/// | `default_periods` | 28 | a null `period` is the last this many periods of the history | >= 1 |
/// | `currency` | none | the currency of the revenue | |
/// | `unit` | `units` | the result's unit | |
#[derive(Debug, Clone, PartialEq)]
pub struct LostSalesToolSettings {
    /// Options of [`estimate_lost_sales`].
    pub options: LostSalesOptions,
    /// Periods of the default window.
    pub default_periods: usize,
    /// Currency label.
    pub currency: Option<String>,
    /// Unit of the quantities.
    pub unit: String,
}

impl Default for LostSalesToolSettings {
    fn default() -> Self {
        Self { options: LostSalesOptions::default(), default_periods: 28, currency: None, unit: "units".into() }
    }
}

/// The `lost_sales` tool: [`estimate_lost_sales`] on the censored periods of the selected
/// series in `period`. The pipeline must have been fitted on [`Censoring::mask`]ed targets.
#[derive(Debug, Clone)]
pub struct LostSalesTool {
    ctx: ToolContext,
    censoring: Option<Censoring>,
    settings: LostSalesToolSettings,
}

impl LostSalesTool {
    /// The tool with default settings, censoring read from a stock regressor named `on_hand`
    /// or `stock` (units available) when the panel has one; without one, calls are refused
    /// until a [`Censoring`] is given ([`LostSalesTool::with_censoring`]).
    pub fn new(ctx: &ToolContext) -> Self {
        let censoring = ["on_hand", "stock"]
            .iter()
            .find_map(|name| Censoring::from_regressor(ctx.panel(), name, StockKind::Available).ok());
        Self { ctx: ctx.clone(), censoring, settings: LostSalesToolSettings::default() }
    }

    /// The tool on `censoring` (e.g. [`Censoring::from_records`]) with `settings`.
    ///
    /// # Errors
    /// [`DecisionError::LengthMismatch`] when the censoring belongs to another panel;
    /// [`DecisionError::InvalidParameter`] for `default_periods` 0.
    pub fn with_censoring(
        ctx: &ToolContext,
        censoring: Censoring,
        settings: LostSalesToolSettings,
    ) -> crate::Result<Self> {
        censoring.check(ctx.panel())?;
        if settings.default_periods == 0 {
            return Err(DecisionError::invalid("default_periods", 0, "at least 1 period"));
        }
        Ok(Self { ctx: ctx.clone(), censoring: Some(censoring), settings })
    }
}

impl Tool for LostSalesTool {
    fn name(&self) -> &str {
        ToolName::LostSales.as_str()
    }
    fn description(&self) -> &str {
        ToolName::LostSales.description()
    }
    fn parameters(&self) -> Value {
        ToolName::LostSales.parameters()
    }
    fn result_schema(&self) -> Value {
        ToolName::LostSales.result_schema()
    }
    fn effect(&self) -> ToolEffect {
        ToolName::LostSales.effect()
    }

    fn call(&self, args: &Value) -> Result<Value> {
        let (tool, op) = (ToolName::LostSales, self.name());
        let series = self.ctx.series(op, args)?;
        let censoring = self.censoring.as_ref().ok_or_else(|| {
            Error::InvalidData(
                "lost_sales: no stock data (the panel has no `on_hand` or `stock` column); build the tool with \
                 LostSalesTool::with_censoring from records, stock or stockout flags"
                    .into(),
            )
        })?;
        let panel = self.ctx.panel();
        let last =
            series.iter().filter_map(|&s| panel.date(&panel.series[s], panel.series[s].len().checked_sub(1)?)).max();
        let first = series.iter().filter_map(|&s| panel.date(&panel.series[s], 0)).min();
        let (Some(first), Some(last)) = (first, last) else {
            return Err(invalid(tool, "item", "the selected series have no history".into()));
        };
        let (from, to) = match self.ctx.period(op, args)? {
            Some((from, to)) if to < first || from > last => {
                return Err(invalid(
                    tool,
                    "period",
                    format!("{from} .. {to} is outside the history of the selection, {first} .. {last}"),
                ));
            }
            Some(p) => p,
            None => {
                let back = i64::try_from(self.settings.default_periods - 1).unwrap_or(i64::MAX);
                (panel.frequency.add(last, -back).unwrap_or(first).max(first), last)
            }
        };
        let censoring = censoring.between(panel, from, to).map_err(|e| core(tool, e))?.only(&series);
        let with_revenue = !matches!(self.settings.options.revenue, crate::lost_sales::RevenueSource::None);
        let (units, revenue) = if censoring.count() == 0 {
            (0.0, with_revenue.then_some(0.0))
        } else {
            let report = estimate_lost_sales(self.ctx.pipeline(), panel, &censoring, &self.settings.options)
                .map_err(|e| core(tool, e))?;
            (report.lost_units.estimate, report.lost_revenue.map(|r| r.estimate))
        };
        let (store, item) = scope(&self.ctx, &series);
        Ok(json!({
            "store": store, "item": item, "unit": self.settings.unit,
            "period": {"from": from.to_string(), "to": to.to_string()},
            "lost_units": units, "lost_revenue": revenue, "currency": self.settings.currency,
            "stockout_days": censoring.count(),
        }))
    }
}

/// Settings of the `optimize_price` tool (and of the price changes `recommend` proposes).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `horizon` | 14 | periods priced when the argument is null | >= 1 |
/// | `multipliers` | 0.70, 0.75, ..., 1.30 | candidate prices as multiples of the planned price | > 0 |
/// | `unit_cost_share` | 0 | unit cost as a share of the planned price; 0 maximises revenue | [0, 1) |
/// | `constraints` | none | minimum margin, maximum discount, price range, ladder | [`PriceConstraints`] |
/// | `price` / `discount` | `price` / `discount` (if the panel has it) | the price and discount-fraction regressors | |
/// | `currency` | empty | the currency of prices | |
/// | `unit` | `units` | the result's unit | |
#[derive(Debug, Clone, PartialEq)]
pub struct PriceToolSettings {
    /// Periods priced when the argument is null.
    pub horizon: usize,
    /// Candidate prices per unit of the planned price.
    pub multipliers: Vec<f64>,
    /// Unit cost per unit of the planned price.
    pub unit_cost_share: f64,
    /// Constraints on the price.
    pub constraints: PriceConstraints,
    /// The price regressor.
    pub price: String,
    /// The discount-fraction regressor, if any.
    pub discount: Option<String>,
    /// Currency label.
    pub currency: String,
    /// Unit of the quantities.
    pub unit: String,
}

impl PriceToolSettings {
    /// The defaults, with the `discount` column only when `ctx`'s panel has one.
    pub fn for_context(ctx: &ToolContext) -> Self {
        Self {
            horizon: 14,
            multipliers: (0..=12).map(|i| 0.7 + 0.05 * f64::from(i)).collect(),
            unit_cost_share: 0.0,
            constraints: PriceConstraints::default(),
            price: "price".into(),
            discount: ctx.panel().regressor_index("discount").map(|_| "discount".into()),
            currency: String::new(),
            unit: "units".into(),
        }
    }

    /// The price decision for `series` over `horizon` planned periods, with the planned price.
    fn decide(&self, ctx: &ToolContext, tool: ToolName, series: &[usize], horizon: usize) -> Result<PricingDecision> {
        check_horizon(ctx, tool, "horizon", horizon)?;
        let panel = ctx.panel();
        if let Some(&s) = series.iter().find(|&&s| panel.series[s].known_future() < horizon) {
            let sr = &panel.series[s];
            return Err(invalid(
                tool,
                "horizon",
                format!("{horizon} periods exceed the {} planned periods of series {}", sr.known_future(), sr.key),
            ));
        }
        let cells = future_window(panel, series, 0..horizon).map_err(|e| core(tool, e))?;
        let curve =
            PipelineCurve::new(ctx.pipeline(), panel, LeverKind::Price, &self.price, self.discount.as_deref(), cells)
                .map_err(|e| core(tool, e))?;
        let planned = curve.planned_value();
        let grid: Vec<f64> = self.multipliers.iter().map(|m| m * planned).collect();
        let decision = optimise_lever(&curve, self.unit_cost_share * planned, &grid, &self.constraints)
            .map_err(|e| core(tool, e))?;
        if decision.best.is_none() {
            return Err(Error::InvalidData(format!("{tool}: no candidate price meets the constraints")));
        }
        Ok(decision)
    }
}

/// The `optimize_price` tool: the item's demand simulated through the pipeline at each
/// candidate price over the next `horizon` planned periods (everything else as planned), and
/// the most profitable candidate (the most revenue at the default unit cost of 0).
#[derive(Debug, Clone)]
pub struct OptimizePriceTool {
    ctx: ToolContext,
    settings: PriceToolSettings,
}

impl OptimizePriceTool {
    /// The tool with [`PriceToolSettings::for_context`].
    pub fn new(ctx: &ToolContext) -> Self {
        Self { ctx: ctx.clone(), settings: PriceToolSettings::for_context(ctx) }
    }

    /// The tool with `settings`.
    ///
    /// # Errors
    /// [`DecisionError::UnknownName`] for a price or discount column the panel lacks;
    /// [`DecisionError::InvalidParameter`] for no multipliers, a non-positive one, or a unit
    /// cost share outside [0, 1).
    pub fn with_settings(ctx: &ToolContext, settings: PriceToolSettings) -> crate::Result<Self> {
        let panel = ctx.panel();
        for name in std::iter::once(&settings.price).chain(settings.discount.as_ref()) {
            if panel.regressor_index(name).is_none() {
                return Err(DecisionError::UnknownName {
                    what: "regressor",
                    name: name.clone(),
                    known: panel.regressor_names.join(", "),
                });
            }
        }
        if settings.multipliers.is_empty() || settings.multipliers.iter().any(|m| !(m.is_finite() && *m > 0.0)) {
            return Err(DecisionError::invalid(
                "multipliers",
                format!("{:?}", settings.multipliers),
                "finite numbers > 0",
            ));
        }
        if !(0.0..1.0).contains(&settings.unit_cost_share) {
            return Err(DecisionError::invalid("unit_cost_share", settings.unit_cost_share, "a share in [0, 1)"));
        }
        Ok(Self { ctx: ctx.clone(), settings })
    }
}

impl Tool for OptimizePriceTool {
    fn name(&self) -> &str {
        ToolName::OptimizePrice.as_str()
    }
    fn description(&self) -> &str {
        ToolName::OptimizePrice.description()
    }
    fn parameters(&self) -> Value {
        ToolName::OptimizePrice.parameters()
    }
    fn result_schema(&self) -> Value {
        ToolName::OptimizePrice.result_schema()
    }
    fn effect(&self) -> ToolEffect {
        ToolName::OptimizePrice.effect()
    }

    fn call(&self, args: &Value) -> Result<Value> {
        let (tool, op) = (ToolName::OptimizePrice, self.name());
        let series = self.ctx.series(op, args)?;
        if args.get("item").is_none_or(Value::is_null) {
            return Err(invalid(tool, "item", "a price is set per item: give an item id".into()));
        }
        let horizon = self.ctx.horizon(op, args, self.settings.horizon)?;
        let decision = self.settings.decide(&self.ctx, tool, &series, horizon)?;
        let best = decision.best().ok_or_else(|| Error::InvalidData(format!("{tool}: no feasible price")))?;
        let planned = &decision.planned;
        let change = if planned.outcome.revenue > 0.0 {
            100.0 * (best.outcome.revenue / planned.outcome.revenue - 1.0)
        } else {
            0.0
        };
        let (store, item) = scope(&self.ctx, &series);
        Ok(json!({
            "store": store, "item": item, "unit": self.settings.unit, "currency": self.settings.currency,
            "current_price": planned.outcome.value, "optimal_price": best.outcome.value,
            "expected_units": best.outcome.units, "revenue_change_pct": change,
        }))
    }
}

/// Settings of the `recommend` tool.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `reorder` | [`ReorderToolSettings::default`] | reorders, for series whose position is known | |
/// | `price` | [`PriceToolSettings::for_context`] | price changes per item | |
/// | `stockout_cost_share` / `holding_cost_share` | 1.0 / 0.1 | cost of a unit short / left over, as shares of its net price | > 0 |
/// | `drop_window` | 7 | latest periods checked for a drop against the forecast from before them | >= 1 |
/// | `drop_threshold` | 0.3 | sales at least this share below the forecast are a drop | (0, 1) |
/// | `min_price_uplift` | 0.01 | a price change must add this share of the planned profit | >= 0 |
/// | `price_confidence` | 0.5 | confidence of a price change (the model's price response is extrapolated) | [0, 1] |
/// | `max_price_items` | 10 | items priced, the first in panel order | >= 0 |
/// | `max_recommendations` | 20 | length of the list | >= 1 |
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendSettings {
    /// Reorder settings.
    pub reorder: ReorderToolSettings,
    /// Price settings.
    pub price: PriceToolSettings,
    /// Cost of a unit short per unit of net price.
    pub stockout_cost_share: f64,
    /// Cost of a unit left over per unit of net price.
    pub holding_cost_share: f64,
    /// Periods checked for a drop.
    pub drop_window: usize,
    /// Share below the forecast that is a drop.
    pub drop_threshold: f64,
    /// Share of planned profit a price change must add.
    pub min_price_uplift: f64,
    /// Confidence of a price change.
    pub price_confidence: f64,
    /// Items priced.
    pub max_price_items: usize,
    /// Length of the list.
    pub max_recommendations: usize,
}

impl RecommendSettings {
    /// The defaults for `ctx`.
    pub fn for_context(ctx: &ToolContext) -> Self {
        Self {
            reorder: ReorderToolSettings::default(),
            price: PriceToolSettings::for_context(ctx),
            stockout_cost_share: 1.0,
            holding_cost_share: 0.1,
            drop_window: 7,
            drop_threshold: 0.3,
            min_price_uplift: 0.01,
            price_confidence: 0.5,
            max_price_items: 10,
            max_recommendations: 20,
        }
    }
}

/// The `recommend` tool: reorders (series with a known position that are at or below their
/// reorder point), drops to investigate (latest sales far below the forecast), and price
/// changes, valued in money and ranked by [`rank`].
#[derive(Debug, Clone)]
pub struct RecommendTool {
    reorder: ReorderTool,
    settings: RecommendSettings,
}

impl RecommendTool {
    /// The tool with [`RecommendSettings::for_context`].
    pub fn new(ctx: &ToolContext) -> Self {
        let settings = RecommendSettings::for_context(ctx);
        Self { reorder: ReorderTool { ctx: ctx.clone(), settings: settings.reorder.clone() }, settings }
    }

    /// The tool with `settings`.
    ///
    /// # Errors
    /// As [`ReorderTool::with_settings`] and [`OptimizePriceTool::with_settings`];
    /// [`DecisionError::InvalidParameter`] for a cost share, threshold or window out of range.
    pub fn with_settings(ctx: &ToolContext, settings: RecommendSettings) -> crate::Result<Self> {
        let reorder = ReorderTool::with_settings(ctx, settings.reorder.clone())?;
        OptimizePriceTool::with_settings(ctx, settings.price.clone())?;
        crate::error::positive("stockout_cost_share", settings.stockout_cost_share)?;
        crate::error::positive("holding_cost_share", settings.holding_cost_share)?;
        crate::error::open_unit("drop_threshold", settings.drop_threshold)?;
        crate::error::non_negative("min_price_uplift", settings.min_price_uplift)?;
        if !(0.0..=1.0).contains(&settings.price_confidence) {
            return Err(DecisionError::invalid(
                "price_confidence",
                settings.price_confidence,
                "a probability in [0, 1]",
            ));
        }
        if settings.drop_window == 0 || settings.max_recommendations == 0 {
            return Err(DecisionError::invalid("drop_window / max_recommendations", 0, "at least 1"));
        }
        Ok(Self { reorder, settings })
    }

    fn ctx(&self) -> &ToolContext {
        &self.reorder.ctx
    }

    fn reorders(&self, series: &[usize], out: &mut Vec<(Recommendation, Value, Value)>) -> Result<()> {
        let known: Vec<usize> = series.iter().copied().filter(|&s| self.reorder.position(s).is_some()).collect();
        if known.is_empty() {
            return Ok(());
        }
        let r = &self.settings.reorder;
        let horizon = (r.lead_time + r.review_period).max(1);
        for (plan, demand) in self.reorder.plans(&known, r.lead_time, horizon, r.service_level)? {
            let s = plan.series;
            let len = self.ctx().panel().series[s].len();
            let Some(price) = net_price(self.ctx(), s, len).filter(|p| *p > 0.0) else { continue };
            let rec = plan
                .recommendation(
                    &demand,
                    self.settings.stockout_cost_share * price,
                    self.settings.holding_cost_share * price,
                    r.service_level,
                )
                .map_err(|e| core(ToolName::Recommend, e))?;
            if let Some(rec) = rec {
                let (store, item) = scope(self.ctx(), &[s]);
                out.push((rec, store, item));
            }
        }
        Ok(())
    }

    fn drops(&self, series: &[usize], out: &mut Vec<(Recommendation, Value, Value)>) -> Result<()> {
        let (panel, w) = (self.ctx().panel(), self.settings.drop_window);
        let mut origins = vec![None; panel.series.len()];
        for &s in series {
            origins[s] = panel.series[s].len().checked_sub(w).filter(|&o| o > 0);
        }
        if origins.iter().all(Option::is_none) {
            return Ok(());
        }
        let forecasts = self.ctx().pipeline().forecast_from(panel, &origins, w)?;
        for sf in &forecasts.series {
            let sr = &panel.series[sf.series];
            let actual: f64 = sr.target[sf.origin..sr.len()].iter().filter(|v| v.is_finite()).sum();
            let expected: f64 = sf.point.iter().sum();
            if !(expected > 0.0 && actual < (1.0 - self.settings.drop_threshold) * expected) {
                continue;
            }
            let price = net_price(self.ctx(), sf.series, sr.len() - 1).unwrap_or(0.0).max(0.0);
            let rec = Recommendation::new(
                sr.key.to_string(),
                Action::InvestigateDrop { expected, actual },
                (expected - actual) * price,
                (1.0 - actual / expected).clamp(0.0, 1.0),
                format!(
                    "sales of the last {w} periods are {actual:.0} against {expected:.0} forecast from before them"
                ),
                vec![
                    Evidence::new("forecast", expected, format!("pipeline {} from {w} periods back", forecasts.model)),
                    Evidence::new("actual", actual, "units sold"),
                    Evidence::new("net_price", price, "price x (1 - discount) of the last period"),
                ],
            )
            .map_err(|e| core(ToolName::Recommend, e))?;
            let (store, item) = scope(self.ctx(), &[sf.series]);
            out.push((rec, store, item));
        }
        Ok(())
    }

    fn prices(&self, series: &[usize], horizon: usize, out: &mut Vec<(Recommendation, Value, Value)>) -> Result<()> {
        let mut items: Vec<&str> = Vec::new();
        for &s in series {
            if let Some(i) = self.ctx().item_of(s)
                && !items.contains(&i)
            {
                items.push(i);
            }
        }
        for item in items.into_iter().take(self.settings.max_price_items) {
            let chosen: Vec<usize> = series.iter().copied().filter(|&s| self.ctx().item_of(s) == Some(item)).collect();
            let decision = self.settings.price.decide(self.ctx(), ToolName::Recommend, &chosen, horizon)?;
            let (Some(best), Some(uplift)) = (decision.best(), decision.uplift()) else { continue };
            let (from, to) = (decision.planned.outcome.value, best.outcome.value);
            if uplift <= self.settings.min_price_uplift * decision.planned.profit.abs() || (to - from).abs() < 1e-9 {
                continue;
            }
            let action = if to > from {
                Action::RaisePrice { from, to }
            } else {
                Action::Discount { discount: 1.0 - to / from }
            };
            let (store, item_value) = scope(self.ctx(), &chosen);
            let rec = Recommendation::new(
                format!("{item} in {}", store.as_str().unwrap_or("all stores")),
                action,
                uplift,
                self.settings.price_confidence,
                format!(
                    "price {item} at {to:.2} instead of {from:.2} over the next {horizon} periods: {uplift:+.0} profit"
                ),
                vec![
                    Evidence::new("planned_price", from, "mean planned price over the horizon"),
                    Evidence::new("expected_units", best.outcome.units, "pipeline forecast at the new price"),
                    Evidence::new("unit_cost", decision.unit_cost, "unit_cost_share x planned price"),
                ],
            )
            .map_err(|e| core(ToolName::Recommend, e))?;
            out.push((rec, store, item_value));
        }
        Ok(())
    }
}

impl Tool for RecommendTool {
    fn name(&self) -> &str {
        ToolName::Recommend.as_str()
    }
    fn description(&self) -> &str {
        ToolName::Recommend.description()
    }
    fn parameters(&self) -> Value {
        ToolName::Recommend.parameters()
    }
    fn result_schema(&self) -> Value {
        ToolName::Recommend.result_schema()
    }
    fn effect(&self) -> ToolEffect {
        ToolName::Recommend.effect()
    }

    fn call(&self, args: &Value) -> Result<Value> {
        let op = self.name();
        let series = self.ctx().series(op, args)?;
        let horizon = self.ctx().horizon(op, args, self.settings.price.horizon)?;
        let mut found = Vec::new();
        self.reorders(&series, &mut found)?;
        self.drops(&series, &mut found)?;
        self.prices(&series, horizon, &mut found)?;
        let scopes: HashMap<String, (Value, Value)> =
            found.iter().map(|(r, s, i)| (r.target.clone(), (s.clone(), i.clone()))).collect();
        let unit = (!self.settings.price.currency.is_empty()).then(|| self.settings.price.currency.clone());
        let list: Vec<Value> = rank(found.into_iter().map(|(r, _, _)| r).collect())
            .into_iter()
            .take(self.settings.max_recommendations)
            .map(|r| {
                let rec = r.recommendation;
                let (store, item) = scopes.get(&rec.target).cloned().unwrap_or((Value::Null, Value::Null));
                let action = serde_json::to_value(&rec.action)
                    .ok()
                    .and_then(|a| a.get("type").and_then(Value::as_str).map(str::to_owned))
                    .unwrap_or_default();
                json!({"action": action, "store": store, "item": item, "impact": rec.expected_value,
                       "unit": unit, "reason": rec.rationale})
            })
            .collect();
        Ok(json!({ "recommendations": list }))
    }
}

/// The four tools over `ctx` with default settings: `reorder`, `lost_sales`,
/// `optimize_price`, `recommend`.
pub fn tools(ctx: &ToolContext) -> Vec<Arc<dyn Tool>> {
    vec![
        Arc::new(ReorderTool::new(ctx)),
        Arc::new(LostSalesTool::new(ctx)),
        Arc::new(OptimizePriceTool::new(ctx)),
        Arc::new(RecommendTool::new(ctx)),
    ]
}
