//! JSON exports for the CLI in the shapes the tools answer with: `stint tracks --json` writes
//! the `list_tracks` output (`{"tracks": [...]}`) with every matching track, streamed one track
//! at a time so memory does not grow with the number of tracks.

use std::io::Write;

use stint_service::{ListTracks, Result, Service, ServiceError};

use crate::dto::TrackOut;

fn io(e: std::io::Error) -> ServiceError {
    ServiceError::Conflict(
        format!("cannot write the JSON ({e}); nothing was kept, free space or pick another path")
            .into(),
    )
}

/// Writes every track matching `filter` (newest first) to `out` as `list_tracks` structured
/// content: `{"tracks": [TrackOut, ...]}`, one track per line. Returns the number of tracks.
///
/// # Errors
/// Bad filter values, store errors, writing to `out` failed.
pub fn write_tracks_json(svc: &Service, filter: &ListTracks, out: &mut dyn Write) -> Result<usize> {
    let now = svc.now();
    out.write_all(b"{\"tracks\":[").map_err(io)?;
    let mut n = 0usize;
    svc.for_each_track(filter, |t| {
        out.write_all(if n == 0 { b"\n" } else { b",\n" })
            .map_err(io)?;
        serde_json::to_writer(&mut *out, &TrackOut::new(t, now)).map_err(|e| io(e.into()))?;
        n += 1;
        Ok(())
    })?;
    out.write_all(b"\n]}\n").map_err(io)?;
    out.flush().map_err(io)?;
    Ok(n)
}
