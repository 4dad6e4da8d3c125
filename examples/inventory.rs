//! Inventory calculator: one JSON request in, one JSON result out.
//!
//! The request names a `policy` and its parameters with stockpyl's names, and comes as the
//! first argument or on stdin:
//!
//! ```text
//! cargo run -p forecast-examples --example inventory -- \
//!   '{"policy": "newsvendor_normal", "holding_cost": 0.18, "stockout_cost": 0.7, "demand_mean": 50, "demand_sd": 8}'
//! echo '{"policy": "r_q", "method": "eil", "holding_cost": 0.225, "stockout_cost": 7.5, "fixed_cost": 8,
//!        "demand_mean": 1300, "demand_sd": 150, "lead_time": 0.25}' | cargo run -p forecast-examples --example inventory
//! ```
//!
//! Policies: newsvendor_normal, newsvendor_poisson, economic_order_quantity,
//! economic_order_quantity_with_backorders, economic_production_quantity,
//! s_s_power_approximation, r_q, wagner_whitin (see `forecast::decisions::calculator` for
//! parameters, result keys and conventions). On success it prints the result object and exits
//! 0; on a bad request it prints `{"error": ..., "parameter": ...}` (the parameter when one is at
//! fault) to stdout, the message to stderr, and exits 2.

use forecast::decisions::calculator;
use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let text = match args.next() {
        Some(a) if a != "-" => a,
        _ => {
            let mut buf = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut buf) {
                return fail(&format!("cannot read the request from stdin: {e}"), None);
            }
            buf
        }
    };
    if let Some(extra) = args.next() {
        return fail(&format!("expected one JSON request, got a second argument `{extra}` (quote the JSON)"), None);
    }
    match calculator::evaluate_str(&text) {
        Ok(result) => {
            println!("{result}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string(), e.parameter()),
    }
}

fn fail(message: &str, parameter: Option<&str>) -> ExitCode {
    let mut out = serde_json::json!({ "error": message });
    if let Some(p) = parameter {
        out["parameter"] = serde_json::Value::String(p.to_owned());
    }
    println!("{out}");
    eprintln!("error: {message}");
    ExitCode::from(2)
}
