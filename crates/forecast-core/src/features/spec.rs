//! `FeatureSpec`: which features to build, with per-frequency defaults.

use super::calendar::DateFeature;
use super::lag_transform::LagTransform;
use crate::Frequency;
use serde::{Deserialize, Serialize};

/// How learners read the static code columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum StaticEncoding {
    /// Categories: listed by [`FeatureBuilder::categorical`](super::FeatureBuilder::categorical),
    /// so the GBDT splits them as sets of categories (LightGBM's categorical splits).
    #[default]
    Categorical,
    /// Ordinal numbers: the codes are split by thresholds like any numeric column. Specs saved
    /// before the encoding existed read as this, since their models were trained so.
    Ordinal,
}

fn legacy_encoding() -> StaticEncoding {
    StaticEncoding::Ordinal
}

/// Which features the [`FeatureBuilder`](super::FeatureBuilder) builds.
///
/// | Field | Default (daily / weekly / monthly) | Purpose | Range |
/// |---|---|---|---|
/// | `lags` | `[1..7, 14, 21, 28]` / `[1, 2, 3, 4, 8, 13, 26, 52]` / `[1, 2, 3, 6, 12]` | target lags, counted from the newest readable target | each >= 1 |
/// | `windows` | `[7, 14, 28]` / `[4, 13, 26]` / `[3, 6, 12]` | rolling mean, std, min and max ending at the newest readable target | each >= 1 |
/// | `ewm_alphas` | `[0.1, 0.3]` | exponentially weighted means of the target | each in (0, 1] |
/// | `lag_transforms` | none | rolling, seasonal-rolling, expanding and EWM statistics of the target through a lag ([`LagTransform`]) | lag >= 1 |
/// | `calendar` | `true` | calendar of the row's own date (adapted to the frequency) | |
/// | `date_features` | none | more date columns of the row's period: year, quarter, month end, week of month ... ([`DateFeature`]) | |
/// | `holiday` | `Some("holiday")` | regressor holding a 0/1 holiday flag: flag at t, periods to and from the nearest holiday | a regressor name |
/// | `price` | `Some("price")` | regressor holding the price: price relative to its median over the previous 28 periods | a regressor name |
/// | `discount` | `Some("discount")` | regressor holding the discount fraction: discount depth at t | a regressor name |
/// | `promo` | `Some("promo")` | regressor holding a 0/1 promotion flag: promo at t | a regressor name |
/// | `regressors` | `true` | raw value at t of every regressor not bound to holiday, discount or promo | |
/// | `statics` | `true` | static categorical codes | |
/// | `static_encoding` | `Categorical` | how learners read the static codes: as categories (reported by `categorical()`, split as category sets by the GBDT) or as ordinal numbers | `Categorical`, `Ordinal` |
///
/// A named role whose regressor is absent from the panel is an error at
/// [`FeatureBuilder::new`](super::FeatureBuilder::new); use the `no_*` setters (or `None`) for
/// panels without it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Target lags `k >= 1`; with shift `s` lag `k` reads `history[t - s - (k - 1)]`.
    pub lags: Vec<usize>,
    /// Rolling windows (periods) ending at `t - s`.
    pub windows: Vec<usize>,
    /// Smoothing factors of exponentially weighted means ending at `t - s`.
    pub ewm_alphas: Vec<f64>,
    /// Statistics of the target through a lag (after the EWMs).
    #[serde(default)]
    pub lag_transforms: Vec<LagTransform>,
    /// Whether to add calendar columns.
    pub calendar: bool,
    /// Date columns added after the calendar block.
    #[serde(default)]
    pub date_features: Vec<DateFeature>,
    /// Name of the holiday-flag regressor.
    pub holiday: Option<String>,
    /// Name of the price regressor.
    pub price: Option<String>,
    /// Name of the discount-fraction regressor.
    pub discount: Option<String>,
    /// Name of the promotion-flag regressor.
    pub promo: Option<String>,
    /// Whether to add the raw value at t of every regressor not bound to holiday, discount or promo.
    pub regressors: bool,
    /// Whether to add the static categorical codes.
    pub statics: bool,
    /// How learners read the static codes.
    #[serde(default = "legacy_encoding")]
    pub static_encoding: StaticEncoding,
}

impl FeatureSpec {
    /// Sensible defaults for a panel of this frequency (see the table on [`FeatureSpec`]).
    pub fn for_frequency(frequency: Frequency) -> Self {
        let (lags, windows) = match frequency {
            Frequency::Daily => (vec![1, 2, 3, 4, 5, 6, 7, 14, 21, 28], vec![7, 14, 28]),
            Frequency::Weekly => (vec![1, 2, 3, 4, 8, 13, 26, 52], vec![4, 13, 26]),
            Frequency::Monthly => (vec![1, 2, 3, 6, 12], vec![3, 6, 12]),
        };
        Self {
            lags,
            windows,
            ewm_alphas: vec![0.1, 0.3],
            lag_transforms: Vec::new(),
            calendar: true,
            date_features: Vec::new(),
            holiday: Some("holiday".into()),
            price: Some("price".into()),
            discount: Some("discount".into()),
            promo: Some("promo".into()),
            regressors: true,
            statics: true,
            static_encoding: StaticEncoding::Categorical,
        }
    }

    /// A spec with no features at all, to build up with the setters.
    pub fn empty() -> Self {
        Self {
            lags: Vec::new(),
            windows: Vec::new(),
            ewm_alphas: Vec::new(),
            lag_transforms: Vec::new(),
            calendar: false,
            date_features: Vec::new(),
            holiday: None,
            price: None,
            discount: None,
            promo: None,
            regressors: false,
            statics: false,
            static_encoding: StaticEncoding::Categorical,
        }
    }

    /// Set the target lags.
    pub fn lags(mut self, lags: impl Into<Vec<usize>>) -> Self {
        self.lags = lags.into();
        self
    }

    /// Set the rolling windows.
    pub fn windows(mut self, windows: impl Into<Vec<usize>>) -> Self {
        self.windows = windows.into();
        self
    }

    /// Set the EWM smoothing factors.
    pub fn ewm_alphas(mut self, alphas: impl Into<Vec<f64>>) -> Self {
        self.ewm_alphas = alphas.into();
        self
    }

    /// Set the lag transforms.
    pub fn lag_transforms(mut self, transforms: impl Into<Vec<LagTransform>>) -> Self {
        self.lag_transforms = transforms.into();
        self
    }

    /// Set the date features added after the calendar block.
    pub fn date_features(mut self, features: impl Into<Vec<DateFeature>>) -> Self {
        self.date_features = features.into();
        self
    }

    /// Turn calendar columns on or off.
    pub fn with_calendar(mut self, on: bool) -> Self {
        self.calendar = on;
        self
    }

    /// Name the holiday-flag regressor.
    pub fn holiday(mut self, name: impl Into<String>) -> Self {
        self.holiday = Some(name.into());
        self
    }

    /// Name the price regressor.
    pub fn price(mut self, name: impl Into<String>) -> Self {
        self.price = Some(name.into());
        self
    }

    /// Name the discount-fraction regressor.
    pub fn discount(mut self, name: impl Into<String>) -> Self {
        self.discount = Some(name.into());
        self
    }

    /// Name the promotion-flag regressor.
    pub fn promo(mut self, name: impl Into<String>) -> Self {
        self.promo = Some(name.into());
        self
    }

    /// No holiday features.
    pub fn no_holiday(mut self) -> Self {
        self.holiday = None;
        self
    }

    /// No relative-price feature.
    pub fn no_price(mut self) -> Self {
        self.price = None;
        self
    }

    /// No discount-depth feature.
    pub fn no_discount(mut self) -> Self {
        self.discount = None;
        self
    }

    /// No promotion feature.
    pub fn no_promo(mut self) -> Self {
        self.promo = None;
        self
    }

    /// Turn the raw regressor columns on or off.
    pub fn with_regressors(mut self, on: bool) -> Self {
        self.regressors = on;
        self
    }

    /// Turn the static categorical columns on or off.
    pub fn with_statics(mut self, on: bool) -> Self {
        self.statics = on;
        self
    }

    /// Read the static codes as categories (the default) or as ordinal numbers.
    pub fn static_encoding(mut self, encoding: StaticEncoding) -> Self {
        self.static_encoding = encoding;
        self
    }

    /// Keep each role (holiday, price, discount, promo) only if the panel has that regressor.
    ///
    /// Handy for CSVs whose columns are not known in advance: the defaults of
    /// [`FeatureSpec::for_frequency`] name `holiday`, `price`, `discount` and `promo`.
    pub fn retain_available(mut self, regressor_names: &[String]) -> Self {
        for role in [&mut self.holiday, &mut self.price, &mut self.discount, &mut self.promo] {
            if role.as_ref().is_some_and(|n| !regressor_names.contains(n)) {
                *role = None;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_per_frequency() {
        let d = FeatureSpec::for_frequency(Frequency::Daily);
        assert_eq!(d.lags, vec![1, 2, 3, 4, 5, 6, 7, 14, 21, 28]);
        assert_eq!(d.windows, vec![7, 14, 28]);
        assert_eq!(d.ewm_alphas, vec![0.1, 0.3]);
        let w = FeatureSpec::for_frequency(Frequency::Weekly);
        assert_eq!(w.lags, vec![1, 2, 3, 4, 8, 13, 26, 52]);
        assert_eq!(w.windows, vec![4, 13, 26]);
        let m = FeatureSpec::for_frequency(Frequency::Monthly);
        assert_eq!(m.lags, vec![1, 2, 3, 6, 12]);
        assert_eq!(m.windows, vec![3, 6, 12]);
    }

    #[test]
    fn statics_are_categorical_by_default_and_old_specs_read_as_ordinal() {
        assert_eq!(FeatureSpec::for_frequency(Frequency::Daily).static_encoding, StaticEncoding::Categorical);
        let spec = FeatureSpec::empty().static_encoding(StaticEncoding::Ordinal);
        assert_eq!(spec.static_encoding, StaticEncoding::Ordinal);
        let mut json = serde_json::to_value(FeatureSpec::empty()).unwrap();
        json.as_object_mut().unwrap().remove("static_encoding");
        let old: FeatureSpec = serde_json::from_value(json).unwrap();
        assert_eq!(old.static_encoding, StaticEncoding::Ordinal);
    }

    #[test]
    fn retain_available_drops_missing_roles() {
        let s = FeatureSpec::for_frequency(Frequency::Weekly).retain_available(&["price".into(), "promo".into()]);
        assert_eq!(s.price.as_deref(), Some("price"));
        assert_eq!(s.promo.as_deref(), Some("promo"));
        assert_eq!(s.holiday, None);
        assert_eq!(s.discount, None);
    }
}
