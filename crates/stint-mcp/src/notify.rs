//! What a client hears without asking again: MCP logging (`logging/setLevel`,
//! `notifications/message`), progress (`notifications/progress` for a request that carries a
//! `progressToken`) and the subscription to the running timers (`resources/subscribe` on
//! `stint://timers/running`, answered by `notifications/resources/updated`).
//!
//! The state lives per connection ([`Session`]): on stdio one per process. A subscribed client
//! hears of a timer that started or stopped after each tool call, whichever process changed it
//! (a timer started by `stint start` in a terminal is noticed at the client's next tool call).
//!
//! Logging is deprecated by SEP-2577 in the newest MCP revision; rmcp still serves it to clients
//! of the revisions that have it, and so does stint.
#![allow(deprecated)]

use std::collections::BTreeSet;
use std::sync::Mutex;

use rmcp::model::{
    LoggingLevel, LoggingMessageNotificationParam, ProgressNotificationParam,
    ResourceUpdatedNotificationParam,
};
use rmcp::service::{Peer, RequestContext};
use rmcp::{ErrorData, RoleServer};
use serde_json::Value;

use crate::resources::RUNNING;
use stint_service::Service;

/// A connection's notification state: the log level it asked for, the resources it subscribed
/// to, and what the running timers were when it last heard of them.
///
/// Every notification is asked for: log messages after `logging/setLevel` (or with a level in
/// the request's `_meta`), progress with a `progressToken`, updates after `resources/subscribe`.
/// A script that pipes requests in and reads one answer line per request (README, "Scripting
/// with raw JSON-RPC") never gets a line it did not ask for.
#[derive(Debug)]
pub(crate) struct Session {
    level: Mutex<Option<LoggingLevel>>,
    subscribed: Mutex<BTreeSet<String>>,
    running_seen: Mutex<Option<String>>,
}

impl Default for Session {
    /// No logging until the client sets a level; no subscriptions.
    fn default() -> Self {
        Session {
            level: Mutex::new(None),
            subscribed: Mutex::new(BTreeSet::new()),
            running_seen: Mutex::new(None),
        }
    }
}

/// The order of the syslog levels MCP uses: debug (0) to emergency (7).
fn rank(level: LoggingLevel) -> u8 {
    level as u8
}

/// What the running timers are now, as one string that changes when any of them starts,
/// stops or is edited (and not as time passes).
fn running_state(svc: &Service) -> Option<String> {
    svc.list_running_timers()
        .ok()
        .map(|timers| format!("{timers:?}"))
}

impl Session {
    /// `logging/setLevel`: the lowest level the client hears from now on.
    pub(crate) fn set_level(&self, level: LoggingLevel) {
        *self.level.lock().unwrap_or_else(|e| e.into_inner()) = Some(level);
    }

    /// Whether a message at `level` reaches the client of `ctx`: at or above the level the
    /// request asks for in its `_meta` (MCP 2026-07-28), else the one set with
    /// `logging/setLevel`; never when the client asked for neither.
    fn hears(&self, ctx: &RequestContext<RoleServer>, level: LoggingLevel) -> bool {
        let floor = ctx
            .meta
            .log_level()
            .or_else(|| *self.level.lock().unwrap_or_else(|e| e.into_inner()));
        floor.is_some_and(|floor| rank(level) >= rank(floor))
    }

    /// Sends `notifications/message` at `level` from `logger` (`sync`, `import`) with `data`
    /// (a JSON object), when the client hears that level. A client gone away is no error of
    /// the call.
    pub(crate) async fn log(
        &self,
        ctx: &RequestContext<RoleServer>,
        level: LoggingLevel,
        logger: &str,
        data: Value,
    ) {
        if !self.hears(ctx, level) {
            return;
        }
        let param = LoggingMessageNotificationParam::new(level, data).with_logger(logger);
        if let Err(e) = ctx.peer.notify_logging_message(param).await {
            tracing::debug!(error = %e, "a log notification was not sent");
        }
    }

    /// `resources/subscribe`: only `stint://timers/running` can be subscribed to.
    ///
    /// # Errors
    /// `-32602` for any other URI, saying which one can.
    pub(crate) fn subscribe(&self, svc: &Service, uri: &str) -> Result<(), ErrorData> {
        if uri != RUNNING {
            return Err(ErrorData::invalid_params(
                format!(
                    "{:?} cannot be subscribed to; subscribe to {RUNNING} to hear when a timer \
                     starts or stops, and read other resources when you need them",
                    uri.chars().take(200).collect::<String>()
                ),
                None,
            ));
        }
        *self.running_seen.lock().unwrap_or_else(|e| e.into_inner()) = running_state(svc);
        self.subscribed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uri.to_owned());
        Ok(())
    }

    /// `resources/unsubscribe`: forgets the subscription (none is no error).
    pub(crate) fn unsubscribe(&self, uri: &str) {
        self.subscribed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uri);
    }

    /// After a request: when the client subscribed to the running timers and they changed
    /// since it last heard (in this process or another), sends
    /// `notifications/resources/updated` for `stint://timers/running`.
    pub(crate) async fn after_request(&self, svc: &Service, peer: &Peer<RoleServer>) {
        let subscribed = self
            .subscribed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(RUNNING);
        if !subscribed {
            return;
        }
        let now = running_state(svc);
        let changed = {
            let mut seen = self.running_seen.lock().unwrap_or_else(|e| e.into_inner());
            let changed = *seen != now;
            *seen = now;
            changed
        };
        if changed
            && let Err(e) = peer
                .notify_resource_updated(ResourceUpdatedNotificationParam::new(RUNNING))
                .await
        {
            tracing::debug!(error = %e, "a resource update was not sent");
        }
    }
}

/// Sends `notifications/progress` for the request of `ctx` when it carries a `progressToken`:
/// `progress` of `total` steps, with what is being done.
pub(crate) async fn progress(
    ctx: &RequestContext<RoleServer>,
    progress: f64,
    total: f64,
    message: &str,
) {
    let Some(token) = ctx.meta.get_progress_token() else {
        return;
    };
    let param = ProgressNotificationParam::new(token, progress)
        .with_total(total)
        .with_message(message);
    if let Err(e) = ctx.peer.notify_progress(param).await {
        tracing::debug!(error = %e, "a progress notification was not sent");
    }
}
