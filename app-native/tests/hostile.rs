//! Hostile input on the raw socket. Whatever a client sends, it gets the
//! right 4xx or a closed connection, everyone else keeps being served, no
//! series appears outside the closed sets, and memory stays bounded.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use app_core::{ExpositionFormat, Method, Route};
use support::Server;

/// What came back on a connection before it closed (or `patience` ran out).
#[derive(Debug)]
struct Outcome {
    bytes: Vec<u8>,
    /// The server closed (EOF or reset) rather than leaving us waiting.
    closed: bool,
}

impl Outcome {
    fn status(&self) -> Option<u16> {
        let text = String::from_utf8_lossy(&self.bytes);
        let line = text.lines().next()?;
        line.strip_prefix("HTTP/1.")?.get(2..5)?.parse().ok()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Reads until the server closes the connection or `patience` runs out.
fn read_until_closed(stream: &mut TcpStream, patience: Duration) -> Outcome {
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let closed = loop {
        let left = patience.saturating_sub(started.elapsed());
        if left.is_zero() {
            break false;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break false;
            }
            Err(_) => break true,
        }
    };
    Outcome { bytes, closed }
}

/// Sends `request` on a fresh connection (the server may hang up before it
/// has all of it) and reads what comes back.
fn exchange(addr: SocketAddr, request: &[u8]) -> Outcome {
    let mut stream = TcpStream::connect(addr).unwrap();
    let _ = stream.write_all(request);
    read_until_closed(&mut stream, Duration::from_secs(10))
}

/// Someone else is still served, and promptly.
fn assert_serving(server: &Server) {
    let started = Instant::now();
    let response = server.client().send("GET", "/healthz", &[], b"");
    assert_eq!(response.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a healthy client waited {:?}",
        started.elapsed()
    );
}

/// Every label value in the metrics is still one of the closed sets.
fn assert_closed_label_sets(server: &Server) {
    let parsed = server.scrape(ExpositionFormat::OpenMetrics);
    let methods: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
    let routes: Vec<&str> = Route::ALL.iter().map(|r| r.template()).collect();
    for family in [
        "http_server_request_duration_seconds",
        "http_server_active_requests",
    ] {
        for series in &parsed.family(family).unwrap().series {
            assert!(methods.contains(&series.labels["http_request_method"].as_str()));
            assert!(routes.contains(&series.labels["http_route"].as_str()));
        }
    }
}

/// Several tests here hold hundreds of sockets at once, and the test
/// threads run side by side: lift the soft descriptor limit (often 1024) to
/// the hard one, for this process and the servers it starts.
fn raise_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain getrlimit/setrlimit on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max.min(65_536);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

#[test]
fn malformed_request_lines_get_400_and_a_closed_connection() {
    let server = Server::start(&[]);
    let cases: &[&[u8]] = &[
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET  / HTTP/1.1\r\nhost: t\r\n\r\n",
        b"GET / HTTP/9.9\r\nhost: t\r\n\r\n",
        b"GET / HTTX/1.1\r\nhost: t\r\n\r\n",
        b"G\0T / HTTP/1.1\r\nhost: t\r\n\r\n",
        b"GE(T / HTTP/1.1\r\nhost: t\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nx-nul: a\0b\r\n\r\n",
        b"GET / HTTP/1.1\r\n bad: folded\r\n\r\n",
        b"GET / HTTP/1.1\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello",
        b"GET / HTTP/1.1\r\ncontent-length: -1\r\n\r\n",
        b"GET / HTTP/1.1\r\ncontent-length: 1e3\r\n\r\n",
        b"POST / HTTP/1.1\r\ntransfer-encoding: gzip\r\n\r\n",
        // A TLS ClientHello on the plain-text port.
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        &[0xff; 64],
    ];
    for &request in cases {
        let outcome = exchange(server.addr, request);
        let shown = String::from_utf8_lossy(request);
        assert_eq!(
            outcome.status(),
            Some(400),
            "{shown:?}: {:?}",
            outcome.text()
        );
        assert!(outcome.closed, "{shown:?}: connection left open");
    }
    assert_serving(&server);
}

#[test]
fn invalid_utf8_and_bad_percent_encoding_never_reach_a_label() {
    let server = Server::start(&[]);
    // Raw bytes that are not UTF-8: refused by the HTTP layer.
    for path in [&b"/\xff\xfe"[..], b"/api/items/\xc3\x28", b"/\xed\xa0\x80"] {
        let mut request = b"GET ".to_vec();
        request.extend_from_slice(path);
        request.extend_from_slice(b" HTTP/1.1\r\nhost: t\r\n\r\n");
        let outcome = exchange(server.addr, &request);
        assert_eq!(outcome.status(), Some(400), "{path:?}: {}", outcome.text());
    }
    // Escapes are never decoded, so broken ones are just unknown paths.
    let mut client = server.client();
    for (path, status) in [
        ("/%zz", 404),
        ("/%", 404),
        ("/%C3%28", 404),
        ("/%C0%AF", 404),
        ("/healthz%00", 404),
        ("/..%2F..%2Fetc%2Fpasswd", 404),
        ("/api/items/%FF", 404),
        ("/api/items/%31", 404),
        ("/api/items/1%00", 404),
        ("/api/items/1?%zz=%&=", 200),
        ("/metrics?%", 200),
        ("/caf\u{e9}", 404),
    ] {
        let response = client.send("GET", path, &[], b"");
        assert_eq!(response.status, status, "{path}");
        assert!(response.header("content-type").is_some(), "{path}");
    }
    assert_closed_label_sets(&server);
    assert_serving(&server);
}

#[test]
fn huge_heads_get_431_and_a_closed_connection() {
    let server = Server::start(&[]);
    let long_target = format!("GET /{} HTTP/1.1\r\nhost: t\r\n\r\n", "a".repeat(20_000));
    let long_name = format!("GET / HTTP/1.1\r\n{}: v\r\n\r\n", "n".repeat(20_000));
    let many_headers = format!(
        "GET / HTTP/1.1\r\n{}\r\n",
        (0..150)
            .map(|i| format!("x-{i}: v\r\n"))
            .collect::<String>()
    );
    for request in [long_target, long_name, many_headers] {
        let outcome = exchange(server.addr, request.as_bytes());
        assert_eq!(outcome.status(), Some(431), "{}", outcome.text());
        assert!(outcome.closed);
    }

    // A head that never ends: the server answers once it has seen enough
    // and hangs up while the client is still sending.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        thread::spawn(move || {
            let _ = stream.write_all(b"GET / HTTP/1.1\r\nx-endless: ");
            let chunk = [b'a'; 64 * 1024];
            for _ in 0..16 * 16 {
                if stream.write_all(&chunk).is_err() {
                    return true;
                }
            }
            false
        })
    };
    let outcome = read_until_closed(&mut stream, Duration::from_secs(10));
    assert!(outcome.closed, "a 16 MiB header was read to the end");
    let hung_up = writer.join().unwrap();
    assert!(
        hung_up,
        "the server took 16 MiB of header without hanging up"
    );
    // The 431 may be lost to the reset of the unread rest; if it came, it is 431.
    if let Some(status) = outcome.status() {
        assert_eq!(status, 431);
    }
    assert_serving(&server);
}

#[test]
fn huge_and_broken_bodies_get_413_or_400() {
    let server = Server::start(&["--max-body-bytes", "1024"]);
    // Declared far too large: refused before a byte of it is read.
    let outcome = exchange(
        server.addr,
        b"POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 10737418240\r\n\r\n",
    );
    assert_eq!(outcome.status(), Some(413), "{}", outcome.text());
    assert!(outcome.closed);

    // An endless chunked body: cut at the limit.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        thread::spawn(move || {
            let _ = stream
                .write_all(b"POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n");
            let mut chunk = b"4000\r\n".to_vec();
            chunk.extend_from_slice(&[b'z'; 0x4000]);
            chunk.extend_from_slice(b"\r\n");
            for _ in 0..1024 {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
            }
        })
    };
    let outcome = read_until_closed(&mut stream, Duration::from_secs(10));
    writer.join().unwrap();
    assert_eq!(outcome.status(), Some(413), "{}", outcome.text());
    assert!(outcome.closed);

    // Chunk sizes that overflow or are not hex.
    for body in [&b"FFFFFFFFFFFFFFFFFFFF\r\n"[..], b"zz\r\nab\r\n0\r\n\r\n"] {
        let mut request =
            b"POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
        request.extend_from_slice(body);
        let outcome = exchange(server.addr, &request);
        assert_eq!(outcome.status(), Some(400), "{}", outcome.text());
        assert!(outcome.closed);
    }
    assert_serving(&server);
}

#[test]
fn slowloris_heads_and_bodies_are_cut_at_their_deadlines() {
    raise_fd_limit();
    let server = Server::start(&["--header-read-timeout", "1", "--body-read-timeout", "1"]);
    let addr = server.addr;
    // Each dribbles a byte every 200 ms: always active, never done. The
    // deadline is for the whole head, so activity must not extend it.
    let dribble = |prefix: &'static [u8]| {
        thread::spawn(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.set_nodelay(true).unwrap();
            stream.write_all(prefix).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            let started = Instant::now();
            let mut answer = Vec::new();
            let mut buf = [0u8; 1024];
            while started.elapsed() < Duration::from_secs(10) {
                if stream.write_all(b"a").is_err() {
                    break;
                }
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => break,
                }
            }
            (
                started.elapsed(),
                String::from_utf8_lossy(&answer).into_owned(),
            )
        })
    };
    let heads: Vec<_> = (0..20)
        .map(|_| dribble(b"GET / HTTP/1.1\r\nhost: t\r\nx-slow: "))
        .collect();
    let bodies: Vec<_> = (0..20)
        .map(|_| dribble(b"POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 1000\r\n\r\n"))
        .collect();

    // While they dribble, others are served.
    for _ in 0..5 {
        assert_serving(&server);
        thread::sleep(Duration::from_millis(100));
    }
    for head in heads {
        let (waited, answer) = head.join().unwrap();
        assert!(
            waited > Duration::from_millis(800) && waited < Duration::from_secs(4),
            "slow head cut after {waited:?}"
        );
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{answer:?}"
        );
    }
    for body in bodies {
        let (waited, answer) = body.join().unwrap();
        assert!(
            waited > Duration::from_millis(800) && waited < Duration::from_secs(4),
            "slow body cut after {waited:?}"
        );
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
        assert!(answer.contains("connection: close"), "{answer:?}");
    }
    assert_serving(&server);
}

#[test]
fn hundreds_of_idle_connections_do_not_stop_others() {
    raise_fd_limit();
    let server = Server::start(&["--header-read-timeout", "1"]);
    let mut idle: Vec<TcpStream> = (0..500)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    // Keep-alive connections gone quiet after one request.
    for _ in 0..50 {
        let mut client = server.client();
        assert_eq!(client.send("GET", "/", &[], b"").status, 200);
        idle.push(client.stream().try_clone().unwrap());
    }
    for _ in 0..10 {
        assert_serving(&server);
    }
    // All of them are closed by the server within the header deadline.
    thread::sleep(Duration::from_millis(1500));
    for (i, stream) in idle.iter_mut().enumerate() {
        let outcome = read_until_closed(stream, Duration::from_secs(3));
        assert!(outcome.closed, "idle connection {i} still open");
    }
    assert_serving(&server);
}

#[test]
fn silent_connections_cannot_take_every_slot() {
    // Clients that connect and send nothing, half an HTTP/2 preface, or a
    // full preface and then nothing, each hold a connection slot until a
    // deadline frees it: a new client gets in, late but not never.
    let server = Server::start(&["--header-read-timeout", "1", "--max-connections", "6"]);
    let mut squatters = Vec::new();
    for opening in [
        &b""[..],
        b"",
        b"PRI * HTTP/2.0\r\n",
        b"PRI * HTTP/2.0\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream.write_all(opening).unwrap();
        squatters.push(stream);
    }
    thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let mut client = server.client();
    client
        .stream()
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let response = client
        .try_send("GET", "/healthz", &[], b"")
        .expect("a new client is served once the silent ones time out");
    assert_eq!(response.status, 200);
    // Silent HTTP/1 clients go after the header deadline; silent HTTP/2
    // peers after an unanswered ping (4 x the deadline, plus the deadline).
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "served after {:?}",
        started.elapsed()
    );
    for (i, stream) in squatters.iter_mut().enumerate() {
        let outcome = read_until_closed(stream, Duration::from_secs(8));
        assert!(outcome.closed, "silent connection {i} still open");
    }
}

/// Just enough HTTP/2 framing to send broken frames on purpose.
mod h2 {
    pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const RST_STREAM: u8 = 0x3;
    pub const SETTINGS: u8 = 0x4;
    pub const GOAWAY: u8 = 0x7;
    pub const WINDOW_UPDATE: u8 = 0x8;
    pub const CONTINUATION: u8 = 0x9;
    pub const END_STREAM: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;

    pub const PROTOCOL_ERROR: u32 = 0x1;
    pub const FRAME_SIZE_ERROR: u32 = 0x6;
    pub const COMPRESSION_ERROR: u32 = 0x9;

    pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = payload.len() as u32;
        let mut out = len.to_be_bytes()[1..].to_vec();
        out.extend([kind, flags]);
        out.extend(stream.to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    /// HPACK for `GET http://t/`: indexed :method GET, :scheme http,
    /// :path /, then :authority "t" as a literal without indexing.
    pub const GET_ROOT: &[u8] = &[0x82, 0x86, 0x84, 0x01, 0x01, b't'];

    /// Preface plus an empty SETTINGS: a well-behaved start.
    pub fn opening() -> Vec<u8> {
        let mut out = PREFACE.to_vec();
        out.extend(frame(SETTINGS, 0, 0, &[]));
        out
    }

    /// (type, flags, stream, payload) of each complete frame in `bytes`.
    pub fn frames(bytes: &[u8]) -> Vec<(u8, u8, u32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while rest.len() >= 9 {
            let len = u32::from_be_bytes([0, rest[0], rest[1], rest[2]]) as usize;
            if rest.len() < 9 + len {
                break;
            }
            let stream = u32::from_be_bytes([rest[5], rest[6], rest[7], rest[8]]) & 0x7fff_ffff;
            out.push((rest[3], rest[4], stream, rest[9..9 + len].to_vec()));
            rest = &rest[9 + len..];
        }
        out
    }

    /// The error code of the GOAWAY the server sent, if it sent one.
    pub fn goaway(bytes: &[u8]) -> Option<u32> {
        frames(bytes)
            .into_iter()
            .find(|(kind, ..)| *kind == GOAWAY)
            .map(|(.., payload)| u32::from_be_bytes(payload[4..8].try_into().unwrap()))
    }
}

#[test]
fn raw_h2_framing_is_understood() {
    // The hand-made frames below are only worth something if a correct one
    // gets a correct answer.
    let server = Server::start(&[]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let mut request = h2::opening();
    request.extend(h2::frame(
        h2::HEADERS,
        h2::END_HEADERS | h2::END_STREAM,
        1,
        h2::GET_ROOT,
    ));
    stream.write_all(&request).unwrap();
    let outcome = read_until_closed(&mut stream, Duration::from_secs(2));
    let frames = h2::frames(&outcome.bytes);
    let response = frames
        .iter()
        .find(|(kind, _, stream, _)| *kind == h2::HEADERS && *stream == 1)
        .expect("a response HEADERS frame on stream 1");
    // HPACK static index 8 is `:status 200`.
    assert_eq!(response.3[0], 0x88, "{frames:?}");
}

/// Error codes an expected GOAWAY may carry; `None` when any close will do.
type GoawayCodes = Option<&'static [u32]>;

#[test]
fn h2_preface_garbage_and_malformed_frames_end_the_connection() {
    let server = Server::start(&[]);
    let mut garbage = h2::PREFACE.to_vec();
    garbage.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let with_opening = |frames: Vec<Vec<u8>>| {
        let mut out = h2::opening();
        out.extend(frames.concat());
        out
    };
    // The error codes RFC 9113 names, and PROTOCOL_ERROR where the h2 crate
    // uses that more general connection error instead.
    let cases: Vec<(&str, Vec<u8>, GoawayCodes)> = vec![
        ("preface garbage", garbage, None),
        (
            "SETTINGS of a length that is not a multiple of 6",
            with_opening(vec![h2::frame(h2::SETTINGS, 0, 0, &[0; 5])]),
            Some(&[h2::FRAME_SIZE_ERROR, h2::PROTOCOL_ERROR]),
        ),
        (
            "DATA on stream 0",
            with_opening(vec![h2::frame(h2::DATA, 0, 0, b"x")]),
            Some(&[h2::PROTOCOL_ERROR]),
        ),
        (
            "undecodable HPACK",
            with_opening(vec![h2::frame(
                h2::HEADERS,
                h2::END_HEADERS | h2::END_STREAM,
                1,
                &[0x80, 0xff, 0xff, 0xff, 0xff, 0x0f],
            )]),
            Some(&[h2::COMPRESSION_ERROR, h2::PROTOCOL_ERROR]),
        ),
        (
            "a frame over the maximum frame size",
            with_opening(vec![{
                let mut header = h2::frame(h2::DATA, 0, 1, &[]);
                header[..3].copy_from_slice(&[0xff, 0xff, 0xff]);
                header
            }]),
            Some(&[h2::FRAME_SIZE_ERROR]),
        ),
        (
            "a zero WINDOW_UPDATE on the connection",
            with_opening(vec![h2::frame(h2::WINDOW_UPDATE, 0, 0, &[0; 4])]),
            Some(&[h2::PROTOCOL_ERROR]),
        ),
        (
            "an even (server-initiated) stream id",
            with_opening(vec![h2::frame(
                h2::HEADERS,
                h2::END_HEADERS | h2::END_STREAM,
                2,
                h2::GET_ROOT,
            )]),
            Some(&[h2::PROTOCOL_ERROR]),
        ),
        (
            "CONTINUATION without HEADERS",
            with_opening(vec![h2::frame(
                h2::CONTINUATION,
                h2::END_HEADERS,
                1,
                &[0x82],
            )]),
            Some(&[h2::PROTOCOL_ERROR]),
        ),
    ];
    for (name, bytes, code) in cases {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        let _ = stream.write_all(&bytes);
        let outcome = read_until_closed(&mut stream, Duration::from_secs(5));
        assert!(outcome.closed, "{name}: connection left open");
        if let Some(code) = code {
            let sent = h2::goaway(&outcome.bytes);
            assert!(
                sent.is_some_and(|sent| code.contains(&sent)),
                "{name}: GOAWAY {sent:?}, want one of {code:?}"
            );
        }
        assert_serving(&server);
    }
    // The cut-short preface is HTTP/1 garbage: a plain 400.
    let outcome = exchange(server.addr, b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n");
    assert_eq!(outcome.status(), Some(400), "{}", outcome.text());
}

#[test]
fn h2_header_floods_and_rapid_resets_end_the_connection() {
    let server = Server::start(&[]);

    // CONTINUATION flood: a header block that never ends.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        thread::spawn(move || {
            let mut flood = h2::opening();
            flood.extend(h2::frame(h2::HEADERS, 0, 1, h2::GET_ROOT));
            let _ = stream.write_all(&flood);
            // Literal header "x: aaaa..." without indexing, over and over.
            let mut block = vec![0x00, 0x01, b'x', 0x7f, 0x81, 0x07];
            block.extend([b'a'; 1024]);
            let frame = h2::frame(h2::CONTINUATION, 0, 1, &block);
            for _ in 0..16 * 1024 {
                if stream.write_all(&frame).is_err() {
                    return;
                }
            }
        })
    };
    let outcome = read_until_closed(&mut stream, Duration::from_secs(10));
    writer.join().unwrap();
    assert!(outcome.closed, "a 16 MiB header block was accepted");
    assert_serving(&server);

    // Rapid reset: open and cancel streams as fast as possible.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let mut burst = h2::opening();
    for id in (1..20_000u32).step_by(2) {
        burst.extend(h2::frame(
            h2::HEADERS,
            h2::END_HEADERS | h2::END_STREAM,
            id,
            h2::GET_ROOT,
        ));
        burst.extend(h2::frame(h2::RST_STREAM, 0, id, &8u32.to_be_bytes()));
    }
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        thread::spawn(move || {
            let _ = stream.write_all(&burst);
        })
    };
    let outcome = read_until_closed(&mut stream, Duration::from_secs(10));
    writer.join().unwrap();
    assert!(
        outcome.closed,
        "10,000 reset streams and the connection is still open"
    );
    assert!(
        h2::goaway(&outcome.bytes).is_some(),
        "closed without GOAWAY"
    );
    assert_serving(&server);
}

#[test]
fn memory_stays_bounded_under_a_mixed_attack() {
    raise_fd_limit();
    let server = Server::start(&["--header-read-timeout", "2", "--body-read-timeout", "2"]);
    let addr = server.addr;
    // Warm up allocator arenas and the runtime's threads first.
    let mut client = server.client();
    for _ in 0..2_000 {
        client.send("GET", "/api/items", &[], b"");
    }
    drop(client);
    let before = rss_kib(server.pid());

    let attackers: Vec<_> = (0..4)
        .map(|worker| {
            thread::spawn(move || {
                let near_limit = "h".repeat(15 * 1024);
                let body = vec![b'b'; 60 * 1024];
                let mut silent = Vec::new();
                for round in 0..300 {
                    // Heads just under the limit, bodies just under theirs.
                    let mut client = test_support::Client::connect(addr);
                    let response =
                        client.send("POST", "/api/items", &[("x-big", &near_limit)], &body);
                    assert_eq!(response.status, 405);
                    // Over the limits.
                    let over = format!("GET / HTTP/1.1\r\nx: {}\r\n\r\n", "o".repeat(20 * 1024));
                    assert_eq!(exchange(addr, over.as_bytes()).status(), Some(431));
                    // Silent connections, left to time out.
                    if round % 30 == worker {
                        silent.extend((0..50).map(|_| TcpStream::connect(addr).unwrap()));
                    }
                }
                silent
            })
        })
        .collect();
    // Pipelined requests from clients that never read their answers: the
    // server must stop reading (backpressure), not queue answers forever.
    let pipeliners: Vec<_> = (0..4)
        .map(|_| {
            thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream
                    .set_write_timeout(Some(Duration::from_secs(3)))
                    .unwrap();
                let request = b"GET /api/items HTTP/1.1\r\nhost: t\r\n\r\n".repeat(1000);
                let mut sent = 0;
                while sent < 200 && stream.write_all(&request).is_ok() {
                    sent += 1;
                }
                (sent, stream)
            })
        })
        .collect();
    let stalled: Vec<(usize, TcpStream)> =
        pipeliners.into_iter().map(|p| p.join().unwrap()).collect();
    for (sent, _) in &stalled {
        assert!(
            *sent < 200,
            "200,000 pipelined requests went in without a reader"
        );
    }
    let silent: Vec<Vec<TcpStream>> = attackers.into_iter().map(|a| a.join().unwrap()).collect();
    // Let the silent ones time out and memory go back.
    thread::sleep(Duration::from_secs(3));
    assert_serving(&server);
    let after = rss_kib(server.pid());
    drop((silent, stalled));
    eprintln!("RSS {before} KiB before, {after} KiB after the attack");
    assert!(
        after < before + 64 * 1024,
        "RSS grew from {before} KiB to {after} KiB"
    );
}
