//! The import as answered (and replayed under its key): how many rows landed, how many
//! changed nothing, and each refused row with why.

use serde::Serialize;

#[derive(Serialize)]
pub(crate) struct Imported {
    pub(crate) imported: u64,
    pub(crate) unchanged: u64,
    /// In row order.
    pub(crate) errors: Vec<RowError>,
}

/// A row refused: its number (from 1), the error's code and the detail.
#[derive(Serialize)]
pub(crate) struct RowError {
    pub(crate) row: usize,
    code: &'static str,
    detail: String,
}

impl RowError {
    pub(crate) fn new(row: usize, code: &'static str, detail: String) -> Self {
        Self { row, code, detail }
    }
}
