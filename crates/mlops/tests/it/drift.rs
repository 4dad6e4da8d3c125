//! Drift statistics against scipy/numpy reference values.
//!
//! The samples are integer patterns divided by a constant, so Python and Rust build the same
//! doubles. The reference values were printed by this script (scipy 1.17.1, numpy):
//!
//! ```python
//! import numpy as np
//! from scipy import stats
//! from scipy.spatial import distance
//! def a(n, m, k, off, div): return np.array([((i*m + k) % off) / div for i in range(n)])
//! x1 = a(60, 37, 11, 101, 10.0); y1 = a(85, 53, 7, 89, 8.0) + 0.5
//! stats.ks_2samp(x1, y1)                                   # ks unequal
//! x2 = a(50, 37, 11, 101, 10.0); y2 = a(50, 29, 3, 97, 9.0) + 1.0
//! stats.ks_2samp(x2, y2)                                   # ks equal
//! x3 = a(900, 37, 11, 101, 10.0); y3 = a(1500, 53, 7, 103, 10.0) + 0.2
//! stats.ks_2samp(x3, y3)                                   # ks large (still exact)
//! x4 = a(12000, 37, 11, 1009, 100.0); y4 = a(11000, 53, 7, 1013, 100.0) + 0.05
//! r = stats.ks_2samp(x4, y4)                               # asymptotic regime
//! stats.kstwobign.sf(np.sqrt(12000*11000/23000)*r.statistic)
//! ref = np.array([i % 5 for i in range(400)] + [0]*40, dtype=float)
//! cur = np.array([(i*3) % 5 for i in range(300)] + [1]*45 + [4]*10, dtype=float)
//! keys = sorted(set(ref) | set(cur)); kn = len(cur)/len(ref)
//! stats.chisquare([np.sum(cur==k) for k in keys], [np.sum(ref==k)*kn for k in keys])   # Evidently chi2
//! wr = a(1500, 37, 11, 1009, 50.0); wc = a(1200, 53, 7, 1013, 45.0) + 0.8
//! stats.wasserstein_distance(wr, wc) / max(np.std(wr), 0.001)                        # normed Wasserstein
//! jr = np.array([i % 4 for i in range(1500)], dtype=float); jc = np.array([(i*i) % 7 % 4 for i in range(1300)], dtype=float)
//! keys = sorted(set(jr) | set(jc))
//! distance.jensenshannon([np.sum(jr==k)/len(jr) for k in keys], [np.sum(jc==k)/len(jc) for k in keys])
//! def fill(s):
//!     nz = s[s != 0]; m = nz.min(); s = s.copy(); s[s == 0] = m/1e6 if m <= 1e-4 else 1e-4; return s
//! def psi(ref, cur, bins=10):
//!     edges = np.unique(np.quantile(ref, np.arange(1, bins)/bins))
//!     rs = np.bincount(np.searchsorted(edges, ref, side='right'), minlength=len(edges)+1)/len(ref)
//!     cs = np.bincount(np.searchsorted(edges, cur, side='right'), minlength=len(edges)+1)/len(cur)
//!     rs, cs = fill(rs), fill(cs)
//!     return np.sum((rs - cs)*np.log(rs/cs))
//! psi(x3, y3); psi(a(300, 7, 1, 13, 1.0), a(200, 5, 2, 17, 1.0))
//! zr = np.array([1.0 if i % 3 == 0 else 0.0 for i in range(500)]); zc = np.array([1.0 if i % 2 == 0 else 0.0 for i in range(400)])
//! t = sorted(set(zr) | set(zc))[0]                         # Evidently z_stat_test, first category
//! r1 = (zr != t).astype(float); c1 = (zc != t).astype(float)
//! n1, n2 = len(r1), len(c1); p1, p2 = r1.mean(), c1.mean(); P = (p1*n1 + p2*n2)/(n1+n2)
//! z = (p1 - p2)/np.sqrt(P*(1-P)*(1/n1 + 1/n2)); 2*(1 - stats.norm.cdf(abs(z)))
//! ```

use forecast_mlops::monitor::stats::{self, KsMethod};
use forecast_mlops::monitor::{DriftMethod, DriftOptions, FeatureKind, PsiLevel, feature_drift};

fn a(n: usize, m: usize, k: usize, off: usize, div: f64) -> Vec<f64> {
    (0..n).map(|i| ((i * m + k) % off) as f64 / div).collect()
}

fn plus(x: Vec<f64>, c: f64) -> Vec<f64> {
    x.into_iter().map(|v| v + c).collect()
}

fn close(got: f64, want: f64) {
    assert!((got - want).abs() <= 1e-9, "got {got:e}, scipy {want:e}, diff {:e}", (got - want).abs());
}

#[test]
fn ks_matches_scipy_exact() {
    let cases = [
        (a(60, 37, 11, 101, 10.0), plus(a(85, 53, 7, 89, 8.0), 0.5), 0.14019607843137255, 0.4457866809838177),
        (a(50, 37, 11, 101, 10.0), plus(a(50, 29, 3, 97, 9.0), 1.0), 0.16, 0.5486851446031328),
        (a(900, 37, 11, 101, 10.0), plus(a(1500, 53, 7, 103, 10.0), 0.2), 0.044, 0.22034666276155263),
    ];
    for (x, y, d, p) in cases {
        let ks = stats::ks_2samp(&x, &y).unwrap();
        assert_eq!(ks.method, KsMethod::Exact);
        close(ks.statistic, d);
        close(ks.p_value, p);
        // The statistic is symmetric in the samples, and so is the p-value.
        let back = stats::ks_2samp(&y, &x).unwrap();
        close(back.p_value, p);
    }
}

#[test]
fn ks_above_the_exact_limit_uses_kolmogorovs_limit() {
    let x = a(12000, 37, 11, 1009, 100.0);
    let y = plus(a(11000, 53, 7, 1013, 100.0), 0.05);
    let ks = stats::ks_2samp(&x, &y).unwrap();
    assert_eq!(ks.method, KsMethod::Asymptotic);
    close(ks.statistic, 0.009818181818181837);
    // scipy's kstwo.sf(D, round(en)) gives 0.6339460019355316 here; this crate uses the limiting
    // distribution kstwobign.sf(sqrt(en) D), a documented difference of O(1/sqrt(en)).
    close(ks.p_value, 0.6376180324547855);
}

#[test]
fn chi_square_wasserstein_js_psi_and_z_match_scipy() {
    let reference: Vec<f64> = (0..400).map(|i| (i % 5) as f64).chain(std::iter::repeat_n(0.0, 40)).collect();
    let current: Vec<f64> = (0..300)
        .map(|i| ((i * 3) % 5) as f64)
        .chain(std::iter::repeat_n(1.0, 45))
        .chain(std::iter::repeat_n(4.0, 10))
        .collect();
    let chi = feature_drift("store", FeatureKind::Categorical, &reference, &current, &DriftOptions::default()).unwrap();
    assert_eq!(chi.method, DriftMethod::ChiSquare);
    close(chi.statistic, 40.45774647887324);
    close(chi.p_value.unwrap(), 3.48047822333615e-08);
    assert!(chi.drifted);

    let wr = a(1500, 37, 11, 1009, 50.0);
    let wc = plus(a(1200, 53, 7, 1013, 45.0), 0.8);
    close(stats::wasserstein_distance(&wr, &wc).unwrap(), 1.9186044444444448);
    let w = feature_drift("price", FeatureKind::Numerical, &wr, &wc, &DriftOptions::default()).unwrap();
    assert_eq!(w.method, DriftMethod::WassersteinNormed);
    close(w.statistic, 0.32931587364001597);
    assert!(w.drifted && w.p_value.is_none());

    let jr: Vec<f64> = (0..1500).map(|i| (i % 4) as f64).collect();
    let jc: Vec<f64> = (0..1300u64).map(|i| ((i * i) % 7 % 4) as f64).collect();
    let js = feature_drift("weekday", FeatureKind::Categorical, &jr, &jc, &DriftOptions::default()).unwrap();
    assert_eq!(js.method, DriftMethod::JensenShannon);
    close(js.statistic, 0.3157739890351148);

    let psi = stats::psi(&a(900, 37, 11, 101, 10.0), &plus(a(1500, 53, 7, 103, 10.0), 0.2), 10).unwrap();
    close(psi, 0.016145470609051044);
    let psi_ties = stats::psi(&a(300, 7, 1, 13, 1.0), &a(200, 5, 2, 17, 1.0), 10).unwrap();
    close(psi_ties, 0.21488803497714967);

    let zr: Vec<f64> = (0..500).map(|i| if i % 3 == 0 { 1.0 } else { 0.0 }).collect();
    let zc: Vec<f64> = (0..400).map(|i| if i % 2 == 0 { 1.0 } else { 0.0 }).collect();
    let z = feature_drift("promo", FeatureKind::Categorical, &zr, &zc, &DriftOptions::default()).unwrap();
    assert_eq!(z.method, DriftMethod::ZTest);
    close(z.statistic, -5.035559175455876);
    close(z.p_value.unwrap(), 4.764559062842011e-07);
}

#[test]
fn evidently_defaults_pick_the_method_by_size_and_distinct_values() {
    let o = DriftOptions::default();
    let many = a(800, 37, 11, 101, 10.0);
    let shifted = plus(a(700, 53, 7, 103, 10.0), 3.0);
    let ks = feature_drift("lag_7", FeatureKind::Numerical, &many, &shifted, &o).unwrap();
    assert_eq!(ks.method, DriftMethod::Ks);
    assert!(ks.drifted && ks.p_value.unwrap() < 1e-10);
    assert_eq!(ks.psi_level, PsiLevel::Significant);
    // A numerical feature with few distinct values is tested as categorical.
    let few: Vec<f64> = (0..600).map(|i| (i % 4) as f64).collect();
    assert_eq!(
        feature_drift("n_promos", FeatureKind::Numerical, &few, &few, &o).unwrap().method,
        DriftMethod::ChiSquare
    );
    let few_big: Vec<f64> = (0..1600).map(|i| (i % 4) as f64).collect();
    let same = feature_drift("n_promos", FeatureKind::Numerical, &few_big, &few_big, &o).unwrap();
    assert_eq!(same.method, DriftMethod::JensenShannon);
    assert!(!same.drifted && same.statistic == 0.0 && same.psi_level == PsiLevel::Stable);
    // NaNs are dropped and counted; an all-missing sample is an error.
    let with_nan: Vec<f64> = many.iter().map(|v| if *v > 9.0 { f64::NAN } else { *v }).collect();
    let d = feature_drift("lag_7", FeatureKind::Numerical, &many, &with_nan, &o).unwrap();
    assert_eq!(d.n_current + d.n_current_missing, many.len());
    assert!(d.n_current_missing > 0);
    assert!(feature_drift("x", FeatureKind::Numerical, &many, &[f64::NAN], &o).is_err());
}
