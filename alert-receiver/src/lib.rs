//! The Alertmanager webhook receiver: every notification becomes one JSON
//! line. The `alert-receiver` binary is what the cluster runs (its image
//! holds only it); the local stack runs the same [`Receiver`] and
//! [`Server`] in-process, with its control routes added.

pub mod receiver;
pub mod server;

pub use receiver::{Delivery, Receiver, Verdict};
pub use server::{MoreRoutes, Server, reply, text};
