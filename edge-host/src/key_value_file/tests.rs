use super::SqliteFile;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("edge-host-kv-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("sqlite_key_value.db")
}

#[test]
fn counters_are_little_endian_i64_from_zero_and_survive_reopening() {
    let path = scratch("counter");
    let file = SqliteFile::new(path.clone());
    assert_eq!(file.increment("default", "n", 5).unwrap(), 5);
    assert_eq!(file.increment("default", "n", -7).unwrap(), -2);
    assert_eq!(
        file.get("default", "n").unwrap(),
        Some((-2i64).to_le_bytes().to_vec())
    );
    // Labels are partitions of the one file.
    assert_eq!(file.get("other", "n").unwrap(), None);
    drop(file);
    let reopened = SqliteFile::new(path);
    assert_eq!(reopened.increment("default", "n", 2).unwrap(), 0);
}

#[test]
fn a_text_value_makes_increment_fail_naming_key_and_file() {
    let path = scratch("text");
    let file = SqliteFile::new(path.clone());
    file.set("default", "n", b"12").unwrap();
    let err = file.increment("default", "n", 1).unwrap_err().0;
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("\"n\" holds 2 bytes"), "{err}");
    // Nothing was written, and the next call works again.
    assert_eq!(file.get("default", "n").unwrap(), Some(b"12".to_vec()));
    assert_eq!(file.increment("default", "m", 1).unwrap(), 1);
}

#[test]
fn batches_return_only_existing_keys() {
    let file = SqliteFile::new(scratch("batch"));
    file.set_many(
        "default",
        vec![("a".into(), b"1".to_vec()), ("b".into(), b"2".to_vec())],
    )
    .unwrap();
    let mut found = file
        .get_many("default", vec!["a".into(), "missing".into(), "b".into()])
        .unwrap();
    found.sort();
    assert_eq!(
        found,
        [
            ("a".into(), Some(b"1".to_vec())),
            ("b".into(), Some(b"2".to_vec()))
        ]
    );
    file.delete_many("default", vec!["a".into()]).unwrap();
    assert_eq!(file.keys("default").unwrap(), ["b"]);
}

#[test]
fn a_file_that_is_no_database_is_named_and_retried() {
    let path = scratch("corrupt");
    std::fs::write(
        &path,
        b"not a database at all, just some text to fill a page",
    )
    .unwrap();
    let file = SqliteFile::new(path.clone());
    let err = file.increment("default", "n", 1).unwrap_err().0;
    assert!(
        err.starts_with(&format!("key-value store {}:", path.display())),
        "{err}"
    );
    // Once the file is replaced, the next call opens it.
    std::fs::remove_file(&path).unwrap();
    assert_eq!(file.increment("default", "n", 1).unwrap(), 1);
}

#[test]
fn in_memory_is_one_table_for_every_call_and_none_on_disk() {
    let store = SqliteFile::in_memory();
    assert_eq!(store.path(), None);
    for _ in 0..3 {
        store.increment("default", "n", 2).unwrap();
    }
    assert_eq!(store.increment("default", "n", 0).unwrap(), 6);
    assert_eq!(store.keys("default").unwrap(), ["n"]);
    // Another store (another process) starts empty.
    assert_eq!(SqliteFile::in_memory().get("default", "n").unwrap(), None);
}
