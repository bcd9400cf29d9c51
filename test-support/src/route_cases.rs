//! `testdata/route-cases.json`: one table of request -> expected response
//! cases that every variant must pass with demo faults on.

use crate::Client;

pub struct RouteCase {
    pub name: String,
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub status: u16,
    /// A prefix of the response's content type.
    pub content_type: String,
    /// A substring of the body (not checked for HEAD, whose body is empty).
    pub body_contains: String,
    /// The route template the service should record the request under.
    pub route: String,
}

pub fn route_cases() -> Vec<RouteCase> {
    let table: serde_json::Value =
        serde_json::from_str(include_str!("../../testdata/route-cases.json")).unwrap();
    let text = |case: &serde_json::Value, field: &str| -> String {
        case[field]
            .as_str()
            .unwrap_or_else(|| panic!("case {case}: no {field}"))
            .to_owned()
    };
    let cases: Vec<RouteCase> = table["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| RouteCase {
            name: text(case, "name"),
            method: text(case, "method"),
            path: text(case, "path"),
            headers: case["headers"]
                .as_object()
                .map(|h| {
                    h.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            status: u16::try_from(case["status"].as_u64().unwrap()).unwrap(),
            content_type: text(case, "content_type"),
            body_contains: text(case, "body_contains"),
            route: text(case, "route"),
        })
        .collect();
    assert!(cases.len() >= 15);
    cases
}

/// Sends every case on `client` and asserts status, content type and body;
/// returns the cases, for checks on what the service recorded.
pub fn check_route_cases(client: &mut Client) -> Vec<RouteCase> {
    let cases = route_cases();
    for case in &cases {
        let name = &case.name;
        let headers: Vec<(&str, &str)> = case
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let response = client.send(&case.method, &case.path, &headers, b"");
        assert_eq!(response.status, case.status, "{name}: {}", response.text());
        let content_type = response.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with(&case.content_type),
            "{name}: content-type {content_type}"
        );
        if case.method == "HEAD" {
            assert!(response.body.is_empty(), "{name}");
        } else {
            let body = response.text();
            assert!(body.contains(&case.body_contains), "{name}: body {body}");
        }
    }
    cases
}
