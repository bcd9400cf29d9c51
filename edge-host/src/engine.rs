//! The wasmtime engine as Spin 4.0.2 configures it (`crates/core/src/lib.rs`,
//! spinframework/spin): the component model and the pooling
//! instance allocator, which keeps instance slots (memories, tables, fiber
//! stacks) mapped between requests so that a fresh instance per request
//! costs little. The pool's sizes are Spin's defaults, with fewer slots:
//! this host serves one component.
//!
//! One setting is not Spin's: `pagemap_scan`. Between requests the pool
//! resets the first `linear_memory_keep_resident` bytes (2 MiB) of a slot's
//! memory, and by default it memsets all of them; with Linux's
//! `PAGEMAP_SCAN` (6.7 and later) it resets only the pages the instance
//! touched. Measured here, that halved the bare component's CPU per request
//! (110 to 59 µs at 16 connections, bench/results.md), so a figure of this
//! host is cheaper than Spin 4.0.2 (which leaves it off) by about that much.
//! `Auto`: a kernel without it gets the memset, with the same semantics.

use std::path::Path;

use wasmtime::component::Component;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Instances alive at once: the most concurrent requests served. Requests
/// beyond it fail to instantiate and are answered 500.
pub const MAX_INSTANCES: u32 = 1_000;

const MB: usize = 1 << 20;

pub fn engine() -> wasmtime::Result<Engine> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(MAX_INSTANCES)
        .total_memories(MAX_INSTANCES)
        .total_tables(2 * MAX_INSTANCES)
        .total_stacks(MAX_INSTANCES)
        .total_core_instances(4 * MAX_INSTANCES)
        .table_elements(100_000)
        .max_component_instance_size(10 * MB)
        .max_core_instance_size(10 * MB)
        .max_core_instances_per_component(200)
        .max_tables_per_component(64)
        .max_memories_per_component(32)
        .max_tables_per_module(2)
        .max_memories_per_module(2)
        .max_memory_size(1 << 32)
        .linear_memory_keep_resident(2 * MB)
        .table_keep_resident(MB / 2)
        .pagemap_scan(Enabled::Auto);
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// How the pool resets a slot's memory on this kernel, for the start-up
/// log: a figure of this host is only comparable with another of the same.
pub fn memory_reset() -> &'static str {
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        "touched pages only (PAGEMAP_SCAN)"
    } else {
        "memset of up to 2 MiB"
    }
}

/// The component compiled for a fresh engine; the error names the file.
pub fn load_component(path: &Path) -> Result<Component, String> {
    let engine = engine().map_err(|err| format!("wasmtime engine: {err:#}"))?;
    if !path.is_file() {
        return Err(format!("component {}: no such file", path.display()));
    }
    Component::from_file(&engine, path)
        .map_err(|err| format!("component {}: {err:#}", path.display()))
}
