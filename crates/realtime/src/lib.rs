#![doc = include_str!("../README.md")]

pub mod error;
pub mod stats;

pub use error::{RealtimeError, Result};
