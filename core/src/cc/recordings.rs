//! Call recordings: find the file of a call and make sure it lies inside the configured root.
//!
//! Lookup order: paths named by the call's CDR variables (given by the caller, once CDRs are
//! indexed), then `<root>/<uuid>.wav` (and `.mp3`), then a bounded search under the root for a
//! file whose name contains the uuid. Every candidate is canonicalised (symlinks resolved) and
//! refused unless it is a regular file under the canonical root.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecError {
    #[error("uuid: expected a call UUID like 6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5f")]
    BadUuid,
    #[error("recording not found")]
    NotFound,
    #[error("the recordings directory is not available")]
    RootUnavailable,
}

/// A call UUID, 8-4-4-4-12 hex digits. Nothing else reaches the file system.
pub fn parse_uuid(s: &str) -> Result<String, RecError> {
    let s = s.trim();
    let groups: Vec<&str> = s.split('-').collect();
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(RecError::BadUuid)
    }
}

/// Upper bound on directory entries looked at by the fallback search.
const SEARCH_LIMIT: usize = 200_000;

fn inside(root: &Path, candidate: &Path) -> Option<PathBuf> {
    let c = std::fs::canonicalize(candidate).ok()?;
    (c.starts_with(root) && c.is_file()).then_some(c)
}

/// Find the recording of call `uuid` (already parsed) under `root`. Blocking: run it on the
/// blocking pool.
pub fn locate(root: &Path, uuid: &str, from_cdr: &[PathBuf]) -> Result<PathBuf, RecError> {
    let root = std::fs::canonicalize(root).map_err(|_| RecError::RootUnavailable)?;
    for c in from_cdr {
        let c = if c.is_absolute() {
            c.clone()
        } else {
            root.join(c)
        };
        if let Some(p) = inside(&root, &c) {
            return Ok(p);
        }
    }
    for ext in ["wav", "mp3"] {
        if let Some(p) = inside(&root, &root.join(format!("{uuid}.{ext}"))) {
            return Ok(p);
        }
    }
    // Bounded breadth-first search; symlinked directories are not followed.
    let mut queue = std::collections::VecDeque::from([root.clone()]);
    let mut seen = 0usize;
    while let Some(dir) = queue.pop_front() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            seen += 1;
            if seen > SEARCH_LIMIT {
                return Err(RecError::NotFound);
            }
            let Ok(ft) = e.file_type() else { continue };
            let name = e.file_name();
            let name = name.to_string_lossy().to_ascii_lowercase();
            if ft.is_dir() {
                queue.push_back(e.path());
            } else if name.contains(uuid) && (name.ends_with(".wav") || name.ends_with(".mp3")) {
                if let Some(p) = inside(&root, &e.path()) {
                    return Ok(p);
                }
            }
        }
    }
    Err(RecError::NotFound)
}

/// `audio/wav` or `audio/mpeg` by extension.
pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("mp3") => "audio/mpeg",
        _ => "audio/wav",
    }
}

/// A single byte range from a `Range` header against a file of `len` bytes:
/// `Ok(None)` = serve it all, `Ok(Some((start, end_inclusive)))`, `Err(())` = 416.
pub fn parse_range(header: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(h) = header else { return Ok(None) };
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None); // several ranges: answer with the whole file
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    if len == 0 {
        return Err(());
    }
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 {
            return Err(());
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end = if b.is_empty() {
            len - 1
        } else {
            b.parse::<u64>().map_err(|_| ())?.min(len - 1)
        };
        (start, end)
    };
    if start >= len || start > end {
        return Err(());
    }
    Ok(Some((start, end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5f";

    #[test]
    fn uuids() {
        assert_eq!(parse_uuid(U).unwrap(), U);
        assert_eq!(parse_uuid(&U.to_uppercase()).unwrap(), U);
        for bad in [
            "",
            "../etc/passwd",
            "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5",
            "/tmp/x.wav",
            "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5g",
        ] {
            assert_eq!(parse_uuid(bad), Err(RecError::BadUuid), "{bad}");
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-9"), 100), Ok(Some((0, 9))));
        assert_eq!(parse_range(Some("bytes=90-"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=50-500"), 100), Ok(Some((50, 99))));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=9-1"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=x-1"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(parse_range(Some("items=0-1"), 100), Ok(None));
    }

    #[test]
    fn locate_stays_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("rec");
        std::fs::create_dir_all(root.join("2026/11/25")).unwrap();
        let outside = dir.path().join("secret.wav");
        std::fs::write(&outside, b"RIFF").unwrap();
        // Direct file.
        std::fs::write(root.join(format!("{U}.wav")), b"RIFF").unwrap();
        assert!(locate(&root, U, &[]).unwrap().ends_with(format!("{U}.wav")));
        // CDR-named path outside the root is refused, the direct file is used instead.
        assert!(locate(&root, U, &[outside.clone()])
            .unwrap()
            .starts_with(std::fs::canonicalize(&root).unwrap()));
        // Nested search.
        let u2 = "11111111-2222-4333-8444-555555555555";
        std::fs::write(root.join(format!("2026/11/25/support_{u2}.wav")), b"RIFF").unwrap();
        assert!(locate(&root, u2, &[])
            .unwrap()
            .to_string_lossy()
            .contains("2026/11/25"));
        // A symlink pointing out of the root is refused.
        let u3 = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, root.join(format!("{u3}.wav"))).unwrap();
        assert_eq!(locate(&root, u3, &[]), Err(RecError::NotFound));
        assert_eq!(
            locate(&dir.path().join("nope"), U, &[]),
            Err(RecError::RootUnavailable)
        );
    }
}
