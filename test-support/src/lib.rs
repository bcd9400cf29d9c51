//! Test helpers shared by the native and the edge variant: both are driven
//! over the wire the same way, so their tests talk through one client, draw
//! from one generator, run one route case table and read `/metrics` through
//! one parser.

mod client;
mod native;
mod rng;
mod route_cases;
mod scrape;
mod unrouted;

pub use client::{Client, Response};
pub use native::{SpawnedNative, spawn_native};
pub use rng::Rng;
pub use route_cases::{RouteCase, check_route_cases, route_cases};
pub use unrouted::send_unrouted;
