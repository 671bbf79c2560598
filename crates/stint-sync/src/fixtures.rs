//! Golden bytes of every sync file format version (`fixtures/sync/`, described in
//! docs/sync.md, "Files"): each decodes to the values below, and the formats this stint
//! writes re-encode to the same bytes (an encrypted body is not compared: its nonce is
//! random).

use stint_store::changes::{RowOp, Value};
use stint_store::sync::{DeviceId, DeviceNo, Hlc, Op, Position, Seq};

use crate::file::{
    Cover, ENCRYPTED, Entry, FORMAT_VERSION, Header, KIND_DEVICE, KIND_LOG, KIND_SNAPSHOT, Log,
    Snapshot, SyncKey, decode_device, decode_file, decode_log, decode_snapshot, encode_device,
    encode_file, encode_log, encode_snapshot, open_file,
};

const SCHEMA: u32 = 12;
const DEVICE: &str = "0123456789abcdef0123456789abcdef";
const OTHER: &str = "fedcba9876543210fedcba9876543210";

fn seq(n: i64) -> Seq {
    Seq::new(n).expect("a sequence number")
}

fn device(id: &str) -> DeviceId {
    DeviceId::parse(id).expect("a device id")
}

fn header(format: u16, kind: u8, first: u64, last: u64) -> Header {
    Header {
        format,
        schema: SCHEMA,
        device_id: DEVICE.to_owned(),
        device_no: 5,
        kind,
        first_seq: first,
        last_seq: last,
        body_len: 0,
    }
}

/// One change touching every kind of value the codec carries.
fn op() -> Op {
    Op {
        table: "tracks".to_owned(),
        kind: RowOp::Update,
        pk: vec![true, false, false, false, false, false],
        values: vec![
            Some(Value::Integer(69)),
            None,
            Some(Value::Null),
            Some(Value::Text("work é".to_owned())),
            Some(Value::Real(1.5)),
            Some(Value::Blob(vec![0, 255])),
        ],
    }
}

fn log(format: u16) -> Log {
    Log {
        name: "laptop".to_owned(),
        deps: vec![Position::new(device(OTHER), seq(7))],
        known: if format >= 2 {
            vec![(device(OTHER), Hlc::from_raw(1_795_262_400_000 << 16))]
        } else {
            Vec::new()
        },
        entries: vec![Entry {
            seq: Seq::FIRST,
            hlc: Hlc::from_raw(1_795_262_400_000 << 16),
            at: 1_795_262_400,
            schema: i64::from(SCHEMA),
            operation: "update_track".to_owned(),
            summary: "changed track 69 (description)".to_owned(),
            ops: vec![op()],
        }],
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        name: "laptop".to_owned(),
        hlc: Hlc::from_raw(1_795_262_400_000 << 16),
        covers: vec![
            Cover {
                device: device(DEVICE),
                device_no: DeviceNo::new(5),
                seq: Seq::FIRST,
                known: Hlc::from_raw(1_795_262_400_000 << 16),
            },
            Cover {
                device: device(OTHER),
                device_no: DeviceNo::new(9),
                seq: seq(7),
                known: Hlc::from_raw(1_795_262_300_000 << 16),
            },
        ],
        rows: vec![Op {
            kind: RowOp::Insert,
            pk: vec![true, false, false, false, false, false],
            ..op()
        }],
    }
}

/// The key of the sealed fixture (not a secret: it is in the repository).
fn key() -> SyncKey {
    SyncKey([7; 32])
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../fixtures/sync/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A version 1 log body (no `known` list): how stint wrote logs before format 2.
fn log_v1_body() -> Vec<u8> {
    let full = encode_log(&log(1));
    // Format 2 puts an empty `known` list (a u32 0) after the deps; version 1 has none.
    let deps_end = 4 + "laptop".len() + 4 + (4 + 32 + 8);
    let mut v1 = full[..deps_end].to_vec();
    assert_eq!(&full[deps_end..deps_end + 4], &[0, 0, 0, 0]);
    v1.extend_from_slice(&full[deps_end + 4..]);
    v1
}

#[test]
#[ignore = "writes fixtures/sync/: run once by hand when a format version is added"]
fn write_fixtures() {
    let dir = format!("{}/../../fixtures/sync", env!("CARGO_MANIFEST_DIR"));
    let w = |name: &str, bytes: Vec<u8>| std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
    w(
        "log-v1.stint",
        encode_file(&header(1, KIND_LOG, 1, 1), &log_v1_body()),
    );
    w(
        "log-v2.stint",
        encode_file(&header(2, KIND_LOG, 1, 1), &encode_log(&log(2))),
    );
    let acks = [Position::new(device(OTHER), seq(7))];
    w(
        "device-v2.stint",
        encode_file(
            &header(2, KIND_DEVICE, 0, 1),
            &encode_device("laptop", &acks),
        ),
    );
    w(
        "snapshot-v2.stint",
        encode_file(
            &header(2, KIND_SNAPSHOT, 1, 1),
            &encode_snapshot(&snapshot()),
        ),
    );
    let sealed = crate::file::seal_file(
        &header(2, KIND_LOG, 1, 1),
        &encode_log(&log(2)),
        Some(&key()),
    )
    .unwrap();
    w("log-v2-sealed.stint", sealed);
}

#[test]
fn every_format_version_decodes_and_the_written_ones_encode_to_the_same_bytes() {
    // Version 1 log: read (no `known` list), never written any more.
    let v1 = fixture("log-v1.stint");
    let (h, body) = decode_file(&v1, SCHEMA).unwrap();
    assert_eq!(
        h,
        Header {
            body_len: body.len() as u64,
            ..header(1, KIND_LOG, 1, 1)
        }
    );
    assert_eq!(decode_log(body, h.format), Some(log(1)));

    // Version 2 (this stint's FORMAT_VERSION): log, device file, snapshot.
    assert_eq!(FORMAT_VERSION, 2);
    let v2 = fixture("log-v2.stint");
    let (h, body) = decode_file(&v2, SCHEMA).unwrap();
    assert_eq!((h.format, h.kind, h.device_no), (2, KIND_LOG, 5));
    assert_eq!(decode_log(body, h.format), Some(log(2)));
    assert_eq!(
        encode_file(&header(2, KIND_LOG, 1, 1), &encode_log(&log(2))),
        v2
    );

    let dev = fixture("device-v2.stint");
    let (h, body) = decode_file(&dev, SCHEMA).unwrap();
    assert_eq!(
        (h.kind, h.device_id.as_str(), h.last_seq),
        (KIND_DEVICE, DEVICE, 1)
    );
    let (name, acks) = decode_device(body);
    assert_eq!(name, "laptop");
    assert_eq!(acks, [(OTHER.to_owned(), seq(7))].into_iter().collect());
    let acks = [Position::new(device(OTHER), seq(7))];
    assert_eq!(
        encode_file(
            &header(2, KIND_DEVICE, 0, 1),
            &encode_device("laptop", &acks)
        ),
        dev
    );

    let snap = fixture("snapshot-v2.stint");
    let (h, body) = decode_file(&snap, SCHEMA).unwrap();
    assert_eq!(h.kind, KIND_SNAPSHOT);
    assert_eq!(decode_snapshot(body), Some(snapshot()));
    assert_eq!(
        encode_file(
            &header(2, KIND_SNAPSHOT, 1, 1),
            &encode_snapshot(&snapshot())
        ),
        snap
    );

    // Sealed with the sync key: opens with it to the same log, and not without it.
    let sealed = fixture("log-v2-sealed.stint");
    let (h, body) = open_file(&sealed, SCHEMA, Some(&key())).unwrap();
    assert_eq!((h.format, h.kind), (2, KIND_LOG));
    assert_eq!(decode_log(&body, h.format), Some(log(2)));
    assert!(open_file(&sealed, SCHEMA, None).is_err());
    assert!(open_file(&sealed, SCHEMA, Some(&SyncKey([8; 32]))).is_err());
    let (raw, _) = decode_file(&sealed, SCHEMA).unwrap();
    assert_eq!(raw.kind, KIND_LOG | ENCRYPTED);

    // A newer schema than this stint reads is refused, not misread.
    assert!(decode_file(&v2, SCHEMA - 1).is_err());
}
