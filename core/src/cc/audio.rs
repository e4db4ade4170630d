//! The `cc/audio` service: the recording of one call, found under the configured recordings
//! directory (`freeswitch.wav_path`) and opened for the byte range asked for.

use std::path::PathBuf;

use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::access::live::Snapshot;
use crate::cc::cdr::query;
use crate::cc::{call_uuid, recordings, CcError};
use crate::platform::db::Db;

/// A recording ready to stream: `body` yields exactly `count` bytes from `start` on.
#[derive(Debug)]
pub struct Recording {
    pub body: tokio::io::Take<tokio::fs::File>,
    /// The whole file's length.
    pub len: u64,
    /// `Some((start, end_inclusive))` when a byte range is served (206), `None` for the whole file.
    pub range: Option<(u64, u64)>,
    pub count: u64,
    /// `audio/wav` or `audio/mpeg`.
    pub content_type: &'static str,
    /// `<uuid>.<ext>`, for the download.
    pub filename: String,
}

/// A single byte range from a `Range` header against a file of `len` bytes:
/// `Ok(None)` = serve it all, `Ok(Some((start, end_inclusive)))`, or 416 range-not-satisfiable.
pub fn parse_range(header: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, CcError> {
    let unsatisfiable = || CcError::RangeNotSatisfiable { len };
    let Some(h) = header else { return Ok(None) };
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None); // several ranges: answer with the whole file
    }
    let (a, b) = spec.split_once('-').ok_or_else(unsatisfiable)?;
    let (a, b) = (a.trim(), b.trim());
    if len == 0 {
        return Err(unsatisfiable());
    }
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| unsatisfiable())?;
        if n == 0 {
            return Err(unsatisfiable());
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().map_err(|_| unsatisfiable())?;
        let end = if b.is_empty() {
            len - 1
        } else {
            b.parse::<u64>().map_err(|_| unsatisfiable())?.min(len - 1)
        };
        (start, end)
    };
    if start >= len || start > end {
        return Err(unsatisfiable());
    }
    Ok(Some((start, end)))
}

/// Find and open the recording of call `uuid` (as the caller gave it) for the `Range` header
/// `range`. The candidates named by the call's CDR come first (see [`recordings::locate`]).
pub async fn open(
    db: &Db,
    snap: &Snapshot,
    uuid: &str,
    range: Option<&str>,
) -> Result<Recording, CcError> {
    let uuid = call_uuid("uuid", uuid)?;
    let root = snap.freeswitch.wav_path.clone();
    let candidates = match query::get(db, &uuid).await? {
        Some(cdr) => recordings::recording_candidates(&cdr.variables),
        None => Vec::new(),
    };
    let u = uuid.clone();
    let found = tokio::task::spawn_blocking(move || recordings::locate(&root, &u, &candidates))
        .await
        .map_err(|e| CcError::internal(e.to_string()))?;
    let path: PathBuf = found.inspect_err(|e| {
        if matches!(e, CcError::RecordingsUnavailable) {
            tracing::warn!("the configured recordings directory cannot be read");
        }
    })?;
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| CcError::RecordingNotFound)?;
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let range = parse_range(range, len)?;
    let (start, end) = range.unwrap_or((0, len.saturating_sub(1)));
    let count = if len == 0 { 0 } else { end - start + 1 };
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(|e| CcError::internal(e.to_string()))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("wav")
        .to_ascii_lowercase();
    Ok(Recording {
        body: file.take(count),
        len,
        range,
        count,
        content_type: recordings::content_type(&path),
        filename: format!("{uuid}.{ext}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 100).unwrap(), None);
        assert_eq!(parse_range(Some("bytes=0-9"), 100).unwrap(), Some((0, 9)));
        assert_eq!(parse_range(Some("bytes=90-"), 100).unwrap(), Some((90, 99)));
        assert_eq!(parse_range(Some("bytes=-10"), 100).unwrap(), Some((90, 99)));
        assert_eq!(
            parse_range(Some("bytes=50-500"), 100).unwrap(),
            Some((50, 99))
        );
        for unsatisfiable in ["bytes=100-", "bytes=9-1", "bytes=x-1"] {
            assert!(
                matches!(
                    parse_range(Some(unsatisfiable), 100),
                    Err(CcError::RangeNotSatisfiable { len: 100 })
                ),
                "{unsatisfiable}"
            );
        }
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100).unwrap(), None);
        assert_eq!(parse_range(Some("items=0-1"), 100).unwrap(), None);
    }

    #[tokio::test]
    async fn opens_the_range_asked_for() {
        let (dir, db) = crate::platform::db::scratch(1).await;
        let u = "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5f";
        std::fs::write(dir.path().join(format!("{u}.wav")), b"RIFF0123456789").unwrap();
        let mut snap = Snapshot::default();
        snap.freeswitch.wav_path = dir.path().to_path_buf();
        let mut r = open(&db, &snap, &u.to_uppercase(), Some("bytes=4-7"))
            .await
            .unwrap();
        assert_eq!((r.len, r.range, r.count), (14, Some((4, 7)), 4));
        assert_eq!(
            (r.content_type, r.filename.as_str()),
            ("audio/wav", &*format!("{u}.wav"))
        );
        let mut got = Vec::new();
        r.body.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"0123");
        assert!(matches!(
            open(&db, &snap, u, Some("bytes=99-")).await,
            Err(CcError::RangeNotSatisfiable { len: 14 })
        ));
        assert!(matches!(
            open(&db, &snap, "../x", None).await,
            Err(CcError::Invalid { field: "uuid", .. })
        ));
    }
}
