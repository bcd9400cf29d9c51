//! The service as a Spin WebAssembly component.
//!
//! Every request runs through the same `app-core` handler as the native
//! server; this crate only owns the component's I/O: the WASI HTTP request
//! and response, the WASI clock for demo delays, and the metrics, which live
//! in Spin's key-value store because Spin never reuses a component instance
//! between requests (an in-memory registry would count one request and be
//! gone). See `README.md` next to this crate for the design and how to run it.

mod clock;
mod config;
mod store;
mod wire;

use app_core::{
    ActiveLabels, BuildInfo, Exposition, ExpositionFormat, RequestLabels, Service, Variant,
    exposition::ExpositionError,
};
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
#[cfg(target_arch = "wasm32")]
use spin_sdk::http_component;

use crate::clock::Instant;
use crate::store::MetricsStore;

// The export only exists in the component: a host build (clippy, the
// workspace tests) cannot link WIT export names such as
// `wasi:http/incoming-handler@0.2.0#handle` into a native shared library.
#[cfg_attr(target_arch = "wasm32", http_component)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
async fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
    let started = Instant::now();
    let service = Service::new(config::service_config());
    let head = match wire::head(&request) {
        Ok(head) => head,
        // Nothing the host hands over fails to parse in practice; if it
        // did, there is no route to count it under, and the answer is all
        // that matters.
        Err(reason) => return wire::send(response_out, wire::bad_request(reason)).await,
    };
    let accepted = service.accept(&head.method, head.uri.path());
    let store = MetricsStore::open();
    let in_flight = store.enter(ActiveLabels {
        http_request_method: accepted.method,
        http_route: accepted.route,
    });

    let reply = service.respond(accepted, &head, &StoreExposition(&store));
    if let Some(delay) = reply.delay {
        clock::sleep(delay);
    }
    let labels = RequestLabels {
        http_request_method: accepted.method,
        http_route: accepted.route,
        http_response_status_code: reply.response.status().as_u16(),
    };
    let elapsed = started.elapsed();

    // Answer first, count after: the client never waits for the store.
    wire::send(response_out, reply.response).await;
    store.record(&labels, elapsed);
    store.leave(in_flight);
}

/// `/metrics`: the store is read only when the handler actually renders.
struct StoreExposition<'a>(&'a MetricsStore);

impl Exposition for StoreExposition<'_> {
    fn encode(&self, format: ExpositionFormat, out: &mut String) -> Result<(), ExpositionError> {
        self.0
            .snapshot(BuildInfo::new(Variant::Spin))
            .map_err(ExpositionError)?
            .encode(format, out)
    }
}
