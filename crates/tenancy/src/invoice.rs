//! Invoices: one tenant's bill for one month, as issued and stored ([`crate::billing`] makes
//! them).

use crate::currency::Currency;
use crate::period::BillingPeriod;
use forecast_core::tenant::TenantId;
use serde::{Deserialize, Serialize};
use std::fmt;

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
        let width = self.lines.iter().map(|l| l.description.chars().count()).max().unwrap_or(0).max(5);
        for line in &self.lines {
            let amount = self.currency.format_minor(line.amount_minor);
            writeln!(
                f,
                "  {:<width$} {:>10} x {:>9} micros = {:>14}",
                line.description, line.quantity, line.unit_price_micros, amount
            )?;
        }
        write!(f, "  {:<width$} {:>46}", "Total", self.currency.format_minor(self.total_minor))
    }
}
