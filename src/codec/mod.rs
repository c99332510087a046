//! Model ⇄ canonical snapshot files, in memory: the JSON text, the path of every object, the
//! manifest and its fingerprint, and the integrity check of a snapshot folder's bytes.

mod json;
mod lookup;
mod manifest;
pub mod path;
mod verify;

use std::collections::{BTreeMap, HashMap};

use serde::{de::DeserializeOwned, Serialize};

use crate::model::{self, Database};
pub use lookup::{decode_objects, ObjectName};
pub use manifest::{
    differing_entries, file_changes, file_hash, fingerprint, FileAction, FileChange, Manifest,
    ManifestEntry, FORMAT,
};
pub use verify::{verify, Problem};

/// The manifest's file name inside a snapshot folder.
pub const MANIFEST: &str = "manifest.json";
/// The folder of database-wide objects.
const DATABASE_DIR: &str = "_database";

/// A snapshot in memory: every file's bytes, keyed by path relative to `snapshots/<env>/`,
/// and the manifest that describes them (also present in `files` as `manifest.json`).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub files: BTreeMap<String, Vec<u8>>,
    pub manifest: Manifest,
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("two objects map to the same snapshot file {path}: {first} and {second}")]
    PathCollision {
        path: String,
        first: String,
        second: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{path}: missing from the snapshot folder")]
    Missing { path: String },
    #[error("{path}: not a valid {what}: {reason}")]
    Malformed {
        path: String,
        what: &'static str,
        reason: String,
    },
    #[error("{path}: snapshot format {found} is not supported by this schemagit (it reads format {FORMAT}); upgrade schemagit")]
    Format { path: String, found: u32 },
    #[error("{path}: {reason}")]
    Tampered { path: String, reason: String },
}

/// The object kinds that have files of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Schema,
    Table,
    View,
    MaterializedView,
    Sequence,
    Function,
    Procedure,
    Aggregate,
    Type,
    Extension,
    ForeignTable,
    /// One of [`GENERIC_KINDS`], kept as a [`model::CatalogObject`].
    Generic(&'static GenericKind),
}

/// A kind of [`model::CatalogObject`]: its manifest kind, its folder, and whether its name is an
/// identifier (quoted where PostgreSQL would) or a description (`bigint AS app.cents`).
#[derive(Debug, PartialEq, Eq)]
struct GenericKind {
    kind: &'static str,
    folder: &'static str,
    identifier: bool,
}

const fn generic(kind: &'static str, folder: &'static str, identifier: bool) -> GenericKind {
    GenericKind {
        kind,
        folder,
        identifier,
    }
}

/// Every generic kind; schema-scoped ones live under `<schema>/<folder>/`, the others under
/// `_database/<folder>/`.
const GENERIC_KINDS: &[GenericKind] = &[
    generic("access_method", "access_methods", true),
    generic("cast", "casts", false),
    generic("collation", "collations", true),
    generic("conversion", "conversions", true),
    generic("default_privileges", "default_privileges", false),
    generic("event_trigger", "event_triggers", true),
    generic("foreign_data_wrapper", "foreign_data_wrappers", true),
    generic("foreign_server", "foreign_servers", true),
    generic("language", "languages", true),
    generic("operator", "operators", false),
    generic("operator_class", "operator_classes", true),
    generic("operator_family", "operator_families", true),
    generic("publication", "publications", true),
    generic("security_label", "security_labels", false),
    generic("settings", "settings", false),
    generic("subscription", "subscriptions", true),
    generic(
        "text_search_configuration",
        "text_search_configurations",
        true,
    ),
    generic("text_search_dictionary", "text_search_dictionaries", true),
    generic("text_search_parser", "text_search_parsers", true),
    generic("text_search_template", "text_search_templates", true),
    generic("user_mapping", "user_mappings", false),
];

impl FileKind {
    const ALL: [FileKind; 11] = [
        FileKind::Schema,
        FileKind::Table,
        FileKind::View,
        FileKind::MaterializedView,
        FileKind::Sequence,
        FileKind::Function,
        FileKind::Procedure,
        FileKind::Aggregate,
        FileKind::Type,
        FileKind::Extension,
        FileKind::ForeignTable,
    ];

    fn as_str(self) -> &'static str {
        match self {
            FileKind::Schema => "schema",
            FileKind::Table => "table",
            FileKind::View => "view",
            FileKind::MaterializedView => "materialized_view",
            FileKind::Sequence => "sequence",
            FileKind::Function => "function",
            FileKind::Procedure => "procedure",
            FileKind::Aggregate => "aggregate",
            FileKind::Type => "type",
            FileKind::Extension => "extension",
            FileKind::ForeignTable => "foreign_table",
            FileKind::Generic(generic) => generic.kind,
        }
    }

    fn parse(kind: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == kind)
            .or_else(|| {
                GENERIC_KINDS
                    .iter()
                    .find(|g| g.kind == kind)
                    .map(FileKind::Generic)
            })
    }

    fn of_function(function: &model::Function) -> Self {
        match function.kind.as_str() {
            "procedure" => FileKind::Procedure,
            "aggregate" => FileKind::Aggregate,
            _ => FileKind::Function,
        }
    }
}

fn schema_path(schema: &str, dir: &str, segment: &str) -> String {
    format!(
        "{}/{dir}/{}",
        path::encode_schema(schema),
        path::file_name(segment)
    )
}

/// The qualified name a user types for a function: `app.org_total(bigint)`.
pub fn function_name(function: &model::Function) -> String {
    format!(
        "{}({})",
        model::qualified(&function.schema, &function.name),
        function.identity_arguments
    )
}

/// The kind of a generic object as a `'static` string, when it is one the codec knows.
pub fn generic_kind(kind: &str) -> Option<&'static str> {
    GENERIC_KINDS
        .iter()
        .find(|g| g.kind == kind)
        .map(|g| g.kind)
}

/// The qualified name a user types for a generic object: `shop.ci`, `shop.===(integer,
/// integer)`, `shop_pub`, or a description such as `bigint AS shop.cents`.
pub fn catalog_object_name(o: &model::CatalogObject) -> String {
    let identifier = GENERIC_KINDS
        .iter()
        .any(|g| g.kind == o.kind && g.identifier);
    let name = match (&o.schema, identifier) {
        (Some(schema), _) => model::qualified(schema, &o.name),
        (None, true) => model::quote_ident(&o.name),
        (None, false) => o.name.clone(),
    };
    match &o.arguments {
        Some(arguments) => format!("{name}({arguments})"),
        None => name,
    }
}

/// An object, owned, and the way to its canonical JSON text, made when its file is written:
/// one object at a time, never a second copy of the whole schema, and the object is gone once
/// its text is made.
type Lazy = Box<dyn FnOnce() -> String + Send>;

/// Every object of `db` as (kind, qualified name, path, value to serialise).
fn objects(db: Database) -> Vec<(FileKind, String, String, Lazy)> {
    fn value<T: Serialize + Send + 'static>(object: T) -> Lazy {
        Box::new(move || json::to_canonical(&object))
    }
    let mut out = Vec::with_capacity(db.object_count());
    for s in db.schemas {
        let path = format!("{}/schema.json", path::encode_schema(&s.name));
        out.push((
            FileKind::Schema,
            model::quote_ident(&s.name),
            path,
            value(s),
        ));
    }
    for t in db.tables {
        let (kind, folder) = match t.foreign {
            Some(_) => (FileKind::ForeignTable, "foreign_tables"),
            None => (FileKind::Table, "tables"),
        };
        let path = schema_path(&t.schema, folder, &path::encode_name(&t.name));
        out.push((kind, model::qualified(&t.schema, &t.name), path, value(t)));
    }
    for v in db.views {
        let path = schema_path(&v.schema, "views", &path::encode_name(&v.name));
        out.push((
            FileKind::View,
            model::qualified(&v.schema, &v.name),
            path,
            value(v),
        ));
    }
    for m in db.materialized_views {
        let path = schema_path(&m.schema, "materialized_views", &path::encode_name(&m.name));
        let name = model::qualified(&m.schema, &m.name);
        out.push((FileKind::MaterializedView, name, path, value(m)));
    }
    for s in db.sequences {
        let path = schema_path(&s.schema, "sequences", &path::encode_name(&s.name));
        out.push((
            FileKind::Sequence,
            model::qualified(&s.schema, &s.name),
            path,
            value(s),
        ));
    }
    for f in db.functions {
        let segment = path::encode_function(&f.name, &f.identity_arguments);
        let path = schema_path(&f.schema, "functions", &segment);
        out.push((FileKind::of_function(&f), function_name(&f), path, value(f)));
    }
    for t in db.types {
        let path = schema_path(&t.schema, "types", &path::encode_name(&t.name));
        out.push((
            FileKind::Type,
            model::qualified(&t.schema, &t.name),
            path,
            value(t),
        ));
    }
    for e in db.extensions {
        let path = format!(
            "{DATABASE_DIR}/extensions/{}",
            path::file_name(&path::encode_name(&e.name))
        );
        out.push((
            FileKind::Extension,
            model::quote_ident(&e.name),
            path,
            value(e),
        ));
    }
    for o in db.others {
        let Some(generic) = GENERIC_KINDS.iter().find(|g| g.kind == o.kind) else {
            continue;
        };
        let segment = match &o.arguments {
            Some(arguments) => path::encode_function(&o.name, arguments),
            None => path::encode_name(&o.name),
        };
        let name = catalog_object_name(&o);
        let path = match &o.schema {
            Some(schema) => schema_path(schema, generic.folder, &segment),
            None => format!(
                "{DATABASE_DIR}/{}/{}",
                generic.folder,
                path::file_name(&segment)
            ),
        };
        out.push((FileKind::Generic(generic), name, path, value(o)));
    }
    out
}

/// Encodes a model into its snapshot files and manifest, the files on every core. The model is
/// taken apart as it goes: each object is freed once its file is made.
pub fn encode(db: Database) -> Result<Snapshot, EncodeError> {
    let objects = objects(db);
    let mut names_by_path: HashMap<&str, &str> = HashMap::with_capacity(objects.len());
    for (_, name, path, _) in &objects {
        if let Some(first) = names_by_path.insert(path, name) {
            return Err(EncodeError::PathCollision {
                path: path.clone(),
                first: first.to_string(),
                second: name.clone(),
            });
        }
    }
    let encoded = crate::parallel::map_owned(objects, |(kind, name, path, value)| {
        let mut bytes = value().into_bytes();
        // Built by appending, it has up to twice the room it needs, for as long as it is kept.
        bytes.shrink_to_fit();
        let hash = file_hash(&bytes);
        (kind, name, path, bytes, hash)
    });
    let mut files = BTreeMap::new();
    let mut entries: Vec<ManifestEntry> = Vec::with_capacity(encoded.len());
    for (kind, name, path, bytes, blake3) in encoded {
        entries.push(ManifestEntry {
            path: path.clone(),
            kind: kind.as_str().to_string(),
            name,
            blake3,
        });
        files.insert(path, bytes);
    }
    let manifest = Manifest::new(entries);
    files.insert(MANIFEST.to_string(), manifest_bytes(&manifest));
    Ok(Snapshot { files, manifest })
}

/// The canonical bytes of a manifest.
pub fn manifest_bytes(manifest: &Manifest) -> Vec<u8> {
    json::to_canonical(manifest).into_bytes()
}

/// Reads `manifest.json` out of a snapshot's files.
pub fn decode_manifest(files: &BTreeMap<String, Vec<u8>>) -> Result<Manifest, DecodeError> {
    let bytes = files.get(MANIFEST).ok_or_else(|| DecodeError::Missing {
        path: MANIFEST.to_string(),
    })?;
    let manifest: Manifest = parse(MANIFEST, "manifest", bytes)?;
    if manifest.format != FORMAT {
        return Err(DecodeError::Format {
            path: MANIFEST.to_string(),
            found: manifest.format,
        });
    }
    Ok(manifest)
}

fn parse<T: DeserializeOwned>(
    path: &str,
    what: &'static str,
    bytes: &[u8],
) -> Result<T, DecodeError> {
    serde_json::from_slice(bytes).map_err(|e| DecodeError::Malformed {
        path: path.to_string(),
        what,
        reason: e.to_string(),
    })
}

/// Decodes one object file of `kind` into `db`.
fn decode_object(
    db: &mut Database,
    kind: &str,
    path: &str,
    bytes: &[u8],
) -> Result<(), DecodeError> {
    let what = "snapshot object file";
    match FileKind::parse(kind) {
        Some(FileKind::Schema) => db.schemas.push(parse(path, what, bytes)?),
        Some(FileKind::Table | FileKind::ForeignTable) => db.tables.push(parse(path, what, bytes)?),
        Some(FileKind::View) => db.views.push(parse(path, what, bytes)?),
        Some(FileKind::MaterializedView) => db.materialized_views.push(parse(path, what, bytes)?),
        Some(FileKind::Sequence) => db.sequences.push(parse(path, what, bytes)?),
        Some(FileKind::Function | FileKind::Procedure | FileKind::Aggregate) => {
            db.functions.push(parse(path, what, bytes)?)
        }
        Some(FileKind::Type) => db.types.push(parse(path, what, bytes)?),
        Some(FileKind::Extension) => db.extensions.push(parse(path, what, bytes)?),
        Some(FileKind::Generic(_)) => db.others.push(parse(path, what, bytes)?),
        None => {
            return Err(DecodeError::Malformed {
                path: MANIFEST.to_string(),
                what: "manifest",
                reason: format!("unknown object kind {kind:?} for {path}"),
            })
        }
    }
    Ok(())
}

/// Decodes a snapshot's files into a model, trusting the manifest for what each file holds
/// once every file's hash, the fingerprint and the file list agree with it: a tampered, stray
/// or missing file is an error, never a change in the schema.
/// Canonical bytes and paths are what [`verify`] checks on top.
pub fn decode(files: &BTreeMap<String, Vec<u8>>) -> Result<Database, DecodeError> {
    let manifest = decode_manifest(files)?;
    check_listing(&manifest, files.keys().map(String::as_str))?;
    decode_entries(&manifest.objects, files)
}

/// Checks a snapshot folder's file list (`paths`, the manifest's own among them or not)
/// against its manifest before any object is read: the fingerprint matches the entries, no
/// file is stray and none is missing.
pub fn check_listing<'a>(
    manifest: &Manifest,
    paths: impl IntoIterator<Item = &'a str>,
) -> Result<(), DecodeError> {
    let tampered = |path: &str, reason: String| DecodeError::Tampered {
        path: path.to_string(),
        reason,
    };
    let expected = fingerprint(&manifest.objects);
    if manifest.fingerprint != expected {
        let reason = format!(
            "fingerprint {} does not match its entries ({expected})",
            manifest.fingerprint
        );
        return Err(tampered(MANIFEST, reason));
    }
    let listed: std::collections::HashSet<&str> =
        manifest.objects.iter().map(|e| e.path.as_str()).collect();
    let mut present = std::collections::HashSet::with_capacity(listed.len());
    for path in paths {
        if path != MANIFEST && !listed.contains(path) {
            return Err(tampered(
                path,
                "stray file: not listed in the manifest".into(),
            ));
        }
        present.insert(path);
    }
    match manifest
        .objects
        .iter()
        .find(|entry| !present.contains(entry.path.as_str()))
    {
        Some(entry) => Err(DecodeError::Missing {
            path: entry.path.clone(),
        }),
        None => Ok(()),
    }
}

/// Decodes the object files of `entries` (manifest entries, each file's bytes in `files`)
/// into a model holding just those objects, each file's hash checked against its entry first.
pub fn decode_entries<'a>(
    entries: impl IntoIterator<Item = &'a ManifestEntry>,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Database, DecodeError> {
    let mut db = Database::default();
    for entry in entries {
        let bytes = files.get(&entry.path).ok_or_else(|| DecodeError::Missing {
            path: entry.path.clone(),
        })?;
        let actual = file_hash(bytes);
        if actual != entry.blake3 {
            return Err(DecodeError::Tampered {
                path: entry.path.clone(),
                reason: format!(
                    "content hash blake3:{actual} differs from the manifest's blake3:{} (edited by hand?)",
                    entry.blake3
                ),
            });
        }
        decode_object(&mut db, &entry.kind, &entry.path, bytes)?;
    }
    db.sort();
    Ok(db)
}

#[cfg(test)]
mod tests;
