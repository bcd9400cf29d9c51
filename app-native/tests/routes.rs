//! The shared route case table, against the real binary.

mod support;

use support::Server;

#[test]
fn every_case_of_the_shared_table_passes() {
    let table: serde_json::Value =
        serde_json::from_str(include_str!("../../testdata/route-cases.json")).unwrap();
    let server = Server::start(&["--demo-faults"]);
    let mut client = server.client();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let method = case["method"].as_str().unwrap();
        let headers: Vec<(&str, &str)> = case["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let response = client.send(method, case["path"].as_str().unwrap(), &headers, b"");
        assert_eq!(
            response.status,
            case["status"].as_u64().unwrap() as u16,
            "{name}"
        );
        let content_type = response.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with(case["content_type"].as_str().unwrap()),
            "{name}: content-type {content_type}"
        );
        if method == "HEAD" {
            assert!(response.body.is_empty(), "{name}");
        } else {
            let body = response.text();
            assert!(
                body.contains(case["body_contains"].as_str().unwrap()),
                "{name}: body {body}"
            );
        }
    }
}
