//! Integration tests of strata-datafusion (one test binary: DataFusion links once).
#![allow(clippy::unwrap_used)]

mod interop;
mod plans;
mod slt;
