//! The HTTP client of `stint sync --url URL --token T` ([`HttpHub`]): a [`HubTransport`]
//! talking to the hub routes `stint serve` mounts (the `mcp` front end's `sync_http`, whose
//! docs give the routes and their answers):
//! - `GET /api/sync/files` → `{"device_id", "files": [{"path", "size", "sum"}, ...]}`;
//! - `GET|PUT|DELETE /api/sync/files/{dev}/{name}`;
//! - `POST /api/sync/apply` → the server's sync report as JSON.
//!
//! Errors are read from `{"error": ...}` answers and say what to do next.

use std::time::Duration;

use serde_json::Value;

use super::{
    HubClient, HubFile, HubListing, HubTransport, MAX_SERVER_URL_CHARS, MAX_SYNC_FILE_BYTES,
    SYNC_TOKEN_HINT, parse_hub_file_path,
};
use crate::fs::strip_url_credentials;
use crate::{Result, SyncError, SyncFile, SyncReport};
use stint_store::sync::DeviceId;

/// Largest sync file, in bytes: the body limit of downloads.
const MAX_FILE_BYTES: u64 = MAX_SYNC_FILE_BYTES;

/// Largest file list or apply report read by the client, in bytes.
const MAX_ANSWER_BYTES: u64 = 64 * 1024 * 1024;

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a report as `POST /api/sync/apply` answers it; missing fields are empty.
fn report_from_json(v: &Value) -> SyncReport {
    SyncReport {
        device_id: v["device_id"].as_str().unwrap_or_default().to_owned(),
        device_no: v["device_no"].as_i64().unwrap_or(-1),
        joined: v["joined"].as_bool().unwrap_or(false),
        renumbered: v["renumbered"].as_u64().unwrap_or(0) as usize,
        published: v["published"].as_u64().unwrap_or(0) as usize,
        applied: v["applied"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        (
                            x["device"].as_str().unwrap_or("?").to_owned(),
                            x["changes"].as_u64().unwrap_or(0) as usize,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        decisions: strings(&v["decisions"]),
        problems: strings(&v["problems"]),
        notes: strings(&v["notes"]),
    }
}

/// The HTTP client of `stint sync --url URL --token T`: a [`HubTransport`] talking to the
/// routes of the module docs.
#[derive(Debug)]
pub struct HttpHub {
    base: String,
    bearer: String,
    agent: ureq3::Agent,
}

impl HttpHub {
    /// A client of the server at `url` (`http://host:port` or `https://...`, a trailing `/` and
    /// a trailing `/api/mcp` are dropped) with the bearer secret `token`. A `user:password@`
    /// in the URL is left out: never sent, printed or kept (stint authenticates with the
    /// token); the CLI says so.
    ///
    /// # Errors
    /// [`SyncError::Invalid`]: a URL that is not http(s), longer than
    /// [`MAX_SERVER_URL_CHARS`], or an empty token.
    pub fn new(url: &str, token: &str) -> Result<HttpHub> {
        let bad = SyncError::Invalid;
        let (url, credentials_dropped) = strip_url_credentials(url.trim());
        let url = url.as_str();
        if url.chars().count() > MAX_SERVER_URL_CHARS {
            return Err(bad(format!(
                "the server URL is longer than {MAX_SERVER_URL_CHARS} characters"
            )));
        }
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://"))
            || url.contains(char::is_whitespace)
        {
            return Err(bad(format!(
                "{url:?} is not a server URL; give the address `stint serve` prints, e.g. \
                 http://desktop.local:8765"
            )));
        }
        let base = url.trim_end_matches('/');
        let base = base_url(base);
        let token = token.trim();
        if token.is_empty() {
            return Err(bad(format!(
                "give the server's token with --token or STINT_SYNC_TOKEN{}; {SYNC_TOKEN_HINT}",
                if credentials_dropped {
                    " (a user name and password in the URL are not used)"
                } else {
                    ""
                }
            )));
        }
        let agent: ureq3::Agent = ureq3::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(300)))
            .max_redirects(0)
            .build()
            .into();
        Ok(HttpHub {
            base,
            bearer: format!("Bearer {token}"),
            agent,
        })
    }

    fn file_url(&self, dev: &DeviceId, file: &SyncFile) -> String {
        format!("{}/api/sync/files/{dev}/{file}", self.base)
    }

    fn unreachable(&self, e: &ureq3::Error) -> SyncError {
        SyncError::Refused(format!(
            "cannot reach {} ({e}); is `stint serve` running there? check the URL",
            self.base
        ))
    }

    /// Turns an answer into its body (at most `limit` bytes), or an error that says what to do.
    fn answer(
        &self,
        what: &str,
        resp: Result<ureq3::http::Response<ureq3::Body>, ureq3::Error>,
        limit: u64,
    ) -> Result<Vec<u8>> {
        let resp = resp.map_err(|e| self.unreachable(&e))?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| self.unreachable(&e))?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let message = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(500).collect());
        Err(self.refusal(what, status, message))
    }

    /// The error of an answer with HTTP status `status` (not 2xx) and error text `message`.
    fn refusal(&self, what: &str, status: u16, message: String) -> SyncError {
        match status {
            401 => SyncError::Refused(format!(
                "{} refused the token: the token is wrong or revoked; {SYNC_TOKEN_HINT}",
                self.base
            )),
            403 => SyncError::Refused(format!("{} refused to sync: {message}", self.base)),
            404 if what.starts_with("download") => SyncError::NotFound(message),
            404 => SyncError::Refused(format!(
                "{} has no sync routes (404); is it `stint serve` of a stint that syncs? \
                 update stint there, and check the URL",
                self.base
            )),
            _ => SyncError::Refused(format!(
                "the server refused to {what} (HTTP {status}): {message}"
            )),
        }
    }
}

/// A hub listing as `GET /api/sync/files` answers it (from the server at `base`): the
/// server's device id and each file's path parsed here, once ([`parse_hub_file_path`]); a
/// missing `sum` is unknown (empty).
///
/// # Errors
/// [`SyncError::Refused`], naming what is wrong and what to do: no device id (not `stint
/// serve`), or a file without a path `<device id>/<file name>` or a size (a server this stint
/// cannot sync with).
fn listing_from_json(base: &str, v: &Value) -> Result<HubListing> {
    let device_id = v["device_id"]
        .as_str()
        .and_then(DeviceId::parse_any_case)
        .ok_or_else(|| {
            SyncError::Refused(format!(
                "{base} did not name its device; is it `stint serve`? check the URL"
            ))
        })?;
    let files = match &v["files"] {
        Value::Null => Vec::new(),
        Value::Array(a) => a
            .iter()
            .map(|f| file_from_json(base, f))
            .collect::<Result<_>>()?,
        _ => return Err(bad_listing(base, "its files are not a list".to_owned())),
    };
    Ok(HubListing { device_id, files })
}

/// One entry of a hub listing, `{"path", "size", "sum"}` (see [`listing_from_json`]).
fn file_from_json(base: &str, f: &Value) -> Result<HubFile> {
    let path = f["path"]
        .as_str()
        .ok_or_else(|| bad_listing(base, "a file has no path".to_owned()))?;
    let (device, file) = parse_hub_file_path(path).map_err(|e| {
        let quoted: String = path.chars().take(super::QUOTED_CHARS).collect();
        bad_listing(base, format!("the file {quoted:?}: {e}"))
    })?;
    let size = f["size"]
        .as_u64()
        .ok_or_else(|| bad_listing(base, format!("{device}/{file} has no size")))?;
    let sum = f["sum"].as_str().unwrap_or_default().to_owned();
    Ok(HubFile {
        device,
        file,
        size,
        sum,
    })
}

/// The error of a listing this client cannot read: `why` it is refused.
fn bad_listing(base: &str, why: String) -> SyncError {
    SyncError::Refused(format!(
        "{base} listed its files in a way this stint cannot read ({why}); is it `stint serve` \
         of the same stint version? update stint on both sides, and check the URL"
    ))
}

impl HubTransport for HttpHub {
    fn url(&self) -> &str {
        &self.base
    }

    fn list(&self) -> Result<HubListing> {
        let resp = self
            .agent
            .get(format!("{}/api/sync/files", self.base))
            .header("Authorization", &self.bearer)
            .call();
        let body = self.answer("list its files", resp, MAX_ANSWER_BYTES)?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| {
            SyncError::Refused(format!(
                "{} answered the file list with something that is not JSON ({e}); is it \
                 `stint serve`? check the URL",
                self.base
            ))
        })?;
        listing_from_json(&self.base, &v)
    }

    fn get(&self, dev: &DeviceId, file: &SyncFile) -> Result<Vec<u8>> {
        let resp = self
            .agent
            .get(self.file_url(dev, file))
            .header("Authorization", &self.bearer)
            .call();
        self.answer(&format!("download {dev}/{file}"), resp, MAX_FILE_BYTES)
    }

    fn put(&self, dev: &DeviceId, file: &SyncFile, bytes: &[u8]) -> Result<()> {
        let resp = self
            .agent
            .put(self.file_url(dev, file))
            .header("Authorization", &self.bearer)
            .header("Content-Type", "application/octet-stream")
            .send(bytes);
        self.answer(&format!("store {dev}/{file}"), resp, MAX_ANSWER_BYTES)
            .map(drop)
    }

    fn delete(&self, dev: &DeviceId, file: &SyncFile) -> Result<()> {
        let resp = self
            .agent
            .delete(self.file_url(dev, file))
            .header("Authorization", &self.bearer)
            .call();
        self.answer(&format!("remove {dev}/{file}"), resp, MAX_ANSWER_BYTES)
            .map(drop)
    }

    fn apply(&self) -> Result<SyncReport> {
        let resp = self
            .agent
            .post(format!("{}/api/sync/apply", self.base))
            .header("Authorization", &self.bearer)
            .send_empty();
        let body = self.answer("apply the files", resp, MAX_ANSWER_BYTES)?;
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Ok(report_from_json(&v))
    }
}

/// The [`HubClient`] of a front end that reaches servers over HTTP: an [`HttpHub`] per call,
/// so the `sync` tool and auto-sync of a database bound to a server (`stint sync --url`)
/// reach it.
pub fn hub_client() -> HubClient {
    HubClient(std::sync::Arc::new(|url: &str, token: &str| {
        Ok(Box::new(HttpHub::new(url, token)?) as Box<dyn HubTransport>)
    }))
}

/// The server's base address as `stint sync --url` keeps it: no trailing `/`, no `/api/mcp`
/// (the address `stint serve` prints works as given), no `user:password@`.
pub fn base_url(url: &str) -> String {
    let (url, _) = strip_url_credentials(url.trim());
    let base = url.trim_end_matches('/');
    base.strip_suffix("/api/mcp").unwrap_or(base).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BASE: &str = "http://h:1";
    const DEV: &str = "0123456789abcdef0123456789abcdef";

    /// `listing_from_json` of `v`, as the listing's paths or the error's text.
    fn check(v: Value, expected: Result<(&str, &[&str]), &str>) {
        let got = listing_from_json(BASE, &v)
            .map(|l| {
                let paths: Vec<String> = l.files.iter().map(HubFile::path).collect();
                (l.device_id.to_string(), paths)
            })
            .map_err(|e| e.to_string());
        let expected = expected
            .map(|(d, p)| (d.to_owned(), p.iter().map(|s| (*s).to_owned()).collect()))
            .map_err(str::to_owned);
        assert_eq!(got, expected, "{v}");
    }

    fn refused(why: &str) -> String {
        format!(
            "{BASE} listed its files in a way this stint cannot read ({why}); is it `stint \
             serve` of the same stint version? update stint on both sides, and check the URL"
        )
    }

    #[test]
    fn a_listing_is_read_whole_or_refused() {
        let log = "000000000001-000000000005.stint";
        // Ids in upper case name the same devices: kept in lower case.
        check(
            json!({"device_id": DEV.to_uppercase(), "files": [
                {"path": format!("{}/{log}", DEV.to_uppercase()), "size": 9, "sum": "x"},
                {"path": format!("{DEV}/device.stint"), "size": 1},
            ]}),
            Ok((
                DEV,
                &[&format!("{DEV}/{log}"), &format!("{DEV}/device.stint")],
            )),
        );
        check(json!({"device_id": DEV}), Ok((DEV, &[])));
        let no_device =
            "http://h:1 did not name its device; is it `stint serve`? check the URL".to_owned();
        for v in [json!({}), json!({"device_id": "nope", "files": []})] {
            check(v, Err(&no_device));
        }
        let with = |f: Value| json!({"device_id": DEV, "files": [f]});
        for (file, why) in [
            (
                json!({"path": "../x/device.stint", "size": 1}),
                "the file \"../x/device.stint\": \"..\" is not a device id (32 hex digits)"
                    .to_owned(),
            ),
            (
                json!({"path": format!("{DEV}/notes.txt"), "size": 1}),
                format!(
                    "the file \"{DEV}/notes.txt\": \"notes.txt\" is not a sync file name \
                     (device.stint, NNNNNNNNNNNN-NNNNNNNNNNNN.stint or \
                     snapshot-NNNNNNNNNNNN.stint)"
                ),
            ),
            (
                json!({"path": "nopath", "size": 1}),
                "the file \"nopath\": \"nopath\" is not a path <device id>/<file name>".to_owned(),
            ),
            (json!({"size": 1}), "a file has no path".to_owned()),
            (
                json!({"path": format!("{DEV}/{log}"), "size": -1}),
                format!("{DEV}/{log} has no size"),
            ),
        ] {
            check(with(file), Err(&refused(&why)));
        }
        check(
            json!({"device_id": DEV, "files": {}}),
            Err(&refused("its files are not a list")),
        );
    }
}
