//! The service as a Spin WebAssembly component.
//!
//! Every request runs through the same `app-core` handler as the native
//! server; this crate owns only the component's I/O: the WASI HTTP request
//! and response (`wire`), configuration from Spin variables (`config`) and
//! the metric values (`store`). Time needs nothing of its own: on
//! `wasm32-wasip2`, std's `Instant` and `thread::sleep` are the WASI monotonic
//! clock, which the host drives.
//!
//! Spin never reuses a component instance between requests, so the values
//! live in Spin's key-value store and change only by atomic `increment`
//! (`wasi:keyvalue/atomics`): three per request (its method and route's
//! `started` as it starts; the duration sum in nanoseconds and the
//! duration's bucket slot after the answer; the in-flight gauge is derived
//! from them when read), laid out as `app_core::store_keys` documents. The shipped `runtime-config.toml` keeps that store in memory
//! (README.md says why). `/metrics` reads the values back into
//! `app_core::StoredMetrics`, which renders through the same family
//! definitions as the native registry.
//!
//! spin-sdk is pinned to 5.2: its `#[http_component]` exports
//! `wasi:http/incoming-handler@0.2.0`, the world Spin 3.x/4.x and
//! containerd-shim-spin run (6 and 7 move to WASI 0.3), and it exposes
//! `wasi:keyvalue@0.2.0-draft2`'s store, atomics and batch as stable
//! bindings, which every Spin 3.x and 4.x provides.
//!
//! Cargo feature `instrumentation` (default) does the recording. Without
//! it (`--no-default-features`, the benchmarks' bare build, as app-native's
//! feature of the same name) a request makes no store call at all;
//! `/metrics` still renders whatever the store holds.
//!
//! `README.md` next to this crate covers the design choices, building,
//! running under `spin up` and SpinKube, and the tests.

mod config;
mod store;
mod wire;

use app_core::{
    BuildInfo, Exposition, ExpositionFormat, Service, Variant, exposition::ExpositionError,
};
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
#[cfg(target_arch = "wasm32")]
use spin_sdk::http_component;

use crate::store::MetricsStore;

// The export only exists in the component: a host build (clippy, the
// workspace tests) cannot link WIT export names such as
// `wasi:http/incoming-handler@0.2.0#handle` into a native shared library.
#[cfg_attr(target_arch = "wasm32", http_component)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
async fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
    #[cfg(feature = "instrumentation")]
    let started = std::time::Instant::now();
    let service = Service::new(config::service_config());
    let head = match wire::head(&request) {
        Ok(head) => head,
        // Nothing the host hands over fails to parse in practice; if it
        // did, there is no route to count it under, and the answer is all
        // that matters.
        Err(reason) => return wire::send(response_out, wire::bad_request(reason)).await,
    };
    let accepted = service.accept(&head.method, head.uri.path());
    #[cfg(feature = "instrumentation")]
    let store = MetricsStore::open();
    #[cfg(feature = "instrumentation")]
    let begun = store.enter(accepted.active_labels());
    #[cfg(feature = "instrumentation")]
    let exposition = StoreExposition(Some(&store));
    // Bare: the store is touched only when `/metrics` renders it.
    #[cfg(not(feature = "instrumentation"))]
    let exposition = StoreExposition(None);

    let reply = service.respond(accepted, &head, &exposition);
    if let Some(delay) = reply.delay {
        // The instance serves this one request: blocking it idles nothing
        // else, the host serves other requests in other instances.
        std::thread::sleep(delay);
    }
    #[cfg(feature = "instrumentation")]
    let (labels, elapsed) = (
        accepted.labels(reply.response.status().as_u16()),
        started.elapsed(),
    );

    // Answer first, count after: the response is set before the last two
    // increments. Whether the client sees it before they finish is the
    // host's (README.md, "What a request costs").
    wire::send(response_out, reply.response).await;
    #[cfg(feature = "instrumentation")]
    store.finish(&labels, elapsed, begun);
}

/// `/metrics`: the store is read only when the handler actually renders,
/// through the request's open store, or one opened for the scrape when the
/// request has none (the bare build).
struct StoreExposition<'a>(Option<&'a MetricsStore>);

impl Exposition for StoreExposition<'_> {
    fn encode(&self, format: ExpositionFormat, out: &mut String) -> Result<(), ExpositionError> {
        let opened;
        let store = match self.0 {
            Some(store) => store,
            None => {
                opened = MetricsStore::open();
                &opened
            }
        };
        store
            .snapshot(BuildInfo::new(Variant::Spin))
            .map_err(ExpositionError)?
            // The snapshot is this scrape's own: render it without a copy.
            .into_registry()
            .encode(format, out)
    }
}
