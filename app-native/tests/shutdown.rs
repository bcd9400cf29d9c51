//! SIGTERM with slow requests in flight: readiness first, then drain, exit 0.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use app_core::ExpositionFormat;
use app_core::testing::Value;
use support::{SIGINT, SIGTERM, Server};
use test_support::Client;

fn active_requests(server: &Server) -> f64 {
    server
        .scrape(ExpositionFormat::Prometheus)
        .find(
            "http_server_active_requests",
            &[("http_route", "/demo/slow")],
        )
        .iter()
        .map(|s| match s.value {
            Value::Scalar(v) => v,
            _ => 0.0,
        })
        .sum()
}

#[test]
fn in_flight_requests_finish_after_readiness_turns_503() {
    let mut server = Server::start(&[
        "--demo-faults",
        "--drain-timeout",
        "10",
        "--shutdown-delay",
        "1",
    ]);
    assert_eq!(server.client().send("GET", "/readyz", &[], b"").status, 200);

    let addr = server.addr;
    let slow: Vec<_> = (0..3)
        .map(|_| {
            thread::spawn(move || {
                Client::connect(addr)
                    .send("GET", "/demo/slow?ms=2000", &[], b"")
                    .status
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(5);
    while active_requests(&server) < 3.0 {
        assert!(
            Instant::now() < deadline,
            "slow requests never became active"
        );
        thread::sleep(Duration::from_millis(20));
    }

    server.signal(SIGTERM);
    let signalled = Instant::now();
    // The listener stays open for the shutdown delay, answering 503.
    let mut saw_503 = false;
    while signalled.elapsed() < Duration::from_millis(900) {
        let status = Client::connect(addr)
            .try_send("GET", "/readyz", &[], b"")
            .map(|r| r.status);
        if matches!(status, Ok(503)) {
            saw_503 = true;
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        saw_503,
        "readiness never turned 503 before the listener closed"
    );
    assert_eq!(
        server.client().send("GET", "/healthz", &[], b"").status,
        200,
        "liveness stays green while draining"
    );

    for request in slow {
        assert_eq!(request.join().unwrap(), 200, "in-flight request was cut");
    }
    let status = server
        .wait(Duration::from_secs(10))
        .expect("process exited after draining");
    assert!(status.success(), "exit status {status:?}");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "listener still open after exit"
    );
}

#[test]
fn drain_deadline_bounds_the_wait() {
    let mut server = Server::start(&["--demo-faults", "--drain-timeout", "1"]);
    let addr = server.addr;
    let stuck = thread::spawn(move || {
        Client::connect(addr)
            .try_send("GET", "/demo/slow?ms=8000", &[], b"")
            .map(|r| r.status)
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while active_requests(&server) < 1.0 {
        assert!(
            Instant::now() < deadline,
            "slow request never became active"
        );
        thread::sleep(Duration::from_millis(20));
    }
    let signalled = Instant::now();
    server.signal(SIGINT);
    let status = server
        .wait(Duration::from_secs(6))
        .expect("process exited at the drain deadline");
    assert!(status.success(), "exit status {status:?}");
    let waited = signalled.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "drain took {waited:?} with a 1 s deadline"
    );
    assert!(
        stuck.join().unwrap().is_err(),
        "request past the deadline is cut"
    );
}
