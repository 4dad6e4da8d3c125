//! The bounded Nelder-Mead simplex search statsforecast fits ETS and Theta with
//! (`include/statsforecast/nelder_mead.h`, statsforecast 2.1.1): every trial point is clamped
//! to the box, the first simplex moves each coordinate by 5% (or by `1e-4` from zero), the
//! adaptive coefficients of Gao and Han (2012) are used, and the search stops when the
//! population standard deviation of the simplex's values falls below `tol_std` or after
//! `max_iter` iterations.

/// Settings of the search; [`NelderMead::default`] is statsforecast's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NelderMead {
    pub(crate) init_step: f64,
    pub(crate) zero_pert: f64,
    pub(crate) max_iter: usize,
    pub(crate) tol_std: f64,
}

impl Default for NelderMead {
    fn default() -> Self {
        Self { init_step: 0.05, zero_pert: 1.0e-4, max_iter: 1_000, tol_std: 1.0e-4 }
    }
}

fn clamp_into(x: &mut [f64], lower: &[f64], upper: &[f64]) {
    for ((v, lo), hi) in x.iter_mut().zip(lower).zip(upper) {
        // max then min, as Eigen's cwiseMax(lower).cwiseMin(upper): NaN bounds never occur.
        *v = v.max(*lo).min(*hi);
    }
}

fn column_sums(simplex: &[Vec<f64>]) -> Vec<f64> {
    let mut sums = vec![0.0; simplex[0].len()];
    for row in simplex {
        for (s, v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
    sums
}

/// Overwrite `row` with `new`, keeping the column sums.
fn replace(row: &mut [f64], new: &[f64], sums: &mut [f64]) {
    for ((r, v), s) in row.iter_mut().zip(new).zip(sums.iter_mut()) {
        *s += v - *r;
        *r = *v;
    }
}

fn population_sd(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt()
}

impl NelderMead {
    /// Minimise `f` from `x0` within `lower..=upper` (per coordinate): the best point found.
    pub(crate) fn minimize(
        &self,
        mut f: impl FnMut(&[f64]) -> f64,
        x0: &[f64],
        lower: &[f64],
        upper: &[f64],
    ) -> Vec<f64> {
        let n = x0.len();
        let nf = n as f64;
        let (alpha, gamma, rho, sigma) = (1.0, 1.0 + 2.0 / nf, 0.75 - 1.0 / (2.0 * nf), 1.0 - 1.0 / nf);
        let mut start = x0.to_vec();
        clamp_into(&mut start, lower, upper);
        let mut simplex: Vec<Vec<f64>> = vec![start; n + 1];
        for (i, row) in simplex.iter_mut().enumerate().take(n) {
            let v = if row[i] == 0.0 { self.zero_pert } else { row[i] * (1.0 + self.init_step) };
            row[i] = v.max(lower[i]).min(upper[i]);
        }
        let mut values: Vec<f64> = simplex.iter().map(|x| f(x)).collect();
        let mut order: Vec<usize> = (0..=n).collect();
        let (mut centroid, mut trial, mut second) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut best = 0;
        // Column sums of the simplex, kept up to date as rows are replaced (statsforecast
        // sums afresh each iteration; this is O(n) instead of O(n²) per iteration).
        let mut sums = column_sums(&simplex);
        for _ in 0..self.max_iter {
            order.sort_by(|&a, &b| values[a].partial_cmp(&values[b]).unwrap_or(std::cmp::Ordering::Equal));
            best = order[0];
            let (worst, second_worst) = (order[n], order[n - 1]);
            if population_sd(&values) < self.tol_std {
                break;
            }
            for (j, c) in centroid.iter_mut().enumerate() {
                *c = (sums[j] - simplex[worst][j]) / nf;
            }
            for j in 0..n {
                trial[j] = centroid[j] + alpha * (centroid[j] - simplex[worst][j]);
            }
            clamp_into(&mut trial, lower, upper);
            let f_r = f(&trial);
            if values[best] <= f_r && f_r < values[second_worst] {
                replace(&mut simplex[worst], &trial, &mut sums);
                values[worst] = f_r;
                continue;
            }
            if f_r < values[best] {
                for j in 0..n {
                    second[j] = centroid[j] + gamma * (trial[j] - centroid[j]);
                }
                clamp_into(&mut second, lower, upper);
                let f_e = f(&second);
                if f_e < f_r {
                    replace(&mut simplex[worst], &second, &mut sums);
                    values[worst] = f_e;
                } else {
                    replace(&mut simplex[worst], &trial, &mut sums);
                    values[worst] = f_r;
                }
                continue;
            }
            let outside = values[second_worst] <= f_r && f_r < values[worst];
            let sign = if outside { 1.0 } else { -1.0 };
            for j in 0..n {
                second[j] = centroid[j] + sign * rho * (trial[j] - centroid[j]);
            }
            clamp_into(&mut second, lower, upper);
            let f_c = f(&second);
            if (outside && f_c <= f_r) || (!outside && f_c < values[worst]) {
                replace(&mut simplex[worst], &second, &mut sums);
                values[worst] = f_c;
                continue;
            }
            let anchor = simplex[best].clone();
            for (k, row) in simplex.iter_mut().enumerate() {
                if k == best {
                    continue;
                }
                for j in 0..n {
                    row[j] = anchor[j] + sigma * (row[j] - anchor[j]);
                }
                clamp_into(row, lower, upper);
                values[k] = f(row);
            }
            sums = column_sums(&simplex);
        }
        simplex.swap_remove(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_bowl_and_respects_bounds() {
        let bowl = |x: &[f64]| (x[0] - 1.5).powi(2) + 10.0 * (x[1] + 0.5).powi(2);
        let nm = NelderMead { tol_std: 1e-14, ..NelderMead::default() };
        let free = nm.minimize(bowl, &[0.3, 0.2], &[-10.0, -10.0], &[10.0, 10.0]);
        assert!((free[0] - 1.5).abs() < 1e-5 && (free[1] + 0.5).abs() < 1e-5, "{:?}", free);
        // The minimum outside the box lands on its edge.
        let boxed = nm.minimize(bowl, &[0.3, 0.2], &[0.0, 0.0], &[1.0, 1.0]);
        assert!((boxed[0] - 1.0).abs() < 1e-6 && boxed[1].abs() < 1e-6, "{:?}", boxed);
        assert!((bowl(&boxed) - (0.25 + 2.5)).abs() < 1e-5);
        // Rosenbrock from the usual start, with statsforecast's own tolerance.
        let rosen = |x: &[f64]| 100.0 * (x[1] - x[0] * x[0]).powi(2) + (1.0 - x[0]).powi(2);
        let r = NelderMead { max_iter: 5_000, tol_std: 1e-16, ..NelderMead::default() };
        let m = r.minimize(rosen, &[-1.2, 1.0], &[-5.0, -5.0], &[5.0, 5.0]);
        assert!((m[0] - 1.0).abs() < 1e-3 && (m[1] - 1.0).abs() < 2e-3, "{:?}", m);
    }
}
