//! The configuration's http(s) URLs and `HOST:PORT` addresses, parsed once
//! by `http::Uri` for everyone: validation (the receiver's URL), the
//! NetworkPolicy ports, and the local stack's listen addresses and port
//! flags. IPv6 literals keep their brackets (`[::1]:9095`).

use std::fmt;
use std::str::FromStr;

use http::Uri;
use http::uri::Authority;

/// An absolute `http://` or `https://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    text: String,
    uri: Uri,
}

impl Endpoint {
    /// Parses `text`; the error says what is wrong, the caller names the key.
    pub fn parse(text: &str) -> Result<Endpoint, String> {
        let uri = Uri::from_str(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            _ => return Err(format!("{text:?} must be an http:// or https:// URL")),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(format!("{text:?} has no host"));
        }
        Ok(Endpoint {
            text: text.to_owned(),
            uri,
        })
    }

    pub fn scheme(&self) -> &str {
        self.uri.scheme_str().expect("checked by parse")
    }

    /// The host without user info or port; an IPv6 literal keeps its brackets.
    pub fn host(&self) -> &str {
        self.uri.host().expect("checked by parse")
    }

    /// The explicit port, else the scheme's default.
    pub fn port(&self) -> u16 {
        self.uri
            .port_u16()
            .unwrap_or(if self.scheme() == "https" { 443 } else { 80 })
    }

    /// The path as written, query included; empty when the URL has none.
    pub fn path(&self) -> &str {
        &self.text[self.scheme().len() + "://".len() + self.authority().len()..]
    }

    /// `[user@]host[:port]` as written.
    pub fn authority(&self) -> &str {
        self.uri.authority().expect("checked by parse").as_str()
    }

    /// The same URL with `port` instead of its port; an empty path stays empty.
    pub fn with_port(&self, port: u16) -> String {
        let authority = self.authority();
        let user = authority.rfind('@').map_or("", |at| &authority[..=at]);
        format!(
            "{}://{user}{}:{port}{}",
            self.scheme(),
            self.host(),
            self.path()
        )
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A `HOST:PORT` address with a port above 0 (`127.0.0.1:9090`, `[::1]:9090`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    authority: Authority,
}

impl Address {
    pub fn parse(text: &str) -> Result<Address, String> {
        let invalid = || format!("{text:?} must be HOST:PORT");
        let authority = Authority::from_str(text).map_err(|_| invalid())?;
        let valid = !authority.host().is_empty()
            && !authority.as_str().contains('@')
            && authority.port_u16().is_some_and(|port| port > 0);
        valid.then_some(Address { authority }).ok_or_else(invalid)
    }

    pub fn host(&self) -> &str {
        self.authority.host()
    }

    pub fn port(&self) -> u16 {
        self.authority.port_u16().expect("checked by parse")
    }

    /// The same host on `port`.
    pub fn with_port(&self, port: u16) -> String {
        format!("{}:{port}", self.host())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_urls() {
        let url = Endpoint::parse("http://user@alert-receiver:9095/alerts?x").unwrap();
        assert_eq!(url.scheme(), "http");
        assert_eq!(url.authority(), "user@alert-receiver:9095");
        assert_eq!(url.host(), "alert-receiver");
        assert_eq!(url.port(), 9095);
        assert_eq!(url.path(), "/alerts?x");
        let bare = Endpoint::parse("https://mimir.example").unwrap();
        assert_eq!((bare.port(), bare.path()), (443, ""));
        for bad in [
            "localhost:9095",
            "ftp://host/x",
            "http://",
            "/alerts",
            "http://a b/",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn ports_of_urls() {
        let port = |url| Endpoint::parse(url).unwrap().port();
        assert_eq!(port("http://alert-receiver:9095/alerts"), 9095);
        assert_eq!(port("https://mimir.example/api/v1/push"), 443);
        assert_eq!(port("http://example"), 80);
        assert_eq!(port("http://[::1]:9095/x"), 9095);
        assert_eq!(port("https://[2001:db8::1]/x"), 443);
        assert_eq!(port("https://user:secret@host:8443/x"), 8443);
    }

    /// The old splitters cut IPv6 literals at their first colon.
    #[test]
    fn ipv6_literals_keep_their_brackets() {
        let url = Endpoint::parse("http://[::1]/alerts").unwrap();
        assert_eq!(url.host(), "[::1]");
        assert_eq!(url.with_port(9096), "http://[::1]:9096/alerts");
        let address = Address::parse("[::1]:9090").unwrap();
        assert_eq!((address.host(), address.port()), ("[::1]", 9090));
        assert_eq!(address.with_port(9091), "[::1]:9091");
    }

    #[test]
    fn with_port_changes_only_the_port() {
        let url = Endpoint::parse("http://127.0.0.1:9095").unwrap();
        assert_eq!(url.with_port(1234), "http://127.0.0.1:1234");
        let url = Endpoint::parse("http://me@host/x?y").unwrap();
        assert_eq!(url.with_port(1), "http://me@host:1/x?y");
    }

    #[test]
    fn addresses() {
        assert!(Address::parse("127.0.0.1:9090").is_ok());
        for bad in [
            "127.0.0.1",
            ":9090",
            "host:0",
            "host:x",
            "u@host:1",
            "host:99999",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
