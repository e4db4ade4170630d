-- The addresses an API user may call from: CIDR blocks (IPv4 and IPv6) separated by ", ", as
-- `platform::net::CidrList` writes them; empty: any address.
ALTER TABLE api_users ADD COLUMN ip_allow TEXT NOT NULL DEFAULT '';
