//! Generate the built-in retail panel, write it as CSV, and read it back through the CSV
//! ingest, printing the ingest report.
//!
//! `cargo run --example retail_data -- [OUT.csv] [SEED]` (defaults: `retail.csv`, 42).

use forecast::prelude::*;

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "retail.csv".into());
    let seed = match args.next() {
        Some(s) => {
            s.parse().map_err(|_| Error::InvalidParam { name: "seed", value: s, expected: "an unsigned integer" })?
        }
        None => 42,
    };
    let data = RetailGenerator::new(seed).generate();
    data.write_csv(&out)?;
    let (panel, report) = read_csv(&out, &CsvSpec::retail(), &IngestOptions::default())?;
    print!("{report}");
    let units: f64 = panel.series.iter().flat_map(|s| &s.target).sum();
    println!(
        "wrote {out}: {} series x {} days, {} future days planned, {:.0} units in total",
        panel.series.len(),
        panel.series[0].len(),
        panel.series[0].known_future(),
        units
    );
    Ok(())
}
