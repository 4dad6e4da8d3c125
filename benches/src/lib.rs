//! Criterion benches for the forecast workspace; see the `[[bench]]` entries in Cargo.toml.
