//! Large imports on a database that syncs: one transaction, recorded as several changes.
//!
//! An import of more than [`BULK_IMPORT_ROWS`] rows is written without a changeset on a
//! database that does not sync ([`Service::write_bulk`]: its changeset would pass the change
//! log's size limit, and recording it costs memory). A database that syncs needs a changeset
//! to publish, so there the import is written in parts of [`BATCH_ROWS`] rows: still one
//! transaction (all or nothing), but each part's writes become a change of their own (a SQLite
//! session per part, `store::PartRecorder`), small enough to keep, undo and send to the other
//! devices (`docs/sync.md`, "Large imports").

use std::cell::Cell;

use chrono::{DateTime, Utc};

use super::changes::LogExtra;
use super::{BATCH_ROWS, BULK_IMPORT_ROWS, Ctx, Result, Service, ServiceError};
use stint_store as store;
use stint_store::changes as log;

/// The parts of one import in progress: what a [`Ctx`] of [`Service::write_in_parts`] carries.
pub(crate) struct Parts<'c> {
    recorder: store::PartRecorder<'c>,
    svc: &'c Service,
    operation: &'static str,
    now: DateTime<Utc>,
    rows_per_part: usize,
    rows: Cell<usize>,
    part: Cell<usize>,
}

impl Parts<'_> {
    /// Ends the part in progress: its changeset becomes a change of the change log (nothing
    /// when it wrote nothing).
    fn cut(&self, tx: &store::Tx<'_>) -> Result<()> {
        let changeset = self.recorder.take()?;
        if changeset.is_empty() {
            return Ok(());
        }
        let part = self.part.get() + 1;
        self.part.set(part);
        if changeset.len() > log::MAX_CHANGESET_BYTES {
            // Kept without its changeset, this part would never reach the other devices.
            return Err(ServiceError::Conflict(
                format!(
                    "part {part} of this import ({} rows) makes a change of {} bytes, more than \
                     the {} the change log keeps and sends to your other devices; shorten the \
                     descriptions of those rows or import the file on a database that does not \
                     sync (nothing was imported)",
                    self.rows_per_part,
                    changeset.len(),
                    log::MAX_CHANGESET_BYTES
                )
                .into(),
            ));
        }
        self.svc.record_change(
            tx,
            self.now,
            self.operation,
            &changeset,
            LogExtra {
                undo_of: None,
                prefix: Some(format!("part {part} of a large import")),
            },
        )
    }
}

/// What a [`Ctx`] sees of [`Parts`] (a trait object, so that the context's lifetime can be
/// shorter than the session's).
pub(crate) trait PartRows {
    /// Counts one written row; ends the part when it is full.
    fn row(&self, tx: &store::Tx<'_>) -> Result<()>;
}

impl PartRows for Parts<'_> {
    fn row(&self, tx: &store::Tx<'_>) -> Result<()> {
        let rows = self.rows.get() + 1;
        self.rows.set(rows);
        if rows.is_multiple_of(self.rows_per_part.max(1)) {
            self.cut(tx)?;
        }
        Ok(())
    }
}

impl Ctx<'_> {
    /// Counts one row written by a large import; every `rows_per_part` rows the part in
    /// progress becomes a change (see [`Service::write_in_parts`]). Nothing outside it.
    pub(crate) fn part_row(&self) -> Result<()> {
        match self.parts {
            Some(parts) => parts.row(self.tx),
            None => Ok(()),
        }
    }
}

impl Service {
    /// Runs a large write (an import of more than [`BULK_IMPORT_ROWS`] rows on a database that
    /// syncs) in one `BEGIN IMMEDIATE` transaction, recorded as one change per part: `f` calls
    /// [`Ctx::part_row`] for every row it writes, and every `rows_per_part` rows, and at the
    /// end, what was written since the previous part is appended to the change log with its
    /// changeset (summary "part N of a large import: ..."). So the import is all or nothing,
    /// every part is published to the other devices, and no change passes
    /// [`log::MAX_CHANGESET_BYTES`] (a part that would is refused, nothing written).
    pub(crate) fn write_in_parts<T>(
        &self,
        operation: &'static str,
        rows_per_part: usize,
        f: impl FnOnce(&Ctx<'_>) -> Result<T>,
    ) -> Result<T> {
        let _writer = self.inner.writer.lock();
        let now = self.now();
        let mut conn = self.conn();
        let out = store::write_unrecorded(
            &mut conn,
            |tx| {
                let parts = Parts {
                    recorder: store::PartRecorder::new(tx)?,
                    svc: self,
                    operation,
                    now,
                    rows_per_part,
                    rows: Cell::new(0),
                    part: Cell::new(0),
                };
                let ctx = self.ctx(tx, now, operation)?;
                let ctx = Ctx {
                    parts: Some(&parts),
                    ..ctx
                };
                let value = f(&ctx)?;
                parts.cut(tx)?;
                Ok(value)
            },
            |_, _| Ok(()),
        );
        if out.is_ok() {
            self.wrote();
        }
        out
    }

    /// How imports are split: `(bulk_rows, part_rows)`, an import of more than `bulk_rows`
    /// rows is a bulk import, and on a database that syncs it is written in parts of
    /// `part_rows` rows. [`BULK_IMPORT_ROWS`] and [`BATCH_ROWS`] unless
    /// [`Service::set_import_parts`] said otherwise.
    pub(crate) fn import_parts(&self) -> (usize, usize) {
        *self
            .inner
            .import_parts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// For tests only: lowers the import size from which an import is a bulk import
    /// (`bulk_rows`, at least 1) and the rows of each part of it on a database that syncs
    /// (`part_rows`, at least 1), for this service and its clones, so that the parts can be
    /// exercised without a file of 50,000 rows.
    #[doc(hidden)]
    pub fn set_import_parts(&self, bulk_rows: usize, part_rows: usize) {
        *self
            .inner
            .import_parts
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = (bulk_rows.max(1), part_rows.max(1));
    }
}

/// The default of [`Service::import_parts`].
pub(crate) const DEFAULT_IMPORT_PARTS: (usize, usize) = (BULK_IMPORT_ROWS, BATCH_ROWS);
