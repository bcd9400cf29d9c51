use super::*;

fn base() -> &'static Path {
    Path::new("/etc/app")
}

#[test]
fn no_store_section_keeps_spins_default_file() {
    assert_eq!(parse("", base()), Ok(StoreLocation::StateDir));
}

#[test]
fn spin_type_without_path_is_in_memory() {
    let text = "[key_value_store.default]\ntype = \"spin\"\n";
    assert_eq!(parse(text, base()), Ok(StoreLocation::InMemory));
}

#[test]
fn relative_paths_are_taken_from_the_files_directory() {
    let text = "[key_value_store.default]\ntype = \"spin\"\npath = \"data/kv.db\"\n";
    assert_eq!(
        parse(text, base()),
        Ok(StoreLocation::File(PathBuf::from("/etc/app/data/kv.db")))
    );
    let text = "[key_value_store.default]\ntype = \"spin\"\npath = \"/var/kv.db\"\n";
    assert_eq!(
        parse(text, base()),
        Ok(StoreLocation::File(PathBuf::from("/var/kv.db")))
    );
}

#[test]
fn what_this_host_does_not_provide_is_refused_by_name() {
    for (text, named) in [
        (
            "[key_value_store.other]\ntype = \"spin\"\n",
            "[key_value_store.other]",
        ),
        (
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://x\"\n",
            "url",
        ),
        (
            "[key_value_store.default]\ntype = \"redis\"\n",
            "type = \"redis\"",
        ),
        (
            "[sqlite_database.default]\ntype = \"spin\"\n",
            "sqlite_database",
        ),
        ("[key_value_store.default]\npath = \"x\"\n", "type"),
    ] {
        let err = parse(text, base()).unwrap_err();
        assert!(err.contains(named), "{text:?}: {err}");
    }
}

#[test]
fn a_missing_file_is_named() {
    let err = load(Path::new("/nonexistent/runtime-config.toml")).unwrap_err();
    assert!(err.contains("/nonexistent/runtime-config.toml"), "{err}");
}
