//! Billing: invoices from the plan's base price plus metered overage.
//!
//! # Money and rounding
//! Prices are integers in micro-units of the currency's major unit (1 USD = 1,000,000
//! micros), so sub-cent unit prices such as 0.0005 USD are exact. Each line's amount is
//! `quantity x unit price` in micros (exact, 128-bit), converted to the currency's minor unit
//! (10^exponent per major unit: cents for USD, yen for JPY, fils for KWD) and rounded half to
//! even, once per line. The total is the sum of the rounded lines, so the lines always add up.
//! An invoice is a pure function of the plan and the stored events, so regenerating it from
//! the same events gives the same invoice.

use crate::currency::Currency;
use crate::name::TenantId;
use crate::period::BillingPeriod;
use crate::schema::to_millis;
use crate::scope::TenantScope;
use crate::store::load_plan;
use crate::tenant::Tenant;
use crate::{Result, TenancyError};
use forecast_core::AuditOutcome;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Micro-units per major unit.
const MICROS: i128 = 1_000_000;

/// `numerator / denominator` rounded to the nearest integer, ties to even (`denominator > 0`).
pub fn round_half_even(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator.div_euclid(denominator);
    let twice_rem = 2 * numerator.rem_euclid(denominator);
    if twice_rem > denominator || (twice_rem == denominator && quotient % 2 != 0) { quotient + 1 } else { quotient }
}

/// `quantity x unit_price_micros` in minor units of `currency`, rounded half to even.
pub fn line_amount_minor(quantity: u64, unit_price_micros: i64, currency: Currency) -> i64 {
    let micros = i128::from(quantity) * i128::from(unit_price_micros);
    let minor = round_half_even(micros * 10i128.pow(currency.exponent()), MICROS);
    i64::try_from(minor).unwrap_or(if minor < 0 { i64::MIN } else { i64::MAX })
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// What is charged, e.g. `Plan pro, 2026-03` or `api_calls beyond 100000 included`.
    pub description: String,
    /// The meter, for usage lines.
    pub meter: Option<String>,
    /// Units used in the period (usage lines; 1 for the base price).
    pub used: u64,
    /// Units included in the base price.
    pub included: u64,
    /// Units charged: `used - included`, never negative.
    pub quantity: u64,
    /// Price per unit in micro-units.
    pub unit_price_micros: i64,
    /// The line's amount in minor units, rounded half to even.
    pub amount_minor: i64,
}

/// An invoice for one tenant and month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// The tenant billed.
    pub tenant: TenantId,
    /// The month billed (in the tenant's timezone).
    pub period: BillingPeriod,
    /// The plan priced.
    pub plan: String,
    /// The currency of every amount.
    pub currency: Currency,
    /// Base price first, then one line per priced meter, by meter name.
    pub lines: Vec<InvoiceLine>,
    /// Sum of the lines' amounts, in minor units.
    pub total_minor: i64,
}

impl fmt::Display for Invoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Invoice {} {} (plan {}, {})", self.tenant, self.period, self.plan, self.currency)?;
        for line in &self.lines {
            let amount = self.currency.format_minor(line.amount_minor);
            writeln!(
                f,
                "  {:<44} {:>10} x {:>9} micros = {:>14}",
                line.description, line.quantity, line.unit_price_micros, amount
            )?;
        }
        write!(f, "  {:<44} {:>46}", "Total", self.currency.format_minor(self.total_minor))
    }
}

fn build_invoice(tx: &Transaction<'_>, tenant: &Tenant, period: BillingPeriod) -> Result<Invoice> {
    let plan = load_plan(tx, &tenant.plan)?;
    let (start, end) = (to_millis(period.start(tenant.timezone)), to_millis(period.end(tenant.timezone)));
    let mut lines = vec![InvoiceLine {
        description: format!("Plan {}, {period}", plan.name),
        meter: None,
        used: 1,
        included: 0,
        quantity: 1,
        unit_price_micros: plan.base_price_micros,
        amount_minor: line_amount_minor(1, plan.base_price_micros, tenant.currency),
    }];
    let mut sum = tx.prepare_cached(
        "SELECT COALESCE(SUM(quantity), 0) FROM usage_events
         WHERE tenant_id = ?1 AND meter = ?2 AND occurred_at >= ?3 AND occurred_at < ?4",
    )?;
    for (meter, price) in &plan.meter_prices {
        let used: i64 = sum.query_row(params![tenant.id.as_str(), meter, start, end], |r| r.get(0))?;
        let used = crate::metering::to_u64(used);
        let quantity = used.saturating_sub(price.included);
        lines.push(InvoiceLine {
            description: format!("{meter} beyond {} included", price.included),
            meter: Some(meter.clone()),
            used,
            included: price.included,
            quantity,
            unit_price_micros: price.unit_price_micros,
            amount_minor: line_amount_minor(quantity, price.unit_price_micros, tenant.currency),
        });
    }
    let total_minor = lines.iter().map(|l| l.amount_minor).fold(0i64, i64::saturating_add);
    Ok(Invoice { tenant: tenant.id.clone(), period, plan: plan.name, currency: tenant.currency, lines, total_minor })
}

impl TenantScope<'_> {
    /// The invoice for `period` computed now from the tenant's plan and stored events
    /// (a preview: nothing is stored).
    ///
    /// # Errors
    /// The tenant-state errors; [`TenancyError::PlanNotFound`].
    pub fn invoice(&self, period: BillingPeriod) -> Result<Invoice> {
        self.read(|tx, tenant| build_invoice(tx, &tenant, period))
    }

    /// Issue the invoice for a month that has ended and store it; issuing again returns
    /// the stored invoice unchanged (so a later plan change does not rewrite history).
    ///
    /// # Errors
    /// [`TenancyError::InvalidField`] when the month has not ended; the tenant-state errors.
    pub fn issue_invoice(&self, period: BillingPeriod) -> Result<Invoice> {
        let now = self.now();
        self.write(|tx, tenant| {
            if now < period.end(tenant.timezone) {
                return Err(TenancyError::InvalidField {
                    field: "billing period",
                    value: period.key(),
                    expected: "a month that has ended in the tenant's timezone",
                });
            }
            let stored: Option<String> = tx
                .query_row(
                    "SELECT document FROM invoices WHERE tenant_id = ?1 AND period = ?2",
                    params![tenant.id.as_str(), period.key()],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(document) = stored {
                return Ok(serde_json::from_str(&document)?);
            }
            let invoice = build_invoice(tx, &tenant, period)?;
            tx.execute(
                "INSERT INTO invoices (tenant_id, period, document, issued_at) VALUES (?1, ?2, ?3, ?4)",
                params![tenant.id.as_str(), period.key(), serde_json::to_string(&invoice)?, to_millis(now)],
            )?;
            self.audit(
                self.event("invoice.issue", format!("invoice:{period}"), AuditOutcome::Success)
                    .detail("total_minor", invoice.total_minor.to_string())
                    .detail("currency", invoice.currency.code()),
            )?;
            Ok(invoice)
        })
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
        assert_eq!(line_amount_minor(25, 500, usd), 1);
        // 35 x 0.0005 USD = 1.75 cents -> 2 cents.
        assert_eq!(line_amount_minor(35, 500, usd), 2);
        // 3 x 0.5 JPY = 1.5 yen -> 2 yen (even); 5 x 0.5 = 2.5 -> 2.
        assert_eq!(line_amount_minor(3, 500_000, jpy), 2);
        assert_eq!(line_amount_minor(5, 500_000, jpy), 2);
        // 7 x 0.0015 KWD = 0.0105 KWD = 10.5 fils -> 10 fils.
        assert_eq!(line_amount_minor(7, 1_500, kwd), 10);
    }
}
