#![doc = include_str!("../README.md")]

pub mod alert;
pub mod detect;
pub mod engine;
pub mod error;
mod rng;
pub mod source;
pub mod stats;

pub use error::{RealtimeError, Result};
