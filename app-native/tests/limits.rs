//! Oversized and stalled requests get clear answers; the server stays up.

mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use support::Server;

#[test]
fn oversized_header_gets_431() {
    let server = Server::start(&[]);
    let huge = "x".repeat(20 * 1024);
    let response = server.client().send("GET", "/", &[("x-huge", &huge)], b"");
    assert_eq!(response.status, 431);
    // Many small headers adding up past the limit too.
    let many: Vec<(String, String)> = (0..90)
        .map(|i| (format!("x-h{i}"), "v".repeat(200)))
        .collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(server.client().send("GET", "/", &many, b"").status, 431);
    assert_eq!(
        server.client().send("GET", "/healthz", &[], b"").status,
        200
    );
}

#[test]
fn oversized_body_gets_413_and_closes() {
    let server = Server::start(&["--max-body-bytes", "1024"]);
    let mut client = server.client();
    let response = client.send("POST", "/api/items", &[], &[b'a'; 4096]);
    assert_eq!(response.status, 413);
    assert_eq!(response.header("connection"), Some("close"));
    assert!(response.text().contains("larger than 1024 bytes"));

    // Chunked, with no length up front: caught while reading.
    let mut request =
        b"POST /api/items HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        request.extend_from_slice(b"400\r\n");
        request.extend_from_slice(&[b'b'; 0x400]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let response = server.client().send_bytes(&request, false).unwrap();
    assert_eq!(response.status, 413);
    assert_eq!(response.header("connection"), Some("close"));

    // A body within the limit is read and the connection stays usable.
    let mut client = server.client();
    assert_eq!(
        client.send("POST", "/api/items", &[], &[b'c'; 512]).status,
        405
    );
    assert_eq!(client.send("GET", "/healthz", &[], b"").status, 200);
}

#[test]
fn stalled_header_is_closed_after_the_timeout() {
    let server = Server::start(&["--header-read-timeout", "1"]);
    let mut stalled = std::net::TcpStream::connect(server.addr).unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stalled.write_all(b"GET / HTTP/1.1\r\nhost: t\r\n").unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let _ = stalled.read_to_end(&mut buf);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "closed after {waited:?}"
    );
    assert!(
        buf.is_empty() || String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 408"),
        "unexpected answer {:?}",
        String::from_utf8_lossy(&buf)
    );
    // Meanwhile, and after, everyone else is served.
    assert_eq!(
        server.client().send("GET", "/healthz", &[], b"").status,
        200
    );
}

#[test]
fn each_head_gets_the_whole_timeout_however_long_the_connection_lives() {
    let server = Server::start(&["--header-read-timeout", "1"]);
    let mut client = server.client();
    // 2.5 s of requests on one connection, 0.25 s apart: well past one
    // timeout since the connection opened, never one since the last answer.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2500) {
        assert_eq!(client.send("GET", "/healthz", &[], b"").status, 200);
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_timeout() {
    let server = Server::start(&["--header-read-timeout", "1"]);
    let mut client = server.client();
    assert_eq!(client.send("GET", "/healthz", &[], b"").status, 200);
    let answered = Instant::now();
    let stream = client.stream();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    let idle = answered.elapsed();
    assert!(
        idle >= Duration::from_millis(900) && idle < Duration::from_secs(5),
        "idle connection closed after {idle:?}"
    );
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
}

#[test]
fn a_slow_answer_is_not_cut_by_the_header_timeout() {
    let server = Server::start(&["--header-read-timeout", "1", "--demo-faults"]);
    let mut client = server.client();
    let started = Instant::now();
    assert_eq!(
        client.send("GET", "/demo/slow?ms=2500", &[], b"").status,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(2500));
    // The connection is still good for the next request.
    assert_eq!(client.send("GET", "/healthz", &[], b"").status, 200);
}
