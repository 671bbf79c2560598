mod billing;
mod cli;
mod http;
mod protocol;
mod service_catalog;
mod service_tracks;
mod store;
mod util;
