//! The names of a device in a sync folder: its id and its number.

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
}
