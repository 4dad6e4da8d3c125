//! Integration tests of the facade, one binary: the wired system (tenancy in front of security
//! in front of the registry, all in one SQLite file) and the attacker's suite against it.

// Fixture helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used)]

mod attacks;
mod races;
mod system;
