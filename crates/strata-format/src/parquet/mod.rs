//! Parquet data files: the Java 0.9 physical layout ([`schema`]), the encoder ([`write`]) and
//! the reader ([`read`]).

pub(crate) mod read;
pub(crate) mod schema;
pub(crate) mod write;
