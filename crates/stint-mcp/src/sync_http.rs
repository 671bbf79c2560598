//! Sync through `stint serve`: the HTTP routes of the hub folder (the server's side). The
//! files are the service's ([`stint_service::Service::hub_list`], ...); this module only maps
//! requests, answers and errors. The client `stint sync --url` uses is
//! `stint_sync::remote::http::HttpHub`.
//!
//! Routes (mounted by [`super::http::router`] behind the same `Host`/`Origin` check and bearer
//! authentication as `/api/mcp`), for a token of scope `admin` that may see client contact
//! details (`--sensitive`) only: sync files carry every row. Anyone else gets 403 with a JSON
//! `{"error": ...}` naming the token to create.
//! - `GET /api/sync/files` → `{"device_id": "<server's device id>", "files": [{"path":
//!   "<device id>/<name>", "size": <bytes>, "sum": <header checksum, 64 hex>}, ...]}`.
//! - `GET /api/sync/files/{dev}/{name}` → the file (`application/octet-stream`); 404 if absent.
//! - `PUT /api/sync/files/{dev}/{name}` → streams the body to a temporary file in the hub (a
//!   few chunks in memory at a time, never the whole file), checks it and renames it into
//!   place; 204. More than the largest sync file: 413 (at once when `Content-Length` says
//!   so). A bad id or name, a damaged file or one of another device: 400; the server's own
//!   device (in any case) or a newer stint: 409.
//! - `DELETE /api/sync/files/{dev}/{name}` → removes a log or snapshot; 204, also when absent.
//! - `POST /api/sync/apply` → the server applies the hub and publishes its changes; the report
//!   as JSON (`published`, `applied: [{"device", "changes"}]`, `decisions`, `problems`, ...).
//!
//! Device ids are compared without regard to case. Every PUT, DELETE and apply is recorded
//! in the server's audit log with the token's name (operations `sync_put`, `sync_delete`,
//! `sync_apply`). No answer names a path of the server's file system.
//!
//! Errors are `{"error": "<what to do next>"}`: 400 input, 403 scope, 404 absent, 409 state,
//! 413 too large, 500 otherwise.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};

use stint_service::{
    HttpCaller, HubListing, HubUpload, SYNC_TOKEN_HINT, Scope, Service, ServiceError, SyncReport,
    hub_path,
};

/// Largest sync file, in bytes: the body limit of `PUT` and of downloads.
const MAX_FILE_BYTES: u64 = stint_service::MAX_SYNC_FILE_BYTES;

/// The routes of the module docs, for `svc`; the caller puts the authentication layers on.
pub(crate) fn routes(svc: Service) -> Router {
    Router::new()
        .route("/api/sync/files", get(list))
        .route(
            "/api/sync/files/{dev}/{name}",
            get(read).put(accept).delete(remove),
        )
        .route("/api/sync/apply", post(apply))
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES as usize))
        .with_state(svc)
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

fn service_error(e: &ServiceError) -> Response {
    let status = match e {
        ServiceError::Domain(_) | ServiceError::Ambiguous(_) | ServiceError::NearName { .. } => {
            StatusCode::BAD_REQUEST
        }
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, &e.to_string())
}

/// Refuses callers other than an admin token that may see contact details.
fn check_caller(caller: Option<&HttpCaller>) -> Result<(), Box<Response>> {
    match caller {
        Some(HttpCaller::Token(t)) if t.scope == Scope::Admin && t.sensitive => Ok(()),
        Some(c) => Err(Box::new(error(
            StatusCode::FORBIDDEN,
            &format!(
                "{} may not sync: syncing needs a token of scope admin that may see client \
                 contact details; {SYNC_TOKEN_HINT}",
                c.describe()
            ),
        ))),
        None => Err(Box::new(error(
            StatusCode::FORBIDDEN,
            &format!("syncing needs a token; {SYNC_TOKEN_HINT}"),
        ))),
    }
}

/// Runs `f` on the blocking pool after checking the caller, with a service acting for the
/// caller (its token's name goes to the audit log).
async fn run<T: Send + 'static>(
    caller: Option<Extension<HttpCaller>>,
    svc: Service,
    f: impl FnOnce(Service) -> stint_service::Result<T> + Send + 'static,
) -> Result<T, Box<Response>> {
    let svc = for_caller(caller.as_ref(), &svc)?;
    blocking(svc, f).await
}

/// The service acting for `caller`, once it may sync.
fn for_caller(
    caller: Option<&Extension<HttpCaller>>,
    svc: &Service,
) -> Result<Service, Box<Response>> {
    let caller = caller.map(|c| &c.0);
    check_caller(caller)?;
    let svc = match caller {
        Some(c) => svc.for_caller(c.caller()),
        None => svc.clone(),
    };
    // Sync files carry every row: a token that speaks for a member or a manager may not
    // sync, whatever its scope (issue 21).
    match svc.speaks_for_an_owner() {
        Ok(true) => Ok(svc),
        Ok(false) => Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "this token speaks for a member or a manager and may not sync: sync files carry \
             every person's rows; use a token of an owner (stint token create --scope admin \
             --sensitive, without --person)",
        ))),
        Err(e) => Err(Box::new(service_error(&e))),
    }
}

/// Runs `f` on the blocking pool.
async fn blocking<T: Send + 'static>(
    svc: Service,
    f: impl FnOnce(Service) -> stint_service::Result<T> + Send + 'static,
) -> Result<T, Box<Response>> {
    match tokio::task::spawn_blocking(move || f(svc)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Box::new(service_error(&e))),
        Err(e) => Err(Box::new(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
        ))),
    }
}

async fn list(State(svc): State<Service>, caller: Option<Extension<HttpCaller>>) -> Response {
    match run(caller, svc, |svc| svc.hub_list()).await {
        Ok(l) => axum::Json(listing_json(&l)).into_response(),
        Err(r) => *r,
    }
}

/// Bytes read from a file per chunk of a download.
const READ_CHUNK: usize = 64 * 1024;

async fn read(
    State(svc): State<Service>,
    caller: Option<Extension<HttpCaller>>,
    Path((dev, name)): Path<(String, String)>,
) -> Response {
    // The path is parsed once the caller may sync (a caller that may not learns nothing).
    let open = move |svc: Service| {
        let (dev, name) = hub_path(&dev, &name)?;
        svc.hub_open(&dev, &name)
    };
    let (file, len) = match run(caller, svc, open).await {
        Ok(x) => x,
        Err(r) => return *r,
    };
    // Streamed in chunks read on the blocking pool: a download holds one chunk, not the file.
    let chunks = futures::stream::unfold(Some((file, len)), |state| async move {
        let (mut file, left) = state?;
        if left == 0 {
            return None;
        }
        let want = usize::try_from(left).map_or(READ_CHUNK, |l| l.min(READ_CHUNK));
        let read = tokio::task::spawn_blocking(move || {
            use std::io::Read as _;
            let mut buf = vec![0u8; want];
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await;
        match read {
            Ok(Ok((_, buf))) if buf.is_empty() => Some((
                Err(std::io::Error::other("the file became shorter while sent")),
                None,
            )),
            Ok(Ok((file, buf))) => {
                let left = left - buf.len() as u64;
                Some((Ok(Bytes::from(buf)), Some((file, left))))
            }
            Ok(Err(e)) => Some((Err(e), None)),
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    });
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(len)),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}

/// Chunks of an upload waiting for the disk: what a PUT holds in memory at most (besides
/// the chunk being received).
const UPLOAD_QUEUE: usize = 8;

fn too_large() -> Response {
    let mut r = error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "the file is more than the largest sync file ({MAX_FILE_BYTES} bytes); compact the \
             device that wrote it (`stint sync compact`)"
        ),
    );
    // The rest of the body is not read: the connection cannot carry another request.
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

async fn accept(
    State(svc): State<Service>,
    caller: Option<Extension<HttpCaller>>,
    Path((dev, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let svc = match for_caller(caller.as_ref(), &svc) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_FILE_BYTES) {
        return too_large();
    }
    let start = move |svc: Service| {
        let (dev, name) = hub_path(&dev, &name)?;
        svc.hub_upload(&dev, &name)
    };
    let up = match blocking(svc.clone(), start).await {
        Ok(up) => up,
        Err(r) => return *r,
    };
    // The disk writer runs on the blocking pool, fed through a bounded queue.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(UPLOAD_QUEUE);
    let writer = tokio::task::spawn_blocking(move || -> stint_service::Result<HubUpload> {
        let mut up = up;
        while let Some(chunk) = rx.blocking_recv() {
            up.write(&chunk)?;
        }
        Ok(up)
    });
    let mut body = body;
    let mut seen: u64 = 0;
    let mut refused = None;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            refused = Some(error(
                StatusCode::BAD_REQUEST,
                "the upload was cut off before its end; send the file again",
            ));
            break;
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len() as u64);
        if seen > MAX_FILE_BYTES {
            refused = Some(too_large());
            break;
        }
        if tx.send(data).await.is_err() {
            // The writer stopped on an error: it is answered below.
            break;
        }
    }
    drop(tx);
    let written = writer.await;
    if let Some(r) = refused {
        // Dropping the upload removes its temporary file.
        drop(written);
        return r;
    }
    match written {
        Ok(Ok(up)) => match blocking(svc, move |svc| svc.hub_store(up)).await {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(r) => *r,
        },
        Ok(Err(e)) => service_error(&e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn remove(
    State(svc): State<Service>,
    caller: Option<Extension<HttpCaller>>,
    Path((dev, name)): Path<(String, String)>,
) -> Response {
    let delete = move |svc: Service| {
        let (dev, name) = hub_path(&dev, &name)?;
        svc.hub_delete(&dev, &name)
    };
    match run(caller, svc, delete).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => *r,
    }
}

async fn apply(State(svc): State<Service>, caller: Option<Extension<HttpCaller>>) -> Response {
    match run(caller, svc, |svc| svc.hub_apply()).await {
        Ok(r) => axum::Json(report_json(&r)).into_response(),
        Err(r) => *r,
    }
}

fn listing_json(l: &HubListing) -> Value {
    json!({
        "device_id": l.device_id.as_str(),
        "files": l.files.iter().map(|f| json!({"path": f.path(), "size": f.size, "sum": f.sum})).collect::<Vec<_>>(),
    })
}

/// A sync report as JSON (the answer of `POST /api/sync/apply`; the client reads it back in
/// `stint_sync::remote::http`).
pub(crate) fn report_json(r: &SyncReport) -> Value {
    json!({
        "device_id": r.device_id,
        "device_no": r.device_no,
        "joined": r.joined,
        "renumbered": r.renumbered,
        "published": r.published,
        "applied": r.applied.iter().map(|(d, n)| json!({"device": d, "changes": n})).collect::<Vec<_>>(),
        "decisions": r.decisions,
        "problems": r.problems,
        "notes": r.notes,
    })
}
