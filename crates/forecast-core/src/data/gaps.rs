//! Filling missing periods: the target by [`GapPolicy`], regressors by carrying values.

use super::options::GapPolicy;

/// Fill the NaN entries of a target history by `policy`; returns how many were missing.
///
/// Masked leaves them NaN (they are still counted); forward fill leaves a leading missing
/// value NaN, as nothing precedes it.
pub(crate) fn fill_target(target: &mut [f64], policy: GapPolicy) -> usize {
    let mut missing = 0;
    let mut previous = f64::NAN;
    for v in target.iter_mut() {
        if v.is_nan() {
            missing += 1;
            *v = match policy {
                GapPolicy::Zero => 0.0,
                GapPolicy::Masked => f64::NAN,
                GapPolicy::ForwardFill => previous,
            };
        }
        previous = *v;
    }
    missing
}

/// Fill NaN regressor values with the previous value, and leading ones with the first
/// known value; returns how many were filled. An all-missing column stays NaN.
pub(crate) fn fill_regressor(values: &mut [f64]) -> usize {
    let Some(first) = values.iter().copied().find(|v| !v.is_nan()) else {
        return 0;
    };
    let mut filled = 0;
    let mut previous = first;
    for v in values.iter_mut() {
        if v.is_nan() {
            *v = previous;
            filled += 1;
        }
        previous = *v;
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_fill_as_documented() {
        let base = [f64::NAN, 2.0, f64::NAN, f64::NAN, 5.0];
        let mut z = base;
        assert_eq!(fill_target(&mut z, GapPolicy::Zero), 3);
        assert_eq!(z, [0.0, 2.0, 0.0, 0.0, 5.0]);
        let mut f = base;
        assert_eq!(fill_target(&mut f, GapPolicy::ForwardFill), 3);
        assert!(f[0].is_nan());
        assert_eq!(&f[1..], &[2.0, 2.0, 2.0, 5.0]);
        let mut m = base;
        assert_eq!(fill_target(&mut m, GapPolicy::Masked), 3);
        assert_eq!(m.iter().filter(|v| v.is_nan()).count(), 3);
        let mut r = [f64::NAN, 1.0, f64::NAN, 3.0];
        assert_eq!(fill_regressor(&mut r), 2);
        assert_eq!(r, [1.0, 1.0, 1.0, 3.0]);
    }
}
