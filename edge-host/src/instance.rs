//! One request's instance state, and the component pre-instantiated once so
//! that making that instance per request is cheap. As under Spin: no
//! environment, arguments or files, no outbound HTTP (the manifest allows no
//! host), and the guest's stdout and stderr are the host's, so its log lines
//! land in the host log.

use std::sync::Arc;

use wasmtime::component::{Component, HasData, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{HostFutureIncomingResponse, OutgoingRequestConfig};
use wasmtime_wasi_http::p2::{HttpResult, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use crate::bindings::fermyon::spin::{sqlite, variables};
use crate::bindings::wasi::keyvalue::{atomics, batch, store};
use crate::key_value::{KeyValue, KeyValueData, KeyValueView};
use crate::sqlite::{Sqlite, SqliteData, SqliteView};
use crate::stats::Stats;
use crate::variables::Variables;

pub struct Instance {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    no_outbound: NoOutbound,
    key_value: KeyValue,
    sqlite: Sqlite,
    variables: Arc<Variables>,
}

/// What every instance is made from.
#[derive(Clone)]
pub struct Shared {
    pub key_value: KeyValue,
    pub sqlite: Sqlite,
    pub variables: Arc<Variables>,
    pub stats: Arc<Stats>,
}

impl Instance {
    pub fn store(engine: &Engine, shared: &Shared) -> Store<Instance> {
        let wasi = WasiCtx::builder().inherit_stdout().inherit_stderr().build();
        Store::new(
            engine,
            Instance {
                wasi,
                http: WasiHttpCtx::new(),
                table: ResourceTable::new(),
                no_outbound: NoOutbound,
                key_value: shared.key_value.clone(),
                sqlite: shared.sqlite.clone(),
                variables: shared.variables.clone(),
            },
        )
    }
}

/// Links WASI 0.2, WASI HTTP, the key-value store, SQLite and the
/// variables, and
/// resolves the component's imports against them, once.
pub fn pre_instantiate(
    engine: &Engine,
    component: &Component,
) -> wasmtime::Result<ProxyPre<Instance>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    store::add_to_linker::<_, KeyValueData>(&mut linker, key_value)?;
    atomics::add_to_linker::<_, KeyValueData>(&mut linker, key_value)?;
    batch::add_to_linker::<_, KeyValueData>(&mut linker, key_value)?;
    sqlite::add_to_linker::<_, SqliteData>(&mut linker, sqlite_view)?;
    variables::add_to_linker::<_, VariablesData>(&mut linker, variables_view)?;
    ProxyPre::new(linker.instantiate_pre(component)?)
}

fn key_value(instance: &mut Instance) -> KeyValueView<'_> {
    KeyValueView {
        table: &mut instance.table,
        shared: &instance.key_value,
    }
}

fn sqlite_view(instance: &mut Instance) -> SqliteView<'_> {
    SqliteView {
        table: &mut instance.table,
        shared: &instance.sqlite,
    }
}

fn variables_view(instance: &mut Instance) -> &Variables {
    &instance.variables
}

struct VariablesData;

impl HasData for VariablesData {
    type Data<'a> = &'a Variables;
}

impl WasiView for Instance {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Instance {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.no_outbound,
        }
    }
}

/// `allowed_outbound_hosts = []`: every outgoing request is denied.
struct NoOutbound;

impl WasiHttpHooks for NoOutbound {
    fn send_request(
        &mut self,
        _request: hyper::Request<HyperOutgoingBody>,
        _config: OutgoingRequestConfig,
    ) -> HttpResult<HostFutureIncomingResponse> {
        Err(ErrorCode::HttpRequestDenied.into())
    }
}
