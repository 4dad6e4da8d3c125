//! The ETS state-space recursion of Hyndman et al. (2008), as statsforecast's `src/ets.cpp`
//! (2.1.1) computes it: one-step errors, the likelihood statsforecast minimises (its default
//! criterion, so the multi-step `amse` it also tracks is not needed) and the forecasts from
//! a state.
//!
//! The seasonal states sit in a ring, oldest first: the oldest is the season of the next
//! period, and each update replaces it by the newest (statsforecast shifts an array; the
//! values are the same).

/// A concrete component: none, additive or multiplicative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    None,
    Additive,
    Multiplicative,
}

/// statsforecast's tolerance for "zero" in divisions and for `phi == 1`.
const TOL: f64 = 1e-10;
/// Stand-in for a division by (almost) zero.
const HUGE_N: f64 = 1e10;
/// statsforecast's "not available" marker value.
pub(super) const NA: f64 = -99999.0;

/// The shape of a model: error, trend and season kinds and the season length (1 without a
/// season).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    pub(super) error: Kind,
    pub(super) trend: Kind,
    pub(super) season: Kind,
    pub(super) m: usize,
}

/// Smoothing parameters (`beta`, `gamma` are 0 and `phi` is 1 when the component is absent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Smoothing {
    pub(super) alpha: f64,
    pub(super) beta: f64,
    pub(super) gamma: f64,
    pub(super) phi: f64,
}

/// A state: level, growth and the seasonal ring (`seasonal[(front + i) % m]` is the season
/// of the `i`-th next period).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct State {
    pub(super) level: f64,
    pub(super) growth: f64,
    pub(super) seasonal: Vec<f64>,
    pub(super) front: usize,
}

impl State {
    /// The state laid out as statsforecast's parameter vector: `[l, b?, s_1 .. s_m]` where
    /// `s_m` is the season of the next period (so the ring is that tail reversed).
    pub(super) fn from_vector(shape: &Shape, x: &[f64]) -> Self {
        let has_trend = shape.trend != Kind::None;
        let start = 1 + usize::from(has_trend);
        let seasonal = if shape.season == Kind::None {
            Vec::new()
        } else {
            x[start..start + shape.m].iter().rev().copied().collect()
        };
        Self { level: x[0], growth: if has_trend { x[1] } else { 0.0 }, seasonal, front: 0 }
    }

    /// Forecasts for the next `out.len()` periods.
    pub(super) fn forecast(&self, shape: &Shape, phi: f64, out: &mut [f64]) {
        let h = out.len();
        let mut phistar = phi;
        for (i, f) in out.iter_mut().enumerate() {
            let mut v = match shape.trend {
                Kind::None => self.level,
                Kind::Additive => self.level + phistar * self.growth,
                Kind::Multiplicative if self.growth < 0.0 => f64::NAN,
                Kind::Multiplicative => self.level * self.growth.powf(phistar),
            };
            if shape.season != Kind::None {
                let s = self.seasonal[(self.front + i) % shape.m];
                v = if shape.season == Kind::Additive { v + s } else { v * s };
            }
            *f = v;
            if i + 1 < h {
                phistar += if (phi - 1.0).abs() < TOL { 1.0 } else { phi.powi(i as i32 + 1) };
            }
        }
    }
}

/// Result of a pass over the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Pass {
    /// statsforecast's `lik`: `n ln(Σe²)` (plus `2 Σ ln|ŷ|` for multiplicative errors), or
    /// [`NA`] when a forecast was the NA marker.
    pub(super) lik: f64,
    /// Sum of squared one-step errors (relative errors for multiplicative error models).
    pub(super) sse: f64,
}

/// Run the recursion over `y` from `state`, leaving it at the end state (statsforecast's
/// `Calc`, without its state matrix).
pub(super) fn pass(shape: &Shape, p: &Smoothing, y: &[f64], state: &mut State) -> Pass {
    // One monomorphised loop per model shape: this is the inner loop of every fit.
    use Kind::{Additive as A, Multiplicative as M, None as N};
    macro_rules! dispatch {
        ($(($e:ident, $t:ident, $s:ident)),*) => {
            match (shape.error, shape.trend, shape.season) {
                $(($e, $t, $s) => pass_with::<{ $e as u8 }, { $t as u8 }, { $s as u8 }>(shape.m, p, y, state),)*
            }
        };
    }
    dispatch!(
        (N, N, N),
        (N, N, A),
        (N, N, M),
        (N, A, N),
        (N, A, A),
        (N, A, M),
        (N, M, N),
        (N, M, A),
        (N, M, M),
        (A, N, N),
        (A, N, A),
        (A, N, M),
        (A, A, N),
        (A, A, A),
        (A, A, M),
        (A, M, N),
        (A, M, A),
        (A, M, M),
        (M, N, N),
        (M, N, A),
        (M, N, M),
        (M, A, N),
        (M, A, A),
        (M, A, M),
        (M, M, N),
        (M, M, A),
        (M, M, M)
    )
}

const KN: u8 = Kind::None as u8;
const KA: u8 = Kind::Additive as u8;
const KM: u8 = Kind::Multiplicative as u8;

fn pass_with<const E: u8, const T: u8, const S: u8>(m: usize, p: &Smoothing, y: &[f64], state: &mut State) -> Pass {
    let (mut l, mut b, mut front) = (state.level, state.growth, state.front);
    let seasonal = &mut state.seasonal;
    let ratio = p.beta / p.alpha;
    let (mut sse, mut log_sum, mut product) = (0.0, 0.0, 1.0);
    for &obs in y {
        let oldest = if S == KN { 0.0 } else { seasonal[front] };
        let (q, phi_b) = match T {
            KN => (l, 0.0),
            KA => (l + p.phi * b, p.phi * b),
            _ if (p.phi - 1.0).abs() < TOL => (l * b, b),
            _ => {
                let phi_b = b.powf(p.phi);
                (l * phi_b, phi_b)
            }
        };
        // The one-step forecast (statsforecast's Forecast at h = 1).
        let trend_part = match T {
            KN => l,
            KA => l + p.phi * b,
            _ if b < 0.0 => f64::NAN,
            _ => l * b.powf(p.phi),
        };
        let f0 = match S {
            KA => trend_part + oldest,
            KM => trend_part * oldest,
            _ => trend_part,
        };
        if (f0 - NA).abs() < TOL {
            return Pass { lik: NA, sse: f64::NAN };
        }
        let e = if E == KM { (obs - f0) / if f0.abs() < TOL { f0 + TOL } else { f0 } } else { obs - f0 };
        let deseasonalised = match S {
            KN => obs,
            KA => obs - oldest,
            _ if oldest.abs() < TOL => HUGE_N,
            _ => obs / oldest,
        };
        let old_l = l;
        l = q + p.alpha * (deseasonalised - q);
        if T != KN {
            let r = match T {
                KA => l - old_l,
                _ if old_l.abs() < TOL => HUGE_N,
                _ => l / old_l,
            };
            b = phi_b + ratio * (r - phi_b);
        }
        if S != KN {
            let t = match S {
                KA => obs - q,
                _ if q.abs() < TOL => HUGE_N,
                _ => obs / q,
            };
            seasonal[front] = oldest + p.gamma * (t - oldest);
            front = if front + 1 == m { 0 } else { front + 1 };
        }
        sse += e * e;
        if E == KM {
            // Σ ln|ŷ| as the log of running products (one log per ~200 steps, not per step).
            let v = f0.abs();
            product *= if v > 0.0 { v } else { v + 1e-8 };
            if !(1e-100..=1e100).contains(&product) {
                log_sum += product.ln();
                product = 1.0;
            }
        }
    }
    (state.level, state.growth, state.front) = (l, b, front);
    let n = y.len() as f64;
    let mut lik = n * if sse > 0.0 { sse.ln() } else { (sse + 1e-8).ln() };
    if E == KM {
        lik += 2.0 * (log_sum + product.ln());
    }
    Pass { lik, sse }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holt_winters_recursion_by_hand() {
        // A,A,A with m = 2: two steps computed by hand from Hyndman et al. (2008), table 2.3.
        let shape = Shape { error: Kind::Additive, trend: Kind::Additive, season: Kind::Additive, m: 2 };
        let p = Smoothing { alpha: 0.5, beta: 0.1, gamma: 0.2, phi: 1.0 };
        // l0 = 10, b0 = 1, s_{-1} = -2 (for period 2), s_0 = 2 (for period 1).
        let mut state = State::from_vector(&shape, &[10.0, 1.0, -2.0, 2.0]);
        let mut f = [0.0; 3];
        state.forecast(&shape, 1.0, &mut f);
        assert_eq!(f, [13.0, 10.0, 15.0]);
        let r = pass(&shape, &p, &[14.0], &mut state);
        // e = 14 - 13 = 1; l = 11 + 0.5 (12 - 11) = 11.5; b = 1 + (0.1 / 0.5)(1.5 - 1) = 1.1;
        // the used season becomes 2 + 0.2 (14 - 11 - 2) = 2.2 and moves to the back.
        assert!((state.level - 11.5).abs() < 1e-12 && (state.growth - 1.1).abs() < 1e-12);
        assert_eq!((state.seasonal[state.front], state.seasonal[(state.front + 1) % 2]), (-2.0, 2.2));
        assert!((r.lik - 0.0).abs() < 1e-12 && r.sse == 1.0);
        // Multiplicative error: e is relative and the likelihood adds 2 ln|ŷ|.
        let m = Shape { error: Kind::Multiplicative, trend: Kind::None, season: Kind::None, m: 1 };
        let mut s = State::from_vector(&m, &[4.0]);
        let r = pass(&m, &Smoothing { alpha: 0.5, beta: 0.0, gamma: 0.0, phi: 1.0 }, &[5.0, 4.5], &mut s);
        // ŷ = 4 then 4.5: e = 0.25, 0; lik = 2 ln(0.0625) + 2 (ln 4 + ln 4.5).
        let expected = 2.0 * 0.0625f64.ln() + 2.0 * (4.0f64.ln() + 4.5f64.ln());
        assert!((r.lik - expected).abs() < 1e-12 && (s.level - 4.5).abs() < 1e-12);
    }

    #[test]
    fn damped_forecasts_accumulate_phi_as_statsforecast_does() {
        // statsforecast's Forecast starts the multiplier at phi and adds phi^(i+1) after
        // step i (src/ets.cpp): 0.5, then 0.5 + 0.5, then + 0.25.
        let shape = Shape { error: Kind::Additive, trend: Kind::Additive, season: Kind::None, m: 1 };
        let state = State { level: 10.0, growth: 2.0, seasonal: Vec::new(), front: 0 };
        let mut f = [0.0; 3];
        state.forecast(&shape, 0.5, &mut f);
        assert_eq!(f, [11.0, 12.0, 12.5]);
    }
}
