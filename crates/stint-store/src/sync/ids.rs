//! The names of a device in a sync folder: its id and its number; and the numbers of its
//! changes there: a sequence number ([`Seq`]), a log's range ([`SeqRange`]) and a device's
//! position ([`Position`]).

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use super::ID_STRIDE;

/// A device's number in its sync folder: `0..64`, claimed at random among the free ones when
/// the device joins (docs/sync.md, "Ids"). The ids of synced rows are `seq * 64 + number`
/// ([`DeviceNo::id`]), so two devices never hand out the same id, and an id tells which device
/// made its row ([`DeviceNo::of_id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceNo(u8);

impl DeviceNo {
    /// The number `n`, or `None` outside `0..64` (a number read from a file is untrusted).
    pub fn new(n: i64) -> Option<DeviceNo> {
        (0..ID_STRIDE)
            .contains(&n)
            .then(|| DeviceNo(u8::try_from(n).unwrap_or_default()))
    }

    /// Every number, ascending.
    pub fn all() -> impl Iterator<Item = DeviceNo> {
        (0..ID_STRIDE).filter_map(DeviceNo::new)
    }

    /// The number as an integer (`0..64`).
    pub const fn get(self) -> i64 {
        self.0 as i64
    }

    /// The id this device gives its row number `seq` of a table: `seq * 64 + number`.
    pub const fn id(self, seq: i64) -> i64 {
        seq * ID_STRIDE + self.get()
    }

    /// The number of the device that made row `id` (the remainder of `id` by 64).
    pub fn of_id(id: i64) -> DeviceNo {
        DeviceNo(u8::try_from(id.rem_euclid(ID_STRIDE)).unwrap_or_default())
    }
}

impl fmt::Display for DeviceNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ToSql for DeviceNo {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.get()))
    }
}

/// A stored number outside `0..64` is an error (`FromSqlError::OutOfRange`), never a device.
impl FromSql for DeviceNo {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let n = i64::column_result(value)?;
        DeviceNo::new(n).ok_or(FromSqlError::OutOfRange(n))
    }
}

/// A device's id: 32 hexadecimal digits, made at random once per database
/// (`change_clock.device_id`, lower case) and the name of the device's folder in a sync folder.
/// It stays the same through every sync; a copied database takes a new one.
///
/// Read from a folder or a file, it is checked with [`DeviceId::parse`]; it keeps its text as
/// found (a folder named in upper case is another folder on most disks).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(String);

impl DeviceId {
    /// `text` as a device id, or `None` when it is not 32 hexadecimal digits.
    pub fn parse(text: &str) -> Option<DeviceId> {
        (text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| DeviceId(text.to_owned()))
    }

    /// `text` as a device id in lower case, as a device names itself, or `None` when it is
    /// not 32 hexadecimal digits: for ids that arrive over the wire (`stint serve`'s routes and
    /// listings), where `0F…` and `0f…` name the same device.
    pub fn parse_any_case(text: &str) -> Option<DeviceId> {
        DeviceId::parse(text).map(|id| DeviceId(id.0.to_ascii_lowercase()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its first 8 digits, as messages name a device.
    pub fn short(&self) -> &str {
        &self.0[..self.0.len().min(8)]
    }
}

impl Deref for DeviceId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for DeviceId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for DeviceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for DeviceId {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&self.0)
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for DeviceId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for DeviceId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for DeviceId {
    fn eq(&self, other: &String) -> bool {
        self.0 == *other
    }
}

impl PartialEq<DeviceId> for String {
    fn eq(&self, other: &DeviceId) -> bool {
        *self == other.0
    }
}

impl PartialEq<DeviceId> for &str {
    fn eq(&self, other: &DeviceId) -> bool {
        *self == other.0
    }
}

impl From<DeviceId> for String {
    fn from(id: DeviceId) -> String {
        id.0
    }
}

impl ToSql for DeviceId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

/// As stored by this database (its own id and the ids of the folders it synced with, each
/// checked when first read): taken as it is.
impl FromSql for DeviceId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        String::column_result(value).map(DeviceId)
    }
}

/// A device's log sequence number: its published changes are numbered `1, 2, 3, …` in the
/// order it made them, and every log file and snapshot of its folder is named by these
/// numbers (docs/sync.md, "Files"). Not the sequence of row ids (`seq * 64 + number`,
/// [`DeviceNo::id`]): that one counts the rows of a table.
///
/// [`Seq::ZERO`] is "none yet": a device that has published nothing, a device none of whose
/// changes were applied, no snapshot. Every number of a log or snapshot is at least 1. A
/// sequence number is never negative: [`Seq::new`] refuses one, and so does reading one from
/// the database ([`FromSql`]) or a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seq(i64);

impl Seq {
    /// "None yet": before a device's first change.
    pub const ZERO: Seq = Seq(0);
    /// The first change of a device.
    pub const FIRST: Seq = Seq(1);
    /// Past every change: the oldest change of a device that has no log left.
    pub const MAX: Seq = Seq(i64::MAX);

    /// The number `n`, or `None` when it is negative (a number read from a file is untrusted).
    pub const fn new(n: i64) -> Option<Seq> {
        if n >= 0 { Some(Seq(n)) } else { None }
    }

    /// The number as an integer (`0..`).
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The number after this one (saturating at [`Seq::MAX`]).
    #[must_use]
    pub const fn next(self) -> Seq {
        Seq(self.0.saturating_add(1))
    }

    /// The number before this one, or [`Seq::ZERO`] for zero: the last change before
    /// change `self`.
    #[must_use]
    pub const fn prev(self) -> Seq {
        if self.0 > 0 { Seq(self.0 - 1) } else { Seq(0) }
    }

    /// How many changes come after `earlier` up to this one (`self - earlier`, 0 when
    /// `earlier` is not before).
    pub const fn since(self, earlier: Seq) -> i64 {
        if self.0 > earlier.0 {
            self.0 - earlier.0
        } else {
            0
        }
    }

    /// The number as a file name writes it: twelve decimal digits, zero padded
    /// (`000000000042`; docs/sync.md, "Files").
    pub fn padded(self) -> String {
        format!("{:012}", self.0)
    }

    /// `text` as written by [`Seq::padded`]: exactly twelve decimal digits (no sign, no
    /// spaces), or `None`.
    pub fn parse_padded(text: &str) -> Option<Seq> {
        (text.len() == 12 && text.bytes().all(|c| c.is_ascii_digit()))
            .then(|| text.parse().ok().map(Seq))
            .flatten()
    }
}

/// The plain number (`42`), as messages name a change.
impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ToSql for Seq {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

/// A stored negative number is an error (`FromSqlError::OutOfRange`), never a sequence number.
impl FromSql for Seq {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let n = i64::column_result(value)?;
        Seq::new(n).ok_or(FromSqlError::OutOfRange(n))
    }
}

/// The sequence numbers of a log, `first..=last` (`1 <= first <= last` for a log's name,
/// [`SeqRange::new`]), or of a snapshot, `1..=seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeqRange {
    /// The first number of the range.
    pub first: Seq,
    /// The last number of the range (included).
    pub last: Seq,
}

impl SeqRange {
    /// `first..=last`, or `None` unless `1 <= first <= last` (the rule of a log's name).
    pub fn new(first: Seq, last: Seq) -> Option<SeqRange> {
        (first >= Seq::FIRST && last >= first).then_some(SeqRange { first, last })
    }

    /// True when `seq` is in the range.
    pub fn contains(self, seq: Seq) -> bool {
        self.first <= seq && seq <= self.last
    }

    /// How many numbers the range holds (`last - first + 1`).
    pub const fn count(self) -> i64 {
        self.last.0 - self.first.0 + 1
    }

    /// True when every number of `other` is in this range.
    pub fn covers(self, other: SeqRange) -> bool {
        self.first <= other.first && other.last <= self.last
    }
}

impl fmt::Display for SeqRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..={}", self.first, self.last)
    }
}

/// How far a device's changes go: its change `seq` (and every one before it), as a log's
/// dependencies and a device file's acknowledgements name them ([`Seq::ZERO`]: none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The device whose changes are meant.
    pub device: DeviceId,
    /// Its changes up to this one (included).
    pub seq: Seq,
}

impl Position {
    /// Device `device`'s changes up to `seq`.
    pub fn new(device: DeviceId, seq: Seq) -> Position {
        Position { device, seq }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_number_is_0_to_63_and_names_the_ids_it_hands_out() {
        let check = |n: i64, expected: Option<i64>| {
            assert_eq!(DeviceNo::new(n).map(DeviceNo::get), expected, "{n}");
        };
        check(0, Some(0));
        check(63, Some(63));
        check(64, None);
        check(-1, None);
        check(i64::MAX, None);
        assert_eq!(DeviceNo::all().count(), 64);
        let five = DeviceNo::new(5).unwrap();
        assert_eq!((five.id(0), five.id(1), five.id(1_000)), (5, 69, 64_005));
        assert_eq!(DeviceNo::of_id(five.id(1_000)), five);
        assert_eq!(DeviceNo::of_id(-59), five);
        assert_eq!(five.to_string(), "5");
    }

    #[test]
    fn a_device_id_is_32_hex_digits_kept_as_found() {
        let check = |text: &str, expected: bool| {
            assert_eq!(DeviceId::parse(text).is_some(), expected, "{text:?}");
        };
        check(&"a".repeat(32), true);
        check(&"0F".repeat(16), true);
        check(&"a".repeat(31), false);
        check(&"a".repeat(33), false);
        check(&format!("{}g", "a".repeat(31)), false);
        check("", false);
        check("../../etc/passwd", false);
        let id = DeviceId::parse(&"0F".repeat(16)).unwrap();
        assert_eq!(
            (id.as_str(), id.short()),
            ("0F".repeat(16).as_str(), "0F0F0F0F")
        );
        assert_ne!(id, DeviceId::parse(&"0f".repeat(16)).unwrap());
        assert_eq!(
            DeviceId::parse_any_case(&"0F".repeat(16)),
            DeviceId::parse(&"0f".repeat(16))
        );
        assert_eq!(DeviceId::parse_any_case("../../etc/passwd"), None);
    }
    #[test]
    fn a_sequence_number_counts_from_1_with_0_for_none_yet() {
        assert_eq!(Seq::new(-1), None);
        assert_eq!(Seq::new(i64::MIN), None);
        assert_eq!(Seq::new(0), Some(Seq::ZERO));
        assert_eq!(Seq::ZERO.next(), Seq::FIRST);
        assert_eq!(Seq::new(41).unwrap().next().get(), 42);
        assert_eq!(Seq::MAX.next(), Seq::MAX);
        assert_eq!(
            (Seq::FIRST.prev(), Seq::ZERO.prev()),
            (Seq::ZERO, Seq::ZERO)
        );
        let mut seqs: Vec<Seq> = [5, 0, 12, 1].into_iter().filter_map(Seq::new).collect();
        seqs.sort();
        assert_eq!(
            seqs.iter().map(|s| s.get()).collect::<Vec<_>>(),
            [0, 1, 5, 12]
        );
        assert!(Seq::ZERO < Seq::FIRST && Seq::FIRST < Seq::MAX);
        let (seven, nine) = (Seq::new(7).unwrap(), Seq::new(9).unwrap());
        assert_eq!((nine.since(seven), seven.since(nine)), (2, 0));
    }

    #[test]
    fn a_sequence_number_prints_plain_and_padded_and_reads_back() {
        let n = Seq::new(42).unwrap();
        assert_eq!(
            (n.to_string(), n.padded()),
            ("42".to_owned(), "000000000042".to_owned())
        );
        for seq in [0, 1, 42, 999_999_999_999] {
            let s = Seq::new(seq).unwrap();
            assert_eq!(Seq::parse_padded(&s.padded()), Some(s), "{seq}");
        }
        for text in [
            "42",
            "+00000000042",
            "-00000000042",
            " 00000000042",
            "00000000004x",
            "",
        ] {
            assert_eq!(Seq::parse_padded(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_range_holds_first_to_last_and_covers_the_ranges_inside() {
        let seq = |n: i64| Seq::new(n).unwrap();
        assert_eq!(SeqRange::new(seq(0), seq(3)), None);
        assert_eq!(SeqRange::new(seq(4), seq(3)), None);
        let r = SeqRange::new(seq(3), seq(6)).unwrap();
        assert_eq!(
            (r.first, r.last, r.to_string()),
            (seq(3), seq(6), "3..=6".to_owned())
        );
        let inside: Vec<i64> = (0..9).filter(|&n| r.contains(seq(n))).collect();
        assert_eq!(inside, [3, 4, 5, 6]);
        assert_eq!(r.count(), 4);
        let range = |a, b| SeqRange::new(seq(a), seq(b)).unwrap();
        assert!(r.covers(r) && r.covers(range(4, 5)) && r.covers(range(3, 3)));
        assert!(!r.covers(range(2, 5)) && !r.covers(range(4, 7)) && !range(4, 5).covers(r));
    }

    #[test]
    fn numbers_and_positions_round_trip_through_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let back: (Seq, Seq) = conn
            .query_row(
                "SELECT ?1, ?2",
                rusqlite::params![Seq::ZERO, Seq::new(77).unwrap()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(back, (Seq::ZERO, Seq::new(77).unwrap()));
        let negative = conn.query_row("SELECT -3", [], |r| r.get::<_, Seq>(0));
        assert!(
            matches!(
                negative,
                Err(rusqlite::Error::IntegralValueOutOfRange(0, -3))
            ),
            "{negative:?}"
        );
        let device = DeviceId::parse(&"ab".repeat(16)).unwrap();
        let p = Position::new(device.clone(), Seq::new(9).unwrap());
        let back = conn
            .query_row("SELECT ?1, ?2", rusqlite::params![p.device, p.seq], |r| {
                Ok(Position::new(r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(back, p);
    }
}
