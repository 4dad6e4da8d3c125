//! Generate a retail panel (the built-in one, or any shape the generator offers), write it as
//! CSV, and read it back through the CSV ingest, printing the ingest report.
//!
//! ```text
//! cargo run --example retail_data -- --out retail.csv                     # the built-in panel
//! cargo run --example retail_data -- --out monthly.csv --freq monthly --periods 96 --trend 2
//! cargo run --example retail_data -- --out sparse.csv --intermittent 0.6 --periods 400
//! ```

use clap::Parser;
use forecast::prelude::*;

#[derive(Debug, Parser)]
#[command(about = "Write a generated retail panel as CSV")]
struct Args {
    /// Output CSV file.
    #[arg(long, default_value = "retail.csv")]
    out: String,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// daily, weekly or monthly.
    #[arg(long, default_value = "daily")]
    freq: Frequency,
    /// Stores.
    #[arg(long, default_value_t = 5)]
    stores: usize,
    /// Items.
    #[arg(long, default_value_t = 10)]
    items: usize,
    /// Periods of history (default: 730 days, 104 weeks or 36 months).
    #[arg(long)]
    periods: Option<usize>,
    /// Periods of planned prices, promotions and holidays past the history.
    #[arg(long)]
    future: Option<usize>,
    /// Trend strength (1 = the default spread of yearly growth rates).
    #[arg(long)]
    trend: Option<f64>,
    /// Share of slow-moving (intermittent) items.
    #[arg(long)]
    intermittent: Option<f64>,
    /// Shortest series length (series start at different dates down to this length).
    #[arg(long)]
    min_length: Option<usize>,
    /// Series end up to this many periods before the panel's last date.
    #[arg(long)]
    end_spread: Option<usize>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::parse();
    let periods = a.periods.unwrap_or(match a.freq {
        Frequency::Daily => 730,
        Frequency::Weekly => 104,
        Frequency::Monthly => 36,
    });
    let mut g = RetailGenerator::new(a.seed).stores(a.stores).items(a.items).frequency(a.freq).periods(periods);
    if let Some(n) = a.future {
        g = g.future_periods(n);
    }
    if let Some(t) = a.trend {
        g = g.trend_strength(t);
    }
    if let Some(s) = a.intermittent {
        g = g.intermittent(s);
    }
    if let Some(n) = a.min_length {
        g = g.min_length(n);
    }
    if let Some(n) = a.end_spread {
        g = g.end_spread(n);
    }
    let data = g.generate();
    data.write_csv(&a.out)?;
    let (panel, report) = read_csv(&a.out, &CsvSpec::retail().frequency(a.freq), &IngestOptions::default())?;
    print!("{report}");
    let units: f64 = panel.series.iter().flat_map(|s| &s.target).sum();
    println!(
        "wrote {}: {} series, up to {} periods, {:.0} units in total",
        a.out,
        panel.series.len(),
        panel.series.iter().map(|s| s.len()).max().unwrap_or(0),
        units
    );
    Ok(())
}
