//! Table maintenance without Spark or Flink: compaction (here), and later snapshot expiry,
//! tags, rollback and orphan-file cleanup.

mod compact;

pub use compact::{compact, CompactOptions, CompactReport};
