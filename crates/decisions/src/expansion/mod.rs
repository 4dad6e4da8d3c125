//! Store expansion: analog-store projection and Huff-model cannibalisation, on plain inputs
//! (store attributes, coordinates, sales).

pub mod analog;
pub mod huff;

pub use analog::{Analog, AnalogProjection, ExistingStore, project_analog};
pub use huff::{Calibration, CannibalisationReport, DemandPoint, DistanceMetric, HuffModel, HuffStore, StoreImpact};
