//! Mutation tests: every parser of FreeSWITCH bytes gets the real captures truncated, with bytes
//! flipped, inserted and deleted, thousands of times (a fixed seed, so failures reproduce), and must
//! answer `Ok` or `Err` — never panic or hang. Cheap enough for every test run.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::frame::{parse_plain_event, FrameParser};
use super::{reply, table};

fn captures() -> Vec<Vec<u8>> {
    let dir = format!("{}/../testdata/freeswitch", env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(&dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{d:?}: {e}"))
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "raw" || x == "xml" || x == "json" || x == "csv")
            {
                out.push(std::fs::read(&p).unwrap());
            }
        }
    }
    assert!(out.len() > 100, "captures found: {}", out.len());
    out
}

fn mutate(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..rng.gen_range(1..8) {
        if v.is_empty() {
            v.push(rng.gen());
            continue;
        }
        let i = rng.gen_range(0..v.len());
        match rng.gen_range(0..6) {
            0 => v.truncate(i),
            1 => v[i] = rng.gen(),
            2 => v.insert(i, *b"\n:|%<>\"\r0".get(rng.gen_range(0..9)).unwrap()),
            3 => {
                v.remove(i);
            }
            4 => {
                // Huge or bogus lengths.
                let s = [
                    "Content-Length: 99999999999\n",
                    "Content-Length: -1\n",
                    "Content-Length: 3\n\n",
                ][rng.gen_range(0..3)];
                for (k, b) in s.bytes().enumerate() {
                    v.insert((i + k).min(v.len()), b);
                }
            }
            _ => {
                let j = rng.gen_range(i..v.len());
                let chunk = v[i..=j].to_vec();
                v.splice(i..i, chunk);
            }
        }
    }
    v
}

#[test]
fn parsers_survive_mutated_captures() {
    let caps = captures();
    let mut rng = StdRng::seed_from_u64(0x00cc_6a7e);
    for round in 0..6000 {
        let base = &caps[round % caps.len()];
        let input = mutate(&mut rng, base);
        let text = String::from_utf8_lossy(&input);

        let mut p = FrameParser::new();
        // Feed in random chunk sizes; stop on the first error like the client does.
        let mut at = 0;
        let mut frames = 0;
        while at < input.len() {
            let n = rng.gen_range(1..64).min(input.len() - at);
            p.feed(&input[at..at + n]);
            at += n;
            loop {
                match p.next_frame() {
                    Ok(Some(f)) => {
                        frames += 1;
                        let _ = parse_plain_event(&f.body_text());
                        let _ = reply::classify(&f.body_text());
                        let _ = table::parse(&f.body_text());
                    }
                    Ok(None) => break,
                    Err(_) => {
                        at = input.len();
                        break;
                    }
                }
            }
            assert!(frames < 100_000);
        }
        let _ = reply::classify(&text);
        let _ = reply::count(&text);
        let _ = table::parse(&text);
        let _ = crate::cc::cdr::parse::parse_xml(&text);
        let _ = crate::cc::cdr::parse::parse_json(&text);
        for line in text.lines().take(50) {
            let _ = crate::cc::cdr::parse::parse_csv_row(line, 180);
        }
    }
}
