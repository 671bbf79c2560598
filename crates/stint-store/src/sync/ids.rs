//! The numbers that name a device and its changes in a sync folder.

use std::fmt;

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
}
