//! One series, day by day: demand, stockouts and the truth behind each day's sales.

use super::params::{ItemParams, WEEKLY, holiday_effect};
use super::shift::DayShift;
use crate::data::holidays::Holiday;
use crate::data::sampling::{negative_binomial, normal};
use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
/// One simulated day of one series.
#[derive(Debug, Clone, Copy)]
pub(super) struct Day {
    pub(super) units: f64,
    pub(super) demand: f64,
    pub(super) expected: f64,
    pub(super) baseline: f64,
    pub(super) on_hand: Option<f64>,
    pub(super) stockout: bool,
    pub(super) holiday: bool,
}

/// Everything one series needs from the panel-wide draws.
pub(super) struct SeriesContext<'a> {
    pub(super) item: &'a ItemParams,
    pub(super) store_scale: f64,
    pub(super) dates: &'a [NaiveDate],
    pub(super) holidays: &'a [Option<Holiday>],
    pub(super) history_days: usize,
    pub(super) trend_strength: f64,
    pub(super) shift: Option<DayShift>,
}

/// Simulate one series day by day: the history with stockouts, then the planned future's
/// demand (drawn after the history, so the history does not depend on the future's length).
/// Returns the days and the series' yearly log growth.
pub(super) fn simulate(srng: &mut ChaCha8Rng, c: &SeriesContext<'_>, plan: &[(f64, bool, f64)]) -> (Vec<Day>, f64) {
    let p = c.item;
    let slope = c.trend_strength * (0.05 + 0.1 * normal(srng));
    let mut drift = 0.0;
    let mut stockout_left = 0usize;
    let mut days = Vec::with_capacity(plan.len());
    for (t, &(discount, promo, dip)) in plan.iter().enumerate() {
        let date = c.dates[t];
        drift = 0.97 * drift + 0.025 * normal(srng);
        let years = t as f64 / 365.25;
        let doy = f64::from(date.ordinal0());
        let calendar_level = p.base
            * c.store_scale
            * (slope * years).exp()
            * WEEKLY[date.weekday().num_days_from_monday() as usize].powf(p.weekly_amp)
            * (1.0 + p.yearly_amp * (std::f64::consts::TAU * (doy - p.yearly_phase) / 365.25).cos())
            * holiday_effect(date, c.holidays[t]).powf(p.holiday_sensitivity);
        // Written as one product in this order: the default panel's figures depend on the
        // exact rounding.
        let elasticity = match c.shift {
            Some(s) if t >= s.day => p.elasticity * s.elasticity_scale,
            _ => p.elasticity,
        };
        let mean = calendar_level
            * (p.price[t] / p.base_price).powf(elasticity)
            * (1.0 - discount).powf(elasticity)
            * if promo { p.promo_lift } else { 1.0 }
            * dip
            * drift.exp();
        let baseline = calendar_level * dip * drift.exp();
        let demand = negative_binomial(srng, mean, p.dispersion);
        if t >= c.history_days {
            days.push(Day {
                units: f64::NAN,
                demand,
                expected: mean,
                baseline,
                on_hand: None,
                stockout: false,
                holiday: c.holidays[t].is_some(),
            });
            continue;
        }
        if stockout_left == 0 && srng.random::<f64>() < 1.0 / 250.0 {
            stockout_left = srng.random_range(1..=5);
        }
        let stockout = stockout_left > 0;
        let on_hand = if stockout {
            stockout_left -= 1;
            (mean * srng.random::<f64>() * 0.5).floor()
        } else {
            demand + (mean * srng.random_range(1.0..3.0)).ceil() + 2.0
        };
        let holiday = c.holidays[t].is_some();
        days.push(Day {
            units: demand.min(on_hand),
            demand,
            expected: mean,
            baseline,
            on_hand: Some(on_hand),
            stockout,
            holiday,
        });
    }
    (days, slope)
}
