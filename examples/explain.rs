//! SHAP values of a tree model for a CSV of feature rows, in LightGBM's `pred_contrib` layout.
//!
//! ```text
//! cargo run --release --example explain -- --model model.txt --rows rows.csv --out shap.csv \
//!     [--background background.csv] [--exact] [--threads 2]
//! ```
//!
//! - `--model`: a LightGBM `model.txt`, an XGBoost JSON model or a forecast `ModelArtifact` JSON
//!   of kind `gbdt` or `tree_ensemble` (told apart by content).
//! - `--rows`: the rows to explain. With a header naming the model's features, columns are taken
//!   by name (others are left out, and listed); without a header, one column per feature in model
//!   order. Missing values: an empty cell, `nan`, `NA`, `null`.
//! - `--out`: a header (the features in model order, then `bias`) and one line per row: each
//!   feature's contribution to the raw score, then the expected value. Rows sum to the raw score.
//! - `--background`: interventional TreeSHAP against these rows (same format as `--rows`);
//!   without it, path-dependent TreeSHAP with the model's node covers.
//! - `--exact`: path-dependent TreeSHAP by Algorithm 2 with LightGBM's own arithmetic (bit for
//!   bit its `pred_contrib`) instead of the faster Linear TreeSHAP (within about 1e-14 relative
//!   of it, and closer to the exact rational value than LightGBM's own rounding).
//!
//! A LightGBM model is explained as LightGBM's own `predict(X, pred_contrib=True)` does: the
//! raw score with unscaled leaves (`sigmoid:` not folded in), a random forest's trees summed,
//! and values within 1e-35 of zero read as zero.
//! The time of the explanation itself (files excluded) is printed on stderr.

use clap::Parser;
use forecast::core::import;
use forecast::core::tree::TreeEnsemble;
use forecast::core::{Error, ModelArtifact};
use forecast::xai::treeshap::{Strategy, lightgbm_contrib_model, lightgbm_input};
use forecast::xai::{InterventionalShap, TreeShap, XaiError, read_feature_rows};
use ndarray::Array2;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "SHAP values of a tree model, in LightGBM's pred_contrib layout")]
struct Args {
    /// LightGBM model.txt, XGBoost model.json or forecast ModelArtifact JSON.
    #[arg(long)]
    model: PathBuf,
    /// CSV of the rows to explain.
    #[arg(long)]
    rows: PathBuf,
    /// Where to write the contributions.
    #[arg(long)]
    out: PathBuf,
    /// Background rows for interventional TreeSHAP.
    #[arg(long)]
    background: Option<PathBuf>,
    /// Algorithm 2 with LightGBM's arithmetic (bit-identical values) instead of Linear TreeSHAP.
    #[arg(long)]
    exact: bool,
    /// Threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

fn read(path: &Path) -> Result<String, XaiError> {
    std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.into(), source }.into())
}

/// The ensemble to explain, and whether it came from LightGBM.
fn load_model(path: &Path) -> Result<(TreeEnsemble, bool), XaiError> {
    let text = read(path)?;
    if text.trim_start().lines().next().map(str::trim) == Some("tree") {
        return Ok((lightgbm_contrib_model(&text)?, true));
    }
    match import::detect(&text)? {
        ModelArtifact::TreeEnsemble(e) => Ok((e, false)),
        ModelArtifact::Gbdt(m) => Ok((m.into_ensemble(), false)),
        other => Err(XaiError::InvalidArgument {
            name: "--model".into(),
            value: format!("{} (a `{}` artifact)", path.display(), other.kind()),
            expected: "a tree model: LightGBM model.txt, XGBoost JSON, or an artifact of kind gbdt or tree_ensemble"
                .into(),
        }),
    }
}

fn load_rows(path: &Path, names: &[String], lightgbm: bool) -> Result<Array2<f64>, XaiError> {
    let rows = read_feature_rows(&read(path)?, path, names)?;
    for note in &rows.notes {
        eprintln!("{}: {note}", path.display());
    }
    let mut x = rows.x;
    if lightgbm {
        for mut row in x.rows_mut() {
            if let Some(r) = row.as_slice_mut() {
                lightgbm_input(r);
            }
        }
    }
    Ok(x)
}

fn run(args: &Args) -> Result<(), XaiError> {
    let (model, lightgbm) = load_model(&args.model)?;
    let names = if model.feature_names.len() == model.n_features {
        model.feature_names.clone()
    } else {
        (0..model.n_features).map(|i| format!("f{i}")).collect()
    };
    let x = load_rows(&args.rows, &names, lightgbm)?;
    let background = args.background.as_deref().map(|p| load_rows(p, &names, lightgbm)).transpose()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .map_err(|e| XaiError::Backend { backend: "rayon", message: e.to_string() })?;
    let start = Instant::now();
    let (values, method) = pool.install(|| match &background {
        Some(bg) => InterventionalShap::new(&model, bg.view())?.explain(x.view()).map(|v| (v, "interventional")),
        None if args.exact => TreeShap::new(&model)?
            .strategy(Strategy::Exact)
            .explain(x.view())
            .map(|v| (v, "path-dependent (Algorithm 2)")),
        None => TreeShap::new(&model)?.explain(x.view()).map(|v| (v, "path-dependent (Linear)")),
    })?;
    let elapsed = start.elapsed();
    let file = std::fs::File::create(&args.out).map_err(|source| Error::Io { path: args.out.clone(), source })?;
    values.write_csv(std::io::BufWriter::new(file))?;
    eprintln!(
        "explained {} rows x {} features ({} trees, {method} TreeSHAP) in {:.3} ms on {} threads",
        x.nrows(),
        model.n_features,
        model.trees.len(),
        elapsed.as_secs_f64() * 1e3,
        pool.current_num_threads()
    );
    Ok(())
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
