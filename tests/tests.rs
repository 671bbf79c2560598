//! Integration tests: one test binary (`autotests = false`), one module per area.

mod it;
