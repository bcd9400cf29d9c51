//! HTTP/2 with prior knowledge (h2c) on the same port as HTTP/1.1.

mod support;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use support::Server;

#[tokio::test]
async fn h2c_requests_are_served_and_counted() {
    let server = Server::start(&[]);
    let stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("h2c handshake");
    tokio::spawn(connection);

    for uri in ["/api/items/1", "/api/items/1", "/nowhere"] {
        let request = http::Request::get(format!("http://{}{uri}", server.addr))
            .body(Empty::<Bytes>::new())
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.version(), http::Version::HTTP_2);
        let expected = if uri == "/nowhere" { 404 } else { 200 };
        assert_eq!(response.status(), expected);
        response.into_body().collect().await.unwrap();
    }

    let parsed =
        tokio::task::spawn_blocking(move || server.scrape(app_core::ExpositionFormat::OpenMetrics))
            .await
            .unwrap();
    let count = |route, status| {
        parsed.histogram_count(
            "http_server_request_duration_seconds",
            &[("http_route", route), ("http_response_status_code", status)],
        )
    };
    assert_eq!(count("/api/items/{id}", "200"), 2);
    assert_eq!(count("unmatched", "404"), 1);
}
