//! Which side of its expectation a flagged point lies on.

use serde::{Deserialize, Serialize};

/// The names of the detectors whose flags have a side: their score is the distance of the
/// point itself from what they expected (mean, median or point forecast), so a flagged point is
/// above or below that expectation. The others flag without a side of the point: the EWMA chart
/// and CUSUM on a smoothed or accumulated statistic (a flag can follow from the points before),
/// Half-Space Trees on a mass, ADWIN on a change of the mean.
pub const DIRECTIONAL_DETECTORS: [&str; 3] = ["zscore", "mad", "residual"];

/// Whether `detector` (a name of [`super::DETECTOR_NAMES`]) flags with a side
/// ([`DIRECTIONAL_DETECTORS`]).
pub fn is_directional(detector: &str) -> bool {
    DIRECTIONAL_DETECTORS.iter().any(|d| d.eq_ignore_ascii_case(detector))
}

/// The side of a point against its expectation; an alert carries it as the label
/// `direction="above"` or `direction="below"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Above what was expected (a spike is an "above" anomaly).
    Above,
    /// Below what was expected (a drop or a stockout is a "below" one).
    Below,
}

impl Direction {
    /// Both directions.
    pub const ALL: [Self; 2] = [Self::Above, Self::Below];

    /// `above` or `below`, the label value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Above => "above",
            Self::Below => "below",
        }
    }

    /// The direction of that name (`above`, `below`), as a label carries it.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The side of `value` against `expected`; `None` when they are equal or either is not a number.
    pub fn of(value: f64, expected: f64) -> Option<Self> {
        if value > expected {
            Some(Self::Above)
        } else if value < expected {
            Some(Self::Below)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_and_names() {
        assert_eq!(Direction::of(5.0, 3.0), Some(Direction::Above));
        assert_eq!(Direction::of(1.0, 3.0), Some(Direction::Below));
        assert_eq!(Direction::of(3.0, 3.0), None);
        assert_eq!(Direction::of(f64::NAN, 3.0), None);
        for d in Direction::ALL {
            assert_eq!(Direction::from_name(d.name()), Some(d));
        }
        assert_eq!(Direction::from_name("sideways"), None);
        assert!(is_directional("residual") && is_directional("ZScore") && is_directional("mad"));
        assert!(
            !is_directional("cusum") && !is_directional("ewma") && !is_directional("hst") && !is_directional("adwin")
        );
    }
}
