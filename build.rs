//! Links the `stint` binary as a position-dependent executable on Linux.
//!
//! A position-independent (PIE) `stint` spends about 0.8 ms of every start applying some
//! 50,000 relative relocations, which copy-on-write 1.4 MiB of pages: more than half of what
//! `stint --version` costs (measured with `perf stat` and callgrind; see ARCHITECTURE.md,
//! "Start-up"). `stint start`, `stint stop` and every report are short processes, so that
//! time counts. The price is that the binary's own code is not placed at a random address
//! (libraries, heap and stack still are).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
