//! The publish step: this device's new changes, written as logs of at most
//! [`ENTRIES_PER_FILE`] changes.

use super::*;

/// Changes not yet published, as [`ss::unpublished`] reads them: `(id, hlc, at, operation,
/// summary, changeset)`.
type Pending = Vec<(i64, Hlc, i64, String, String, Option<Vec<u8>>)>;

impl Run<'_, '_> {
    /// Writes this device's changes not yet in the folder, one log per batch.
    pub(super) fn publish(&mut self) -> Result<()> {
        loop {
            let pending = ss::unpublished(self.conn, ENTRIES_PER_FILE)?;
            if pending.is_empty() {
                return Ok(());
            }
            self.publish_batch(pending)?;
        }
    }

    /// Writes one log of `pending` changes and marks them published. The log ends before the
    /// first change this device applied from another after the first of them, so that its
    /// `known` is what this device knew when it made each change in it ([`ss::known_at`]):
    /// the other devices judge its claims by it (docs/sync.md, "Names: claims and classes").
    fn publish_batch(&mut self, mut pending: Pending) -> Result<()> {
        let st = ss::state(self.conn)?;
        let first_change = pending.first().map_or(0, |p| p.0);
        if let Some(cut) = ss::next_foreign_change(self.conn, &st.device_id, first_change)? {
            pending.retain(|p| p.0 < cut);
        }
        let deps: Vec<Position> = ss::peers(self.conn)?
            .into_iter()
            .map(|p| Position::new(p.device_id, p.applied_seq))
            .collect();
        let meta = ss::Meta::load(self.conn)?;
        // Each change is encoded as it is read: the body grows, the entries do not stay.
        let known = ss::known_at(self.conn, first_change)?;
        let mut body = LogWriter::new(&self.name, &deps, &known);
        let mut seq = st.published_seq;
        let mut last_change = st.published_change;
        for (id, hlc, at, operation, summary, changeset) in pending {
            seq = seq.next();
            last_change = id;
            let ops = match &changeset {
                Some(c) => {
                    let mut ops = ss::ops_of_changeset(c)?;
                    ss::expand_claims(self.conn, &meta, &mut ops)?;
                    ops
                }
                None => {
                    self.report.problems.push(format!(
                        "change {id} ({operation}) was too large to keep, so other devices \
                         do not get it; make it again in smaller parts"
                    ));
                    Vec::new()
                }
            };
            body.push(&Entry {
                seq,
                hlc,
                at,
                schema: store::SCHEMA_VERSION,
                operation,
                summary,
                ops,
            });
        }
        let range = SeqRange {
            first: st.published_seq.next(),
            last: seq,
        };
        self.report.published += body.len();
        self.write_log(range, &body.finish())?;
        ss::set_published(self.conn, seq, last_change)?;
        Ok(())
    }
}
