//! Client addresses: CIDR blocks and lists (an API user's allow-list, the trusted proxies of the
//! configuration) and the one rule that decides which address a request comes from
//! ([`client_addr`]): the TCP peer, unless the peer is a trusted proxy, in which case the
//! right-most `X-Forwarded-For` address that is not itself a trusted proxy.
//!
//! IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack socket reports for an IPv4
//! client) are treated as the IPv4 address they carry, on both sides of every comparison.

use std::fmt;
use std::net::IpAddr;

/// An address block: `10.0.0.0/8`, `2001:db8::/32`; a bare address is its own block (`/32`,
/// `/128`). Host bits are cleared, so `10.1.2.3/8` is stored and shown as `10.0.0.0/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// `::ffff:a.b.c.d` as `a.b.c.d`; any other address unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u32::from(v4) as u128, 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

fn mask(width: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        (u128::MAX << (width - prefix)) & (u128::MAX >> (128 - width))
    }
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let bad = || format!("`{s}` is not an IPv4 or IPv6 address or CIDR block");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let (value, width) = bits(addr);
        let prefix = match prefix {
            None => width,
            Some(p) => {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 3 {
                    return Err(bad());
                }
                let n: u8 = p.parse().map_err(|_| bad())?;
                // An IPv4-mapped block written in IPv6 (`::ffff:10.0.0.0/104`) keeps its meaning.
                let n = if width == 32 && s.contains(':') {
                    n.checked_sub(96).ok_or_else(bad)?
                } else {
                    n
                };
                if n > width {
                    return Err(bad());
                }
                n
            }
        };
        let value = value & mask(width, prefix);
        let addr = match addr {
            IpAddr::V4(_) => IpAddr::V4((value as u32).into()),
            IpAddr::V6(_) => IpAddr::V6(value.into()),
        };
        Ok(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        let (a, wa) = bits(self.addr);
        let (b, wb) = bits(ip);
        wa == wb && (a ^ b) & mask(wa, self.prefix) == 0
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A list of blocks, written one per line or separated by commas or spaces. Empty: no block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CidrList(Vec<Cidr>);

impl CidrList {
    /// Every entry must parse; the first that does not is the error. Duplicates are dropped.
    pub fn parse(s: &str) -> Result<CidrList, String> {
        let mut out: Vec<Cidr> = Vec::new();
        for item in s.split(|c: char| c == ',' || c.is_whitespace()) {
            if item.is_empty() {
                continue;
            }
            let c = Cidr::parse(item)?;
            if !out.contains(&c) {
                out.push(c);
            }
        }
        Ok(CidrList(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    pub fn blocks(&self) -> &[Cidr] {
        &self.0
    }
}

/// The canonical text: blocks separated by `, ` (what is stored and shown).
impl fmt::Display for CidrList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// One `X-Forwarded-For` element: an address, optionally with a port (`1.2.3.4:80`,
/// `[2001:db8::1]:80`) as some proxies write it.
fn forwarded_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse().ok())
}

/// The client's address. `forwarded_for` are the values of the request's `X-Forwarded-For`
/// headers in order. Only when `peer` is inside `trusted` are they read at all: walking from the
/// right, past the trusted proxies, the first address that is not one is the client; an element
/// that is not an address stops the walk at the last trusted hop (it vouched for nothing better).
/// Without trusted proxies (the default) the header is ignored and the peer is the client.
pub fn client_addr<'a>(
    peer: IpAddr,
    forwarded_for: impl Iterator<Item = &'a str>,
    trusted: &CidrList,
) -> IpAddr {
    let peer = canonical(peer);
    if trusted.is_empty() || !trusted.contains(peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match forwarded_ip(hop) {
            Some(ip) => {
                client = canonical(ip);
                if !trusted.contains(client) {
                    return client;
                }
            }
            None => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_parse_and_normalise() {
        assert_eq!(Cidr::parse("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(
            Cidr::parse(" 192.0.2.7 ").unwrap().to_string(),
            "192.0.2.7/32"
        );
        assert_eq!(
            Cidr::parse("2001:db8:1::5/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(Cidr::parse("::1").unwrap().to_string(), "::1/128");
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
        assert_eq!(Cidr::parse("::/0").unwrap().to_string(), "::/0");
        assert_eq!(
            Cidr::parse("::ffff:10.0.0.0/104").unwrap().to_string(),
            "10.0.0.0/8"
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/ 8",
            "host.example",
            "10.0.0.0/8/8",
            "1.2.3.4:80",
            "::ffff:10.0.0.0/95",
            "10.0.0.0/0008",
        ] {
            let e = Cidr::parse(bad).unwrap_err();
            assert!(e.contains("is not an IPv4 or IPv6"), "{bad}: {e}");
        }
    }

    #[test]
    fn blocks_contain() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains(ip("10.255.0.1")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(c.contains(ip("::ffff:10.1.1.1")), "IPv4-mapped");
        assert!(!c.contains(ip("::1")));
        let c = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c.contains(ip("2001:db8:ffff::1")));
        assert!(!c.contains(ip("2001:db9::1")));
        assert!(!c.contains(ip("10.0.0.1")));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("203.0.113.9")));
        assert!(!Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("2001:db8::1")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("2001:db8::1")));
        assert!(Cidr::parse("192.0.2.7").unwrap().contains(ip("192.0.2.7")));
        assert!(!Cidr::parse("192.0.2.7").unwrap().contains(ip("192.0.2.8")));
    }

    #[test]
    fn lists_parse() {
        let l = CidrList::parse("10.0.0.0/8, 192.0.2.1\n2001:db8::/32  10.0.0.0/8,,").unwrap();
        assert_eq!(l.to_string(), "10.0.0.0/8, 192.0.2.1/32, 2001:db8::/32");
        assert_eq!(l.len(), 3);
        assert!(l.contains(ip("192.0.2.1")));
        assert!(!l.contains(ip("192.0.2.2")));
        assert!(CidrList::parse("  \n ").unwrap().is_empty());
        let e = CidrList::parse("10.0.0.0/8, 300.1.1.1").unwrap_err();
        assert!(e.contains("`300.1.1.1`"), "{e}");
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let none = CidrList::default();
        let proxies = CidrList::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let xff = |v: &'static [&'static str]| v.iter().copied();
        // Off by default: the header is ignored.
        assert_eq!(
            client_addr(ip("127.0.0.1"), xff(&["203.0.113.5"]), &none),
            ip("127.0.0.1")
        );
        // A peer that is not a trusted proxy: ignored too.
        assert_eq!(
            client_addr(ip("192.0.2.1"), xff(&["203.0.113.5"]), &proxies),
            ip("192.0.2.1")
        );
        // Right-most address that is not a trusted proxy; what the client wrote on the left is
        // not believed.
        assert_eq!(
            client_addr(
                ip("127.0.0.1"),
                xff(&["6.6.6.6, 203.0.113.5", "10.1.1.1"]),
                &proxies
            ),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_addr(
                ip("::ffff:127.0.0.1"),
                xff(&["[2001:db8::7]:443"]),
                &proxies
            ),
            ip("2001:db8::7")
        );
        // Only proxies: the left-most of them.
        assert_eq!(
            client_addr(ip("127.0.0.1"), xff(&["10.0.0.2, 10.0.0.3"]), &proxies),
            ip("10.0.0.2")
        );
        // No header, or garbage right behind the proxy: the last trusted hop.
        assert_eq!(
            client_addr(ip("127.0.0.1"), xff(&[]), &proxies),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_addr(ip("127.0.0.1"), xff(&["203.0.113.5, unknown"]), &proxies),
            ip("127.0.0.1")
        );
    }
}
