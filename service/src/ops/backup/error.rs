//! What can be wrong with a backup itself (as opposed to the disk or the database it is read
//! from or written to).

/// A backup that is damaged, or that cannot be written or restored here.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Not a shopgraph backup, or one of a newer file format.
    #[error("unknown backup format {format} v{version}")]
    UnknownFormat { format: String, version: u32 },
    /// A table holds another number of rows than its header says.
    #[error("{table}: {rows} rows, header says {header}")]
    RowCount {
        table: String,
        rows: u64,
        header: u64,
    },
    /// A table's rows do not match their checksum.
    #[error("{table}: checksum mismatch")]
    Checksum { table: String },
    /// A value does not fit its column's type.
    #[error("bad value for {column}: {value}")]
    BadValue { column: String, value: String },
    /// The backup was taken from a schema newer than this binary knows.
    #[error(
        "the backup's schema ({schema}) is newer than this shopgraph knows; upgrade shopgraph first"
    )]
    NewerSchema { schema: String },
    /// The restored rows break foreign keys; nothing was restored.
    #[error("{rows} rows break foreign keys; nothing was restored")]
    BrokenForeignKeys { rows: usize },
    /// The file is not JSON of a backup's shape.
    #[error("not a readable backup: {0}")]
    Unreadable(#[source] serde_json::Error),
    /// Rows could not be encoded as JSON.
    #[error("the backup could not be encoded: {0}")]
    Encode(#[source] serde_json::Error),
}
