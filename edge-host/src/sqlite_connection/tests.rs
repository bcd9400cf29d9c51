use super::{execute, open};
use crate::bindings::fermyon::spin::sqlite::Value;

#[test]
fn statements_bind_parameters_and_return_every_row() {
    let dir = std::env::temp_dir().join(format!("edge-host-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sqlite_db.db");
    let _ = std::fs::remove_file(&path);
    let connection = open(&path).unwrap();
    execute(
        &connection,
        "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER) STRICT",
        vec![],
    )
    .unwrap();
    let upsert = "INSERT INTO t (k, v) VALUES (?, ?), (?, ?) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v";
    let params = || {
        vec![
            Value::Text("a".into()),
            Value::Integer(2),
            Value::Text("b".into()),
            Value::Integer(-1),
        ]
    };
    execute(&connection, upsert, params()).unwrap();
    execute(&connection, upsert, params()).unwrap();
    let result = execute(&connection, "SELECT k, v FROM t ORDER BY k", vec![]).unwrap();
    assert_eq!(result.columns, ["k", "v"]);
    let rows: Vec<_> = result
        .rows
        .iter()
        .map(|row| format!("{:?}", row.values))
        .collect();
    assert_eq!(
        rows,
        [
            r#"[Value::Text("a"), Value::Integer(4)]"#,
            r#"[Value::Text("b"), Value::Integer(-2)]"#
        ]
    );

    // A second connection (another `open`) sees what the first committed.
    let other = open(&path).unwrap();
    let count = execute(&other, "SELECT count(*) FROM t", vec![]).unwrap();
    assert_eq!(format!("{:?}", count.rows[0].values), "[Value::Integer(2)]");
}

#[test]
fn attaching_a_file_is_denied() {
    let connection = open(std::path::Path::new(":memory:")).unwrap();
    let err = execute(
        &connection,
        "ATTACH DATABASE '/tmp/elsewhere.db' AS other",
        vec![],
    )
    .unwrap_err();
    assert!(err.to_string().contains("not authorized"), "{err}");
    execute(&connection, "ATTACH DATABASE ':memory:' AS scratch", vec![]).unwrap();
}
