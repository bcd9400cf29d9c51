//! The local stack's own HTTP endpoint: the receiver's server (webhook,
//! receiver log, `/healthz`) plus the control routes `stack load` uses.
//!
//! | route | |
//! |---|---|
//! | `POST`/`GET <webhook path>`, `GET /healthz` | see `alert_receiver::server` |
//! | `GET /scenario`, `PUT /scenario` | the traffic scenario (body: its name) |
//! | `GET /traffic` | traffic counters, JSON |

use std::sync::Arc;

use alert_receiver::{MoreRoutes, Receiver, Server, reply, text};
use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::Full;
use tokio::net::TcpListener;

use crate::traffic::{Scenario, Traffic};

/// Serves until dropped.
pub type ControlServer = Server;

/// The webhook and the control routes on one listener.
pub fn start(
    listener: TcpListener,
    webhook_path: String,
    receiver: Arc<Receiver>,
    traffic: Arc<Traffic>,
) -> ControlServer {
    let routes = ControlRoutes {
        webhook_path: webhook_path.clone(),
        traffic,
    };
    Server::start(listener, webhook_path, receiver, Some(Arc::new(routes)))
}

struct ControlRoutes {
    /// Named in the route list `GET /` answers.
    webhook_path: String,
    traffic: Arc<Traffic>,
}

impl MoreRoutes for ControlRoutes {
    fn handle(&self, method: &Method, path: &str, body: &[u8]) -> Response<Full<Bytes>> {
        let traffic = &self.traffic;
        match (method, path) {
            (&Method::GET, "/scenario") => text(StatusCode::OK, traffic.scenario().as_str()),
            (&Method::PUT | &Method::POST, "/scenario") => {
                match String::from_utf8_lossy(body).parse::<Scenario>() {
                    Ok(scenario) => {
                        traffic.set_scenario(scenario);
                        text(
                            StatusCode::OK,
                            format!("{scenario}: {}", scenario.describe()),
                        )
                    }
                    Err(why) => text(StatusCode::BAD_REQUEST, why),
                }
            }
            (&Method::GET, "/traffic") => reply(
                StatusCode::OK,
                "application/json",
                traffic.stats().to_json().to_string(),
            ),
            (&Method::GET, "/") => text(
                StatusCode::OK,
                format!(
                    "local stack control: POST {0} (webhook), GET {0} (receiver log), \
                     GET|PUT /scenario, GET /traffic",
                    self.webhook_path
                ),
            ),
            _ => text(StatusCode::NOT_FOUND, "not found"),
        }
    }
}
