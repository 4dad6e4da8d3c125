//! Integration tests of the facade, one binary: the wired system (tenancy in front of security
//! in front of the registry, all in one SQLite file), the attacker's suite against it, and (with
//! the realtime, retrain, xai and agent features) the hand-offs between the crates.

// Fixture helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used)]

mod attacks;
mod races;
mod system;
#[cfg(all(feature = "realtime", feature = "retrain", feature = "xai", feature = "agent"))]
mod wiring;
