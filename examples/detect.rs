//! Run one streaming anomaly detector over any CSV, row by row, and write one score per row.
//!
//! ```text
//! cargo run --release --example detect -- --csv stream.csv --columns f1,f2,f3 --detector hst \
//!     --seed 42 --out scores.csv
//! ```
//!
//! Each row is scored against what the detector learned from the rows before it, then learned
//! (River's `score_one` then `learn_one`). The output has a header `score` and one line per input
//! row, higher = more anomalous. Detector names are those of `forecast::realtime::detect`:
//! `zscore`, `mad`, `ewma`, `cusum`, `residual` (columns `actual,point,lower,upper`), `hst`, `adwin`.
//!
//! - Univariate detectors given several columns run one detector per column and score a row by
//!   the largest column score.
//! - `hst` scales each column online into [0, 1] first (River's `MinMaxScaler() | HalfSpaceTrees()`)
//!   and takes the columns in the order of their sorted names, as River orders a dict's features,
//!   so that `--seed N` draws the same trees as `HalfSpaceTrees(seed=N)`.
//! - A cell that is empty or not a finite number is an error naming its line and column: nothing
//!   is skipped silently.

use clap::{Parser, ValueEnum};
use forecast::core::Error;
use forecast::realtime::detect::{DetectorSpec, LearnPolicy};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Policy {
    /// Learn from every row.
    All,
    /// Do not learn from rows the detector flags.
    SkipFlagged,
}

#[derive(Debug, Parser)]
#[command(about = "Score every row of a CSV with one streaming anomaly detector")]
struct Args {
    /// The CSV file (with a header row).
    #[arg(long)]
    csv: PathBuf,
    /// Comma-separated names of the columns to feed the detector.
    #[arg(long, value_delimiter = ',', required = true)]
    columns: Vec<String>,
    /// zscore, mad, ewma, cusum, residual, hst or adwin.
    #[arg(long)]
    detector: String,
    /// Seed of the detector's random choices (HST's splits).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Whether the detector learns from the rows it flags.
    #[arg(long, value_enum, default_value_t = Policy::All)]
    learn: Policy,
    /// Where to write the scores.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(rows) => {
            eprintln!("scored {rows} rows");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

fn run(args: &Args) -> Result<u64, Box<dyn std::error::Error>> {
    let spec = DetectorSpec::from_name(&args.detector)?;
    let csv_error = |e: csv::Error| format!("{}: {e}", args.csv.display());
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_path(&args.csv).map_err(csv_error)?;
    let header: Vec<String> = reader.headers().map_err(csv_error)?.iter().map(str::to_owned).collect();
    let mut columns = args.columns.clone();
    if matches!(spec, DetectorSpec::Hst { .. }) {
        columns.sort();
    }
    let indices = columns
        .iter()
        .map(|c| {
            header.iter().position(|h| h == c).ok_or_else(|| Error::MissingColumn {
                path: args.csv.clone(),
                column: c.clone(),
                header: header.clone(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut detector = spec.build(indices.len(), args.seed)?;
    let policy = match args.learn {
        Policy::All => LearnPolicy::All,
        Policy::SkipFlagged => LearnPolicy::SkipFlagged,
    };
    let mut out = BufWriter::new(File::create(&args.out).map_err(io(&args.out))?);
    writeln!(out, "score").map_err(io(&args.out))?;
    let mut x = vec![0.0; indices.len()];
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    while reader.read_record(&mut record).map_err(csv_error)? {
        let line = record.position().map_or(0, |p| p.line());
        for (slot, (&i, name)) in x.iter_mut().zip(indices.iter().zip(&columns)) {
            let cell = record.get(i).unwrap_or("").trim();
            *slot = cell.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| Error::Parse {
                path: args.csv.clone(),
                line,
                column: i + 1,
                field: name.clone(),
                message: format!("`{cell}` is not a finite number; every scored cell must be one"),
            })?;
        }
        let verdict = detector.observe(&x, policy).map_err(|e| format!("{}:{line}: {e}", args.csv.display()))?;
        writeln!(out, "{}", verdict.score).map_err(io(&args.out))?;
        rows += 1;
    }
    out.flush().map_err(io(&args.out))?;
    Ok(rows)
}
