#![doc = include_str!("../README.md")]

pub mod error;
pub mod treeshap;

pub use error::{Result, XaiError};
pub use treeshap::{InterventionalShap, ShapValues, TreeShap};
