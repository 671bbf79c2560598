//! A small, audited binding of SQLite's session extension: the calls stint's change log
//! (`stint_store::write`, undo) and sync make, and nothing else.
//!
//! Why it exists: rusqlite's `session` feature turns on libsqlite3-sys's `buildtime_bindgen`,
//! which needs libclang to build stint. The bundled SQLite is instead compiled with
//! `SQLITE_ENABLE_SESSION` and `SQLITE_ENABLE_PREUPDATE_HOOK` (the repository's
//! `.cargo/config.toml` sets `LIBSQLITE3_FLAGS`; `build.rs` stops the build when they are
//! missing), and the functions are called through the declarations libsqlite3-sys ships
//! pre-generated from the same `sqlite3.h` (re-exported as `rusqlite::ffi`), so their
//! signatures cannot drift from the C library that is linked. [`raw`] lists exactly which
//! ones, with their C signatures.
//!
//! The safe API has the shape of the `rusqlite::session` API it replaces, with one difference
//! that makes it simpler to audit: a changeset's rows are copied out into an owned
//! [`ChangesetItem`] (table, operation, key columns, old and new values) before the iterator
//! moves on, so no value borrowed from SQLite outlives the call that produced it.
//!
//! Every `unsafe` block carries a `SAFETY:` comment (clippy's `undocumented_unsafe_blocks` is
//! denied for this crate). Nothing here panics across the FFI boundary: the callbacks SQLite
//! calls catch panics and answer "skip the table" / "abort".

use std::ffi::{CStr, c_char, c_int, c_void};
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::{self, NonNull};

use rusqlite::Connection;
use rusqlite::ffi;
use rusqlite::types::Value;

/// The SQLite functions this crate calls, as declared in libsqlite3-sys's pre-generated
/// bindings of the bundled `sqlite3.h` (SQLite 3.54; "Session Module" section). The C
/// signatures, from that header:
///
/// ```c
/// int sqlite3session_create(sqlite3 *db, const char *zDb, sqlite3_session **ppSession);
/// void sqlite3session_delete(sqlite3_session *pSession);
/// void sqlite3session_table_filter(sqlite3_session *pSession,
///     int(*xFilter)(void *pCtx, const char *zTab), void *pCtx);
/// int sqlite3session_attach(sqlite3_session *pSession, const char *zTab);
/// int sqlite3session_isempty(sqlite3_session *pSession);
/// int sqlite3session_changeset(sqlite3_session *pSession, int *pnChangeset, void **ppChangeset);
/// int sqlite3changeset_start(sqlite3_changeset_iter **pp, int nChangeset, void *pChangeset);
/// int sqlite3changeset_next(sqlite3_changeset_iter *pIter);
/// int sqlite3changeset_op(sqlite3_changeset_iter *pIter, const char **pzTab, int *pnCol,
///     int *pOp, int *pbIndirect);
/// int sqlite3changeset_pk(sqlite3_changeset_iter *pIter, unsigned char **pabPK, int *pnCol);
/// int sqlite3changeset_old(sqlite3_changeset_iter *pIter, int iVal, sqlite3_value **ppValue);
/// int sqlite3changeset_new(sqlite3_changeset_iter *pIter, int iVal, sqlite3_value **ppValue);
/// int sqlite3changeset_finalize(sqlite3_changeset_iter *pIter);
/// int sqlite3changeset_invert(int nIn, const void *pIn, int *pnOut, void **ppOut);
/// int sqlite3changeset_apply(sqlite3 *db, int nChangeset, void *pChangeset,
///     int(*xFilter)(void *pCtx, const char *zTab),
///     int(*xConflict)(void *pCtx, int eConflict, sqlite3_changeset_iter *p),
///     void *pCtx);
/// ```
///
/// plus `sqlite3_free` for the buffers the session functions return and the
/// `sqlite3_value_*` accessors, which are part of every SQLite build.
pub mod raw {
    pub use rusqlite::ffi::{
        sqlite3_changeset_iter, sqlite3_free, sqlite3_session, sqlite3changeset_apply,
        sqlite3changeset_finalize, sqlite3changeset_invert, sqlite3changeset_new,
        sqlite3changeset_next, sqlite3changeset_old, sqlite3changeset_op, sqlite3changeset_pk,
        sqlite3changeset_start, sqlite3session_attach, sqlite3session_changeset,
        sqlite3session_create, sqlite3session_delete, sqlite3session_isempty,
        sqlite3session_table_filter,
    };
}

/// Errors are rusqlite's, so callers' `?` into their own error types keeps working.
pub type Result<T, E = rusqlite::Error> = std::result::Result<T, E>;

/// `code` as a rusqlite error when it is not `SQLITE_OK`, with SQLite's text for it and
/// `what` (the function that failed).
fn check(code: c_int, what: &str) -> Result<()> {
    if code == ffi::SQLITE_OK {
        return Ok(());
    }
    Err(error(code, what))
}

fn error(code: c_int, what: &str) -> rusqlite::Error {
    // SAFETY: sqlite3_errstr accepts any int and returns a pointer to a static, NUL-terminated
    // English string (never NULL in SQLite 3.7.15 and later; checked anyway).
    let text = unsafe { ffi::sqlite3_errstr(code) };
    let text = if text.is_null() {
        String::from("unknown error")
    } else {
        // SAFETY: non-NULL, NUL-terminated and static, as above.
        unsafe { CStr::from_ptr(text) }
            .to_string_lossy()
            .into_owned()
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some(format!("{what}: {text}")))
}

/// A length as SQLite's `int`, or an error saying the buffer is too large (2 GiB and over).
fn c_len(len: usize, what: &str) -> Result<c_int> {
    c_int::try_from(len).map_err(|_| error(ffi::SQLITE_TOOBIG, what))
}

/// Copies `n` bytes at `p` (a buffer SQLite allocated) into a `Vec` and frees the buffer.
///
/// # Safety
/// `p` is NULL (then `n` is ignored) or was allocated by SQLite and holds at least `n`
/// readable bytes; it is not used after this call.
unsafe fn take_sqlite_buffer(p: *mut c_void, n: c_int) -> Vec<u8> {
    if p.is_null() {
        return Vec::new();
    }
    let len = usize::try_from(n).unwrap_or(0);
    // SAFETY: the caller promises `len` readable bytes at `p`, which SQLite does not change
    // while we copy (it is ours until freed).
    let out = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) }.to_vec();
    // SAFETY: `p` came from SQLite's allocator and is freed exactly once, here.
    unsafe { ffi::sqlite3_free(p) };
    out
}

/// A session's table filter: whether to record a table, by name.
pub type TableFilter = fn(&str) -> bool;

/// Records the changes made through one connection to the tables it is attached to
/// (`sqlite3_session`), until dropped.
///
/// It borrows the connection, so it cannot outlive it (`sqlite3session_delete` must run
/// before the database handle is closed).
pub struct Session<'conn> {
    raw: NonNull<ffi::sqlite3_session>,
    /// The table filter: boxed so its address, handed to SQLite, stays put.
    filter: Option<Box<TableFilter>>,
    _conn: PhantomData<&'conn Connection>,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("filtered", &self.filter.is_some())
            .finish_non_exhaustive()
    }
}

impl<'conn> Session<'conn> {
    /// A session on `conn`'s `main` database, attached to no table yet.
    ///
    /// # Errors
    /// SQLite's (`SQLITE_NOMEM`).
    pub fn new(conn: &'conn Connection) -> Result<Self> {
        let mut raw: *mut ffi::sqlite3_session = ptr::null_mut();
        // SAFETY: `conn.handle()` is the open database handle of `conn`, which outlives the
        // session (lifetime 'conn); "main" is a NUL-terminated static string; `raw` is a valid
        // out-pointer.
        let rc = unsafe { ffi::sqlite3session_create(conn.handle(), c"main".as_ptr(), &mut raw) };
        check(rc, "sqlite3session_create")?;
        let raw =
            NonNull::new(raw).ok_or_else(|| error(ffi::SQLITE_NOMEM, "sqlite3session_create"))?;
        Ok(Session {
            raw,
            filter: None,
            _conn: PhantomData,
        })
    }

    /// Records only tables for which `filter(table)` is true (when the session is attached to
    /// all tables with `attach(None)`). SQLite asks once per table, at its first change.
    pub fn table_filter(&mut self, filter: TableFilter) {
        let boxed = Box::new(filter);
        let ctx: *const TableFilter = &*boxed;
        // SAFETY: the session is live; `ctx` points into `boxed`, which is stored in `self`
        // below and so lives (at a fixed address) until the session is deleted in `drop`,
        // after which SQLite no longer calls the filter. Replacing the filter replaces the
        // pointer SQLite holds before the old box is dropped.
        unsafe {
            ffi::sqlite3session_table_filter(
                self.raw.as_ptr(),
                Some(call_table_filter),
                ctx.cast_mut().cast::<c_void>(),
            );
        }
        self.filter = Some(boxed);
    }

    /// Attaches the session to `table`, or to every table when `None`.
    ///
    /// # Errors
    /// A table name with a NUL byte; SQLite's (`SQLITE_NOMEM`).
    pub fn attach(&mut self, table: Option<&str>) -> Result<()> {
        let name = table.map(std::ffi::CString::new).transpose().map_err(|_| {
            error(
                ffi::SQLITE_MISUSE,
                "sqlite3session_attach: NUL in table name",
            )
        })?;
        let p = name.as_ref().map_or(ptr::null(), |n| n.as_ptr());
        // SAFETY: the session is live; `p` is NULL (all tables) or a NUL-terminated string
        // that lives until the call returns (SQLite copies the name).
        let rc = unsafe { ffi::sqlite3session_attach(self.raw.as_ptr(), p) };
        check(rc, "sqlite3session_attach")
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        // SAFETY: the session is live; the call only reads it.
        unsafe { ffi::sqlite3session_isempty(self.raw.as_ptr()) != 0 }
    }

    /// The changeset of everything recorded so far (`sqlite3session_changeset`): empty when
    /// nothing was.
    ///
    /// # Errors
    /// SQLite's (`SQLITE_NOMEM`; a database error reading the changed rows).
    pub fn changeset(&mut self) -> Result<Vec<u8>> {
        let mut n: c_int = 0;
        let mut p: *mut c_void = ptr::null_mut();
        // SAFETY: the session is live; `n` and `p` are valid out-pointers.
        let rc = unsafe { ffi::sqlite3session_changeset(self.raw.as_ptr(), &mut n, &mut p) };
        if rc != ffi::SQLITE_OK {
            // SAFETY: on error SQLite leaves `p` NULL, or a buffer of its own to free.
            unsafe { ffi::sqlite3_free(p) };
            return Err(error(rc, "sqlite3session_changeset"));
        }
        // SAFETY: on success `p` is NULL or a buffer SQLite allocated holding `n` bytes, now
        // ours to free.
        Ok(unsafe { take_sqlite_buffer(p, n) })
    }

    /// Like [`Session::changeset`], written to `out`.
    ///
    /// # Errors
    /// As [`Session::changeset`], and `out`'s write error.
    pub fn changeset_strm(&mut self, out: &mut impl std::io::Write) -> Result<()> {
        let bytes = self.changeset()?;
        out.write_all(&bytes)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        // SAFETY: the session is live and deleted exactly once; the connection is still open
        // (it outlives 'conn). The filter box is dropped after this, when SQLite can no
        // longer call it.
        unsafe { ffi::sqlite3session_delete(self.raw.as_ptr()) };
    }
}

/// SQLite's call of a session's table filter: `ctx` is the `fn(&str) -> bool` that
/// [`Session::table_filter`] stored. A name that is not UTF-8, or a panic, is "not recorded".
unsafe extern "C" fn call_table_filter(ctx: *mut c_void, table: *const c_char) -> c_int {
    if ctx.is_null() || table.is_null() {
        return 0;
    }
    // SAFETY: `ctx` is the pointer `table_filter` registered, to a `fn(&str) -> bool` boxed in
    // the live session (SQLite only calls the filter while the session exists).
    let filter: TableFilter = unsafe { *ctx.cast::<TableFilter>() };
    // SAFETY: SQLite passes the table's name as a NUL-terminated string valid during the call.
    let Ok(name) = unsafe { CStr::from_ptr(table) }.to_str() else {
        return 0;
    };
    catch_unwind(|| filter(name)).map_or(0, c_int::from)
}

/// What a changeset row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `SQLITE_INSERT`: new values only.
    Insert,
    /// `SQLITE_UPDATE`: old values of the key and the changed columns, new values of the
    /// changed columns.
    Update,
    /// `SQLITE_DELETE`: old values only.
    Delete,
}

/// One row of a changeset, copied out of SQLite.
///
/// `old[i]` / `new[i]` are `None` where the changeset has no value for column `i`: every
/// `old` of an insert, every `new` of a delete, and the unchanged columns of an update (its
/// key columns have an `old` value).
#[derive(Debug, Clone, PartialEq)]
pub struct ChangesetItem {
    /// The table's name.
    pub table: String,
    /// What was done.
    pub op: Op,
    /// Whether the change was made by a trigger or foreign-key action (`pbIndirect`).
    pub indirect: bool,
    /// Per column, whether it is part of the table's primary key.
    pub pk: Vec<bool>,
    /// Per column, the value before.
    pub old: Vec<Option<Value>>,
    /// Per column, the value after.
    pub new: Vec<Option<Value>>,
}

impl ChangesetItem {
    /// The number of columns of the table.
    pub fn number_of_columns(&self) -> usize {
        self.pk.len()
    }

    /// The value of column `i` before the change, if the changeset has one.
    pub fn old_value(&self, i: usize) -> Option<&Value> {
        self.old.get(i).and_then(Option::as_ref)
    }

    /// The value of column `i` after the change, if the changeset has one.
    pub fn new_value(&self, i: usize) -> Option<&Value> {
        self.new.get(i).and_then(Option::as_ref)
    }

    /// Copies the row an iterator is positioned on.
    ///
    /// # Safety
    /// `it` is a live changeset iterator positioned on a row (after `sqlite3changeset_next`
    /// returned `SQLITE_ROW`, or inside a conflict handler for a conflict other than
    /// `SQLITE_CHANGESET_FOREIGN_KEY`), not advanced or finalized during this call.
    unsafe fn read(it: *mut ffi::sqlite3_changeset_iter) -> Result<ChangesetItem> {
        let mut table: *const c_char = ptr::null();
        let (mut n, mut code, mut indirect): (c_int, c_int, c_int) = (0, 0, 0);
        // SAFETY: `it` is positioned on a row (caller); the out-pointers are valid.
        let rc =
            unsafe { ffi::sqlite3changeset_op(it, &mut table, &mut n, &mut code, &mut indirect) };
        check(rc, "sqlite3changeset_op")?;
        if table.is_null() {
            return Err(error(
                ffi::SQLITE_CORRUPT,
                "sqlite3changeset_op: no table name",
            ));
        }
        // SAFETY: SQLite's table name is NUL-terminated and valid until the iterator moves;
        // it is copied here.
        let table = unsafe { CStr::from_ptr(table) }
            .to_string_lossy()
            .into_owned();
        let op = match code {
            ffi::SQLITE_INSERT => Op::Insert,
            ffi::SQLITE_DELETE => Op::Delete,
            ffi::SQLITE_UPDATE => Op::Update,
            _ => {
                return Err(error(
                    ffi::SQLITE_CORRUPT,
                    "sqlite3changeset_op: unknown operation",
                ));
            }
        };
        let mut flags: *mut u8 = ptr::null_mut();
        let mut n_pk: c_int = 0;
        // SAFETY: as above.
        let rc = unsafe { ffi::sqlite3changeset_pk(it, &mut flags, &mut n_pk) };
        check(rc, "sqlite3changeset_pk")?;
        let columns = usize::try_from(n_pk).unwrap_or(0);
        let pk = if flags.is_null() {
            vec![false; columns]
        } else {
            // SAFETY: SQLite returns an array of `n_pk` flags, valid until the iterator moves;
            // copied here.
            unsafe { std::slice::from_raw_parts(flags, columns) }
                .iter()
                .map(|f| *f != 0)
                .collect()
        };
        let mut old = vec![None; columns];
        let mut new = vec![None; columns];
        for i in 0..n.min(n_pk) {
            let idx = usize::try_from(i).unwrap_or(0);
            if op != Op::Insert {
                let mut v: *mut ffi::sqlite3_value = ptr::null_mut();
                // SAFETY: an update or delete, so old values may be asked for; `i` < the
                // column count; `v` is a valid out-pointer.
                let rc = unsafe { ffi::sqlite3changeset_old(it, i, &mut v) };
                check(rc, "sqlite3changeset_old")?;
                // SAFETY: `v` is NULL or a value valid until the iterator moves.
                old[idx] = unsafe { value(v) };
            }
            if op != Op::Delete {
                let mut v: *mut ffi::sqlite3_value = ptr::null_mut();
                // SAFETY: an insert or update, so new values may be asked for; as above.
                let rc = unsafe { ffi::sqlite3changeset_new(it, i, &mut v) };
                check(rc, "sqlite3changeset_new")?;
                // SAFETY: as above.
                new[idx] = unsafe { value(v) };
            }
        }
        Ok(ChangesetItem {
            table,
            op,
            indirect: indirect != 0,
            pk,
            old,
            new,
        })
    }
}

/// Copies a changeset value (`None` for a NULL pointer: no value). Text that is not UTF-8 is
/// copied lossily, as rusqlite's own conversion of a `ValueRef` does.
///
/// # Safety
/// `v` is NULL or a `sqlite3_value` valid for the duration of the call.
unsafe fn value(v: *mut ffi::sqlite3_value) -> Option<Value> {
    if v.is_null() {
        return None;
    }
    // SAFETY: `v` is a valid value (caller); each accessor here and below only reads it, and
    // the text/blob pointers are read for `sqlite3_value_bytes` bytes right after, before
    // anything else touches `v`.
    let kind = unsafe { ffi::sqlite3_value_type(v) };
    Some(match kind {
        // SAFETY: as above.
        ffi::SQLITE_INTEGER => Value::Integer(unsafe { ffi::sqlite3_value_int64(v) }),
        // SAFETY: as above.
        ffi::SQLITE_FLOAT => Value::Real(unsafe { ffi::sqlite3_value_double(v) }),
        ffi::SQLITE_TEXT => {
            // SAFETY: as above; `sqlite3_value_text` before `_bytes`, as SQLite advises.
            let p = unsafe { ffi::sqlite3_value_text(v) };
            // SAFETY: as above.
            let n = usize::try_from(unsafe { ffi::sqlite3_value_bytes(v) }).unwrap_or(0);
            if p.is_null() {
                Value::Text(String::new())
            } else {
                // SAFETY: `p` points to `n` bytes of text owned by `v`, copied here.
                let bytes = unsafe { std::slice::from_raw_parts(p, n) };
                Value::Text(String::from_utf8_lossy(bytes).into_owned())
            }
        }
        ffi::SQLITE_BLOB => {
            // SAFETY: as above.
            let p = unsafe { ffi::sqlite3_value_blob(v) };
            // SAFETY: as above.
            let n = usize::try_from(unsafe { ffi::sqlite3_value_bytes(v) }).unwrap_or(0);
            if p.is_null() {
                Value::Blob(Vec::new())
            } else {
                // SAFETY: `p` points to `n` bytes owned by `v`, copied here.
                Value::Blob(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n) }.to_vec())
            }
        }
        _ => Value::Null,
    })
}

/// The rows of a changeset, in order (`sqlite3changeset_start` / `_next` / `_finalize`).
/// Each row is copied out ([`ChangesetItem`]) before the iterator moves.
pub struct ChangesetIter<'a> {
    raw: NonNull<ffi::sqlite3_changeset_iter>,
    done: bool,
    _input: PhantomData<&'a [u8]>,
}

impl std::fmt::Debug for ChangesetIter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangesetIter")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<'a> ChangesetIter<'a> {
    /// An iterator over `changeset` (which it borrows: SQLite reads it in place).
    ///
    /// # Errors
    /// A changeset of 2 GiB or more; SQLite's (`SQLITE_NOMEM`).
    pub fn new(changeset: &'a [u8]) -> Result<Self> {
        let n = c_len(changeset.len(), "sqlite3changeset_start")?;
        let mut raw: *mut ffi::sqlite3_changeset_iter = ptr::null_mut();
        // SAFETY: `changeset` is `n` readable bytes that outlive the iterator (lifetime 'a);
        // SQLite only reads them (the pointer is `void *` in the C signature but the
        // iterator does not write through it); `raw` is a valid out-pointer.
        let rc = unsafe {
            ffi::sqlite3changeset_start(&mut raw, n, changeset.as_ptr().cast_mut().cast::<c_void>())
        };
        check(rc, "sqlite3changeset_start")?;
        let raw =
            NonNull::new(raw).ok_or_else(|| error(ffi::SQLITE_NOMEM, "sqlite3changeset_start"))?;
        Ok(ChangesetIter {
            raw,
            done: false,
            _input: PhantomData,
        })
    }
}

impl Iterator for ChangesetIter<'_> {
    type Item = Result<ChangesetItem>;

    /// The next row; after an error (a damaged changeset) the iteration ends.
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        // SAFETY: the iterator is live (finalized only in `drop`) and its input outlives it.
        let rc = unsafe { ffi::sqlite3changeset_next(self.raw.as_ptr()) };
        match rc {
            ffi::SQLITE_ROW => {
                // SAFETY: `_next` returned SQLITE_ROW, so the iterator is on a row; it does
                // not move during `read`.
                let item = unsafe { ChangesetItem::read(self.raw.as_ptr()) };
                if item.is_err() {
                    self.done = true;
                }
                Some(item)
            }
            ffi::SQLITE_DONE => {
                self.done = true;
                None
            }
            rc => {
                self.done = true;
                Some(Err(error(rc, "sqlite3changeset_next")))
            }
        }
    }
}

impl Drop for ChangesetIter<'_> {
    fn drop(&mut self) {
        // SAFETY: the iterator is live and finalized exactly once. Its return value repeats
        // an error `next` already returned, so it is ignored.
        unsafe { ffi::sqlite3changeset_finalize(self.raw.as_ptr()) };
    }
}

/// The inverse of `changeset` (`sqlite3changeset_invert`): inserts become deletes and the
/// reverse, updates swap old and new.
///
/// # Errors
/// A damaged changeset or one of 2 GiB or more; SQLite's (`SQLITE_NOMEM`).
pub fn invert(changeset: &[u8]) -> Result<Vec<u8>> {
    let n = c_len(changeset.len(), "sqlite3changeset_invert")?;
    let mut out_n: c_int = 0;
    let mut out: *mut c_void = ptr::null_mut();
    // SAFETY: `changeset` is `n` readable bytes for the duration of the call (`const void *`);
    // the out-pointers are valid.
    let rc = unsafe {
        ffi::sqlite3changeset_invert(n, changeset.as_ptr().cast::<c_void>(), &mut out_n, &mut out)
    };
    if rc != ffi::SQLITE_OK {
        // SAFETY: on error `out` is NULL or SQLite's buffer to free.
        unsafe { ffi::sqlite3_free(out) };
        return Err(error(rc, "sqlite3changeset_invert"));
    }
    // SAFETY: on success `out` is NULL or a buffer SQLite allocated holding `out_n` bytes.
    Ok(unsafe { take_sqlite_buffer(out, out_n) })
}

/// Like [`invert`], reading `input` and writing the inverse to `output`.
///
/// # Errors
/// As [`invert`], and `input`'s / `output`'s I/O errors.
pub fn invert_strm(input: &mut impl std::io::Read, output: &mut impl std::io::Write) -> Result<()> {
    let io = |e: std::io::Error| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(io)?;
    output.write_all(&invert(&bytes)?).map_err(io)
}

/// Why a changeset row could not be applied as it is (`eConflict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictType {
    /// `SQLITE_CHANGESET_DATA`: the row exists but its values are not the changeset's old ones.
    Data,
    /// `SQLITE_CHANGESET_NOTFOUND`: the row to update or delete does not exist.
    NotFound,
    /// `SQLITE_CHANGESET_CONFLICT`: a row with the inserted key exists.
    Conflict,
    /// `SQLITE_CHANGESET_CONSTRAINT`: the change breaks a unique, check or NOT NULL constraint.
    Constraint,
    /// `SQLITE_CHANGESET_FOREIGN_KEY`: foreign keys are broken at the end (no row is given).
    ForeignKey,
}

/// What to do about a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictAction {
    /// `SQLITE_CHANGESET_OMIT`: skip this row.
    Omit,
    /// `SQLITE_CHANGESET_REPLACE`: apply it anyway (DATA and CONFLICT only).
    Replace,
    /// `SQLITE_CHANGESET_ABORT`: undo everything applied and return `SQLITE_ABORT`.
    Abort,
}

/// The conflict handler of [`apply`], behind SQLite's `pCtx`.
struct ApplyCtx<'h> {
    handler: &'h mut dyn FnMut(ConflictType, Option<&ChangesetItem>) -> ConflictAction,
}

/// Applies `changeset` to `conn`'s `main` database (`sqlite3changeset_apply`, no table
/// filter), all or nothing: SQLite applies it inside a savepoint. For each row that does not
/// apply cleanly, `handler` is told why and the row (copied out; `None` for
/// [`ConflictType::ForeignKey`], which has none) and answers what to do. A panic in the
/// handler, or a row that cannot be read, aborts.
///
/// # Errors
/// `SQLITE_ABORT` when the handler aborted; a damaged changeset; SQLite's.
pub fn apply(
    conn: &Connection,
    changeset: &[u8],
    mut handler: impl FnMut(ConflictType, Option<&ChangesetItem>) -> ConflictAction,
) -> Result<()> {
    let n = c_len(changeset.len(), "sqlite3changeset_apply")?;
    let mut ctx = ApplyCtx {
        handler: &mut handler,
    };
    // SAFETY: `conn.handle()` is `conn`'s open handle, used on this thread only for the
    // duration of the call; `changeset` is `n` readable bytes SQLite only reads (its C type
    // is `void *`); `ctx` lives on this stack frame until the call returns, and SQLite only
    // passes it to `call_conflict` during the call.
    let rc = unsafe {
        ffi::sqlite3changeset_apply(
            conn.handle(),
            n,
            changeset.as_ptr().cast_mut().cast::<c_void>(),
            None,
            Some(call_conflict),
            (&raw mut ctx).cast::<c_void>(),
        )
    };
    check(rc, "sqlite3changeset_apply")
}

/// SQLite's call of the conflict handler of [`apply`].
unsafe extern "C" fn call_conflict(
    ctx: *mut c_void,
    kind: c_int,
    it: *mut ffi::sqlite3_changeset_iter,
) -> c_int {
    const ABORT: c_int = ffi::SQLITE_CHANGESET_ABORT;
    if ctx.is_null() {
        return ABORT;
    }
    let kind = match kind {
        ffi::SQLITE_CHANGESET_DATA => ConflictType::Data,
        ffi::SQLITE_CHANGESET_NOTFOUND => ConflictType::NotFound,
        ffi::SQLITE_CHANGESET_CONFLICT => ConflictType::Conflict,
        ffi::SQLITE_CHANGESET_CONSTRAINT => ConflictType::Constraint,
        ffi::SQLITE_CHANGESET_FOREIGN_KEY => ConflictType::ForeignKey,
        _ => return ABORT,
    };
    // A FOREIGN_KEY conflict is reported after all rows, with an iterator on no row: reading
    // it is undefined, so no row is given.
    let item = if kind == ConflictType::ForeignKey || it.is_null() {
        None
    } else {
        // SAFETY: inside a conflict handler for a row conflict, `it` is positioned on the
        // conflicting row and does not move until the handler returns.
        match unsafe { ChangesetItem::read(it) } {
            Ok(item) => Some(item),
            Err(_) => return ABORT,
        }
    };
    // SAFETY: `ctx` is the `ApplyCtx` `apply` passed, alive and not otherwise borrowed while
    // SQLite runs the call that invokes this handler.
    let ctx = unsafe { &mut *ctx.cast::<ApplyCtx<'_>>() };
    let answer = catch_unwind(AssertUnwindSafe(|| (ctx.handler)(kind, item.as_ref())));
    match answer {
        Ok(ConflictAction::Omit) => ffi::SQLITE_CHANGESET_OMIT,
        Ok(ConflictAction::Replace) => ffi::SQLITE_CHANGESET_REPLACE,
        Ok(ConflictAction::Abort) | Err(_) => ABORT,
    }
}
