use std::path::{Path, PathBuf};

use super::Manifest;
use crate::route::Route;

#[test]
fn the_edge_components_manifest_reads_as_spin_reads_it() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../app-spin/spin.toml");
    let manifest = Manifest::load(&path).unwrap();
    assert_eq!(manifest.component_id, "app");
    assert_eq!(manifest.route, Route::Prefix(String::new()));
    assert_eq!(
        manifest.source,
        path.parent().unwrap().join("app_spin.wasm")
    );
    assert!(manifest.variables.contains_key("demo_faults"));
    assert_eq!(
        manifest.component_variables["demo_faults"],
        "{{ demo_faults }}"
    );
}

#[test]
fn what_this_host_cannot_serve_is_refused_by_name() {
    let two_triggers = r#"
        spin_manifest_version = 2
        [[trigger.http]]
        route = "/a"
        component = "a"
        [[trigger.http]]
        route = "/b"
        component = "a"
        [component.a]
        source = "a.wasm"
    "#;
    let err = Manifest::parse(two_triggers, Path::new(".")).unwrap_err();
    assert!(err.contains("2 [[trigger.http]]"), "{err}");
    let dangling = r#"
        spin_manifest_version = 2
        [[trigger.http]]
        route = "/..."
        component = "nope"
        [component.a]
        source = "a.wasm"
    "#;
    let err = Manifest::parse(dangling, Path::new(".")).unwrap_err();
    assert!(err.contains("\"nope\""), "{err}");
    let version_one = "spin_manifest_version = 1\n[trigger]\nhttp = []\n[component]\n";
    assert!(Manifest::parse(version_one, Path::new(".")).is_err());
}
