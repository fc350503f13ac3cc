//! A content-addressed blob store: blobs are named by the SHA-256 of their bytes.
//!
//! Storing the same bytes twice costs nothing the second time, which matters
//! because users upload the same photo again and again (and thumbnails of
//! identical images are identical). Blobs live in a two-level fan-out,
//! `ab/cd/abcdef...`, so no directory grows past 65,536 entries. A reference
//! count per digest, kept in a small sidecar file, tells garbage collection
//! which blobs nobody points to any more.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// Hex SHA-256 of a blob's content: its address in the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    pub fn of(bytes: &[u8]) -> Self {
        Digest(hex::encode(Sha256::digest(bytes)))
    }

    pub fn parse(hex_digest: &str) -> Option<Self> {
        let ok = hex_digest.len() == 64 && hex_digest.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| Digest(hex_digest.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("blob {0:?} not found")]
    NotFound(Digest),
    #[error("blob {0:?} is corrupt: its content hashes to {1:?}")]
    Corrupt(Digest, Digest),
    #[error(transparent)]
    Io(#[from] io::Error),
}

pub struct HashStore {
    root: PathBuf,
}

impl HashStore {
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        fs::create_dir_all(root.join("tmp"))?;
        Ok(HashStore { root })
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        let d = digest.as_str();
        self.root.join(&d[0..2]).join(&d[2..4]).join(d)
    }

    fn refs_path(&self, digest: &Digest) -> PathBuf {
        self.blob_path(digest).with_extension("refs")
    }

    /// Store `bytes` and add one reference; returns the digest. Deduplicates.
    pub fn put(&self, bytes: &[u8]) -> Result<Digest, StoreError> {
        let digest = Digest::of(bytes);
        let path = self.blob_path(&digest);
        if !path.exists() {
            fs::create_dir_all(path.parent().expect("blob paths have parents"))?;
            // Write to tmp/ then rename: concurrent writers of the same blob both succeed.
            let tmp = self.root.join("tmp").join(format!("{}.{}", digest.as_str(), std::process::id()));
            let mut file = File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, &path)?;
        }
        self.adjust_refs(&digest, 1)?;
        Ok(digest)
    }

    /// Read a blob back, re-hashing it to detect bit rot.
    pub fn get(&self, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        let mut bytes = Vec::new();
        match File::open(self.blob_path(digest)) {
            Ok(mut file) => file.read_to_end(&mut bytes)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(StoreError::NotFound(digest.clone())),
            Err(e) => return Err(e.into()),
        };
        let actual = Digest::of(&bytes);
        if &actual != digest {
            return Err(StoreError::Corrupt(digest.clone(), actual));
        }
        Ok(bytes)
    }

    pub fn contains(&self, digest: &Digest) -> bool {
        self.blob_path(digest).exists()
    }

    /// Drop one reference; the blob itself is only removed by `collect_garbage`.
    pub fn release(&self, digest: &Digest) -> Result<u64, StoreError> {
        self.adjust_refs(digest, -1)
    }

    fn adjust_refs(&self, digest: &Digest, delta: i64) -> Result<u64, StoreError> {
        let path = self.refs_path(digest);
        let current: i64 = fs::read_to_string(&path).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
        let next = (current + delta).max(0);
        let mut file = OpenOptions::new().create(true).write(true).truncate(true).open(&path)?;
        write!(file, "{next}")?;
        Ok(next as u64)
    }

    /// Delete every blob whose reference count is zero; returns bytes reclaimed.
    pub fn collect_garbage(&self) -> Result<u64, StoreError> {
        let mut reclaimed = 0;
        for refs in walk(&self.root)?.into_iter().filter(|p| p.extension().is_some_and(|e| e == "refs")) {
            let count: u64 = fs::read_to_string(&refs)?.trim().parse().unwrap_or(0);
            if count == 0 {
                let blob = refs.with_extension("");
                reclaimed += fs::metadata(&blob).map(|m| m.len()).unwrap_or(0);
                let _ = fs::remove_file(&blob);
                fs::remove_file(&refs)?;
            }
        }
        Ok(reclaimed)
    }
}

fn walk(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_content_is_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = HashStore::open(dir.path()).unwrap();
        let a = store.put(b"same bytes").unwrap();
        let b = store.put(b"same bytes").unwrap();
        assert_eq!(a, b);
        assert_eq!(store.release(&a).unwrap(), 1);
        assert_eq!(store.get(&a).unwrap(), b"same bytes");
    }

    #[test]
    fn garbage_collection_removes_unreferenced_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = HashStore::open(dir.path()).unwrap();
        let d = store.put(b"temporary").unwrap();
        store.release(&d).unwrap();
        assert_eq!(store.collect_garbage().unwrap(), 9);
        assert!(!store.contains(&d));
    }
}
