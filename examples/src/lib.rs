//! Runnable scenarios for the forecast workspace; see the `[[example]]` entries in Cargo.toml.
//! The library holds what several examples share.

pub mod retail;
