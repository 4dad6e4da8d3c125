//! Fitting one ETS model as statsforecast's `etsmodel` does (`python/statsforecast/ets.py`,
//! 2.1.1): starting parameters (`initparam`), starting states (`initstate`), Nelder-Mead on
//! the likelihood over smoothing parameters and starting states together, then AICc.

use super::recursion::{Kind, NA, Pass, Shape, Smoothing, State, pass};
use crate::stats::decompose::{least_squares, linear_fit, seasonal_component};
use crate::stats::nelder_mead::NelderMead;

/// One fitted model: its parameters, end state and information criteria.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ModelFit {
    pub(super) shape: Shape,
    pub(super) damped: bool,
    pub(super) smoothing: Smoothing,
    pub(super) end: State,
    pub(super) aicc: f64,
    pub(super) sigma2: f64,
}

/// Starting smoothing parameters; narrows `upper` for beta and gamma exactly as statsforecast
/// does (in place, and its caller shares `upper` across the models of one search, so one
/// model's start bounds the next models' search).
fn initial_smoothing(shape: &Shape, damped: bool, lower: &[f64; 4], upper: &mut [f64; 4]) -> [Option<f64>; 4] {
    let m = shape.m as f64;
    let mut alpha = lower[0] + 0.2 * (upper[0] - lower[0]) / m;
    if !(0.0..=1.0).contains(&alpha) {
        alpha = lower[0] + 2e-3;
    }
    let beta = (shape.trend != Kind::None).then(|| {
        upper[1] = upper[1].min(alpha);
        let beta = lower[1] + 0.1 * (upper[1] - lower[1]);
        if beta < 0.0 || beta > alpha { alpha - 1e-3 } else { beta }
    });
    let gamma = (shape.season != Kind::None).then(|| {
        upper[2] = upper[2].min(1.0 - alpha);
        let gamma = lower[2] + 0.05 * (upper[2] - lower[2]);
        if gamma < 0.0 || gamma > 1.0 - alpha { 1.0 - alpha - 1e-3 } else { gamma }
    });
    let phi = damped.then(|| {
        let phi = lower[3] + 0.99 * (upper[3] - lower[3]);
        if (0.0..=1.0).contains(&phi) { phi } else { upper[3] - 1e-3 }
    });
    [Some(alpha), beta, gamma, phi]
}

/// Starting states `[l0, b0?, s_1 .. s_{m-1}]` (the last season is implied by the others),
/// or `None` when they cannot be formed.
fn initial_states(y: &[f64], shape: &Shape) -> Option<Vec<f64>> {
    let n = y.len();
    let m = shape.m;
    let (init_seas, adjusted): (Vec<f64>, Vec<f64>) = if shape.season == Kind::None {
        (Vec::new(), y.to_vec())
    } else {
        if n < 4 {
            return None;
        }
        let multiplicative = shape.season == Kind::Multiplicative;
        let seasonal =
            if n < 3 * m { fourier_detrended(y, m, multiplicative)? } else { seasonal_component(y, m, multiplicative) };
        let mut init: Vec<f64> = seasonal[1..m].iter().rev().copied().collect();
        if multiplicative {
            init.iter_mut().for_each(|s| *s = s.max(1e-2));
            if init.iter().sum::<f64>() > m as f64 {
                let total: f64 = init.iter().map(|s| s + 1e-2).sum();
                init.iter_mut().for_each(|s| *s /= total);
            }
            (init, y.iter().zip(&seasonal).map(|(v, s)| v / s.max(1e-2)).collect())
        } else {
            (init, y.iter().zip(&seasonal).map(|(v, s)| v - s).collect())
        }
    };
    let maxn = (2 * m).max(10).min(n);
    let mut states = if shape.trend == Kind::None {
        vec![adjusted[..maxn].iter().sum::<f64>() / maxn as f64]
    } else {
        let (mut l0, mut b0) = linear_fit(&adjusted[..maxn]);
        if (l0 + b0).abs() < 1e-8 {
            l0 *= 1.0 + 1e-3;
            b0 *= 1.0 - 1e-3;
        }
        vec![l0, b0]
    };
    states.extend(init_seas);
    Some(states)
}

/// statsforecast's seasonal start for short series (fewer than three seasons): the series
/// minus (or over) the trend of a regression on a line and one Fourier pair.
fn fourier_detrended(y: &[f64], m: usize, multiplicative: bool) -> Option<Vec<f64>> {
    let n = y.len();
    let t: Vec<f64> = (1..=n).map(|i| i as f64).collect();
    let angle = |t: f64| std::f64::consts::TAU * t / m as f64;
    let mut columns = vec![vec![1.0; n], t.clone(), t.iter().map(|&t| angle(t).cos()).collect()];
    // sin(2πt/m) vanishes at every t when m = 2; statsforecast drops that column.
    if m != 2 {
        columns.push(t.iter().map(|&t| angle(t).sin()).collect());
    }
    let b = least_squares(&columns, y)?;
    Some(
        y.iter()
            .zip(&t)
            .map(|(v, t)| {
                let trend = b[0] + b[1] * t;
                if multiplicative { v / trend } else { v - trend }
            })
            .collect(),
    )
}

/// The full starting state from the free states `x`: appends the implied last season
/// (`m` times 1 for multiplicative seasons, 0 for additive, minus the others).
fn full_state(shape: &Shape, x: &[f64]) -> Vec<f64> {
    let mut full = x.to_vec();
    if shape.season != Kind::None {
        let start = 1 + usize::from(shape.trend != Kind::None);
        let target = if shape.season == Kind::Multiplicative { shape.m as f64 } else { 0.0 };
        full.push(target - x[start..].iter().sum::<f64>());
    }
    full
}

/// Smoothing parameters from the front of the optimiser's vector.
fn smoothing_from(shape: &Shape, damped: bool, x: &[f64]) -> (Smoothing, usize) {
    let mut j = 0;
    let mut next = || {
        j += 1;
        x[j - 1]
    };
    let alpha = next();
    let beta = if shape.trend != Kind::None { next() } else { 0.0 };
    let gamma = if shape.season != Kind::None { next() } else { 0.0 };
    let phi = if damped { next() } else { 1.0 };
    (Smoothing { alpha, beta, gamma, phi }, j)
}

/// statsforecast's objective: the likelihood, `+inf` for negative multiplicative seasons,
/// and (as statsforecast does) `-inf` for a NaN likelihood, which its selection later drops.
/// `state` is scratch space (the objective runs thousands of times per fit).
fn objective(shape: &Shape, damped: bool, y: &[f64], x: &[f64], state: &mut State) -> f64 {
    let (smoothing, k) = smoothing_from(shape, damped, x);
    let free = &x[k..];
    let has_trend = shape.trend != Kind::None;
    state.level = free[0];
    state.growth = if has_trend { free[1] } else { 0.0 };
    state.front = 0;
    state.seasonal.clear();
    if shape.season != Kind::None {
        // The ring holds the seasons oldest first: the implied last one, then the others reversed.
        let seasons = &free[1 + usize::from(has_trend)..];
        let target = if shape.season == Kind::Multiplicative { shape.m as f64 } else { 0.0 };
        state.seasonal.push(target - seasons.iter().sum::<f64>());
        state.seasonal.extend(seasons.iter().rev());
        if shape.season == Kind::Multiplicative && state.seasonal.iter().any(|s| *s < 0.0) {
            return f64::INFINITY;
        }
    }
    let lik = pass(shape, &smoothing, y, state).lik.max(-1e10);
    if lik.is_nan() || (lik - NA).abs() < 1e-7 { f64::NEG_INFINITY } else { lik }
}

/// Fit one model; `None` when it has too many parameters for the data or cannot start.
/// `upper` is the search's shared bounds (see [`initial_smoothing`]).
pub(super) fn fit_model(
    y: &[f64],
    shape: Shape,
    damped: bool,
    lower: &[f64; 4],
    upper: &mut [f64; 4],
) -> Option<ModelFit> {
    let start = initial_smoothing(&shape, damped, lower, upper);
    let states = initial_states(y, &shape)?;
    let (mut x0, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
    for (i, p) in start.iter().enumerate() {
        if let Some(p) = p {
            x0.push(*p);
            lo.push(lower[i]);
            hi.push(upper[i]);
        }
    }
    x0.extend(&states);
    lo.resize(x0.len(), f64::NEG_INFINITY);
    hi.resize(x0.len(), f64::INFINITY);
    let n_free = x0.len();
    let n = y.len();
    if n_free + 1 >= n {
        return None;
    }
    let mut scratch = State { level: 0.0, growth: 0.0, seasonal: Vec::with_capacity(shape.m), front: 0 };
    let best = NelderMead::default().minimize(|x| objective(&shape, damped, y, x, &mut scratch), &x0, &lo, &hi);
    let (smoothing, k) = smoothing_from(&shape, damped, &best);
    let mut end = State::from_vector(&shape, &full_state(&shape, &best[k..]));
    let Pass { lik, sse } = pass(&shape, &smoothing, y, &mut end);
    if lik.is_nan() || (lik - NA).abs() < 1e-7 {
        return None;
    }
    let n_params = n_free + 1;
    let (nf, pf) = (n as f64, n_params as f64);
    let aic = lik + 2.0 * pf;
    let denominator = nf - pf - 1.0;
    let aicc = if denominator == 0.0 { f64::INFINITY } else { aic + 2.0 * pf * (pf + 1.0) / denominator };
    Some(ModelFit { shape, damped, smoothing, end, aicc, sigma2: sse / denominator })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOWER: [f64; 4] = [1e-4, 1e-4, 1e-4, 0.8];
    const UPPER: [f64; 4] = [0.9999, 0.9999, 0.9999, 0.98];

    fn shape(trend: Kind, season: Kind, m: usize) -> Shape {
        Shape { error: Kind::Additive, trend, season, m }
    }

    #[test]
    fn starting_parameters_follow_statsforecast_and_narrow_the_shared_bounds() {
        let mut upper = UPPER;
        let seasonal = initial_smoothing(&shape(Kind::Additive, Kind::Additive, 12), true, &LOWER, &mut upper);
        let alpha = 1e-4 + 0.2 * (0.9999 - 1e-4) / 12.0;
        assert_eq!(seasonal[0], Some(alpha));
        assert_eq!((upper[1], upper[2]), (alpha, 1.0 - alpha));
        assert_eq!(seasonal[1], Some(1e-4 + 0.1 * (alpha - 1e-4)));
        assert!((seasonal[3].unwrap() - (0.8 + 0.99 * 0.18)).abs() < 1e-15);
        // A later non-seasonal model keeps the narrowed beta bound, as in statsforecast.
        let later = initial_smoothing(&shape(Kind::Additive, Kind::None, 1), false, &LOWER, &mut upper);
        assert_eq!((later[0], later[1], later[2], later[3]), (Some(1e-4 + 0.2 * 0.9998), seasonal[1], None, None));
    }

    #[test]
    fn starting_states_from_decomposition_and_regression() {
        // Additive season of period 4 on a line: the level and slope of the first 10
        // deseasonalised values, and the seasons for positions 3, 2, 1.
        let pattern = [3.0, -1.0, -2.5, 0.5];
        let y: Vec<f64> = (0..16).map(|t| 10.0 + 0.5 * t as f64 + pattern[t % 4]).collect();
        let s = initial_states(&y, &shape(Kind::Additive, Kind::Additive, 4)).unwrap();
        let expect = [9.5, 0.5, 0.5, -2.5, -1.0];
        assert!(s.iter().zip(expect).all(|(a, b)| (a - b).abs() < 1e-9), "{s:?}");
        let flat = initial_states(&y, &shape(Kind::None, Kind::None, 1)).unwrap();
        assert!((flat[0] - y[..10].iter().sum::<f64>() / 10.0).abs() < 1e-12);
        assert_eq!(full_state(&shape(Kind::Additive, Kind::Additive, 4), &s)[5], -(0.5 - 2.5 - 1.0));
    }

    #[test]
    fn fits_a_clean_seasonal_series_closely() {
        let pattern = [3.0, -1.0, -2.5, 0.5];
        let y: Vec<f64> =
            (0..40).map(|t| 20.0 + 0.3 * t as f64 + pattern[t % 4] + 0.01 * ((t * 7) % 5) as f64).collect();
        let mut upper = UPPER;
        let fit = fit_model(&y, shape(Kind::Additive, Kind::Additive, 4), false, &LOWER, &mut upper).unwrap();
        let mut f = [0.0; 4];
        fit.end.forecast(&fit.shape, 1.0, &mut f);
        for (h, v) in f.iter().enumerate() {
            let truth = 20.0 + 0.3 * (40 + h) as f64 + pattern[(40 + h) % 4];
            assert!((v - truth).abs() < 0.15, "step {h}: {v} vs {truth}");
        }
        assert!(fit.aicc.is_finite() && fit.sigma2 < 0.01);
        // Too many parameters for 8 observations.
        assert!(
            fit_model(&y[..8], shape(Kind::Additive, Kind::Additive, 4), true, &LOWER, &mut UPPER.clone()).is_none()
        );
    }

    #[test]
    fn the_objective_state_matches_the_parameter_layout() {
        // The scratch state the objective builds equals the one statsforecast's layout gives.
        let shape = shape(Kind::Additive, Kind::Additive, 4);
        let x = [0.3, 0.1, 0.2, 10.0, 1.0, 0.5, -2.5, -1.0];
        let y = [13.0, 9.0, 10.0, 15.5, 16.0];
        let mut scratch = State { level: 0.0, growth: 0.0, seasonal: Vec::new(), front: 0 };
        let value = objective(&shape, false, &y, &x, &mut scratch);
        let mut reference = State::from_vector(&shape, &full_state(&shape, &x[3..]));
        let smoothing = Smoothing { alpha: 0.3, beta: 0.1, gamma: 0.2, phi: 1.0 };
        assert_eq!(value, pass(&shape, &smoothing, &y, &mut reference).lik);
        assert_eq!(scratch, reference);
    }
}
