//! The WAL flushed to disk ahead of its checkpoint, for processes that serve many writes at
//! once (`stint serve`).
//!
//! SQLite's automatic checkpoint runs inside the commit that takes the WAL past
//! [`CHECKPOINT_PAGES`]: that writer fsyncs the WAL, copies it into the database file and
//! fsyncs that, while every writer queued behind it waits. With `synchronous = NORMAL` commits
//! do not fsync, so that first fsync writes out the whole WAL written since the last
//! checkpoint (4 MiB): on this project's CI machine about 9 ms, paid by one `create_track` in
//! a hundred and by everyone queued behind it, which made the slowest answers (the p99).
//! [`checkpoint_after_flushes`] keeps the checkpoint where SQLite puts it (same commit, same
//! mode) and asks for a flush each time the WAL grows by another [`FLUSH_PAGES`]; another
//! thread then writes the WAL out (`fdatasync`) beside the writers, so the checkpoint's own
//! fsync finds little left to write. Durability is unchanged or better: a flush only makes
//! committed frames reach the disk sooner.

use rusqlite::Connection;

use super::Result;

/// The WAL size, in pages, at which a commit checkpoints: SQLite's default for its automatic
/// checkpoint (`SQLITE_DEFAULT_WAL_AUTOCHECKPOINT`), about 4 MiB of 4 KiB pages.
pub const CHECKPOINT_PAGES: u32 = 1000;

/// How many pages the WAL grows by between two flushes asked for (about 400 KiB).
pub const FLUSH_PAGES: u32 = 100;

/// Replaces `conn`'s automatic checkpoint with the same checkpoint (passive, in the commit
/// that takes the WAL past [`CHECKPOINT_PAGES`]) that also calls `flush()` after a commit
/// that took the WAL past another multiple of [`FLUSH_PAGES`]. `flush` runs inside the
/// commit, with the write lock held: it must return at once (hand the work to a thread).
///
/// # Errors
/// SQLite's, when the hook cannot be set.
pub fn checkpoint_after_flushes(
    conn: &mut Connection,
    flush: impl Fn() + Send + 'static,
) -> Result<()> {
    // The WAL's size after this connection's previous commit (other connections' commits
    // also grow it, so a step is sometimes seen one commit late: harmless).
    let mut before = 0u32;
    conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: i32| {
        let pages = u32::try_from(pages).unwrap_or(0);
        if pages >= CHECKPOINT_PAGES {
            before = 0;
            // As SQLite's own hook (sqlite3WalDefaultHook): a busy checkpoint is not an
            // error of the commit; the next commit tries again.
            let _ = wal.checkpoint();
            return Ok(());
        }
        if pages / FLUSH_PAGES > before / FLUSH_PAGES || pages < before {
            flush();
        }
        before = pages;
        Ok(())
    }))?;
    Ok(())
}

/// Gives `conn` back SQLite's own automatic checkpoint, undoing
/// [`checkpoint_after_flushes`].
///
/// # Errors
/// SQLite's.
pub fn checkpoint_without_flushes(conn: &mut Connection) -> Result<()> {
    conn.wal_hook(None::<fn(&mut rusqlite::hooks::Wal, i32) -> rusqlite::Result<()>>)?;
    conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)?;
    Ok(())
}
