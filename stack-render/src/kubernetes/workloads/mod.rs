//! One module per component the base deploys: its identity, its objects
//! and the files its ConfigMaps carry.

pub mod alertmanager;
pub mod app;
pub mod grafana;
pub mod prometheus;
pub mod receiver;
