//! Plain-language explanations: feature names read as people say them, signed contributions
//! in units, numbers rounded for people ([`crate::format`]).
//!
//! Every feature family of the pipeline has its phrase: lags (`lag_6`: "sales 7 days
//! before"), rolling windows (`roll_mean_28`: "the average of the last 28 days"), smoothed
//! levels (`ewm_*`), the calendar (`day_of_week`, `month` ...), price (`price`,
//! `price_rel_median`), discount, promotion, holidays, the forecast step and statics (named
//! by their column). Unknown names are used as they are.

use crate::explain::{Driver, ForecastExplanation};
use crate::format::{number, with_unit};
use forecast_core::{Frequency, Panel};

/// The story of a forecast: its total over the horizon, the 80% band when the forecasts carry
/// q10 and q90, how it compares with the same periods a year before, and the `top` drivers,
/// e.g. "Store 3, item 12: about 140 units over the next 7 days (80% interval 120 to 160
/// units), 5% above the same days last year. The promotion (on) adds about 14 units; ...".
pub fn forecast_narrative(e: &ForecastExplanation, panel: &Panel, label: &str, unit: &str, top: usize) -> String {
    let steps = e.forecasts.horizon;
    let period = match panel.frequency {
        Frequency::Daily => "day",
        Frequency::Weekly => "week",
        Frequency::Monthly => "month",
    };
    let span = if steps == 1 { format!("next {period}") } else { format!("next {steps} {period}s") };
    let mut text = format!("{}: about {} over the {span}", label, with_unit(e.total(), unit));
    if let Some((lo, hi)) = e.interval(0.1, 0.9) {
        text.push_str(&format!(" (80% interval {} to {})", number(lo), with_unit(hi, unit)));
    }
    if let Some(before) = same_periods_last_year(e, panel) {
        text.push_str(&format!(
            ", {} the same {period}s last year ({})",
            relative(e.total(), before),
            with_unit(before, unit)
        ));
    }
    text.push_str(&format!(". {}.", sentence(&drivers_sentence(&e.drivers(), top, unit, panel.frequency))));
    text
}

/// Actual sales of the same periods one year before the explained ones, when every one of them
/// is observed.
pub fn same_periods_last_year(e: &ForecastExplanation, panel: &Panel) -> Option<f64> {
    let lag = panel.frequency.periods_per_year();
    e.rows
        .iter()
        .map(|r| {
            let t = r.t.checked_sub(lag)?;
            panel.series.get(r.series)?.target.get(t).copied().filter(|v| v.is_finite())
        })
        .sum()
}

/// What a feature is, in words a store manager reads.
pub fn feature_phrase(feature: &str, frequency: Frequency) -> String {
    let period = match frequency {
        Frequency::Daily => "day",
        Frequency::Weekly => "week",
        Frequency::Monthly => "month",
    };
    let plural = |n: usize| if n == 1 { period.to_string() } else { format!("{n} {period}s") };
    // Windows and smoothed levels of a direct step model carry `_s{shift}`.
    let (core, shift) = match feature.rsplit_once("_s") {
        Some((head, tail)) if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) => {
            (head, tail.parse::<usize>().ok())
        }
        _ => (feature, None),
    };
    let upto = match shift {
        Some(s) if s > 1 => format!(" up to {} before", plural(s - 1)),
        _ => String::new(),
    };
    if let Some(k) = core.strip_prefix("lag_").and_then(|k| k.parse::<usize>().ok()) {
        return if k == 0 { format!("sales the {period} before") } else { format!("sales {} before", plural(k + 1)) };
    }
    if let Some(rest) = core.strip_prefix("roll_")
        && let Some((stat, w)) = rest.split_once('_')
        && let Ok(w) = w.parse::<usize>()
    {
        let what = match stat {
            "mean" => "the average",
            "std" => "the ups and downs",
            "min" => "the lowest sales",
            "max" => "the highest sales",
            _ => "a summary",
        };
        return format!("{what} of the last {}{upto}", plural(w));
    }
    if let Some(alpha) = core.strip_prefix("ewm_") {
        // A smoothing weight `a` averages over about `1 / a` periods; kept short for chart labels.
        let over = match alpha.parse::<f64>() {
            Ok(a) if a > 0.0 && a <= 1.0 => {
                let n = ((1.0 / a).round() as usize).max(1);
                format!(" (~{n} {period}{})", if n == 1 { "" } else { "s" })
            }
            _ => String::new(),
        };
        return format!("the recent sales level{over}{upto}");
    }
    match feature {
        "day_of_week" => "the day of the week".into(),
        "day_of_month" => "the day of the month".into(),
        "day_of_year" | "week_of_year" => "the time of year".into(),
        "month" => "the month".into(),
        "price" => "the price".into(),
        "price_rel_median" => "the price against its usual level".into(),
        "discount" => "the discount".into(),
        "promo" | "promotion" => "the promotion".into(),
        "holiday" => "the holiday".into(),
        "periods_to_holiday" => "an upcoming holiday".into(),
        "periods_from_holiday" => "a recent holiday".into(),
        "step" => "how far ahead the forecast is".into(),
        other => format!("the {}", other.replace('_', " ")),
    }
}

/// A value-aware phrase when one row was explained: `"the price 8% above its usual level"`,
/// `"the promotion (on)"`; otherwise [`feature_phrase`].
pub fn driver_phrase(driver: &Driver, frequency: Frequency) -> String {
    let base = feature_phrase(&driver.feature, frequency);
    match (driver.feature.as_str(), driver.value) {
        ("price_rel_median", Some(v)) if v.is_finite() && v > 0.0 => {
            let pct = (v - 1.0) * 100.0;
            if pct.abs() < 0.5 {
                "the price at its usual level".into()
            } else {
                format!(
                    "the price {} {} its usual level",
                    with_unit(pct.abs(), "%"),
                    if pct > 0.0 { "above" } else { "below" }
                )
            }
        }
        ("promo" | "promotion" | "holiday", Some(v)) => format!("{base} ({})", if v > 0.0 { "on" } else { "off" }),
        ("discount", Some(v)) if v.is_finite() => format!("the discount of {}", with_unit(v * 100.0, "%")),
        ("price", Some(v)) if v.is_finite() => format!("the price of {}", number(v)),
        _ => base,
    }
}

/// `"the promotion adds about 14 units; the price removes about 5 units"` for the `top`
/// drivers of largest magnitude (those rounding to zero are left out).
pub fn drivers_sentence(drivers: &[Driver], top: usize, unit: &str, frequency: Frequency) -> String {
    let parts: Vec<String> = drivers
        .iter()
        .filter(|d| d.contribution.is_finite() && number(d.contribution.abs()) != "0")
        .take(top)
        .map(|d| {
            let phrase = driver_phrase(d, frequency);
            let verb = match (d.contribution >= 0.0, is_plural(&phrase)) {
                (true, false) => "adds",
                (true, true) => "add",
                (false, false) => "removes",
                (false, true) => "remove",
            };
            format!("{phrase} {verb} about {}", with_unit(d.contribution.abs(), unit))
        })
        .collect();
    if parts.is_empty() { "no single feature moves it noticeably".into() } else { parts.join("; ") }
}

/// Words that end in `s` and are singular (or not nouns), so a phrase ending in them takes a
/// singular verb.
const SINGULAR_IN_S: &[&str] = &[
    "news",
    "series",
    "species",
    "status",
    "bonus",
    "census",
    "plus",
    "its",
    "this",
    "ahead",
    "always",
    "perhaps",
    "across",
    "whereas",
    "christmas",
    "lens",
    "gas",
    "bias",
    "alias",
    "canvas",
    "atlas",
    "chaos",
];

/// Where the head of a noun phrase ends: its modifiers start at one of these.
const MODIFIER_STARTS: &[&str] = &[
    " of ", " (", " the ", " a ", " before", " after", " above", " below", " against", " up to ", " on ", " at ",
    " in ", " for ", " over ", " from ", " with ", " than ",
];

/// Whether a noun phrase takes a plural verb, judged by its head (the words before its first
/// modifier or number): "sales 7 days before", "the ups and downs of the last 7 days", "other
/// factors (not in the model)" are plural; "the average of the last 28 days", "the price 8%
/// above its usual level", "the recent sales level" are not.
pub fn is_plural(phrase: &str) -> bool {
    let lower = phrase.to_lowercase();
    let cut = MODIFIER_STARTS.iter().filter_map(|m| lower.get(1..).and_then(|s| s.find(m)).map(|i| i + 1)).min();
    let head = &lower[..cut.unwrap_or(lower.len())];
    let words: Vec<&str> = head
        .split_whitespace()
        .take_while(|w| !w.starts_with(|c: char| c.is_ascii_digit() || "(~+-".contains(c)))
        .collect();
    if words.contains(&"and") {
        return true;
    }
    let Some(last) = words.last().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric())) else {
        return false;
    };
    last.len() > 2
        && last.ends_with('s')
        && !last.ends_with("ss")
        && !last.ends_with("us")
        && !last.ends_with("is")
        && !SINGULAR_IN_S.contains(&last)
}

/// `"8% above"`, `"3% below"`, `"about the same as"` for `now` against `before`.
pub fn relative(now: f64, before: f64) -> String {
    if before == 0.0 || before.is_nan() || !now.is_finite() {
        return "not comparable with".into();
    }
    let pct = (now / before - 1.0) * 100.0;
    if pct.abs() < 0.5 {
        "about the same as".into()
    } else {
        format!("{} {}", with_unit(pct.abs(), "%"), if pct > 0.0 { "above" } else { "below" })
    }
}

/// Capitalise the first letter of a sentence.
pub fn sentence(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(feature: &str, contribution: f64, value: Option<f64>) -> Driver {
        Driver { feature: feature.into(), contribution, value }
    }

    #[test]
    fn every_family_reads_as_words() {
        let f = Frequency::Daily;
        assert_eq!(feature_phrase("lag_0", f), "sales the day before");
        assert_eq!(feature_phrase("lag_6", f), "sales 7 days before");
        assert_eq!(feature_phrase("roll_mean_28", f), "the average of the last 28 days");
        assert_eq!(feature_phrase("roll_std_7_s3", f), "the ups and downs of the last 7 days up to 2 days before");
        assert_eq!(feature_phrase("ewm_0.3", f), "the recent sales level (~3 days)");
        assert_eq!(feature_phrase("ewm_1", f), "the recent sales level (~1 day)");
        assert_eq!(feature_phrase("day_of_week", f), "the day of the week");
        assert_eq!(feature_phrase("periods_to_holiday", f), "an upcoming holiday");
        assert_eq!(feature_phrase("store_region", f), "the store region");
        assert_eq!(feature_phrase("lag_1", Frequency::Weekly), "sales 2 weeks before");
    }

    #[test]
    fn sentences_carry_sign_unit_and_rounding() {
        let drivers = [d("promo", 14.23, Some(1.0)), d("price_rel_median", -4.96, Some(1.08)), d("month", 0.001, None)];
        assert_eq!(
            drivers_sentence(&drivers, 3, "units", Frequency::Daily),
            "the promotion (on) adds about 14.2 units; the price 8% above its usual level removes about 4.96 units; \
             the month adds about 0.001 units"
        );
        let plural = [
            d("lag_6", 9.0, None),
            d("roll_std_7", -2.0, None),
            d(crate::drop::UNEXPLAINED, -3.0, None),
            d("roll_min_7", 1.0, None),
            d("lag_0", 1.5, None),
        ];
        assert_eq!(
            drivers_sentence(&plural, 5, "units", Frequency::Daily),
            "sales 7 days before add about 9 units; the ups and downs of the last 7 days remove about 2 units; \
             the other factors (not in the model) remove about 3 units; the lowest sales of the last 7 days add \
             about 1 unit; sales the day before add about 1.5 units"
        );
        for singular in [
            "the average of the last 28 days",
            "the recent sales level (~3 days)",
            "how far ahead the forecast is",
            "the price 8% above its usual level",
            "the discount of 20%",
            "the store region",
            "the status",
        ] {
            assert!(!is_plural(singular), "{singular}");
        }
        for plural in ["the store's customers", "prices and promotions", "holidays"] {
            assert!(is_plural(plural), "{plural}");
        }
        assert_eq!(relative(108.0, 100.0), "8% above");
        assert_eq!(relative(100.2, 100.0), "about the same as");
        assert_eq!(relative(1.0, 0.0), "not comparable with");
        assert_eq!(sentence("the promotion"), "The promotion");
    }
}
