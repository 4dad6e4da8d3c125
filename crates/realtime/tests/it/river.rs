//! Scores and statistics against River 0.26.1 on the same streams (fixtures from
//! `benches/scripts/river_fixtures.py`).

use crate::{close, fixture, num, nums};
use forecast_realtime::detect::{
    Adwin, AdwinParams, Detector, DetectorSpec, HalfSpaceTrees, HstParams, LearnPolicy, MinMaxScaled, MinMaxScaler,
    ZScore, ZScoreParams,
};
use forecast_realtime::stats::{Ewma, Mad, P2Quantile, RollingMoments, Welford};

#[test]
fn fixture_is_rivers_pinned_version() {
    assert_eq!(fixture()["river_version"], "0.26.1");
}

#[test]
fn hst_doctest_scores_match_river() {
    let f = &fixture()["hst_doctest"];
    let xs = nums(&f["x"]);
    let params = HstParams { n_trees: 5, height: 3, window_size: 3, ..Default::default() };
    let mut hst = HalfSpaceTrees::new(params, 1, 42).unwrap();
    for &x in &xs[..3] {
        hst.learn(&[x]);
    }
    for (&x, want) in xs.iter().zip(nums(&f["scores"])) {
        hst.learn(&[x]);
        let got = hst.score(&[x]);
        assert!(close(got, want, 1e-12), "x = {x}: {got} against River's {want}");
    }
}

#[test]
fn hst_pipeline_scores_match_river_row_by_row() {
    let f = &fixture()["hst_pipeline"];
    let rows: Vec<Vec<f64>> = f["x"].as_array().unwrap().iter().map(nums).collect();
    let hst = HalfSpaceTrees::new(HstParams::default(), rows[0].len(), 42).unwrap();
    let mut model = MinMaxScaled::new(hst);
    let want = nums(&f["scores"]);
    for (i, (row, want)) in rows.iter().zip(want).enumerate() {
        let got = model.observe(row, LearnPolicy::All).unwrap().score;
        assert!(close(got, want, 1e-12), "row {i}: {got} against River's {want}");
    }
}

#[test]
fn min_max_scaler_matches_river() {
    let f = &fixture()["minmax"];
    let mut s = MinMaxScaler::new(1);
    let before = nums(&f["transform_before_learn"]);
    let after = nums(&f["transform_after_learn"]);
    for (i, x) in nums(&f["x"]).into_iter().enumerate() {
        // River gives NaN before any value (inf - inf); we give 0. Both leave HST's first window at 0.
        if i > 0 {
            assert!(close(s.transform(&[x])[0], before[i], 1e-12), "row {i}");
        }
        s.learn(&[x]);
        assert!(close(s.transform(&[x])[0], after[i], 1e-12), "row {i}");
    }
}

fn check_adwin(name: &str, params: AdwinParams) {
    let f = &fixture()[name];
    let mut a = Adwin::new(params).unwrap();
    let mut drifts = vec![];
    let (width, estimation, variance) = (nums(&f["width"]), nums(&f["estimation"]), nums(&f["variance"]));
    for (i, x) in nums(&f["x"]).into_iter().enumerate() {
        let predicted = a.score(&[x]);
        if a.update(x) {
            drifts.push(i as u64);
        }
        assert_eq!(predicted, f64::from(u8::from(a.drift_detected())), "{name} row {i}: score predicts the update");
        assert_eq!(a.width() as f64, width[i], "{name} row {i}: width");
        assert!(close(a.estimation(), estimation[i], 1e-9), "{name} row {i}: estimation");
        assert!(close(a.variance(), variance[i], 1e-6), "{name} row {i}: variance {} vs {}", a.variance(), variance[i]);
    }
    let want: Vec<u64> = f["drifts"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(drifts, want, "{name}: drift indices");
}

#[test]
fn adwin_matches_river_on_its_doctest_stream() {
    check_adwin("adwin_doctest", AdwinParams::default());
}

#[test]
fn adwin_matches_river_on_gaussian_shifts() {
    check_adwin("adwin_gaussian", AdwinParams::default());
}

#[test]
fn adwin_matches_river_with_clock_one() {
    check_adwin("adwin_clock1", AdwinParams { clock: 1, delta: 0.01, ..Default::default() });
}

#[test]
fn zscore_matches_rivers_standard_absolute_deviation() {
    let f = &fixture()["sad"];
    let mut z = ZScore::new(ZScoreParams::default()).unwrap();
    for (i, (x, want)) in nums(&f["x"]).into_iter().zip(nums(&f["scores"])).enumerate() {
        let got = z.observe(&[x], LearnPolicy::All).unwrap().score;
        // River divides by 0 + 1e-10 for the first two points; we score them 0.
        if i >= 2 {
            assert!(close(got, want, 1e-9), "row {i}: {got} against River's {want}");
        }
    }
}

#[test]
fn p2_quantiles_and_mad_match_river() {
    let f = &fixture()["quantiles"];
    let xs = nums(&f["x"]);
    for q in ["0.5", "0.1", "0.9", "0.99"] {
        let mut est = P2Quantile::new(q.parse().unwrap());
        for (i, (&x, want)) in xs.iter().zip(nums(&f[format!("p2_{q}")])).enumerate() {
            est.push(x);
            assert!(close(est.get().unwrap(), want, 1e-12), "q {q} row {i}: {:?} vs {want}", est.get());
        }
    }
    let mut mad = Mad::new();
    for (i, (&x, want)) in xs.iter().zip(nums(&f["mad"])).enumerate() {
        mad.push(x);
        assert!(close(mad.mad().unwrap(), want, 1e-12), "mad row {i}");
    }
}

#[test]
fn moments_match_river() {
    let f = &fixture()["moments"];
    let (mut w, mut r, mut e) = (Welford::new(), RollingMoments::new(10), Ewma::new(0.2));
    for (i, x) in nums(&f["x"]).into_iter().enumerate() {
        w.push(x);
        r.push(x);
        e.push(x);
        assert!(close(w.mean(), num(&f["mean"][i]), 1e-12), "mean row {i}");
        assert!(close(w.variance(1), num(&f["var"][i]), 1e-9), "var row {i}");
        assert!(close(r.moments().mean(), num(&f["rolling_mean_10"][i]), 1e-9), "rolling mean row {i}");
        assert!(close(r.moments().variance(1), num(&f["rolling_var_10"][i]), 1e-9), "rolling var row {i}");
        assert!(close(e.get().unwrap(), num(&f["ewmean_0.2"][i]), 1e-12), "ewmean row {i}");
    }
}

#[test]
fn specs_build_by_name() {
    let spec = DetectorSpec::from_name("hst").unwrap();
    assert_eq!(spec.build(3, 42).unwrap().n_inputs(), 3);
    assert!(DetectorSpec::from_name("isolation_forest").is_err());
}
