//! The random structure of the synthetic panel: per-item parameters, promotion plans and the
//! calendar's demand multipliers. The order of the random draws here is part of the
//! generator's output: changing it changes every default figure in the docs.

use crate::data::holidays::Holiday;
use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Per-item parameters, shared by every store.
pub(super) struct ItemParams {
    pub(super) base: f64,
    pub(super) base_price: f64,
    pub(super) elasticity: f64,
    pub(super) promo_lift: f64,
    pub(super) weekly_amp: f64,
    pub(super) yearly_amp: f64,
    pub(super) yearly_phase: f64,
    pub(super) holiday_sensitivity: f64,
    pub(super) dispersion: f64,
    /// Regular shelf price per day (history and future).
    pub(super) price: Vec<f64>,
    /// Promotion episodes as (first day, length, discount).
    pub(super) promos: Vec<(usize, usize, f64)>,
}

/// Mean weekly profile Monday..Sunday, averaging 1.
pub(super) const WEEKLY: [f64; 7] = [0.86, 0.82, 0.88, 0.95, 1.12, 1.32, 1.05];

/// Draw one item's parameters and its daily shelf price and promotion episodes over `total` days.
pub(super) fn item_params(rng: &mut ChaCha8Rng, total: usize) -> ItemParams {
    let base_price = (rng.random_range(1.0f64..15.0) * 100.0).round() / 100.0;
    let mut price = Vec::with_capacity(total);
    let mut current = base_price;
    for _ in 0..total {
        if rng.random::<f64>() < 1.0 / 120.0 {
            let change = rng.random_range(0.9..1.12);
            current = ((current * change).clamp(0.7 * base_price, 1.4 * base_price) * 100.0).round() / 100.0;
        }
        price.push(current);
    }
    let mut promos = Vec::new();
    let mut t = rng.random_range(0..30usize);
    while t < total {
        let len = rng.random_range(3..=10usize);
        let discount = [0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4][rng.random_range(0..7usize)];
        promos.push((t, len, discount));
        t += len + rng.random_range(14..50usize);
    }
    ItemParams {
        base: rng.random_range(1.8f64.ln()..24f64.ln()).exp(),
        base_price,
        elasticity: rng.random_range(-2.5..-1.0),
        promo_lift: rng.random_range(1.2..1.7),
        weekly_amp: rng.random_range(0.6..1.3),
        yearly_amp: rng.random_range(0.05..0.35),
        yearly_phase: rng.random_range(0.0..365.0),
        holiday_sensitivity: rng.random_range(0.5..1.3),
        dispersion: rng.random_range(4.0..12.0),
        price,
        promos,
    }
}

/// Per day: (discount, promo flag, post-promotion dip multiplier) for one store, and the
/// dip's depth. Each store joins a chain promotion with probability 0.85.
pub(super) fn promo_plan(rng: &mut ChaCha8Rng, item: &ItemParams, total: usize) -> (Vec<(f64, bool, f64)>, f64) {
    let mut plan = vec![(0.0, false, 1.0); total];
    let depth = rng.random_range(0.1..0.25);
    for &(first, len, discount) in &item.promos {
        if rng.random::<f64>() >= 0.85 {
            continue;
        }
        for day in plan.iter_mut().skip(first).take(len) {
            *day = (discount, true, 1.0);
        }
        for (k, day) in plan.iter_mut().skip(first + len).take(7).enumerate() {
            if !day.1 {
                day.2 = 1.0 - depth * (1.0 - k as f64 / 7.0);
            }
        }
    }
    (plan, depth)
}

/// Demand multiplier of the calendar: holidays and the Christmas ramp.
pub(super) fn holiday_effect(date: NaiveDate, day: Option<Holiday>) -> f64 {
    match day {
        Some(Holiday::NewYear) => 0.6,
        Some(Holiday::Easter) => 1.35,
        Some(Holiday::IndependenceDay) => 1.5,
        Some(Holiday::Thanksgiving) => 0.55,
        Some(Holiday::BlackFriday) => 1.9,
        Some(Holiday::ChristmasEve) => 1.7,
        Some(Holiday::Christmas) => 0.25,
        None if date.month() == 12 && (10..24).contains(&date.day()) => 1.0 + 0.04 * f64::from(date.day() - 9),
        None => 1.0,
    }
}
