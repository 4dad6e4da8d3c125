#![doc = include_str!("../README.md")]

pub mod detect;
pub mod error;
pub mod stats;

pub use error::{RealtimeError, Result};
