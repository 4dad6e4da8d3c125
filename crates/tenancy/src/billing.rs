//! Billing: invoices from the plan's base price, metered usage and soft-limit overage.
//!
//! # Money and rounding
//! Prices are integers in micro-units of the plan currency's major unit (1 USD = 1,000,000
//! micros), so sub-cent unit prices such as 0.0005 USD are exact. A plan is priced in one
//! currency and a tenant is only ever on plans of its own currency. Each line's amount is
//! `quantity x unit price / per_units` in micros (exact, 128-bit), converted to the currency's
//! minor unit (10^exponent per major unit: cents for USD, yen for JPY, fils for KWD) and
//! rounded half to even, once per line. The total is the sum of the rounded lines.
//!
//! # What a month's invoice holds
//! - The base price of each plan the tenant was on that month, prorated by local day: a plan
//!   change takes effect from the day it is made (that day is the new plan's), and the first
//!   month counts from the day the tenant was created. No invoice exists for a month wholly
//!   before the tenant existed.
//! - For each priced meter of the plan in force at the end of the month: usage beyond the
//!   included units; for a soft limit, the overage beyond the limit plus the month's grants
//!   (for a capacity such as `models`, the month's peak, counting what was carried in).
//! - Usage comes from the ledger only ([`crate::ledger`]); once a month's invoice is issued the
//!   month is closed and late usage for it is refused, so an issued invoice never disagrees
//!   with the ledger.

use crate::currency::Currency;
pub use crate::invoice::{Invoice, InvoiceLine};
use crate::period::BillingPeriod;
use crate::plan::{Enforcement, Reset};
use crate::scope::TenantScope;
use crate::storage::TenantView;
use crate::store::check_currency;
use crate::tenant::Tenant;
use crate::{Result, TenancyError};
use chrono::NaiveDate;
use forecast_core::AuditOutcome;

/// Micro-units per major unit.
const MICROS: i128 = 1_000_000;

/// `numerator / denominator` rounded to the nearest integer, ties to even (`denominator > 0`).
pub fn round_half_even(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator.div_euclid(denominator);
    let twice_rem = 2 * numerator.rem_euclid(denominator);
    if twice_rem > denominator || (twice_rem == denominator && quotient % 2 != 0) { quotient + 1 } else { quotient }
}

/// `quantity x unit_price_micros / per_units` in minor units of `currency`, rounded half to even.
pub fn line_amount_minor(quantity: u64, unit_price_micros: i64, per_units: u64, currency: Currency) -> i64 {
    let micros = i128::from(quantity) * i128::from(unit_price_micros);
    let minor = round_half_even(micros * 10i128.pow(currency.exponent()), MICROS * i128::from(per_units.max(1)));
    i64::try_from(minor).unwrap_or(if minor < 0 { i64::MIN } else { i64::MAX })
}

/// The plans of the tenant and the local days each covered in `period`, in order.
fn plan_days(view: &dyn TenantView, period: BillingPeriod) -> Result<Vec<(String, i64)>> {
    let tz = view.tenant().timezone;
    let (first, after) =
        (period.start(tz).with_timezone(&tz).date_naive(), period.end(tz).with_timezone(&tz).date_naive());
    let starts: Vec<(String, NaiveDate)> = view
        .plan_history()?
        .into_iter()
        .map(|change| (change.plan, change.effective_from.with_timezone(&tz).date_naive()))
        .collect();
    let mut out = Vec::new();
    for (i, (plan, start)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(after, |(_, next)| *next);
        let days = (end.min(after) - (*start).max(first)).num_days();
        if days > 0 {
            out.push((plan.clone(), days));
        }
    }
    Ok(out)
}

fn build_invoice(view: &dyn TenantView, period: BillingPeriod) -> Result<Invoice> {
    let tenant: &Tenant = view.tenant();
    if period.end(tenant.timezone) <= tenant.created_at {
        return Err(TenancyError::PeriodBeforeTenant {
            tenant: tenant.id.to_string(),
            period: period.key(),
            created_at: tenant.created_at,
        });
    }
    let days_in_month = (period.end(tenant.timezone).with_timezone(&tenant.timezone).date_naive()
        - period.start(tenant.timezone).with_timezone(&tenant.timezone).date_naive())
    .num_days();
    let mut lines = Vec::new();
    let mut last_plan = None;
    for (name, days) in plan_days(view, period)? {
        let plan = view.plan_named(&name)?;
        check_currency(&tenant.id, tenant.currency, &plan)?;
        let amount = round_half_even(
            i128::from(plan.base_price_micros) * i128::from(days) * 10i128.pow(tenant.currency.exponent()),
            MICROS * i128::from(days_in_month.max(1)),
        );
        lines.push(InvoiceLine {
            description: format!("Plan {name}, {period}, {days} of {days_in_month} days"),
            meter: None,
            used: u64::try_from(days).unwrap_or(0),
            included: 0,
            quantity: 1,
            unit_price_micros: plan.base_price_micros,
            amount_minor: i64::try_from(amount).unwrap_or(i64::MAX),
        });
        last_plan = Some(plan);
    }
    let plan = match last_plan {
        Some(p) => p,
        None => view.plan().clone(),
    };
    for (meter, price) in &plan.meter_prices {
        let soft = plan.limits.get(meter).filter(|l| l.enforcement == Enforcement::Soft);
        let (used, included, description) = match soft {
            Some(limit) => {
                let counter = match limit.reset {
                    Reset::Monthly => period.key(),
                    Reset::Never => crate::ledger::NEVER.to_owned(),
                };
                let granted = view.counter(meter, &counter)?.granted;
                let used = match limit.reset {
                    Reset::Monthly => view.period_usage(meter, &period.key())?,
                    Reset::Never => {
                        view.capacity_peak(meter, period.start(tenant.timezone), period.end(tenant.timezone))?
                    }
                };
                let included = limit.value.saturating_add(granted);
                (used, included, format!("{meter} over {} ({} + {granted} granted)", included, limit.value))
            }
            None => {
                let used = view.period_usage(meter, &period.key())?;
                (used, price.included, format!("{meter} beyond {} included", price.included))
            }
        };
        let quantity = used.saturating_sub(included);
        lines.push(InvoiceLine {
            description,
            meter: Some(meter.clone()),
            used,
            included,
            quantity,
            unit_price_micros: price.unit_price_micros,
            amount_minor: line_amount_minor(quantity, price.unit_price_micros, price.per_units, tenant.currency),
        });
    }
    let total_minor = lines.iter().map(|l| l.amount_minor).fold(0i64, i64::saturating_add);
    Ok(Invoice { tenant: tenant.id.clone(), period, plan: plan.name, currency: tenant.currency, lines, total_minor })
}

impl TenantScope<'_> {
    /// The invoice for `period` computed now from the tenant's plans and the ledger
    /// (a preview: nothing is stored).
    ///
    /// # Errors
    /// [`TenancyError::PeriodBeforeTenant`]; the tenant-state errors; [`TenancyError::PlanNotFound`].
    pub fn invoice(&self, period: BillingPeriod) -> Result<Invoice> {
        self.read(|view| build_invoice(view, period))
    }

    /// Issue the invoice for a month that has ended, store it and close the month (later usage
    /// for it is refused); issuing again returns the stored invoice unchanged (so a later plan
    /// change does not rewrite history).
    ///
    /// # Errors
    /// [`TenancyError::InvalidField`] when the month has not ended;
    /// [`TenancyError::PeriodBeforeTenant`]; the tenant-state errors.
    pub fn issue_invoice(&self, period: BillingPeriod) -> Result<Invoice> {
        let now = self.now();
        let ended = |view: &dyn TenantView| {
            if now < period.end(view.tenant().timezone) {
                return Err(TenancyError::InvalidField {
                    field: "billing period",
                    value: period.key(),
                    expected: "a month that has ended in the tenant's timezone",
                });
            }
            Ok(())
        };
        // A tenant's timezone never changes, so the month's end read here holds in the issue.
        self.read(ended)?;
        let issued = self.backend().issue_invoice(
            self.tenant_id(),
            period,
            &|view| {
                ended(view)?;
                build_invoice(view, period)
            },
            &|issued, _| {
                if !issued.issued_now {
                    return Ok(Vec::new());
                }
                Ok(vec![
                    self.event("invoice.issue", format!("invoice:{period}"), AuditOutcome::Success)
                        .detail("total_minor", issued.invoice.total_minor.to_string())
                        .detail("currency", issued.invoice.currency.code()),
                ])
            },
        )?;
        Ok(issued.invoice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_to_even() {
        assert_eq!(round_half_even(5, 2), 2); // 2.5 -> 2
        assert_eq!(round_half_even(7, 2), 4); // 3.5 -> 4
        assert_eq!(round_half_even(-5, 2), -2); // -2.5 -> -2
        assert_eq!(round_half_even(-7, 2), -4); // -3.5 -> -4
        assert_eq!(round_half_even(26, 10), 3); // 2.6 -> 3
        assert_eq!(round_half_even(24, 10), 2); // 2.4 -> 2
    }

    #[test]
    fn line_amounts_follow_the_currency_exponent() {
        let (usd, jpy, kwd) =
            (Currency::new("USD").unwrap(), Currency::new("JPY").unwrap(), Currency::new("KWD").unwrap());
        // 25 x 0.0005 USD = 0.0125 USD = 1.25 cents -> 1 cent.
        assert_eq!(line_amount_minor(25, 500, 1, usd), 1);
        // 35 x 0.0005 USD = 1.75 cents -> 2 cents.
        assert_eq!(line_amount_minor(35, 500, 1, usd), 2);
        // 3 x 0.5 JPY = 1.5 yen -> 2 yen (even); 5 x 0.5 = 2.5 -> 2.
        assert_eq!(line_amount_minor(3, 500_000, 1, jpy), 2);
        assert_eq!(line_amount_minor(5, 500_000, 1, jpy), 2);
        // 7 x 0.0015 KWD = 0.0105 KWD = 10.5 fils -> 10 fils.
        assert_eq!(line_amount_minor(7, 1_500, 1, kwd), 10);
        // 2,500,000 bytes at 0.02 USD per 1,000,000 bytes = 0.05 USD = 5 cents.
        assert_eq!(line_amount_minor(2_500_000, 20_000, 1_000_000, usd), 5);
    }
}
