//! Training-speed probe of the native GBDT on a deterministic synthetic regression set.
//!
//! ```text
//! cargo run --release --example gbdt_speed -- [--rows 1000000] [--features 30] [--rounds 500]
//!     [--threads 2] [--leaves 31] [--bins 255] [--lr 0.05] [--seed 7] [--write-csv FILE]
//! ```
//!
//! The data (seeded: mixed feature scales, integer-coded columns, about 2% NaN in a few
//! columns, a nonlinear target with noise) is generated in memory; `--write-csv FILE` also
//! writes it with a `target` column, so LightGBM can be timed on the same rows
//! (`benches/scripts/gbdt_vs_lightgbm.sh` does both). Prints one JSON line with the fit
//! seconds (binning included, like LightGBM's Dataset construction plus training).

use forecast::core::gbdt::Gbdt;
use forecast::core::{Fit, ParamGuard, Predict};
use ndarray::{Array1, Array2};
use std::io::Write;
use std::time::Instant;

struct Args {
    rows: usize,
    features: usize,
    rounds: usize,
    threads: usize,
    leaves: usize,
    bins: usize,
    lr: f64,
    seed: u64,
    write_csv: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        rows: 1_000_000,
        features: 30,
        rounds: 500,
        threads: 2,
        leaves: 31,
        bins: 255,
        lr: 0.05,
        seed: 7,
        write_csv: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |v: &str| v.parse::<usize>().map_err(|e| format!("{flag} {v}: {e}"));
        match flag.as_str() {
            "--rows" => a.rows = num(&value)?,
            "--features" => a.features = num(&value)?,
            "--rounds" => a.rounds = num(&value)?,
            "--threads" => a.threads = num(&value)?,
            "--leaves" => a.leaves = num(&value)?,
            "--bins" => a.bins = num(&value)?,
            "--seed" => a.seed = num(&value)? as u64,
            "--lr" => a.lr = value.parse().map_err(|e| format!("--lr {value}: {e}"))?,
            "--write-csv" => a.write_csv = Some(value),
            other => {
                return Err(format!(
                    "unknown flag {other}; accepted: --rows --features --rounds --threads --leaves --bins --lr --seed --write-csv"
                ));
            }
        }
    }
    if a.rows == 0 || a.features < 3 {
        return Err("need --rows >= 1 and --features >= 3".into());
    }
    Ok(a)
}

/// SplitMix64: a tiny seeded generator, enough for synthetic data.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Rounded to 4 decimals, so the CSV text is exactly the in-memory value.
fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

fn generate(a: &Args) -> (Array2<f64>, Array1<f64>) {
    let mut rng = SplitMix(a.seed);
    let mut x = Array2::zeros((a.rows, a.features));
    let mut y = Array1::zeros(a.rows);
    for i in 0..a.rows {
        let mut row = x.row_mut(i);
        for j in 0..a.features {
            let u = rng.next_f64();
            row[j] = match j % 5 {
                0 => round4(u * 10f64.powi((j % 7) as i32 - 2)),
                1 => (u * 7.0).floor(),
                2 => round4((u * 1e4).ln_1p()),
                3 => round4(u * 2.0 - 1.0),
                _ => round4(1e3 * u * u),
            };
            if j % 6 == 4 && rng.next_f64() < 0.02 {
                row[j] = f64::NAN;
            }
        }
        let x0 = row[0] / 10f64.powi(-2);
        let nan_boost = if row[4].is_nan() { 2.0 } else { 0.0 };
        let signal = 3.0 * x0
            + if row[1] >= 5.0 { 2.0 } else { -1.0 }
            + row[2]
            + 4.0 * row[3] * row[3]
            + row[8].abs().min(1.0)
            + 0.002 * row[9]
            + nan_boost;
        y[i] = round4(signal + (rng.next_f64() - 0.5) * 2.0);
    }
    (x, y)
}

fn write_csv(path: &str, x: &Array2<f64>, y: &Array1<f64>) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let header: Vec<String> = (0..x.ncols()).map(|j| format!("f{j}")).chain(["target".to_string()]).collect();
    writeln!(out, "{}", header.join(","))?;
    for (row, t) in x.rows().into_iter().zip(y) {
        for v in row {
            if v.is_nan() {
                write!(out, ",")?;
            } else {
                write!(out, "{v},")?;
            }
        }
        writeln!(out, "{t}")?;
    }
    out.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = parse_args()?;
    let (x, y) = generate(&a);
    if let Some(path) = &a.write_csv {
        write_csv(path, &x, &y)?;
    }
    let params = Gbdt::params()
        .n_rounds(a.rounds)
        .learning_rate(a.lr)
        .num_leaves(a.leaves)
        .max_bins(a.bins)
        .threads(a.threads)
        .check()?;
    let start = Instant::now();
    let model = params.fit(x.view(), y.view())?;
    let fit_s = start.elapsed().as_secs_f64();
    // Training RMSE on the first rows only: the reference tree walk is not what is timed here.
    let n_check = a.rows.min(20_000);
    let pred = model.predict(x.slice(ndarray::s![..n_check, ..]))?;
    let rmse = ((&pred - &y.slice(ndarray::s![..n_check])).mapv(|e| e * e).sum() / n_check as f64).sqrt();
    println!(
        "{{\"ours_fit_s\": {fit_s:.3}, \"rows\": {}, \"features\": {}, \"rounds\": {}, \"threads\": {}, \"leaves\": {}, \"bins\": {}, \"lr\": {}, \"train_rmse\": {rmse:.5}}}",
        a.rows, a.features, a.rounds, a.threads, a.leaves, a.bins, a.lr
    );
    Ok(())
}
