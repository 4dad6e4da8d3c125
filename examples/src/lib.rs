//! Runnable scenarios for the forecast workspace; see the `[[example]]` entries in Cargo.toml.
