#!/usr/bin/env python3
"""Conformance check of a FreeSWITCH-compatible server (for example fs-sim) against the real
FreeSWITCH 1.11.2 exchanges captured in testdata/freeswitch (in this repository).

It replays, on a fresh ESL connection, the mod_callcenter command sequence of the captures
(esl_cc_01 .. esl_cc_47), then the deterministic mod_xml_rpc requests, and compares framing and
content with what real FreeSWITCH sent. Values that legitimately differ between runs (UUIDs, epochs,
counters, uptime, dates, versions) are ignored; everything else must match.

The server under test must start with mod_callcenter queues support@default (longest-idle-agent) and
sales@default (ring-all) defined in its configuration, and no agents or tiers other than those the
sequence adds (the check deletes 1000@default, 1001@default and 1009@default first).

Usage: fs-conformance.py [--esl HOST:PORT] [--password ClueCon] [--http HOST:PORT]
                         [--user freeswitch] [--pass works] [--captures DIR] [-v]
Exit status 0 when every check passes; prints one line per failure and a summary line.
"""
import argparse, base64, os, re, socket, sys

HERE = os.path.dirname(os.path.abspath(__file__))

ESL_SEQUENCE = [
    ("01", "queue unload support@default"), ("02", "queue unload sales@default"),
    ("03", "queue list"), ("04", "queue count"), ("05", "agent list"), ("06", "tier list"),
    ("07", "queue load support@default"), ("08", "queue load sales@default"),
    ("09", "queue load nosuch@default"), ("10", "queue list"), ("11", "queue count"),
    ("12", "queue list tiers support@default"), ("13", "queue list members support@default"),
    ("14", "agent add 1000@default callback"), ("15", "agent add 1000@default callback"),
    ("16", "agent add 1009@default badtype"),
    ("17", "agent set contact 1000@default {leg_timeout=10}loopback/1000/default"),
    ("18", "agent set status 1000@default Available"), ("19", "agent add 1001@default callback"),
    ("20", "agent set contact 1001@default loopback/1001/default"),
    ("21", "agent set status 1001@default 'On Break'"), ("22", "agent set status 1001@default Bogus"),
    ("23", "agent set status nosuch@default Available"),
    ("24", "tier add support@default 1000@default 1 1"), ("25", "tier add support@default 1001@default 2 1"),
    ("26", "tier add sales@default 1001@default 1 1"), ("27", "tier add nosuch@default 1000@default 1 1"),
    ("28", "agent list"), ("29", "agent list 1000@default"), ("30", "tier list"),
    ("31", "queue list tiers support@default"), ("32", "queue list agents support@default"),
    ("33", "queue list members support@default"), ("34", "queue count agents support@default"),
    ("35", "queue count tiers support@default"), ("36", "queue count members support@default"),
    ("37", "agent get status 1000@default"), ("38", "agent get state 1000@default"),
    ("39", "agent get status nosuch@default"), ("40", "agent del nosuch"),
    ("41", "tier del support@default nosuch"), ("42", "foo"), ("43", ""), ("44", "queue foo"),
    ("45", "queue list foo support@default"), ("46", "agent list nosuch@default"),
    ("47", "queue list tiers nosuch@default"),
]
ESL_BASICS = [("04", "api version"), ("05", "api status"), ("06", "api nosuchcmd"),
              ("07", "api nosuchcmd foo bar"), ("08", "nosuchcommand"), ("09", "api show channels"),
              ("11", "event plain HEARTBEAT"), ("12", "noevents")]
HTTP_CASES = ["http_01_txtapi_status", "http_02_api_status", "http_03_webapi_status",
              "http_04_txtapi_cc_queue_list", "http_05_txtapi_cc_queue_count",
              "http_07_txtapi_cc_agent_list",
              "http_08_txtapi_status_no_auth_401", "http_09_txtapi_status_wrong_pass",
              "http_10_txtapi_unknown_cmd", "http_11_api_unknown_cmd", "http_13_txtapi_show_channels",
              "http_14_txtapi_version", "http_15_txtapi_status_http10", "http_16_txtapi_status_conn_keepalive",
              "http_18_txtapi_cc_foo", "http_19_txtapi_plus_encoded_space",
              "http_22_txtapi_cc_tier_list_pair", "http_23_txtapi_cc_queue_list_tiers_support",
              "http_26_txtapi_cc_agent_del_nosuch", "http_27_txtapi_cc_no_args_usage",
              "http_29_txtapi_cc_queue_foo_empty_output"]

# Columns whose values must match in tables (others carry epochs, counters or local configuration).
STABLE = {"queue": ["name", "strategy"],
          "agent": ["name", "instance_id", "type", "contact", "status"],
          "tier": ["queue", "agent", "state", "level", "position"],
          "member": ["queue", "cid_number", "state"]}

failures = []
verbose = False

def fail(where, msg):
    failures.append(f"{where}: {msg}")

# ---------------------------------------------------------------- ESL framing
def read_frame(buf, sock):
    """Return (headers:list[(k,v)], body:bytes, rest:bytes) for one ESL frame."""
    while b"\n\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    head, buf = buf.split(b"\n\n", 1)
    headers = []
    for line in head.decode("utf-8", "replace").split("\n"):
        if line:
            k, _, v = line.partition(": ")
            headers.append((k, v))
    length = next((int(v) for k, v in headers if k == "Content-Length"), 0)
    while len(buf) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed inside a body")
        buf += chunk
    return headers, buf[:length], buf[length:]

def parse_capture_frame(path):
    data = open(path, "rb").read()
    head, _, rest = data.partition(b"\n\n")
    headers = [tuple(l.split(": ", 1)) for l in head.decode().split("\n") if l]
    length = next((int(v) for k, v in headers if k == "Content-Length"), 0)
    return headers, rest[:length]

# ---------------------------------------------------------------- body comparison
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

def table(body):
    text = body.decode("utf-8", "replace")
    lines = text.split("\n")
    if len(lines) < 2 or "|" not in lines[0] or not text.endswith("+OK\n"):
        return None
    header = lines[0].split("|")
    rows = [l.split("|") for l in lines[1:] if l and l != "+OK"]
    return header, rows

def kind_of(header):
    if header[:2] == ["name", "strategy"]: return "queue"
    if header[:2] == ["name", "instance_id"] or header[:2] == ["name", "system"]: return "agent"
    if header[:2] == ["queue", "agent"]: return "tier"
    if header[:2] == ["queue", "instance_id"] or header[:2] == ["queue", "system"]: return "member"
    return None

def normalize(body):
    b = UUID.sub(b"<uuid>", body)
    b = re.sub(rb"\d+", b"<n>", b)
    return b

def compare_bodies(where, want, got, loose=False):
    tw, tg = table(want), table(got)
    if tw is not None:
        if tg is None:
            return fail(where, f"expected a pipe table, got {got[:80]!r}")
        if tw[0] != tg[0]:
            return fail(where, f"table header differs:\n    want {'|'.join(tw[0])}\n    got  {'|'.join(tg[0])}")
        if len(tw[1]) != len(tg[1]):
            return fail(where, f"{len(tg[1])} rows, real FreeSWITCH had {len(tw[1])}")
        k = kind_of(tw[0])
        cols = [tw[0].index(c) for c in STABLE.get(k, [])]
        pick = lambda rows: sorted(tuple(r[i] if i < len(r) else None for i in cols) for r in rows)
        if pick(tw[1]) != pick(tg[1]):
            return fail(where, f"row values differ in {STABLE.get(k)}: want {pick(tw[1])} got {pick(tg[1])}")
        bad = [r for r in tg[1] if len(r) != len(tg[0])]
        if bad:
            fail(where, f"{len(bad)} rows do not have {len(tg[0])} fields")
        return
    if loose:
        if normalize(want).split(b"\n")[0][:1] != normalize(got).split(b"\n")[0][:1]:
            fail(where, f"body differs: want {want[:60]!r} got {got[:60]!r}")
        return
    if normalize(want) != normalize(got):
        fail(where, f"body differs: want {want[:120]!r} got {got[:120]!r}")

# ---------------------------------------------------------------- ESL checks
def esl_session(host, port, password, caps):
    s = socket.create_connection((host, port), timeout=10)
    buf = b""
    h, body, buf = read_frame(buf, s)
    wh, _ = parse_capture_frame(os.path.join(caps, "esl_01_greeting.raw"))
    if h != wh:
        fail("esl greeting", f"headers {h} != {wh}")
    s.sendall(f"auth {password}\n\n".encode())
    h, body, buf = read_frame(buf, s)
    wh, _ = parse_capture_frame(os.path.join(caps, "esl_02_auth_ok_reply.raw"))
    if h != wh:
        fail("esl auth", f"headers {h} != {wh}")
    return s, buf

def esl_api(s, buf, line):
    s.sendall(line.encode() + b"\n\n")
    return read_frame(buf, s)

def check_frame(where, h, body, wh, wbody, loose=False):
    hd, whd = dict(h), dict(wh)
    if hd.get("Content-Type") != whd.get("Content-Type"):
        fail(where, f"Content-Type {hd.get('Content-Type')!r}, real FreeSWITCH sent {whd.get('Content-Type')!r}")
    if "Content-Length" in whd and "Content-Length" not in hd:
        fail(where, "no Content-Length")
    if "Reply-Text" in whd:
        if normalize(hd.get("Reply-Text", "").encode()) != normalize(whd["Reply-Text"].encode()):
            fail(where, f"Reply-Text {hd.get('Reply-Text')!r}, real FreeSWITCH sent {whd['Reply-Text']!r}")
    compare_bodies(where, wbody, body, loose)

def run_esl(host, port, password, caps):
    s, buf = esl_session(host, port, password, caps)
    for agent in ("1000@default", "1001@default", "1009@default"):
        _, _, buf = esl_api(s, buf, f"api callcenter_config agent del {agent}")
    for nn, args in ESL_SEQUENCE:
        name = next(f for f in os.listdir(caps) if f.startswith(f"esl_cc_{nn}_"))
        wh, wbody = parse_capture_frame(os.path.join(caps, name))
        h, body, buf = esl_api(s, buf, f"api callcenter_config {args}".rstrip())
        check_frame(name, h, body, wh, wbody)
        if verbose: print("checked", name)
    for nn, line in ESL_BASICS:
        name = next(f for f in os.listdir(caps) if f.startswith(f"esl_{nn}_"))
        wh, wbody = parse_capture_frame(os.path.join(caps, name))
        h, body, buf = esl_api(s, buf, line)
        check_frame(name, h, body, wh, wbody, loose=nn in ("04", "05"))
        if verbose: print("checked", name)
    s.close()
    # wrong password: reply, disconnect notice (67-byte body), then close
    s = socket.create_connection((host, port), timeout=10)
    buf = b""
    _, _, buf = read_frame(buf, s)
    s.sendall(b"auth wrongpass\n\n")
    want = open(os.path.join(caps, "esl_03_auth_bad_full_stream.raw"), "rb").read()
    got = buf
    try:
        while True:
            c = s.recv(65536)
            if not c: break
            got += c
    except socket.timeout:
        fail("esl_03_auth_bad_full_stream", "server did not close the connection after a bad password")
    if got != want:
        fail("esl_03_auth_bad_full_stream", f"stream differs: want {want!r} got {got[:200]!r}")

# ---------------------------------------------------------------- HTTP checks
def http_exchange(host, port, raw):
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(raw)
    data = b""
    try:
        while True:
            c = s.recv(65536)
            if not c: break
            data += c
    except socket.timeout:
        return data, False
    return data, True

def split_http(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(l.split(": ", 1)) for l in lines[1:] if ": " in l]
    return lines[0], headers, body

def run_http(host, port, user, pw, caps):
    auth_ok = base64.b64encode(f"{user}:{pw}".encode()).decode()
    for case in HTTP_CASES:
        req = open(os.path.join(caps, case + ".req"), "rb").read()
        req = re.sub(rb"Host: [^\r]*", f"Host: {host}:{port}".encode(), req)
        req = req.replace(b"ZnJlZXN3aXRjaDp3b3Jrcw==", auth_ok.encode())
        want = open(os.path.join(caps, case + ".raw"), "rb").read()
        got, closed = http_exchange(host, port, req)
        if not closed:
            fail(case, "server kept the connection open (real FreeSWITCH closes it)")
        ws, wh, wb = split_http(want)
        gs, gh, gb = split_http(got)
        if ws != gs:
            fail(case, f"status line {gs!r}, real FreeSWITCH sent {ws!r}")
        wnames = sorted(k for k, _ in wh if k not in ("Date",))
        gnames = sorted(k for k, _ in gh if k not in ("Date",))
        if wnames != gnames:
            fail(case, f"header names {gnames} != {wnames}")
        for k, v in wh:
            if k in ("Content-Type", "Content-type", "Connection", "WWW-Authenticate", "freeswitch-user"):
                if dict(gh).get(k) != v:
                    fail(case, f"header {k}: {dict(gh).get(k)!r}, real FreeSWITCH sent {v!r}")
        loose = case in ("http_01_txtapi_status", "http_02_api_status", "http_03_webapi_status",
                         "http_14_txtapi_version", "http_15_txtapi_status_http10",
                         "http_16_txtapi_status_conn_keepalive")
        compare_bodies(case, wb, gb, loose)
        if verbose: print("checked", case)

def main():
    global verbose
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--esl", default="127.0.0.1:8021")
    ap.add_argument("--password", default="ClueCon")
    ap.add_argument("--http", default="127.0.0.1:8080")
    ap.add_argument("--user", default="freeswitch")
    ap.add_argument("--pass", dest="pw", default="works")
    ap.add_argument("--captures", default=os.path.join(HERE, "..", "..", "testdata", "freeswitch"))
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    verbose = a.v
    eh, ep = a.esl.rsplit(":", 1)
    try:
        run_esl(eh, int(ep), a.password, a.captures)
    except (OSError, EOFError) as e:
        fail("esl", f"connection problem: {e}")
    if not a.skip_http:
        hh, hp = a.http.rsplit(":", 1)
        try:
            run_http(hh, int(hp), a.user, a.pw, a.captures)
        except OSError as e:
            fail("http", f"connection problem: {e}")
    total = len(ESL_SEQUENCE) + len(ESL_BASICS) + 3 + (0 if a.skip_http else len(HTTP_CASES))
    for f in failures:
        print("FAIL", f)
    print(f"{total - len({f.split(':')[0] for f in failures})} passed, {len({f.split(':')[0] for f in failures})} failed")
    sys.exit(1 if failures else 0)

if __name__ == "__main__":
    main()
