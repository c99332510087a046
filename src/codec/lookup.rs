//! An object as a user names it (`app.users`, `app.users.email`, `app.org_total(bigint)`)
//! → the files of a snapshot folder that can hold it, and single object files decoded by their
//! path, so that a history can read the few files that changed and nothing else.

use std::collections::BTreeMap;

use super::{decode_object, path, DecodeError, FileKind, DATABASE_DIR, GENERIC_KINDS, MANIFEST};
use crate::model::{qualified, quote_ident, Database};

/// A qualified name as typed, split into its identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectName {
    /// The identifiers before any argument list, unquoted (unquoted ones folded to lower case,
    /// as PostgreSQL folds them).
    pub parts: Vec<String>,
    /// A function's identity arguments, `bigint, text`, when an argument list was given.
    pub arguments: Option<String>,
    /// What was typed, for messages.
    pub typed: String,
}

impl ObjectName {
    /// Splits `text` at the dots outside double quotes, up to the first `(` outside them.
    pub fn parse(text: &str) -> ObjectName {
        let mut parts = Vec::new();
        let mut current = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        let mut arguments = None;
        let mut chars = text.trim().chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    current.push('"');
                }
                '"' => {
                    quoted = !quoted;
                    was_quoted = true;
                }
                '.' if !quoted => {
                    parts.push(finish(&mut current, was_quoted));
                    was_quoted = false;
                }
                '(' if !quoted => {
                    let rest: String = chars.by_ref().collect();
                    let inside = rest.strip_suffix(')').unwrap_or(&rest);
                    let list: Vec<&str> = inside
                        .split(',')
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .collect();
                    arguments = Some(list.join(", "));
                }
                _ => current.push(c),
            }
        }
        parts.push(finish(&mut current, was_quoted));
        ObjectName {
            parts,
            arguments,
            typed: text.trim().to_string(),
        }
    }

    /// The name as the changes of check and diff spell it: each identifier quoted where
    /// PostgreSQL would.
    pub fn display(&self) -> String {
        let name = self
            .parts
            .iter()
            .map(|p| quote_ident(p))
            .collect::<Vec<_>>()
            .join(".");
        match &self.arguments {
            Some(arguments) => format!("{name}({arguments})"),
            None => name,
        }
    }

    /// The object whose file holds this name when it names a part of one (`app.users` for
    /// `app.users.email`).
    pub fn owner(&self) -> Option<String> {
        match (self.parts.as_slice(), &self.arguments) {
            ([schema, name, _], None) => Some(qualified(schema, name)),
            _ => None,
        }
    }

    /// Every file, relative to the snapshot folder, that can hold this object (or the object
    /// it is a part of): one per kind that such a name can have.
    pub fn paths(&self) -> Vec<String> {
        let file = |dir: &str, segment: &str| format!("{dir}/{}", path::file_name(segment));
        let mut paths = Vec::new();
        let database_wide: Vec<&str> = GENERIC_KINDS
            .iter()
            .map(|g| g.folder)
            .chain(["extensions"])
            .collect();
        match (self.parts.as_slice(), &self.arguments) {
            ([schema, name], Some(arguments)) => {
                let schema = path::encode_schema(schema);
                let segment = path::encode_function(name, arguments);
                for folder in GENERIC_KINDS.iter().map(|g| g.folder).chain(["functions"]) {
                    paths.push(file(&format!("{schema}/{folder}"), &segment));
                }
            }
            ([name], None) => {
                paths.push(format!("{}/schema.json", path::encode_schema(name)));
                for folder in &database_wide {
                    paths.push(file(
                        &format!("{DATABASE_DIR}/{folder}"),
                        &path::encode_name(name),
                    ));
                }
            }
            ([schema, name] | [schema, name, _], None) => {
                let schema = path::encode_schema(schema);
                let folders = [
                    "tables",
                    "foreign_tables",
                    "views",
                    "materialized_views",
                    "sequences",
                    "types",
                ];
                for folder in folders
                    .into_iter()
                    .chain(GENERIC_KINDS.iter().map(|g| g.folder))
                {
                    paths.push(file(
                        &format!("{schema}/{folder}"),
                        &path::encode_name(name),
                    ));
                }
            }
            _ => {}
        }
        // Database-wide objects named by a description (`bigint AS app.cents`) are found by it.
        for folder in &database_wide {
            paths.push(file(
                &format!("{DATABASE_DIR}/{folder}"),
                &path::encode_name(&self.typed),
            ));
        }
        paths.sort();
        paths.dedup();
        paths
    }
}

fn finish(current: &mut String, was_quoted: bool) -> String {
    let part = std::mem::take(current);
    if was_quoted {
        part
    } else {
        part.trim().to_lowercase()
    }
}

/// The kind of object the file at `path` (relative to the snapshot folder) holds, read from
/// where the layout puts each kind.
fn kind_of_path(path: &str) -> Option<FileKind> {
    let segments: Vec<&str> = path.split('/').collect();
    let generic = |folder: &str| {
        GENERIC_KINDS
            .iter()
            .find(|g| g.folder == folder)
            .map(FileKind::Generic)
    };
    match segments.as_slice() {
        [_, "schema.json"] => Some(FileKind::Schema),
        [DATABASE_DIR, "extensions", _] => Some(FileKind::Extension),
        [DATABASE_DIR, folder, _] => generic(folder),
        [_, folder, _] => match *folder {
            "tables" => Some(FileKind::Table),
            "foreign_tables" => Some(FileKind::ForeignTable),
            "views" => Some(FileKind::View),
            "materialized_views" => Some(FileKind::MaterializedView),
            "sequences" => Some(FileKind::Sequence),
            "functions" => Some(FileKind::Function),
            "types" => Some(FileKind::Type),
            other => generic(other),
        },
        _ => None,
    }
}

/// Decodes object files (keyed by path relative to the snapshot folder) into a model holding
/// just those objects; the manifest, when present, is left out. For reading a few files of a
/// committed snapshot: the hashes are git's, so the manifest is not consulted.
pub fn decode_objects(files: &BTreeMap<String, Vec<u8>>) -> Result<Database, DecodeError> {
    let mut db = Database::default();
    for (file, bytes) in files.iter().filter(|(file, _)| *file != MANIFEST) {
        let kind = kind_of_path(file).ok_or_else(|| DecodeError::Malformed {
            path: file.clone(),
            what: "snapshot object file",
            reason: "no object kind lives at this path".into(),
        })?;
        decode_object(&mut db, kind.as_str(), file, bytes)?;
    }
    db.sort();
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encode;
    use crate::model::{Function, Schema, Table};

    #[test]
    fn names_split_at_dots_outside_quotes() {
        let name = ObjectName::parse("App.\"We.ird\".email");
        assert_eq!(name.parts, ["app", "We.ird", "email"]);
        assert_eq!(name.display(), "app.\"We.ird\".email");
        assert_eq!(name.owner().as_deref(), Some("app.\"We.ird\""));
        let function = ObjectName::parse("app.org_total(bigint,text)");
        assert_eq!(function.parts, ["app", "org_total"]);
        assert_eq!(function.arguments.as_deref(), Some("bigint, text"));
        assert_eq!(function.display(), "app.org_total(bigint, text)");
        assert_eq!(function.owner(), None);
        assert_eq!(ObjectName::parse("app.f()").display(), "app.f()");
    }

    #[test]
    fn every_object_is_found_at_one_of_its_names_paths() {
        let db = Database {
            schemas: vec![Schema {
                name: "App".into(),
                owner: "o".into(),
                comment: None,
                grants: vec![],
                revoked: vec![],
            }],
            tables: vec![Table {
                schema: "App".into(),
                name: "we/ird".into(),
                owner: "o".into(),
                ..Table::default()
            }],
            functions: vec![Function {
                schema: "App".into(),
                name: "org_total".into(),
                kind: "function".into(),
                identity_arguments: "bigint, text".into(),
                owner: "o".into(),
                returns: None,
                language: "sql".into(),
                volatility: "stable".into(),
                security_definer: false,
                strict: false,
                leakproof: false,
                parallel: "safe".into(),
                config: vec![],
                comment: None,
                definition: vec![],
                grants: vec![],
                revoked: vec![],
            }],
            ..Database::default()
        };
        let snapshot = encode(db).unwrap();
        for entry in &snapshot.manifest.objects {
            let paths = ObjectName::parse(&entry.name).paths();
            assert!(
                paths.contains(&entry.path),
                "{} not in {paths:?}",
                entry.path
            );
            let one: BTreeMap<String, Vec<u8>> =
                [(entry.path.clone(), snapshot.files[&entry.path].clone())].into();
            assert_eq!(decode_objects(&one).unwrap().object_count(), 1);
        }
        let column = ObjectName::parse("\"App\".\"we/ird\".id").paths();
        assert!(column.contains(&"^app/tables/we%2Fird.json".to_string()));
        assert_eq!(
            decode_objects(&snapshot.files).unwrap(),
            crate::codec::decode(&snapshot.files).unwrap()
        );
    }
}
