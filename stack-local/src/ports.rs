//! Port checks before anything starts: a taken port is reported with the
//! setting that chose it, instead of surfacing later as a child's bind error
//! buried in its log.

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};

/// An address the stack is about to listen on, and who wants it.
#[derive(Clone, Debug)]
pub struct Claim {
    pub address: String,
    /// E.g. "Prometheus (--prometheus-port, local.prometheus_address)".
    pub owner: String,
    /// Appended to the error when the port is taken.
    pub hint: Option<String>,
}

impl Claim {
    pub fn new(address: impl Into<String>, owner: impl Into<String>) -> Self {
        Claim {
            address: address.into(),
            owner: owner.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

fn resolve(address: &str) -> anyhow::Result<SocketAddr> {
    address
        .to_socket_addrs()
        .map_err(|e| anyhow::anyhow!("cannot resolve {address}: {e}"))?
        .next()
        .ok_or_else(|| anyhow::anyhow!("{address} resolves to no address"))
}

/// Fails, naming every conflict, when two claims share a port or a port is
/// already taken.
pub fn check(claims: &[Claim]) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    for (i, claim) in claims.iter().enumerate() {
        let address = resolve(&claim.address)?;
        if let Some(other) = claims[..i]
            .iter()
            .find(|other| resolve(&other.address).is_ok_and(|a| a.port() == address.port()))
        {
            problems.push(format!(
                "port {} is chosen twice: by {} and by {}",
                address.port(),
                other.owner,
                claim.owner
            ));
            continue;
        }
        if let Err(err) = TcpListener::bind(address) {
            problems.push(if err.kind() == std::io::ErrorKind::AddrInUse {
                format!(
                    "port {} for {} is already in use by another process: stop it, or choose another port{}",
                    address.port(),
                    claim.owner,
                    claim.hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default()
                )
            } else {
                format!("cannot listen on {address} for {}: {err}", claim.owner)
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{}", problems.join("\n"))
    }
}

/// A port nobody listens on right now (the OS picks it).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_is_named_with_its_owner() {
        let holder = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = holder.local_addr().unwrap().port();
        let error = check(&[Claim::new(
            format!("127.0.0.1:{port}"),
            "Prometheus (--prometheus-port)",
        )])
        .unwrap_err()
        .to_string();
        assert!(
            error.contains(&format!(
                "port {port} for Prometheus (--prometheus-port) is already in use"
            )),
            "{error}"
        );
    }

    #[test]
    fn the_same_port_twice_is_a_conflict() {
        let port = free_port().unwrap();
        let error = check(&[
            Claim::new(format!("127.0.0.1:{port}"), "app instance 1"),
            Claim::new(format!("127.0.0.1:{port}"), "Alertmanager"),
        ])
        .unwrap_err()
        .to_string();
        assert!(error.contains("chosen twice"), "{error}");
    }
}
