//! What one folder sync reports, and what `sync status` shows: the shapes every front end
//! renders (the service re-exports them under the same names).

/// What one `stint sync DIR` did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    /// This database's device id (32 hex digits) and number (0..63).
    pub device_id: String,
    pub device_no: i64,
    /// True on the first sync of this database.
    pub joined: bool,
    /// Rows renumbered when joining (ids became `id * 64 + number`).
    pub renumbered: usize,
    /// Changes written to the folder.
    pub published: usize,
    /// Changes applied from other devices: `(device name, count)`.
    pub applied: Vec<(String, usize)>,
    /// What sync decided where changes met (merges, edits that lost, timers both running).
    pub decisions: Vec<String>,
    /// Files skipped or refused, and why (waiting for a whole file, a newer schema).
    pub problems: Vec<String>,
    /// Notes (a copied database taking a new device id).
    pub notes: Vec<String>,
}

/// One other device, as `sync status` shows it.
#[derive(Debug, Clone)]
pub struct PeerStatus {
    pub device_id: String,
    pub device_no: i64,
    pub name: Option<String>,
    /// Changes of it applied here, and seen in the folder but not applied yet.
    pub applied: i64,
    pub pending: i64,
    pub problem: Option<String>,
}

/// One decision, as listed.
#[derive(Debug, Clone)]
pub struct SyncDecision {
    pub id: i64,
    /// Unix seconds, UTC.
    pub at: i64,
    /// The change log entry of the applied change it belongs to (undo it to revert).
    pub change_id: Option<i64>,
    pub kind: String,
    pub detail: String,
}

/// Result of `sync status`.
#[derive(Debug, Clone)]
pub struct SyncStatus {
    pub device_id: String,
    /// `None` before the first sync.
    pub device_no: Option<i64>,
    pub device_name: Option<String>,
    pub folder: Option<String>,
    /// The device that issues invoice numbers (id), and whether it is this one.
    pub billing_device: Option<String>,
    pub is_billing_device: bool,
    /// This device's changes not yet written to the folder.
    pub unpublished: i64,
    pub peers: Vec<PeerStatus>,
    /// The newest decisions, newest first, and how many there are.
    pub decisions: Vec<SyncDecision>,
    pub decisions_total: i64,
    /// Running timers (more than one after a sync is flagged as a decision).
    pub running_timers: Vec<i64>,
    /// Whether this device seals its files with a sync key (and accepts only sealed ones).
    pub encrypted: bool,
    /// Whether `stint mcp` and `stint serve` sync on their own.
    pub auto_sync: bool,
    /// This device's published sequence number at its last snapshot (0: none yet).
    pub snapshot_seq: i64,
}
