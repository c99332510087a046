//! The git objects of a snapshot commit, made here rather than through libgit2's object
//! database: blob, tree and commit ids are hashed in memory, objects the parent commit already
//! holds are left out, and the rest are written as one pack and its index, deflated on every
//! core and not deltified (`git gc` deltifies later, as it does for any fetched pack).
//!
//! libgit2's own writes cost most of a first snapshot of a large schema: every object written
//! through the object database is freshened and looked up in every pack, a pack dumped from
//! its in-memory store delta-compresses each new blob against ten others, and its indexer
//! writes, maps and unmaps each object of a pack on its own.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use flate2::{write::ZlibEncoder, Compression};
use git2::{FileMode, ObjectType, Oid, Repository, Signature, Tree, TreeWalkMode, TreeWalkResult};
use sha1::{Digest, Sha1};

use super::VcsError;

/// One entry of a tree: a name, its mode and the id of the blob or tree it names.
pub(super) struct Entry<'a> {
    pub(super) name: Cow<'a, [u8]>,
    pub(super) mode: i32,
    pub(super) id: Oid,
}

impl Entry<'_> {
    /// Git orders a tree's entries by name, a sub-tree's name read as if it ended in `/`.
    fn sort_key(&self) -> impl Iterator<Item = u8> + '_ {
        let end = if self.mode == i32::from(FileMode::Tree) {
            b'/'
        } else {
            0
        };
        self.name.iter().copied().chain([end])
    }
}

/// The objects of one commit that the repository does not hold yet.
pub(super) struct Pack<'a> {
    /// Objects the repository holds: never written again.
    known: HashSet<Oid>,
    /// The ids of `objects`, each written once whatever the number of trees that name it.
    added: HashSet<Oid>,
    objects: Vec<(ObjectType, Oid, Cow<'a, [u8]>)>,
}

/// The blob id of each file, by path, hashed on every core.
pub(super) fn blob_ids(
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<BTreeMap<String, Oid>, VcsError> {
    let files: Vec<(&String, &Vec<u8>)> = files.iter().collect();
    let ids = crate::parallel::map(&files, |(_, bytes)| {
        Oid::hash_object(ObjectType::Blob, bytes)
    });
    files
        .iter()
        .zip(ids)
        .map(|((path, _), id)| Ok(((*path).clone(), id?)))
        .collect()
}

impl<'a> Pack<'a> {
    pub(super) fn new() -> Self {
        Pack {
            known: HashSet::new(),
            added: HashSet::new(),
            objects: Vec::new(),
        }
    }

    /// Marks the tree at `folder` of `tree`, and everything under it, as held by `repo`.
    pub(super) fn know_folder(
        &mut self,
        repo: &Repository,
        tree: &Tree,
        folder: &str,
    ) -> Result<(), git2::Error> {
        let Ok(entry) = tree.get_path(Path::new(folder)) else {
            return Ok(());
        };
        self.known.insert(entry.id());
        if let Ok(subtree) = entry.to_object(repo)?.into_tree() {
            subtree.walk(TreeWalkMode::PreOrder, |_, entry| {
                self.known.insert(entry.id());
                TreeWalkResult::Ok
            })?;
        }
        Ok(())
    }

    fn add(&mut self, kind: ObjectType, id: Oid, bytes: Cow<'a, [u8]>) {
        if !self.known.contains(&id) && self.added.insert(id) {
            self.objects.push((kind, id, bytes));
        }
    }

    /// Adds a blob whose id, `id`, was hashed beforehand (see [`blob_ids`]).
    pub(super) fn blob(&mut self, id: Oid, bytes: &'a [u8]) {
        self.add(ObjectType::Blob, id, Cow::Borrowed(bytes));
    }

    /// Adds the tree of `entries` (in any order; names unique) and returns its id.
    pub(super) fn tree(&mut self, mut entries: Vec<Entry>) -> Result<Oid, git2::Error> {
        entries.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
        let mut bytes = Vec::with_capacity(entries.len() * 64);
        for entry in &entries {
            write!(bytes, "{:o} ", entry.mode).expect("writing to memory never fails");
            bytes.extend_from_slice(&entry.name);
            bytes.push(0);
            bytes.extend_from_slice(entry.id.as_bytes());
        }
        let id = Oid::hash_object(ObjectType::Tree, &bytes)?;
        self.add(ObjectType::Tree, id, Cow::Owned(bytes));
        Ok(id)
    }

    /// Adds a commit of `tree` on `parents`, written as libgit2 writes one, and returns its id.
    pub(super) fn commit(
        &mut self,
        tree: Oid,
        parents: &[Oid],
        signature: &Signature,
        message: &str,
    ) -> Result<Oid, git2::Error> {
        let mut bytes = format!("tree {tree}\n").into_bytes();
        for parent in parents {
            bytes.extend_from_slice(format!("parent {parent}\n").as_bytes());
        }
        for role in ["author", "committer"] {
            bytes.extend_from_slice(role.as_bytes());
            bytes.push(b' ');
            bytes.extend_from_slice(signature.name_bytes());
            bytes.extend_from_slice(b" <");
            bytes.extend_from_slice(signature.email_bytes());
            let when = signature.when();
            let offset = when.offset_minutes().abs();
            let sign = if when.offset_minutes() < 0 || when.sign() == '-' {
                '-'
            } else {
                '+'
            };
            let line = format!(
                "> {} {sign}{:02}{:02}\n",
                when.seconds(),
                offset / 60,
                offset % 60
            );
            bytes.extend_from_slice(line.as_bytes());
        }
        bytes.push(b'\n');
        bytes.extend_from_slice(message.as_bytes());
        let id = Oid::hash_object(ObjectType::Commit, &bytes)?;
        self.add(ObjectType::Commit, id, Cow::Owned(bytes));
        Ok(id)
    }

    /// Writes the objects into `repo` as one pack and its index (nothing when there are
    /// none). The objects are deflated a batch at a time on every core and streamed out, so the
    /// pack is never all in memory. Each file is made under a temporary name, flushed to disk
    /// and renamed into place, the index last: git and libgit2 see a pack once its index is
    /// there.
    pub(super) fn write(self, repo: &Repository) -> Result<(), VcsError> {
        if self.objects.is_empty() {
            return Ok(());
        }
        let dir = repo.commondir().join("objects/pack");
        let mut objects = Vec::with_capacity(self.objects.len());
        let mut checksum = [0u8; 20];
        make(&dir, |file| {
            let count = u32::try_from(self.objects.len()).expect("fewer than 2^32 objects");
            let header = [*b"PACK", 2u32.to_be_bytes(), count.to_be_bytes()].concat();
            let mut hasher = Sha1::new();
            hasher.update(&header);
            file.write_all(&header)?;
            let mut offset = header.len() as u64;
            for batch in self.objects.chunks(BATCH) {
                let packed = crate::parallel::map(batch, |(kind, _, bytes)| {
                    let packed = entry(*kind, bytes);
                    (crc32fast::hash(&packed), packed)
                });
                for ((_, id, _), (crc, bytes)) in batch.iter().zip(packed) {
                    hasher.update(&bytes);
                    file.write_all(&bytes)?;
                    objects.push(Packed {
                        id: *id,
                        crc,
                        offset,
                    });
                    offset += bytes.len() as u64;
                }
            }
            checksum = hasher.finalize().into();
            file.write_all(&checksum)?;
            Ok(format!("pack-{}.pack", hex(&checksum)))
        })?;
        objects.sort_unstable_by_key(|object| object.id);
        make(&dir, |file| {
            file.write_all(&index(&objects, &checksum))?;
            Ok(format!("pack-{}.idx", hex(&checksum)))
        })?;
        repo.odb()?.refresh()?;
        Ok(())
    }
}

/// How many objects are deflated at a time: enough to keep every core busy, few enough that
/// a batch's deflated bytes stay small.
const BATCH: usize = 1024;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// An object in a pack: its id, the CRC-32 of its packed bytes, where they start.
struct Packed {
    id: Oid,
    crc: u32,
    offset: u64,
}

/// The version 2 index of a pack of `objects` (sorted by id) whose checksum is `checksum`:
/// how many ids start with each byte or less, the ids, their CRCs, their offsets (those past
/// 2 GiB in a table of their own), the pack's checksum, and the index's own.
fn index(objects: &[Packed], checksum: &[u8; 20]) -> Vec<u8> {
    let mut index = Vec::with_capacity(8 + 256 * 4 + objects.len() * 28 + 40);
    index.extend_from_slice(b"\xfftOc");
    index.extend_from_slice(&2u32.to_be_bytes());
    let mut count = 0;
    for first in 0..=255u8 {
        count += objects[count..]
            .iter()
            .take_while(|object| object.id.as_bytes()[0] == first)
            .count();
        index.extend_from_slice(&(count as u32).to_be_bytes());
    }
    for object in objects {
        index.extend_from_slice(object.id.as_bytes());
    }
    for object in objects {
        index.extend_from_slice(&object.crc.to_be_bytes());
    }
    let mut large = Vec::new();
    for object in objects {
        let offset = match u32::try_from(object.offset) {
            Ok(small) if small < 1 << 31 => small,
            _ => {
                large.push(object.offset);
                (1 << 31) | (large.len() as u32 - 1)
            }
        };
        index.extend_from_slice(&offset.to_be_bytes());
    }
    for offset in large {
        index.extend_from_slice(&offset.to_be_bytes());
    }
    index.extend_from_slice(checksum);
    let own: [u8; 20] = Sha1::digest(&index).into();
    index.extend_from_slice(&own);
    index
}

/// Makes a read-only file in `dir`, as git makes pack files: `write` fills it under a
/// temporary name and returns its name, which it takes once flushed to disk. Nothing is left
/// behind when writing fails. The temporary name is always the same: this runs under the
/// repository lock, so a file of that name is one a killed run left, and is replaced.
fn make(
    dir: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<String>,
) -> Result<(), VcsError> {
    let temporary = dir.join("tmp_schemagit_pack");
    let fill = || {
        match std::fs::remove_file(&temporary) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o444)
            .open(&temporary)?;
        let mut file = BufWriter::with_capacity(1 << 20, file);
        let name = write(&mut file)?;
        file.into_inner()?.sync_all()?;
        Ok(dir.join(name))
    };
    let made = match fill() {
        Ok(path) => std::fs::rename(&temporary, &path).map_err(|source| (path, source)),
        Err(source) => Err((temporary.clone(), source)),
    };
    made.map_err(|(path, source)| {
        let _ = std::fs::remove_file(&temporary);
        VcsError::Io { path, source }
    })
}

/// One object as a pack holds it: its type and size, then its bytes deflated.
fn entry(kind: ObjectType, bytes: &[u8]) -> Vec<u8> {
    let code: u8 = match kind {
        ObjectType::Commit => 1,
        ObjectType::Tree => 2,
        ObjectType::Blob => 3,
        other => unreachable!("a snapshot commit holds no {other} objects"),
    };
    let mut out = Vec::with_capacity(bytes.len() / 3 + 16);
    let mut byte = code << 4 | (bytes.len() & 0x0f) as u8;
    let mut rest = bytes.len() >> 4;
    while rest > 0 {
        out.push(byte | 0x80);
        byte = (rest & 0x7f) as u8;
        rest >>= 7;
    }
    out.push(byte);
    let mut deflate = ZlibEncoder::new(out, Compression::fast());
    deflate
        .write_all(bytes)
        .expect("deflating into memory never fails");
    deflate.finish().expect("deflating into memory never fails")
}
