//! Call recordings: find the file of a call and make sure it lies inside the configured root.
//!
//! Lookup order: paths named by the call's CDR variables (given by the caller, once CDRs are
//! indexed), then `<root>/<uuid>.wav` (and `.mp3`), then a bounded search under the root for a
//! file whose name contains the uuid. Every candidate is canonicalised (symlinks resolved) and
//! refused unless it is a regular file under the canonical root.

use std::path::{Path, PathBuf};

use crate::cc::CcError;

/// Upper bound on directory entries looked at by the fallback search.
const SEARCH_LIMIT: usize = 200_000;

fn inside(root: &Path, candidate: &Path) -> Option<PathBuf> {
    let c = std::fs::canonicalize(candidate).ok()?;
    (c.starts_with(root) && c.is_file()).then_some(c)
}

/// Find the recording of call `uuid` (already parsed) under `root`. Blocking: run it on the
/// blocking pool.
pub fn locate(root: &Path, uuid: &str, from_cdr: &[PathBuf]) -> Result<PathBuf, CcError> {
    let root = std::fs::canonicalize(root).map_err(|_| CcError::RecordingsUnavailable)?;
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
                return Err(CcError::RecordingNotFound);
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
    Err(CcError::RecordingNotFound)
}

/// Recording paths named by a call's variables (`record_path`+`record_name`, `cc_record_filename`,
/// `last_arg` of `record_session`), for [`locate`].
pub fn recording_candidates(vars: &serde_json::Value) -> Vec<PathBuf> {
    let g = |k: &str| {
        vars.get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let mut out = Vec::new();
    if let (Some(p), Some(n)) = (g("record_path"), g("record_name")) {
        out.push(Path::new(p).join(n));
    }
    if let Some(f) = g("cc_record_filename") {
        out.push(PathBuf::from(f));
    }
    if g("last_app") == Some("record_session") {
        if let Some(a) = g("last_arg") {
            out.push(PathBuf::from(a));
        }
    }
    if let Some(a) =
        g("current_application_data").filter(|_| g("current_application") == Some("record_session"))
    {
        out.push(PathBuf::from(a));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5f";

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
        assert!(locate(&root, U, std::slice::from_ref(&outside))
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
        assert!(matches!(
            locate(&root, u3, &[]),
            Err(CcError::RecordingNotFound)
        ));
        assert!(matches!(
            locate(&dir.path().join("nope"), U, &[]),
            Err(CcError::RecordingsUnavailable)
        ));
    }

    #[test]
    fn recording_candidates_from_variables() {
        let v = serde_json::json!({"record_path": "/rec", "record_name": "a.wav", "cc_record_filename": "/rec/b.wav", "last_app": "record_session", "last_arg": "/rec/c.wav"});
        let c = recording_candidates(&v);
        assert_eq!(
            c,
            [
                PathBuf::from("/rec/a.wav"),
                PathBuf::from("/rec/b.wav"),
                PathBuf::from("/rec/c.wav")
            ]
        );
    }
}
