use crate::{Client, Rng};

/// Sends `count` requests no route matches, each with a method drawn from
/// `methods`, a path from `path`, a query string on every third and a random
/// header value, and asserts every answer is 404: traffic that must leave the
/// metrics' series set as it was.
pub fn send_unrouted(
    client: &mut Client,
    rng: &mut Rng,
    methods: &[&str],
    path: fn(&mut Rng) -> String,
    count: u64,
) {
    for i in 0..count {
        let method = rng.pick(methods);
        let mut target = path(rng);
        if i % 3 == 0 {
            target.push_str(&format!("?q={}&r={}", rng.next(), rng.next()));
        }
        let header_value = format!("v{}", rng.next());
        let response = client.send(method, &target, &[("x-random", &header_value)], b"");
        assert_eq!(response.status, 404, "{method} {target}");
    }
}
