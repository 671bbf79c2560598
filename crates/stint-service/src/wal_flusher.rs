//! The WAL written out to disk by a thread of its own, for `stint serve`
//! ([`Service::flush_wal_in_background`]; `store::checkpoint` says why).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

use stint_store as store;

use super::{Result, Service};

/// What wakes the thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    Flush,
    Stop,
}

/// The running flush thread. Dropping it gives the service's connections SQLite's own
/// automatic checkpoint back, stops the thread and waits for it to end.
#[derive(Debug)]
pub struct WalFlusher {
    svc: Service,
    ask: mpsc::SyncSender<Ask>,
    flushes: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WalFlusher {
    /// How many flushes the thread has made so far.
    pub fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Acquire)
    }
}

impl Drop for WalFlusher {
    fn drop(&mut self) {
        for c in &self.svc.inner.conns {
            let restored = store::checkpoint::checkpoint_without_flushes(
                &mut c.lock().unwrap_or_else(|e| e.into_inner()),
            );
            if let Err(e) = restored {
                tracing::warn!("could not give a connection its automatic checkpoint back: {e}");
            }
        }
        let _ = self.ask.send(Ask::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Service {
    /// Writes this service's WAL out to disk from a thread of its own as it grows, so that the
    /// commit that checkpoints (one in about a hundred `create_track`s) no longer waits for the
    /// whole WAL to reach the disk while the writers queued behind it wait too. For front ends
    /// that serve concurrent writers (`stint serve`). Keep the handle for as long as the
    /// service serves. A failed flush is logged; the checkpoint then writes the WAL out itself,
    /// as it always did.
    ///
    /// # Errors
    /// When the thread cannot be started or a connection's hook cannot be set.
    pub fn flush_wal_in_background(&self) -> Result<WalFlusher> {
        let wal = store::wal_path(&self.inner.db_path);
        // A buffer of one: asks made while a flush runs fold into one more flush.
        let (ask, asks) = mpsc::sync_channel(1);
        let flushes = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&flushes);
        let thread = std::thread::Builder::new()
            .name("stint-wal-flush".into())
            .spawn(move || flush_on_ask(&wal, &asks, &counted))
            .map_err(|e| store::StoreError::CannotOpen {
                path: self.inner.db_path.display().to_string(),
                reason: format!("cannot start the WAL flush thread ({e})"),
            })?;
        let handle = WalFlusher {
            svc: self.clone(),
            ask,
            flushes,
            thread: Some(thread),
        };
        for c in &self.inner.conns {
            let ask = handle.ask.clone();
            let set = store::checkpoint::checkpoint_after_flushes(
                &mut c.lock().unwrap_or_else(|e| e.into_inner()),
                move || {
                    let _ = ask.try_send(Ask::Flush);
                },
            );
            // On an error the handle is dropped (the lock above is released by then), which
            // restores every connection.
            set?;
        }
        Ok(handle)
    }
}

/// The thread: one `fdatasync` of the WAL file per ask, until asked to stop.
fn flush_on_ask(wal: &std::path::Path, asks: &mpsc::Receiver<Ask>, flushes: &AtomicU64) {
    while let Ok(Ask::Flush) = asks.recv() {
        // Opened for each flush: the file is SQLite's, and a handle kept open would hold on to
        // a WAL that something replaced. Syncing any handle of the file writes out its data.
        match std::fs::File::open(wal).and_then(|f| f.sync_data()) {
            Ok(()) => {
                flushes.fetch_add(1, Ordering::Release);
            }
            Err(e) => tracing::warn!("could not write the WAL out ahead of its checkpoint: {e}"),
        }
    }
}
