/// xorshift64: random-looking input, reproducible runs, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Zero is xorshift's one fixed point.
        Rng(seed.max(1))
    }

    #[allow(
        clippy::should_implement_trait,
        reason = "an endless stream: an Iterator's Option would only add unwraps"
    )]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    /// A path of 1-4 random segments of URL-safe characters and bare `%`,
    /// so malformed percent escapes come along too.
    pub fn path(&mut self) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-_.~%";
        let mut path = String::new();
        for _ in 0..1 + self.next() % 4 {
            path.push('/');
            for _ in 0..1 + self.next() % 12 {
                path.push(CHARS[(self.next() % CHARS.len() as u64) as usize] as char);
            }
        }
        path
    }

    /// One to four segments of characters that are legal in a request target
    /// (including percent escapes), never one of the service's routes.
    pub fn unrouted_path(&mut self) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.~!$&'()*+,;=:@";
        let mut path = String::new();
        for _ in 0..1 + self.next() % 4 {
            path.push_str("/x");
            for _ in 0..self.next() % 12 {
                if self.next() % 10 == 0 {
                    path.push_str(&format!("%{:02X}", self.next() % 256));
                } else {
                    path.push(CHARS[(self.next() % CHARS.len() as u64) as usize] as char);
                }
            }
        }
        path
    }
}
