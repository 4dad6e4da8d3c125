//! Score a CSV of feature rows with a compiled tree ensemble (LightGBM text model, XGBoost JSON
//! model, or a forecast `ModelArtifact` JSON, told apart by content).
//!
//! ```text
//! cargo run --release --example predict -- --model model.txt --rows rows.csv --out preds.csv \
//!     [--threads 2] [--bench [--repeats 5] [--latency-calls 20000]]
//! ```
//!
//! `rows.csv` has a header and the model's feature columns in order; an empty cell is missing.
//! `preds.csv` gets a `prediction` header and one value per row. With `--bench`, everything is
//! loaded first, then only prediction is timed: batch rows/s over the whole file (median of
//! `--repeats` runs) and single-row latency over `--latency-calls` calls, printed as one JSON
//! line. `FORECAST_PREDICTOR_ISA=avx512|avx2|scalar` forces an instruction set (the default
//! is the widest this CPU supports); one the CPU lacks is an error.

use clap::Parser;
use forecast::core::import;
use forecast::core::predictor::{CompiledPredictor, Isa};
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
    /// Timed batch runs with --bench (the median is reported).
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Timed single-row calls with --bench (0 skips the latency measurement).
    #[arg(long, default_value_t = 20_000)]
    latency_calls: usize,
}

/// The instruction set named by `FORECAST_PREDICTOR_ISA`, or the widest this CPU supports.
fn isa_from_env() -> Result<Isa, Box<dyn std::error::Error>> {
    let Ok(name) = std::env::var("FORECAST_PREDICTOR_ISA") else { return Ok(Isa::detect()) };
    let isa: Isa = name.parse()?;
    if !isa.is_supported() {
        let supported: Vec<&str> = Isa::available().iter().map(|i| i.name()).collect();
        return Err(format!(
            "FORECAST_PREDICTOR_ISA={name}: this CPU does not support {isa}; supported: {}",
            supported.join(", ")
        )
        .into());
    }
    Ok(isa)
}

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

/// A JSON number with three decimals, or `null` when nothing was measured.
fn json_number(v: f64) -> String {
    if v.is_finite() { format!("{v:.3}") } else { "null".into() }
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(&args.model).map_err(io_err(&args.model))?;
    let ensemble = match import::detect(&text)? {
        ModelArtifact::TreeEnsemble(e) => e,
        other => {
            return Err(
                format!("{} artifacts have no compiled predictor; expected a tree ensemble", other.kind()).into()
            );
        }
    };
    let predictor = CompiledPredictor::compile_with(&ensemble, isa_from_env()?)?.threads(args.threads)?;
    let (rows, n) = read_rows(&args.rows, predictor.n_features())?;
    let mut preds = vec![0.0; n];
    predictor.predict_slice(&rows, &mut preds)?;

    if args.bench {
        let mut rates = Vec::with_capacity(args.repeats);
        for _ in 0..args.repeats.max(1) {
            let t = Instant::now();
            predictor.predict_slice(&rows, &mut preds)?;
            rates.push(n as f64 / t.elapsed().as_secs_f64());
        }
        rates.sort_by(f64::total_cmp);
        let nf = predictor.n_features();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut lat = Vec::with_capacity(args.latency_calls);
        let mut sink = 0.0;
        for _ in 0..args.latency_calls.min(n * 1000) {
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
            "{{\"rows\": {n}, \"threads\": {}, \"isa\": \"{}\", \"rows_per_s\": {:.1}, \"latency_us_p50\": {}, \"latency_us_p99\": {}}}",
            predictor.n_threads(),
            predictor.isa(),
            percentile(&rates, 0.5),
            json_number(percentile(&lat, 0.5)),
            json_number(percentile(&lat, 0.99)),
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
