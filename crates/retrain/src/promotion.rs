//! Champion/challenger: the challenger is scored on the champion's backtest windows, and
//! promoted only when it is better by a margin and a Diebold-Mariano test (HLN-corrected)
//! says the difference is significant; the alias moves through the [`ModelStore`] port after
//! the [`PermissionCheck`] port allows it, with the evidence as the reason and an audit
//! event. A [`RollbackGuard`] rolls a promotion back when production decays after it.

use crate::diebold_mariano::{Alternative, DmTest, diebold_mariano};
use crate::error::{Result, invalid};
use crate::trigger::DecayTrigger;
use forecast_core::{
    AliasMove, AuditEvent, AuditOutcome, AuditSink, Clock, GuardedAction, ModelRef, ModelStore, PermissionCheck,
};
use serde::{Deserialize, Serialize};

/// When a challenger replaces the champion.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `margin` | 0.02 | the challenger's mean loss must be at least this share below the champion's | [0, 1) |
/// | `level` | 0.05 | significance level of the one-sided Diebold-Mariano test | (0, 1) |
/// | `horizon` | 1 | forecast horizon of the loss series (autocovariance lags) | >= 1 |
/// | `shadow_periods` | 0 | periods both models score before a promotion (only the champion serves) | >= 0 |
/// | `alias` | `champion` | the serving alias | a registry alias |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromotionPolicy {
    /// Relative improvement required.
    pub margin: f64,
    /// Significance level.
    pub level: f64,
    /// Horizon of the loss series.
    pub horizon: usize,
    /// Shadow periods before promotion.
    pub shadow_periods: usize,
    /// The serving alias.
    pub alias: String,
}

impl Default for PromotionPolicy {
    fn default() -> Self {
        Self { margin: 0.02, level: 0.05, horizon: 1, shadow_periods: 0, alias: "champion".into() }
    }
}

/// The outcome of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Move the alias to the challenger.
    Promote,
    /// Better and significant, but the shadow period is not over: keep scoring both.
    Shadow,
    /// Keep the champion.
    Keep,
}

/// The evidence of a champion/challenger comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Champion's mean per-period loss.
    pub champion_loss: f64,
    /// Challenger's mean per-period loss.
    pub challenger_loss: f64,
    /// `1 - challenger / champion`.
    pub improvement: f64,
    /// The test on `champion - challenger` losses (one-sided: challenger better).
    pub test: DmTest,
    /// The decision.
    pub decision: Decision,
    /// Why, in one line.
    pub reason: String,
}

/// Compare per-period losses of the champion and the challenger on the same windows.
/// `shadowed` is the number of shadow periods already scored.
///
/// # Errors
/// [`crate::RetrainError::InvalidParam`] for series of different lengths, a policy out of
/// range, or losses the test rejects (see [`diebold_mariano`]).
pub fn compare(champion: &[f64], challenger: &[f64], policy: &PromotionPolicy, shadowed: usize) -> Result<Comparison> {
    if champion.len() != challenger.len() {
        return Err(invalid(
            "challenger losses",
            format!("{} periods against the champion's {}", challenger.len(), champion.len()),
            "losses on the same backtest windows",
        ));
    }
    if !(0.0..1.0).contains(&policy.margin) {
        return Err(invalid("margin", policy.margin, "a share in [0, 1)"));
    }
    if !(policy.level > 0.0 && policy.level < 1.0) {
        return Err(invalid("level", policy.level, "a level in (0, 1)"));
    }
    let d: Vec<f64> = champion.iter().zip(challenger).map(|(a, b)| a - b).collect();
    let n = champion.len() as f64;
    let champion_loss = champion.iter().sum::<f64>() / n;
    let challenger_loss = challenger.iter().sum::<f64>() / n;
    if d.len() >= 3 && d.iter().all(|v| *v == 0.0) {
        // Identical losses: no evidence either way (the test's variance is 0), nothing to promote.
        let test = DmTest { statistic: 0.0, p_value: 1.0, mean_difference: 0.0, n: d.len(), horizon: policy.horizon };
        let reason = "identical losses on every period: nothing to promote".to_string();
        return Ok(Comparison {
            champion_loss,
            challenger_loss,
            improvement: 0.0,
            test,
            decision: Decision::Keep,
            reason,
        });
    }
    let test = diebold_mariano(&d, policy.horizon, Alternative::Greater)?;
    let improvement = if champion_loss > 0.0 { 1.0 - challenger_loss / champion_loss } else { 0.0 };
    let better = improvement >= policy.margin && test.mean_difference > 0.0;
    let significant = test.p_value < policy.level;
    let (decision, reason) = match (better, significant) {
        (true, true) if shadowed >= policy.shadow_periods => (
            Decision::Promote,
            format!(
                "challenger loss {challenger_loss:.4} vs champion {champion_loss:.4} ({:.1}% better, margin {:.1}%); \
                 DM {:.3}, p {:.4} < {}",
                improvement * 100.0,
                policy.margin * 100.0,
                test.statistic,
                test.p_value,
                policy.level
            ),
        ),
        (true, true) => (
            Decision::Shadow,
            format!("better and significant; shadow {shadowed} of {} periods", policy.shadow_periods),
        ),
        (false, _) => (
            Decision::Keep,
            format!("improvement {:.1}% below the margin {:.1}%", improvement * 100.0, policy.margin * 100.0),
        ),
        (true, false) => (Decision::Keep, format!("not significant: DM p {:.4} >= {}", test.p_value, policy.level)),
    };
    Ok(Comparison { champion_loss, challenger_loss, improvement, test, decision, reason })
}

/// Moves aliases through the ports: permission first, then one alias move, then the audit.
#[derive(Debug, Clone, Copy)]
pub struct Promoter<'a> {
    /// The registry.
    pub store: &'a dyn ModelStore,
    /// Who may promote.
    pub permission: &'a dyn PermissionCheck,
    /// Where audit events go.
    pub audit: &'a dyn AuditSink,
    /// The time of the audit events.
    pub clock: &'a dyn Clock,
}

impl Promoter<'_> {
    /// Point `alias` of `name` at `version` with `evidence` (JSON) as the reason. The alias
    /// move is the single state change, so a failure before it changes nothing. Promoting the
    /// version the alias already holds changes nothing and returns the move that put it there
    /// (a job resumed after a crash between the move and its journal line promotes again).
    ///
    /// # Errors
    /// A denied permission (audited as denied), a registry error.
    pub fn promote(&self, name: &str, alias: &str, version: u32, evidence: &str) -> Result<AliasMove> {
        let held = self.store.resolve(&ModelRef::Alias { name: name.into(), alias: alias.into() });
        if held.is_ok_and(|v| v.version == version)
            && let Some(last) = self.store.alias_history(name, alias)?.pop()
        {
            return Ok(last);
        }
        self.guarded(GuardedAction::PromoteModel, name, alias, evidence, |actor| {
            self.store.set_alias(name, alias, version, actor, evidence)
        })
    }

    /// Move `alias` of `name` back to its previous holder with `reason`.
    ///
    /// # Errors
    /// As [`Promoter::promote`].
    pub fn rollback(&self, name: &str, alias: &str, reason: &str) -> Result<AliasMove> {
        self.guarded(GuardedAction::RollbackModel, name, alias, reason, |actor| {
            self.store.rollback(name, alias, actor, reason)
        })
    }

    fn guarded(
        &self,
        action: GuardedAction,
        name: &str,
        alias: &str,
        reason: &str,
        change: impl FnOnce(&str) -> forecast_core::Result<AliasMove>,
    ) -> Result<AliasMove> {
        let actor = self.permission.actor();
        let target = format!("{name}@{alias}");
        let event = |outcome| {
            AuditEvent::new(&actor, action.as_str(), &target, outcome, self.clock.now()).detail("reason", reason)
        };
        if let Err(e) = self.permission.check(action, &target) {
            self.audit.record(event(AuditOutcome::Denied).detail("error", e.to_string()))?;
            return Err(e.into());
        }
        match change(&actor) {
            Ok(m) => {
                let to = m.to.map_or_else(|| "none".into(), |v| v.to_string());
                self.audit.record(event(AuditOutcome::Success).detail("to", to))?;
                Ok(m)
            }
            Err(e) => {
                self.audit.record(event(AuditOutcome::Failure).detail("error", e.to_string()))?;
                Err(e.into())
            }
        }
    }
}

/// Watches a fresh promotion: when the new champion's production error on delayed actuals
/// passes its own backtest level by the threshold, it asks for a rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackGuard {
    /// The model promoted.
    pub version: u32,
    /// The decay rule against the promoted model's backtest level.
    pub decay: DecayTrigger,
}

impl RollbackGuard {
    /// Whether production since the promotion calls for a rollback; the reason when it does.
    ///
    /// # Errors
    /// As [`DecayTrigger::check`].
    pub fn check(&self, actual: &[f64], forecast: &[f64], clock: &dyn Clock) -> Result<Option<String>> {
        Ok(self
            .decay
            .check(actual, forecast, clock)?
            .map(|e| format!("rollback of version {}: {}", self.version, e.reason)))
    }
}
