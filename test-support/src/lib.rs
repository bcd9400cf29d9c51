//! Test helpers shared by the native and the edge variant: both are driven
//! over the wire the same way, so their tests talk through one client, draw
//! from one generator and run one route case table.

mod client;
mod rng;
mod route_cases;

pub use client::{Client, Response};
pub use rng::Rng;
pub use route_cases::{RouteCase, check_route_cases, route_cases};
