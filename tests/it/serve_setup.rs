//! `stint serve`'s set-up (`router`): the `--allow-host` and `--allow-origin` values it
//! refuses, with which words, and in which order (hosts before origins).

use stint::mcp::http::{AuthMode, HttpOptions, router};

use super::util::Env;

/// Builds the router with these extra hosts and origins; `expected` is its error, if any.
fn check(hosts: &[&str], origins: &[&str], expected: Option<&str>) {
    let env = Env::new();
    let opts = HttpOptions {
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        allowed_hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
        allowed_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
        auth: AuthMode::Tokens,
    };
    let got = router(env.svc.clone(), &opts, Default::default())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        got.as_deref(),
        expected,
        "hosts {hosts:?}, origins {origins:?}"
    );
}

const BAD_HOST: &str =
    "--allow-host \"bad host\" is not a host name or address with an optional :port";
const BAD_ORIGIN: &str = "--allow-origin \"app.example\" is not an origin such as \
                          https://app.example:443 (or :* for any port)";

#[test]
fn allowed_hosts_and_origins() {
    check(&[], &[], None);
    check(
        &["stint.lan:8080", "10.0.0.2", "[fe80::1]"],
        &["https://app.example", "http://stint.lan:*"],
        None,
    );
    check(&["bad host"], &[], Some(BAD_HOST));
    check(&[], &["app.example"], Some(BAD_ORIGIN));
    check(
        &["ok.example", "bad host"],
        &["app.example"],
        Some(BAD_HOST),
    );
}
