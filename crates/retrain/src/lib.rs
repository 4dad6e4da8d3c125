#![doc = include_str!("../README.md")]

pub mod decay_test;
pub mod diebold_mariano;
pub mod error;
pub mod halving;
pub mod job;
pub mod promotion;
pub mod recheck;
pub mod schedule;
pub mod search;
pub mod tpe;
pub mod trigger;

pub use decay_test::{DecayTest, DecayTestResult};
pub use diebold_mariano::{Alternative, DmTest, diebold_mariano};
pub use error::{Result, RetrainError};
pub use halving::{HalvingSchedule, MinResources};
pub use job::{Job, JobProgress, Journal, Step, StepRecord};
pub use promotion::{Comparison, Decision, Promoter, PromotionPolicy, RollbackGuard, compare};
pub use recheck::{DecayRecheck, Recheck};
pub use schedule::{Calendar, MissedRuns, MonthDay, Schedule, Scheduler};
pub use search::{Budget, Config, Objective, ParamSpace, ParamValue, Search, SearchResult, Trial, panel_as_of};
pub use tpe::Tpe;
pub use trigger::{
    DecayMetric, DecayTrigger, DriftTrigger, RetrainRequest, TriggerEvent, TriggerGate, TriggerKind, VolumeTrigger,
};
