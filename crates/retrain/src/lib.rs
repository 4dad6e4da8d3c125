#![doc = include_str!("../README.md")]

pub mod diebold_mariano;
pub mod error;
pub mod halving;
pub mod schedule;
pub mod search;
pub mod trigger;

pub use error::{Result, RetrainError};
pub use schedule::{Calendar, MissedRuns, MonthDay, Schedule, Scheduler};
pub use trigger::{DecayMetric, DecayTrigger, DriftTrigger, RetrainRequest, TriggerEvent, TriggerGate, TriggerKind, VolumeTrigger};
pub use diebold_mariano::{Alternative, DmTest, diebold_mariano};
pub use halving::{HalvingSchedule, MinResources};
pub use search::{Budget, Config, Objective, ParamSpace, ParamValue, Search, SearchResult, Trial, panel_as_of};
