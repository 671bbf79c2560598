//! `parse_duration` on arbitrary text (invalid UTF-8 replaced by U+FFFD).
//!
//! Checks, besides "never panics": a parsed duration is positive, and the same number of
//! seconds written as `{n}s`, `PT{n}S` and `h:mm:ss` parses back to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use stint::domain::time::{format_hmm, parse_duration};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(seconds) = parse_duration(&text) else {
        return;
    };
    assert!(seconds > 0, "{text:?} parsed to {seconds}");
    let _ = format_hmm(seconds);
    for again in [
        format!("{seconds}s"),
        format!("PT{seconds}S"),
        format!("{}m{}s", seconds / 60, seconds % 60),
    ] {
        assert_eq!(
            parse_duration(&again).ok(),
            Some(seconds),
            "{text:?} -> {again:?}"
        );
    }
    // The clock form takes at most six digits of hours.
    let hours = seconds / 3600;
    if hours < 1_000_000 {
        let clock = format!("{hours}:{:02}:{:02}", seconds % 3600 / 60, seconds % 60);
        assert_eq!(
            parse_duration(&clock).ok(),
            Some(seconds),
            "{text:?} -> {clock:?}"
        );
    }
});
