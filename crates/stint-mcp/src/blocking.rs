//! Running service calls off the async workers, with panics turned into errors.

use rmcp::ErrorData;

/// Runs `f` (SQLite work that may wait for another process's write) on tokio's blocking pool,
/// or inline on a current-thread runtime (stdio serves one request at a time). A panic in `f`
/// becomes an internal error instead of taking the server down.
///
/// # Errors
/// `f`'s error, or an internal error when `f` panicked.
pub(crate) async fn run<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ErrorData> + Send + 'static,
) -> Result<T, ErrorData> {
    let guarded = move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
            tracing::error!("a prompt, resource or completion request panicked");
            Err(ErrorData::internal_error(
                super::server::PANIC_MESSAGE,
                None,
            ))
        })
    };
    let handle = tokio::runtime::Handle::current();
    if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread {
        return guarded();
    }
    tokio::task::spawn_blocking(guarded).await.map_err(|e| {
        tracing::error!(error = %e, "a prompt, resource or completion request did not finish");
        ErrorData::internal_error(super::server::PANIC_MESSAGE, None)
    })?
}
