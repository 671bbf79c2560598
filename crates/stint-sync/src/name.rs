//! The names of the files a device writes into its folder, parsed in one place:
//! `device.stint`, a log `<first>-<last>.stint` and a snapshot `snapshot-<seq>.stint`, each
//! number 12 decimal digits (docs/sync.md, "Files").

use std::fmt;
use std::str::FromStr;

use stint_store::sync::{Seq, SeqRange};

use crate::file::{KIND_DEVICE, KIND_LOG, KIND_SNAPSHOT};

/// One sync file, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SyncFile {
    /// `device.stint`: the device's number and name, and how far it has applied every other
    /// device.
    Device,
    /// `<first>-<last>.stint`: the device's changes `first..=last` (sequence numbers, `1 <=
    /// first <= last`).
    Log { first: Seq, last: Seq },
    /// `snapshot-<seq>.stint`: every row as of the device's change `seq`.
    Snapshot { seq: Seq },
}

/// A name that is not a sync file's (see [`SyncFile`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotASyncFile;

impl fmt::Display for NotASyncFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "not a sync file name (device.stint, NNNNNNNNNNNN-NNNNNNNNNNNN.stint or \
             snapshot-NNNNNNNNNNNN.stint)",
        )
    }
}

impl std::error::Error for NotASyncFile {}

impl FromStr for SyncFile {
    type Err = NotASyncFile;

    fn from_str(name: &str) -> Result<SyncFile, NotASyncFile> {
        if name == "device.stint" {
            return Ok(SyncFile::Device);
        }
        let stem = name.strip_suffix(".stint").ok_or(NotASyncFile)?;
        if let Some(seq) = stem.strip_prefix("snapshot-") {
            return Seq::parse_padded(seq)
                .map(|seq| SyncFile::Snapshot { seq })
                .ok_or(NotASyncFile);
        }
        let (a, b) = stem.split_once('-').ok_or(NotASyncFile)?;
        let (first, last) = (Seq::parse_padded(a), Seq::parse_padded(b));
        match first
            .zip(last)
            .and_then(|(first, last)| SeqRange::new(first, last))
        {
            Some(SeqRange { first, last }) => Ok(SyncFile::Log { first, last }),
            None => Err(NotASyncFile),
        }
    }
}

impl fmt::Display for SyncFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncFile::Device => f.write_str("device.stint"),
            SyncFile::Log { first, last } => {
                write!(f, "{}-{}.stint", first.padded(), last.padded())
            }
            SyncFile::Snapshot { seq } => write!(f, "snapshot-{}.stint", seq.padded()),
        }
    }
}

impl SyncFile {
    /// The header kind a file of this name must have (the encryption flag left out).
    pub fn kind(self) -> u8 {
        match self {
            SyncFile::Device => KIND_DEVICE,
            SyncFile::Log { .. } => KIND_LOG,
            SyncFile::Snapshot { .. } => KIND_SNAPSHOT,
        }
    }

    /// The sequence numbers whose changes the file holds: a log `first..=last`, a snapshot
    /// `1..=seq`; `None` for the device file.
    pub fn covers(self) -> Option<SeqRange> {
        match self {
            SyncFile::Device => None,
            SyncFile::Log { first, last } => Some(SeqRange { first, last }),
            SyncFile::Snapshot { seq } => Some(SeqRange {
                first: Seq::FIRST,
                last: seq,
            }),
        }
    }

    /// True when `other`, another file of the same device, holds every change of this one: a
    /// log reaching at least as far back and as far on, or a snapshot at least as far on (the
    /// compaction rule, docs/sync.md). Never the file itself, never the device file.
    pub fn covered_by(self, other: SyncFile) -> bool {
        match (self.covers(), other.covers()) {
            (Some(mine), Some(theirs)) => other != self && theirs.covers(mine),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(n: i64) -> Seq {
        Seq::new(n).unwrap()
    }

    #[test]
    fn names_parse_once_and_print_back() {
        for (name, file) in [
            ("device.stint", SyncFile::Device),
            (
                "000000000001-000000005000.stint",
                SyncFile::Log {
                    first: seq(1),
                    last: seq(5000),
                },
            ),
            (
                "snapshot-000000000042.stint",
                SyncFile::Snapshot { seq: seq(42) },
            ),
        ] {
            assert_eq!(name.parse(), Ok(file));
            assert_eq!(file.to_string(), name);
        }
        for name in [
            "",
            "..",
            "x/device.stint",
            "1-1.stint",
            "000000000002-000000000001.stint",
            "000000000000-000000000001.stint",
            "+00000000001-000000000001.stint",
            "snapshot-1.stint",
            "snapshot-00000000004x.stint",
            "000000000001-000000000001.stint.tmp",
        ] {
            assert_eq!(name.parse::<SyncFile>(), Err(NotASyncFile), "{name:?}");
        }
    }
}
