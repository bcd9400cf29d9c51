//! A small HTTP/1.1 client for talking to the stack's parts: the app
//! instances, Prometheus' and Alertmanager's APIs, the control endpoint.

use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A response: status and the whole body.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> anyhow::Result<Value> {
        serde_json::from_slice(&self.body).context("response is not JSON")
    }
}

#[derive(Clone, Debug)]
pub struct HttpClient {
    client: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl HttpClient {
    /// A client whose every request (connect to last body byte) is bounded
    /// by `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self::build(timeout, true)
    }

    /// A client that opens a new connection for every request: for probes,
    /// whose answer must describe the listener now, not a kept-alive
    /// connection the server may be closing at this very moment.
    pub fn fresh_connections(timeout: Duration) -> Self {
        Self::build(timeout, false)
    }

    fn build(timeout: Duration, keep_alive: bool) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(timeout));
        let mut builder = Client::builder(TokioExecutor::new());
        // Idle connections to an instance that restarts must not outlive it
        // by much: a restarted instance is a new server.
        builder.pool_idle_timeout(Duration::from_secs(5));
        if !keep_alive {
            builder.pool_max_idle_per_host(0);
        }
        HttpClient {
            client: builder.build(connector),
            timeout,
        }
    }

    pub async fn get(&self, url: &str) -> anyhow::Result<Reply> {
        self.send(Method::GET, url, None).await
    }

    /// Sends a request with an optional `(content type, body)`.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<(&str, Bytes)>,
    ) -> anyhow::Result<Reply> {
        let mut request = Request::builder().method(method.clone()).uri(url);
        let body = match body {
            Some((content_type, bytes)) => {
                request = request.header(header::CONTENT_TYPE, content_type);
                bytes
            }
            None => Bytes::new(),
        };
        let request = request
            .body(Full::new(body))
            .with_context(|| format!("invalid request {method} {url}"))?;
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::Ok(Reply { status, body })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result.with_context(|| format!("{method} {url}")),
            Err(_) => anyhow::bail!("{method} {url}: no answer within {:?}", self.timeout),
        }
    }

    /// GET expecting a 2xx JSON answer.
    pub async fn get_json(&self, url: &str) -> anyhow::Result<Value> {
        let reply = self.get(url).await?;
        if !reply.status.is_success() {
            anyhow::bail!("GET {url}: {} {}", reply.status, reply.text().trim());
        }
        reply.json().with_context(|| format!("GET {url}"))
    }

    /// POST (or PUT...) a JSON value expecting a 2xx answer; returns the body.
    pub async fn send_json(
        &self,
        method: Method,
        url: &str,
        value: &Value,
    ) -> anyhow::Result<Reply> {
        let body = Bytes::from(serde_json::to_vec(value).expect("JSON values serialize"));
        let reply = self
            .send(method.clone(), url, Some(("application/json", body)))
            .await?;
        if !reply.status.is_success() {
            anyhow::bail!("{method} {url}: {} {}", reply.status, reply.text().trim());
        }
        Ok(reply)
    }
}

/// Percent-encodes a query parameter value (RFC 3986 unreserved kept).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode_query_value("up{job=\"app\"} == 0"),
            "up%7Bjob%3D%22app%22%7D%20%3D%3D%200"
        );
        assert_eq!(encode_query_value("a-b_c.d~"), "a-b_c.d~");
    }
}
