mod cli;
mod protocol;
mod service_catalog;
mod service_tracks;
mod store;
mod util;
