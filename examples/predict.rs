//! Score a CSV of feature rows with a compiled tree ensemble (LightGBM text model, XGBoost JSON
//! model, or a forecast `ModelArtifact` JSON, told apart by content).
//!
//! ```text
//! cargo run --release --example predict -- --model model.txt --rows rows.csv --out preds.csv \
//!     [--threads 2] [--bench]
//! ```
//!
//! `rows.csv` has a header and the model's feature columns in order; an empty cell is missing.
//! `preds.csv` gets a `prediction` header and one value per row. With `--bench`, everything is
//! loaded first, then only prediction is timed: batch rows/s over the whole file (median of
//! five runs) and single-row latency over 20,000 calls, printed as one JSON line.

use clap::Parser;
use forecast::core::import;
use forecast::core::predictor::CompiledPredictor;
use forecast::core::{Error, ModelArtifact, Predict};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Score feature rows with a compiled tree ensemble")]
struct Args {
    /// LightGBM model.txt, XGBoost model.json or forecast ModelArtifact JSON.
    #[arg(long)]
    model: PathBuf,
    /// CSV with a header and the model's feature columns in order; empty cell = missing.
    #[arg(long)]
    rows: PathBuf,
    /// Where to write one prediction per row.
    #[arg(long)]
    out: PathBuf,
    /// Threads for batch scoring.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Time prediction and print one JSON line.
    #[arg(long)]
    bench: bool,
}

/// Batch timing repeats (the median is reported) and single-row latency calls.
const REPEATS: usize = 5;
const LATENCY_CALLS: usize = 20_000;

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.into(), source }
}

/// Row-major feature values of every row, and the number of rows.
fn read_rows(path: &Path, n_features: usize) -> Result<(Vec<f64>, usize), Error> {
    let bad = |line: u64, column: usize, field: &str, message: String| Error::Parse {
        path: path.into(),
        line,
        column,
        field: field.into(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(1, 1, "", e.to_string()))?;
    let header: Vec<String> =
        reader.headers().map_err(|e| bad(1, 1, "", e.to_string()))?.iter().map(String::from).collect();
    if header.len() != n_features {
        return Err(bad(1, 1, "", format!("{} columns, the model has {n_features} features", header.len())));
    }
    let mut values = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut n = 0;
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(bad(line, 1, "", e.to_string())),
        }
        for (c, cell) in record.iter().enumerate() {
            let cell = cell.trim();
            let v = if cell.is_empty() {
                f64::NAN
            } else {
                cell.parse().map_err(|_| {
                    bad(line, c + 1, &header[c], format!("`{cell}` is not a number (empty cell = missing)"))
                })?
            };
            values.push(v);
        }
        n += 1;
    }
    Ok((values, n))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let text = std::fs::read_to_string(&args.model).map_err(io_err(&args.model))?;
    let ensemble = match import::detect(&text)? {
        ModelArtifact::TreeEnsemble(e) => e,
        other => {
            return Err(
                format!("{} artifacts have no compiled predictor; expected a tree ensemble", other.kind()).into()
            );
        }
    };
    let predictor = CompiledPredictor::compile(&ensemble)?.threads(args.threads)?;
    let (rows, n) = read_rows(&args.rows, predictor.n_features())?;
    let mut preds = vec![0.0; n];
    predictor.predict_slice(&rows, &mut preds)?;

    if args.bench {
        let mut rates = Vec::with_capacity(REPEATS);
        for _ in 0..REPEATS {
            let t = Instant::now();
            predictor.predict_slice(&rows, &mut preds)?;
            rates.push(n as f64 / t.elapsed().as_secs_f64());
        }
        rates.sort_by(f64::total_cmp);
        let nf = predictor.n_features();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut lat = Vec::with_capacity(LATENCY_CALLS);
        let mut sink = 0.0;
        for _ in 0..LATENCY_CALLS.min(n * 1000).max(1) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let r = (state % n.max(1) as u64) as usize;
            let row = rows.get(r * nf..(r + 1) * nf).unwrap_or(&[]);
            let t = Instant::now();
            sink += predictor.predict_row(std::hint::black_box(row));
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        std::hint::black_box(sink);
        lat.sort_by(f64::total_cmp);
        println!(
            "{{\"rows\": {n}, \"threads\": {}, \"rows_per_s\": {:.1}, \"latency_us_p50\": {:.3}, \"latency_us_p99\": {:.3}}}",
            predictor.n_threads(),
            percentile(&rates, 0.5),
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
        );
    }

    let file = std::fs::File::create(&args.out).map_err(io_err(&args.out))?;
    let mut w = std::io::BufWriter::new(file);
    writeln!(w, "prediction").map_err(io_err(&args.out))?;
    for p in &preds {
        writeln!(w, "{p}").map_err(io_err(&args.out))?;
    }
    w.flush().map_err(io_err(&args.out))?;
    Ok(())
}
