//! Raw HTTP/1.1 over one keep-alive connection, so tests see exactly what a
//! client on the wire would, framing included.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One keep-alive HTTP/1.1 connection; reads both framings a server may
/// answer with (`content-length` and chunked).
pub struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    /// Connects once (a refusal panics), reads with a 30 s timeout.
    pub fn connect(addr: SocketAddr) -> Client {
        Client::connect_within(addr, Duration::ZERO, Duration::from_secs(30))
    }

    /// Retries a refused connection for up to `retry_for`, for servers that
    /// announce their address before they accept.
    pub fn connect_within(addr: SocketAddr, retry_for: Duration, read_timeout: Duration) -> Client {
        let deadline = Instant::now() + retry_for;
        let stream = loop {
            match TcpStream::connect(addr) {
                Ok(stream) => break stream,
                Err(err) if Instant::now() >= deadline => panic!("connect {addr}: {err}"),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        stream.set_read_timeout(Some(read_timeout)).unwrap();
        Client {
            reader: BufReader::new(stream),
        }
    }

    /// The socket itself, for tests that write what no well-behaved client
    /// would.
    pub fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }

    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        self.try_send(method, target, headers, body)
            .unwrap_or_else(|e| panic!("{method} {target}: {e}"))
    }

    /// Like [`Client::send`], for tests where the server may hang up.
    pub fn try_send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Response> {
        let mut head = format!("{method} {target} HTTP/1.1\r\nhost: test\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() {
            head.push_str(&format!("content-length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        self.send_bytes(&request, method == "HEAD")
    }

    /// Writes a whole request and reads the answer. A server may answer an
    /// error and hang up before reading everything (RFC 9112 allows it for a
    /// body it refuses), so a write cut short by that hang-up is not a
    /// failure: the answer already sent is what the test checks.
    pub fn send_bytes(&mut self, request: &[u8], head_only: bool) -> std::io::Result<Response> {
        use std::io::ErrorKind::{BrokenPipe, ConnectionReset};
        match self.reader.get_mut().write_all(request) {
            Err(e) if matches!(e.kind(), BrokenPipe | ConnectionReset) => {}
            written => written?,
        }
        self.read_response(head_only)
    }

    /// The next response on the connection; `head_only` for answers to HEAD,
    /// which announce a length but carry no body.
    pub fn read_response(&mut self, head_only: bool) -> std::io::Result<Response> {
        let status_line = self.line()?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| std::io::Error::other(format!("bad header {line:?}")))?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only {
            return Ok(response);
        }
        let chunked = response
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        if chunked {
            response.body = self.read_chunked()?;
        } else if let Some(length) = response.header("content-length") {
            let length: usize = length
                .parse()
                .map_err(|_| std::io::Error::other(format!("bad content-length {length:?}")))?;
            response.body.resize(length, 0);
            self.reader.read_exact(&mut response.body)?;
        }
        Ok(response)
    }

    fn read_chunked(&mut self) -> std::io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let size_line = self.line()?;
            let size = size_line.split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| std::io::Error::other(format!("bad chunk size {size_line:?}")))?;
            if size == 0 {
                // Trailers (none expected) end with an empty line.
                while !self.line()?.is_empty() {}
                return Ok(body);
            }
            let start = body.len();
            body.resize(start + size, 0);
            self.reader.read_exact(&mut body[start..])?;
            self.line()?;
        }
    }

    /// One line without its line break; a closed connection is an error.
    fn line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}
