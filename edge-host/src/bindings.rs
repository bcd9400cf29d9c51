//! Host-side bindings for the interfaces Spin adds to WASI (`wit/`).

wasmtime::component::bindgen!({
    path: "wit",
    world: "host",
    with: {
        "wasi:keyvalue/store.bucket": crate::key_value::Bucket,
        "fermyon:spin/sqlite.connection": crate::sqlite::Connection,
    },
});
