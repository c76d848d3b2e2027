//! # strata-io — bytes and paths on object storage
//!
//! One [`FileIO`] over the `object_store` crate: the local filesystem (the default), memory (for
//! tests) and S3-compatible stores. It moves bytes and knows nothing of Paimon.
//!
//! Paths given to [`FileIO`] are *logical*: `/`-separated, relative to the FileIO's root (the
//! warehouse), with every segment spelled exactly as Paimon names it on disk (partition
//! directories keep their `%3A` escapes). Each backend maps them to its own object keys, so the
//! file `s=x%3Ay/bucket-0/data.parquet` has exactly that name on local disk and in S3.
//!
//! The only synchronisation primitive is [`FileIO::create_if_absent`]: atomic and exclusive on
//! local disk (stage + hard link) and on S3 (`If-None-Match: *`). Snapshot publication relies on
//! it; see `strata-core`'s commit module.
//!
//! Not every S3-compatible store honours `If-None-Match: *`: some ignore the header (a second
//! exclusive create silently replaces the object) and some reject it. Before the first publish
//! on an object store, [`FileIO::check_atomic_publish`] probes the store once (create a probe
//! object twice: the first must succeed and the second must report "already exists") and
//! refuses to publish on a store that fails the probe, unless the storage option
//! `s3.single-writer=true` says that only one process ever writes to the warehouse. A probe can
//! only prove a store broken, not race-safe: a store that checks the condition before writing
//! without a lock (s3s-fs) passes it and can still let two racing writers both win.
#![cfg_attr(test, allow(clippy::unwrap_used))]
#![warn(missing_docs)]

pub mod faulty;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

pub use object_store;

/// Errors of storage operations. Each carries the logical path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object does not exist.
    #[error("{path} does not exist")]
    NotFound {
        /// Logical path.
        path: String,
    },
    /// An exclusive create found the object already there.
    #[error("{path} already exists")]
    AlreadyExists {
        /// Logical path.
        path: String,
    },
    /// The location string cannot be used.
    #[error("invalid location '{location}': {reason}")]
    InvalidLocation {
        /// What the user gave.
        location: String,
        /// Why it is unusable.
        reason: String,
    },
    /// The store cannot do what was asked.
    #[error("{op} on {path} is not supported by this storage: {message}")]
    Unsupported {
        /// Operation name.
        op: &'static str,
        /// Logical path.
        path: String,
        /// Store's explanation.
        message: String,
    },
    /// Any other storage failure.
    #[error("{op} of {path} failed: {source}")]
    Io {
        /// Operation name.
        op: &'static str,
        /// Logical path.
        path: String,
        /// The store's error.
        #[source]
        source: Box<object_store::Error>,
    },
}

impl Error {
    /// Whether the error means "no such object".
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn map_err(op: &'static str, path: &str, e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { .. } => Error::NotFound { path: path.into() },
        object_store::Error::AlreadyExists { .. } => Error::AlreadyExists { path: path.into() },
        object_store::Error::NotImplemented { .. } | object_store::Error::NotSupported { .. } => {
            Error::Unsupported {
                op,
                path: path.into(),
                message: e.to_string(),
            }
        }
        source => Error::Io {
            op,
            path: path.into(),
            source: Box::new(source),
        },
    }
}

/// Which kind of store is behind a [`FileIO`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// Local filesystem rooted at this absolute directory.
    Local(std::path::PathBuf),
    /// In-process memory.
    Memory,
    /// An S3-compatible store: bucket and key prefix.
    S3 {
        /// Bucket name.
        bucket: String,
        /// Key prefix of the root (no leading or trailing `/`).
        prefix: String,
    },
    /// A store handed in by the caller (tests, fault injection).
    Custom,
}

/// Metadata of a listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStatus {
    /// Logical path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, epoch ms.
    pub last_modified_ms: i64,
}

impl FileStatus {
    /// The last path segment.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Bytes and paths on one store, rooted at one directory.
#[derive(Debug, Clone)]
pub struct FileIO {
    store: Arc<dyn ObjectStore>,
    backend: Backend,
    /// Object-key prefix of the root inside `store` (empty when the store itself is rooted).
    prefix: Vec<String>,
    /// Local stores percent-encode segments (object_store decodes them again on disk).
    encode_segments: bool,
    /// Whether exclusive creates can be trusted; shared by clones and sub-directories.
    publish: Arc<PublishState>,
}

/// Storage option: only one process writes to the warehouse, so snapshots may be published on
/// a store without atomic conditional puts (see [`FileIO::check_atomic_publish`]).
pub const SINGLE_WRITER_OPTION: &str = "s3.single-writer";

/// What is known about the store's exclusive create (one per opened store).
#[derive(Debug, Default)]
struct PublishState {
    /// The user promised a single writer: no probe, and a check-then-put fallback.
    single_writer: bool,
    /// Result of the probe once it gave a definite answer.
    probed: tokio::sync::OnceCell<std::result::Result<(), String>>,
}

/// Joins logical path segments with `/`, ignoring empty ones.
pub fn join(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        let p = p.trim_matches('/');
        if p.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(p);
    }
    out
}

impl FileIO {
    /// An in-memory store (tests).
    pub fn memory() -> FileIO {
        FileIO {
            store: Arc::new(InMemory::new()),
            backend: Backend::Memory,
            prefix: Vec::new(),
            encode_segments: false,
            publish: Arc::default(),
        }
    }

    /// Wraps a caller's store (used for fault injection). Segments are used as raw keys.
    pub fn with_store(store: Arc<dyn ObjectStore>) -> FileIO {
        FileIO {
            store,
            backend: Backend::Custom,
            prefix: Vec::new(),
            encode_segments: false,
            publish: Arc::default(),
        }
    }

    /// The same store wrapped by `wrap` (e.g. a fault injector), keeping root and key mapping.
    pub fn wrapped(
        &self,
        wrap: impl FnOnce(Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore>,
    ) -> FileIO {
        FileIO {
            store: wrap(self.store.clone()),
            backend: self.backend.clone(),
            prefix: self.prefix.clone(),
            encode_segments: self.encode_segments,
            publish: self.publish.clone(),
        }
    }

    /// The same store with the single-writer promise set or cleared (a fresh probe state).
    pub fn with_single_writer(&self, single_writer: bool) -> FileIO {
        FileIO {
            publish: Arc::new(PublishState {
                single_writer,
                probed: Default::default(),
            }),
            ..self.clone()
        }
    }

    /// Whether the user promised that only one process writes (`s3.single-writer=true`).
    pub fn single_writer(&self) -> bool {
        self.publish.single_writer
    }

    /// Opens a location: a local path, `file://…`, `memory://`, or `s3://bucket/prefix`.
    /// Local directories are created when missing. S3 settings come from `options`
    /// (`s3.endpoint`, `s3.region`, `s3.access-key`, `s3.secret-key`, `s3.session-token`,
    /// `s3.path-style-access`, `s3.allow-http`, [`SINGLE_WRITER_OPTION`]) and the usual `AWS_*`
    /// environment variables.
    ///
    /// # Errors
    /// [`Error::InvalidLocation`] when the location cannot be opened.
    pub fn open(location: &str, options: &HashMap<String, String>) -> Result<FileIO> {
        let bad = |reason: String| Error::InvalidLocation {
            location: location.to_string(),
            reason,
        };
        if location == "memory://" || location.starts_with("memory://") {
            return Ok(FileIO::memory());
        }
        if let Some(rest) = location
            .strip_prefix("s3://")
            .or_else(|| location.strip_prefix("s3a://"))
        {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(bad("the S3 location has no bucket".into()));
            }
            let store = s3_store(bucket, options).map_err(|e| bad(e.to_string()))?;
            let single_writer = match options.get(SINGLE_WRITER_OPTION).map(|v| v.trim()) {
                None => false,
                Some(v) if v.eq_ignore_ascii_case("true") => true,
                Some(v) if v.eq_ignore_ascii_case("false") => false,
                Some(v) => {
                    return Err(bad(format!(
                        "storage option {SINGLE_WRITER_OPTION}={v}: expected true or false"
                    )))
                }
            };
            let prefix = prefix.trim_matches('/').to_string();
            return Ok(FileIO {
                store: Arc::new(store),
                backend: Backend::S3 {
                    bucket: bucket.to_string(),
                    prefix: prefix.clone(),
                },
                prefix: prefix
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                encode_segments: false,
                publish: Arc::new(PublishState {
                    single_writer,
                    probed: Default::default(),
                }),
            });
        }
        let path_str = match location.strip_prefix("file://") {
            Some(p) => p.to_string(),
            None if location.contains("://") => {
                return Err(bad(
                    "unsupported scheme; use a local path, file://, s3:// or memory://".into(),
                ))
            }
            None => location.to_string(),
        };
        let path = std::path::PathBuf::from(&path_str);
        let abs = if path.is_absolute() {
            path
        } else {
            std::env::current_dir()
                .map_err(|e| bad(format!("cannot resolve a relative path: {e}")))?
                .join(path)
        };
        std::fs::create_dir_all(&abs)
            .map_err(|e| bad(format!("cannot create the directory: {e}")))?;
        let store = LocalFileSystem::new_with_prefix(&abs).map_err(|e| bad(e.to_string()))?;
        Ok(FileIO {
            store: Arc::new(store),
            backend: Backend::Local(abs),
            prefix: Vec::new(),
            encode_segments: false,
            publish: Arc::default(),
        })
    }

    /// A FileIO on the same store rooted at the sub-directory `dir` (a logical path).
    pub fn sub(&self, dir: &str) -> FileIO {
        let mut prefix = self.prefix.clone();
        prefix.extend(dir.split('/').filter(|s| !s.is_empty()).map(str::to_string));
        let backend = match &self.backend {
            Backend::Local(p) => Backend::Local(local_file(p, dir)),
            other => other.clone(),
        };
        FileIO {
            store: self.store.clone(),
            backend,
            prefix,
            encode_segments: self.encode_segments,
            publish: self.publish.clone(),
        }
    }

    /// The backend kind.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The underlying object store (for Parquet readers/writers).
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// The object-store path of a logical path.
    pub fn object_path(&self, logical: &str) -> Path {
        let segments = self
            .prefix
            .iter()
            .map(String::as_str)
            .chain(logical.split('/').filter(|s| !s.is_empty()));
        if self.encode_segments {
            Path::from_iter(segments)
        } else {
            let joined: Vec<&str> = segments.collect();
            Path::parse(joined.join("/")).unwrap_or_else(|_| Path::from_iter(joined))
        }
    }

    /// The logical path of an object-store path under the root.
    fn logical_path(&self, p: &Path) -> String {
        let parts: Vec<String> = p
            .parts()
            .skip(self.prefix.len())
            .map(|part| {
                if self.encode_segments {
                    percent_decode(part.as_ref())
                } else {
                    part.as_ref().to_string()
                }
            })
            .collect();
        parts.join("/")
    }

    /// A human-readable location of a logical path (for messages).
    pub fn display_path(&self, logical: &str) -> String {
        match &self.backend {
            Backend::Local(root) => local_file(root, logical).display().to_string(),
            Backend::S3 { bucket, .. } => format!("s3://{bucket}/{}", self.object_path(logical)),
            Backend::Memory => format!("memory://{}", self.object_path(logical)),
            Backend::Custom => logical.to_string(),
        }
    }

    /// Reads a whole object.
    ///
    /// # Errors
    /// [`Error::NotFound`] or [`Error::Io`].
    pub async fn read(&self, path: &str) -> Result<Bytes> {
        let r = self
            .store
            .get(&self.object_path(path))
            .await
            .map_err(|e| map_err("read", path, e))?;
        r.bytes().await.map_err(|e| map_err("read", path, e))
    }

    /// Reads a byte range.
    ///
    /// # Errors
    /// [`Error::NotFound`] or [`Error::Io`].
    pub async fn read_range(&self, path: &str, range: Range<u64>) -> Result<Bytes> {
        self.store
            .get_range(&self.object_path(path), range)
            .await
            .map_err(|e| map_err("read", path, e))
    }

    /// Size and modification time of an object.
    ///
    /// # Errors
    /// [`Error::NotFound`] or [`Error::Io`].
    pub async fn status(&self, path: &str) -> Result<FileStatus> {
        let m = self
            .store
            .head(&self.object_path(path))
            .await
            .map_err(|e| map_err("stat", path, e))?;
        Ok(FileStatus {
            path: path.to_string(),
            size: m.size,
            last_modified_ms: m.last_modified.timestamp_millis(),
        })
    }

    /// Whether an object exists.
    ///
    /// # Errors
    /// [`Error::Io`] when the store cannot tell.
    pub async fn exists(&self, path: &str) -> Result<bool> {
        match self.store.head(&self.object_path(path)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(map_err("stat", path, e)),
        }
    }

    /// Writes (or replaces) an object atomically.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub async fn write(&self, path: &str, bytes: impl Into<Bytes>) -> Result<()> {
        self.store
            .put(&self.object_path(path), PutPayload::from(bytes.into()))
            .await
            .map(|_| ())
            .map_err(|e| map_err("write", path, e))
    }

    /// Creates an object only if it does not exist, atomically. `Ok(true)`: we created it;
    /// `Ok(false)`: it already existed. An `Err` leaves the outcome unknown.
    ///
    /// With the single-writer promise on an object store, the object is checked for first and
    /// a store that rejects conditional puts gets a plain put (nobody else races us).
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Unsupported`] when the store has no exclusive create.
    pub async fn create_if_absent(&self, path: &str, bytes: impl Into<Bytes>) -> Result<bool> {
        let bytes = bytes.into();
        let checked = self.publish.single_writer && !self.is_local_or_memory();
        if checked && self.exists(path).await? {
            return Ok(false);
        }
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        let location = self.object_path(path);
        match self
            .store
            .put_opts(&location, PutPayload::from(bytes.clone()), opts)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. })
            | Err(object_store::Error::Precondition { .. }) => Ok(false),
            Err(e) if checked && rejects_conditional_put(&e) => {
                self.write(path, bytes).await.map(|()| true)
            }
            Err(e) => Err(map_err("exclusive create", path, e)),
        }
    }

    /// Publishes an immutable file: creates `path` with `bytes` unless it exists, and settles
    /// a lost acknowledgement by reading the file back. `Ok(true)`: the file holds our bytes,
    /// created now or by our own earlier try (a client library's retried request is told
    /// "already exists" about what its first try wrote, and a request reported as failed may
    /// still have been applied); `Ok(false)`: it holds another writer's bytes. The bytes must
    /// be unique to the writer (snapshots carry a UUID, schemas their creation time).
    ///
    /// # Errors
    /// When the outcome cannot be told: the create failed or found the file, and reading it
    /// back failed (transient read errors are retried twice). The create's error when there
    /// was one (absence proves nothing: the failed request may land later), else the read's.
    pub async fn publish(&self, path: &str, bytes: impl Into<Bytes>) -> Result<bool> {
        let bytes = bytes.into();
        let created = self.create_if_absent(path, bytes.clone()).await;
        if matches!(created, Ok(true)) {
            return Ok(true);
        }
        let mut found = self.read(path).await;
        for _ in 0..2 {
            match &found {
                Err(e) if !e.is_not_found() => found = self.read(path).await,
                _ => break,
            }
        }
        match (found, created) {
            (Ok(found), _) => Ok(found == bytes),
            (Err(_), Err(create)) => Err(create),
            (Err(read), Ok(_)) => Err(read),
        }
    }

    /// Local disk and memory: exclusive creates are atomic by construction.
    fn is_local_or_memory(&self) -> bool {
        matches!(self.backend, Backend::Local(_) | Backend::Memory)
    }

    /// Checks, once per opened store, that [`FileIO::create_if_absent`] is exclusive, so that
    /// two writers cannot both publish one snapshot id. Local disk and memory are exclusive by
    /// construction; an object store is probed: a probe object `.strata-probe-<random>` is
    /// created twice under the root (the second create must report "already exists") and then
    /// deleted. Skipped with the single-writer promise ([`SINGLE_WRITER_OPTION`]).
    ///
    /// A definite answer is remembered; a storage error is returned and the next call probes
    /// again.
    ///
    /// # Errors
    /// [`Error::Unsupported`] naming the store and the remedy when the store ignores or
    /// rejects conditional puts; [`Error::Io`] when the probe could not run.
    pub async fn check_atomic_publish(&self) -> Result<()> {
        if self.is_local_or_memory() || self.publish.single_writer {
            return Ok(());
        }
        let verdict = self
            .publish
            .probed
            .get_or_try_init(|| self.probe_exclusive_create())
            .await?;
        verdict.clone().map_err(|message| Error::Unsupported {
            op: "atomic snapshot publishing",
            path: self.display_path(""),
            message,
        })
    }

    /// `Ok(Ok(()))`: exclusive; `Ok(Err(why))`: definitely not; `Err`: could not tell.
    async fn probe_exclusive_create(&self) -> Result<std::result::Result<(), String>> {
        use rand::Rng;
        const REMEDY: &str = "two writers could both publish the same snapshot and one commit \
            would be lost; use a store with conditional writes (AWS S3, MinIO, moto, ...) or, if \
            only one process ever writes to this warehouse, set the storage option \
            s3.single-writer=true";
        let mut last_error = None;
        for _ in 0..3 {
            let name = format!("{PROBE_PREFIX}{:016x}", rand::rng().random::<u64>());
            let location = self.object_path(&name);
            let create = || PutOptions {
                mode: PutMode::Create,
                ..Default::default()
            };
            let first = self
                .store
                .put_opts(&location, PutPayload::from_static(b"probe"), create())
                .await;
            match first {
                Ok(_) => {}
                Err(e) if rejects_conditional_put(&e) => {
                    return Ok(Err(format!(
                        "the store rejects conditional puts (If-None-Match: *): {e}; {REMEDY}"
                    )))
                }
                Err(e) => {
                    // Unknown outcome (or a 501 the client could not classify): try a new name.
                    let _ = self.store.delete(&location).await;
                    last_error = Some(map_err("exclusive create (probe)", &name, e));
                    continue;
                }
            }
            let second = self
                .store
                .put_opts(&location, PutPayload::from_static(b"again"), create())
                .await;
            let verdict = match second {
                Err(object_store::Error::AlreadyExists { .. })
                | Err(object_store::Error::Precondition { .. }) => Some(Ok(())),
                Ok(_) => Some(Err(format!(
                    "the store ignores conditional puts: a second exclusive create of {} also \
                     succeeded; {REMEDY}",
                    self.display_path(&name)
                ))),
                Err(e) if rejects_conditional_put(&e) => Some(Err(format!(
                    "the store rejects conditional puts (If-None-Match: *): {e}; {REMEDY}"
                ))),
                Err(e) => {
                    last_error = Some(map_err("exclusive create (probe)", &name, e));
                    None
                }
            };
            if let Err(e) = self.store.delete(&location).await {
                // orphan cleanup removes it later (`is_probe_name`)
                tracing::debug!(path = %self.display_path(&name), error = %e, "probe object left behind");
            }
            if let Some(v) = verdict {
                return Ok(v);
            }
        }
        Err(last_error.unwrap_or_else(|| Error::Unsupported {
            op: "exclusive create (probe)",
            path: self.display_path(""),
            message: "the probe did not run".into(),
        }))
    }

    /// Deletes an object; a missing object is not an error.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub async fn delete(&self, path: &str) -> Result<()> {
        match self.store.delete(&self.object_path(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(map_err("delete", path, e)),
        }
    }

    /// Objects directly inside a directory (not recursive). A missing directory is empty.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub async fn list(&self, dir: &str) -> Result<Vec<FileStatus>> {
        let prefix = self.object_path(dir);
        let res = match self.store.list_with_delimiter(Some(&prefix)).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(map_err("list", dir, e)),
        };
        let mut out: Vec<FileStatus> = res
            .objects
            .into_iter()
            .map(|m| FileStatus {
                path: self.logical_path(&m.location),
                size: m.size,
                last_modified_ms: m.last_modified.timestamp_millis(),
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Names of the sub-directories directly inside a directory.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub async fn list_dirs(&self, dir: &str) -> Result<Vec<String>> {
        let prefix = self.object_path(dir);
        let res = match self.store.list_with_delimiter(Some(&prefix)).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(map_err("list", dir, e)),
        };
        let mut out: Vec<String> = res
            .common_prefixes
            .iter()
            .filter_map(|p| self.logical_path(p).rsplit('/').next().map(str::to_string))
            .collect();
        out.sort();
        Ok(out)
    }

    /// Every object below a directory, recursively.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub async fn list_recursive(&self, dir: &str) -> Result<Vec<FileStatus>> {
        let prefix = self.object_path(dir);
        let metas: Vec<object_store::ObjectMeta> =
            match self.store.list(Some(&prefix)).try_collect().await {
                Ok(v) => v,
                Err(object_store::Error::NotFound { .. }) => return Ok(Vec::new()),
                Err(e) => return Err(map_err("list", dir, e)),
            };
        let mut out: Vec<FileStatus> = metas
            .into_iter()
            .map(|m| FileStatus {
                path: self.logical_path(&m.location),
                size: m.size,
                last_modified_ms: m.last_modified.timestamp_millis(),
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Unfinished uploads left on local disk by a process that died mid-write: object_store
    /// stages every local write in a file `name#N` beside its destination and moves it into
    /// place at the end, and its listings skip such files. Only local disk has them (an object
    /// store keeps unfinished multipart uploads out of sight; expire those with a bucket
    /// lifecycle rule). Empty on other backends.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory cannot be walked.
    pub async fn list_staging_leftovers(&self, dir: &str) -> Result<Vec<FileStatus>> {
        let Backend::Local(root) = &self.backend else {
            return Ok(Vec::new());
        };
        let root = root.clone();
        let dir = dir.to_string();
        let walk = move || -> std::io::Result<Vec<FileStatus>> {
            let mut out = Vec::new();
            let mut stack = vec![local_file(&root, &dir)];
            while let Some(d) = stack.pop() {
                let entries = match std::fs::read_dir(&d) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                for e in entries {
                    let e = e?;
                    let ty = e.file_type()?;
                    if ty.is_dir() {
                        stack.push(e.path());
                        continue;
                    }
                    let name = e.file_name().to_string_lossy().into_owned();
                    if !is_staging_name(&name) {
                        continue;
                    }
                    let meta = e.metadata()?;
                    let modified = meta
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_millis() as i64);
                    let rel = e.path();
                    let rel = rel.strip_prefix(&root).unwrap_or(&rel);
                    let logical: Vec<String> = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    out.push(FileStatus {
                        path: logical.join("/"),
                        size: meta.len(),
                        last_modified_ms: modified,
                    });
                }
            }
            out.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(out)
        };
        let listed = tokio::task::spawn_blocking(walk)
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|r| r);
        listed.map_err(|e| local_error("list unfinished uploads", self.display_path(""), e))
    }

    /// Deletes one file found by [`FileIO::list_staging_leftovers`]; a missing file is fine.
    ///
    /// # Errors
    /// [`Error::InvalidLocation`] for a name that is not a staging file; [`Error::Io`].
    pub async fn delete_staging_leftover(&self, path: &str) -> Result<()> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let Backend::Local(root) = &self.backend else {
            return Ok(());
        };
        if !is_staging_name(name) {
            return Err(Error::InvalidLocation {
                location: path.to_string(),
                reason: "not an unfinished upload (name#N)".into(),
            });
        }
        match std::fs::remove_file(local_file(root, path)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(local_error("delete", path.to_string(), e)),
        }
    }

    /// Removes an empty local directory (no-op on object stores, which have no directories).
    pub fn remove_empty_dir(&self, dir: &str) {
        if let Backend::Local(root) = &self.backend {
            let _ = std::fs::remove_dir(local_file(root, dir));
        }
    }
}

/// The local file of logical path `logical` under `root`.
fn local_file(root: &std::path::Path, logical: &str) -> std::path::PathBuf {
    logical
        .split('/')
        .filter(|s| !s.is_empty())
        .fold(root.to_path_buf(), |acc, s| acc.join(s))
}

/// A failed operation on local files outside object_store, as a storage error.
fn local_error(op: &'static str, path: String, e: std::io::Error) -> Error {
    Error::Io {
        op,
        path,
        source: Box::new(object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(e),
        }),
    }
}

/// Name prefix of the probe objects of [`FileIO::check_atomic_publish`].
const PROBE_PREFIX: &str = ".strata-probe-";

/// Whether a file name is a probe object of [`FileIO::check_atomic_publish`] (one whose delete
/// failed is left behind at the root it probed).
pub fn is_probe_name(name: &str) -> bool {
    name.strip_prefix(PROBE_PREFIX)
        .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a file name is an object_store staging file (`name#N`, N digits).
pub fn is_staging_name(name: &str) -> bool {
    name.rsplit_once('#').is_some_and(|(base, n)| {
        !base.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Whether a failed conditional put means "this store has no conditional puts": the client's
/// own classification, or an HTTP 501 / `NotImplemented` answer from an S3-compatible server.
fn rejects_conditional_put(e: &object_store::Error) -> bool {
    if matches!(
        e,
        object_store::Error::NotImplemented { .. } | object_store::Error::NotSupported { .. }
    ) {
        return true;
    }
    let text = e.to_string();
    text.contains("501") || text.contains("NotImplemented") || text.contains("Not Implemented")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(v) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn s3_store(
    bucket: &str,
    options: &HashMap<String, String>,
) -> object_store::Result<impl ObjectStore> {
    use object_store::aws::AmazonS3Builder;
    let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
    let get = |k: &str| options.get(k).map(String::as_str);
    if let Some(v) = get("s3.endpoint") {
        b = b.with_endpoint(v);
        if v.starts_with("http://") {
            b = b.with_allow_http(true);
        }
    }
    if let Some(v) = get("s3.region") {
        b = b.with_region(v);
    } else if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
        b = b.with_region("us-east-1");
    }
    if let Some(v) = get("s3.access-key") {
        b = b.with_access_key_id(v);
    }
    if let Some(v) = get("s3.secret-key") {
        b = b.with_secret_access_key(v);
    }
    if let Some(v) = get("s3.session-token") {
        b = b.with_token(v);
    }
    if let Some(v) = get("s3.path-style-access") {
        b = b.with_virtual_hosted_style_request(v != "true");
    }
    if get("s3.allow-http") == Some("true") {
        b = b.with_allow_http(true);
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn exercise(io: &FileIO) {
        let p = "db.db/t/s=x%3Ay/bucket-0/data-1.parquet";
        io.write(p, Bytes::from_static(b"hello")).await.unwrap();
        assert_eq!(io.read(p).await.unwrap(), Bytes::from_static(b"hello"));
        assert_eq!(
            io.read_range(p, 1..3).await.unwrap(),
            Bytes::from_static(b"el")
        );
        let listed = io.list("db.db/t/s=x%3Ay/bucket-0").await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].path, p);
        assert_eq!(
            io.list_dirs("db.db/t").await.unwrap(),
            vec!["s=x%3Ay".to_string()]
        );
        assert!(io
            .create_if_absent("db.db/t/snapshot/snapshot-1", "a")
            .await
            .unwrap());
        assert!(!io
            .create_if_absent("db.db/t/snapshot/snapshot-1", "b")
            .await
            .unwrap());
        assert_eq!(
            io.read("db.db/t/snapshot/snapshot-1").await.unwrap(),
            Bytes::from_static(b"a")
        );
        assert!(io.exists(p).await.unwrap());
        io.delete(p).await.unwrap();
        io.delete(p).await.unwrap();
        assert!(!io.exists(p).await.unwrap());
        assert!(io.read(p).await.unwrap_err().is_not_found());
        assert!(io.list("nothing/here").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn memory_store() {
        exercise(&FileIO::memory()).await;
    }

    #[tokio::test]
    async fn local_store_keeps_paimon_names_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let io = FileIO::open(dir.path().to_str().unwrap(), &HashMap::new()).unwrap();
        io.write("a/s=x%3Ay/f", "1").await.unwrap();
        assert!(dir.path().join("a").join("s=x%3Ay").join("f").exists());
        exercise(&io).await;
        io.write("k=a b é %25/f", "1").await.unwrap();
        assert!(dir.path().join("k=a b é %25").join("f").exists());
        assert_eq!(
            io.list("k=a b é %25").await.unwrap()[0].path,
            "k=a b é %25/f"
        );
        let sub = io.sub("a");
        assert_eq!(sub.list("s=x%3Ay").await.unwrap()[0].path, "s=x%3Ay/f");
    }

    #[tokio::test]
    async fn staging_leftovers_are_listed_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let io = FileIO::open(dir.path().to_str().unwrap(), &HashMap::new()).unwrap();
        io.write("t/bucket-0/data-1.parquet", "x").await.unwrap();
        std::fs::write(dir.path().join("t/bucket-0/data-2.parquet#1"), "partial").unwrap();
        std::fs::create_dir_all(dir.path().join("t/snapshot")).unwrap();
        std::fs::write(dir.path().join("t/snapshot/snapshot-3#12"), "{").unwrap();
        assert_eq!(
            io.list("t/bucket-0").await.unwrap().len(),
            1,
            "listings skip them"
        );
        let t = io.sub("t");
        let left: Vec<String> = t
            .list_staging_leftovers("")
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(
            left,
            ["bucket-0/data-2.parquet#1", "snapshot/snapshot-3#12"]
        );
        for p in &left {
            t.delete_staging_leftover(p).await.unwrap();
        }
        assert!(t.list_staging_leftovers("").await.unwrap().is_empty());
        assert!(t
            .delete_staging_leftover("bucket-0/data-1.parquet")
            .await
            .is_err());
        assert!(is_staging_name("a#1") && !is_staging_name("a#b") && !is_staging_name("#1"));
    }

    #[tokio::test]
    async fn exclusive_create_has_one_winner() {
        let dir = tempfile::tempdir().unwrap();
        let io = FileIO::open(dir.path().to_str().unwrap(), &HashMap::new()).unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let io = io.clone();
            tasks.push(tokio::spawn(async move {
                io.create_if_absent("snapshot/snapshot-7", format!("{i}"))
                    .await
                    .unwrap()
            }));
        }
        let mut winners = 0;
        for t in tasks {
            winners += t.await.unwrap() as usize;
        }
        assert_eq!(winners, 1);
    }
}
