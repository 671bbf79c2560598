//! The one switch for slow tests: `STINT_SLOW_TESTS=1` (set by `.ci/run`) turns on the big
//! imports, the many kills and the long property runs; plain `cargo test` runs the short
//! versions of the same tests, so it stays under a minute.

/// Whether `STINT_SLOW_TESTS` asks for the slow tests (`1`, `true` or `yes`).
pub fn slow() -> bool {
    matches!(
        std::env::var("STINT_SLOW_TESTS").as_deref(),
        Ok("1" | "true" | "yes")
    )
}

/// `quick` normally, `thorough` when [`slow`]: a size, a count of repetitions or of kills.
pub fn cases(quick: usize, thorough: usize) -> usize {
    if slow() { thorough } else { quick }
}

/// A proptest configuration with [`proptest_cases`] cases.
pub fn proptest_config(quick: u32, thorough: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: proptest_cases(quick, thorough),
        ..proptest::test_runner::Config::default()
    }
}

/// Property-test cases: `PROPTEST_CASES` when set, else `quick` (or `thorough` when [`slow`]).
pub fn proptest_cases(quick: u32, thorough: u32) -> u32 {
    if let Some(n) = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    if slow() { thorough } else { quick }
}
