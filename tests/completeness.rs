//! Completeness against `pg_dump`: every entry of a schema-only dump's table of contents must
//! be found in the snapshot, every user comment's text must be in it, and no secret may reach
//! it. Three databases: the example application (migrations/), the fixture database that
//! holds every object kind (tests/fixtures/kinds), and a small benchmark workload
//! (bench/gen_workload.py, and the standard one too when $SCHEMAGIT_BENCH_DIR names its folder).
//!
//! An entry is covered when the snapshot has a file for it (kind and qualified name, as the
//! manifest says), or, for the parts that live inside another object's file (indexes,
//! constraints, triggers, policies, rules, defaults, grants, comments, …), when that file
//! carries the part's identifying name or text.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{cluster, fixtures, Repo};

const FOLDER: &str = "snapshots/default";
const SECRETS: &[&str] = &["sub-secret-pw", "um-secret-pw"];

// ---------------------------------------------------------------------------------------
// The database under test
// ---------------------------------------------------------------------------------------

/// Runs one SQL batch and returns its rows as text (simple query protocol).
fn query(dbname: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let url = cluster().url(dbname);
    common::runtime().block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("connect to {dbname}: {e}"));
        let task = tokio::spawn(connection);
        let messages = client
            .simple_query(sql)
            .await
            .unwrap_or_else(|e| panic!("query failed in {dbname}: {e:?}\n{sql}"));
        let rows = messages
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        drop(client);
        let _ = task.await;
        rows
    })
}

/// Keywords that `quote_ident` quotes (everything but unreserved ones), from the server.
fn quoted_keywords() -> &'static BTreeSet<String> {
    static KEYWORDS: OnceLock<BTreeSet<String>> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        query(
            "postgres",
            "SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'",
        )
        .into_iter()
        .filter_map(|row| row[0].clone())
        .collect()
    })
}

/// PostgreSQL's `quote_ident`.
fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain && !quoted_keywords().contains(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// Removes one level of identifier quoting: `"We/ird"` → `We/ird`.
fn unquote(ident: &str) -> String {
    let ident = ident.trim();
    if ident.len() >= 2 && ident.starts_with('"') && ident.ends_with('"') {
        ident[1..ident.len() - 1].replace("\"\"", "\"")
    } else {
        ident.to_string()
    }
}

/// Splits `a."b.c"(x, y)` into its dotted identifiers before any parenthesis, unquoted.
fn identifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut current)),
            '(' if !quoted => break,
            _ => current.push(c),
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------
// The snapshot
// ---------------------------------------------------------------------------------------

/// One object file: its manifest entry, its text and every string value in it.
struct ObjectFile {
    path: String,
    kind: String,
    name: String,
    text: String,
    /// Every JSON string value, and every array of strings joined with newlines.
    strings: Vec<String>,
}

impl ObjectFile {
    fn has_string(&self, wanted: &str) -> bool {
        self.strings.iter().any(|s| s == wanted)
    }

    /// Some string value is `word`, or holds it as a whole identifier (not inside a longer
    /// one); quoted forms count too.
    fn mentions(&self, word: &str) -> bool {
        if word.is_empty() {
            return false;
        }
        let quoted = format!("\"{}\"", word.replace('"', "\"\""));
        self.strings
            .iter()
            .any(|s| contains_word(s, word) || s.contains(&quoted))
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// `haystack` contains `word` with no identifier character right before or after it.
fn contains_word(haystack: &str, word: &str) -> bool {
    let mut start = 0;
    while let Some(found) = haystack[start..].find(word) {
        let at = start + found;
        let end = at + word.len();
        let before_ok = haystack[..at]
            .chars()
            .next_back()
            .map_or(true, |c| !is_ident_char(c))
            || !word.chars().next().is_some_and(is_ident_char);
        let after_ok = haystack[end..]
            .chars()
            .next()
            .map_or(true, |c| !is_ident_char(c))
            || !word.chars().next_back().is_some_and(is_ident_char);
        if before_ok && after_ok {
            return true;
        }
        start = at + word.chars().next().map_or(1, char::len_utf8);
    }
    false
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => {
            if !items.is_empty() && items.iter().all(|i| i.is_string()) {
                let lines: Vec<&str> = items.iter().filter_map(|i| i.as_str()).collect();
                out.push(lines.join("\n"));
            }
            for item in items {
                collect_strings(item, out);
            }
        }
        serde_json::Value::Object(map) => {
            for item in map.values() {
                collect_strings(item, out);
            }
        }
        _ => {}
    }
}

struct Snapshot {
    objects: Vec<ObjectFile>,
    /// Every file of the folder, the manifest included, as bytes.
    raw: BTreeMap<String, Vec<u8>>,
    /// What the run printed, and the commit it made (message and patch).
    run_output: String,
    git_log: String,
}

impl Snapshot {
    fn take(dbname: &str) -> Snapshot {
        let repo = Repo::new();
        let url = cluster().url(dbname);
        let run = repo
            .schemagit(&["snapshot", "--json", "--database-url", &url])
            .success();
        let raw = schemagit::folder::read_folder(&repo.path().join(FOLDER)).unwrap();
        let manifest: serde_json::Value =
            serde_json::from_slice(&raw["manifest.json"]).expect("manifest.json is JSON");
        let mut objects = Vec::new();
        for entry in manifest["objects"].as_array().expect("manifest objects") {
            let path = entry["path"].as_str().unwrap().to_string();
            let bytes = raw
                .get(&path)
                .unwrap_or_else(|| panic!("manifest lists {path}, which is not in the folder"));
            let text = String::from_utf8(bytes.clone()).unwrap();
            let value: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
            let mut strings = Vec::new();
            collect_strings(&value, &mut strings);
            objects.push(ObjectFile {
                path,
                kind: entry["kind"].as_str().unwrap().to_string(),
                name: entry["name"].as_str().unwrap().to_string(),
                text,
                strings,
            });
        }
        let git_log = repo.git(&["log", "-p", "--all"]);
        Snapshot {
            objects,
            raw,
            run_output: format!("{}\n{}", run.stdout, run.stderr),
            git_log,
        }
    }

    fn of_kinds(&self, kinds: &[&str]) -> Vec<&ObjectFile> {
        self.objects
            .iter()
            .filter(|o| kinds.contains(&o.kind.as_str()))
            .collect()
    }

    /// The file of `kinds` named `schema.name` (as quote_ident would write it, or unquoted).
    fn named(&self, kinds: &[&str], schema: &str, name: &str) -> Option<&ObjectFile> {
        let wanted = [qualified(schema, name), format!("{schema}.{name}")];
        self.of_kinds(kinds)
            .into_iter()
            .find(|o| wanted.contains(&o.name))
    }

    /// Tables, views and the like that can own a part (index, constraint, trigger, …) named in
    /// a TOC tag as `<relation> <part>`: returns the relation's file and the part's name.
    /// The tag is split at every space until the left side names a file, so relation names
    /// with spaces work.
    fn owner_and_part(
        &self,
        kinds: &[&str],
        schema: &str,
        tag: &str,
    ) -> Option<(&ObjectFile, String)> {
        tag.match_indices(' ').find_map(|(at, _)| {
            let (relation, part) = (&tag[..at], &tag[at + 1..]);
            self.named(kinds, schema, relation)
                .map(|file| (file, part.to_string()))
        })
    }

    /// Generic kinds are matched leniently: the kind, and the bare name in the manifest name
    /// or the file.
    fn generic(&self, kind: &str, bare: &[&str]) -> bool {
        self.of_kinds(&[kind]).into_iter().any(|o| {
            bare.iter()
                .all(|b| o.name.contains(b) || contains_word(&o.name, b) || o.mentions(b))
        })
    }

    fn any_string(&self, wanted: &str) -> bool {
        self.objects.iter().any(|o| o.has_string(wanted))
    }
}

// ---------------------------------------------------------------------------------------
// pg_dump's table of contents
// ---------------------------------------------------------------------------------------

/// The descriptions pg_dump gives its TOC entries (`te->desc`), longest first when matched.
const TOC_TYPES: &[&str] = &[
    "ACCESS METHOD",
    "ACL",
    "AGGREGATE",
    "BLOB",
    "BLOB METADATA",
    "BLOBS",
    "CAST",
    "CHECK CONSTRAINT",
    "COLLATION",
    "COMMENT",
    "CONSTRAINT",
    "CONVERSION",
    "DATABASE",
    "DATABASE PROPERTIES",
    "DEFAULT",
    "DEFAULT ACL",
    "DOMAIN",
    "ENCODING",
    "EVENT TRIGGER",
    "EXTENSION",
    "FK CONSTRAINT",
    "FOREIGN DATA WRAPPER",
    "FOREIGN SERVER",
    "FOREIGN TABLE",
    "FUNCTION",
    "INDEX",
    "INDEX ATTACH",
    "LARGE OBJECT",
    "LARGE OBJECTS",
    "MATERIALIZED VIEW",
    "MATERIALIZED VIEW DATA",
    "OPERATOR",
    "OPERATOR CLASS",
    "OPERATOR FAMILY",
    "POLICY",
    "PROCEDURAL LANGUAGE",
    "PROCEDURE",
    "PUBLICATION",
    "PUBLICATION TABLE",
    "PUBLICATION TABLES IN SCHEMA",
    "ROW SECURITY",
    "RULE",
    "SCHEMA",
    "SEARCHPATH",
    "SECURITY LABEL",
    "SEQUENCE",
    "SEQUENCE OWNED BY",
    "SEQUENCE SET",
    "SERVER",
    "SHELL TYPE",
    "STATISTICS",
    "STATISTICS DATA",
    "STDSTRINGS",
    "SUBSCRIPTION",
    "SUBSCRIPTION TABLE",
    "TABLE",
    "TABLE ATTACH",
    "TABLE DATA",
    "TEXT SEARCH CONFIGURATION",
    "TEXT SEARCH DICTIONARY",
    "TEXT SEARCH PARSER",
    "TEXT SEARCH TEMPLATE",
    "TRANSFORM",
    "TRIGGER",
    "TYPE",
    "USER MAPPING",
    "VIEW",
];

/// Entries that are not schema: data, session settings of the dump script, and the database
/// itself (its name, encoding and locale belong to the environment; its settings and comment
/// are separate entries, checked).
const NOT_SCHEMA: &[&str] = &[
    "BLOB",
    "BLOB METADATA",
    "BLOBS",
    "DATABASE",
    "ENCODING",
    "LARGE OBJECT",
    "LARGE OBJECTS",
    "MATERIALIZED VIEW DATA",
    "SEARCHPATH",
    "SEQUENCE SET",
    "STATISTICS DATA",
    "STDSTRINGS",
    "SUBSCRIPTION TABLE",
    "TABLE DATA",
];

/// One line of `pg_restore -l`, with the SQL that entry restores.
#[derive(Debug)]
struct TocEntry {
    id: u32,
    desc: String,
    schema: Option<String>,
    tag: String,
    owner: String,
    sql: String,
}

impl TocEntry {
    fn schema(&self) -> &str {
        self.schema.as_deref().unwrap_or("")
    }

    fn label(&self) -> String {
        format!(
            "{} {} {} (TOC entry {})",
            self.desc,
            self.schema.as_deref().unwrap_or("-"),
            self.tag,
            self.id
        )
    }

    /// The statements of this entry, without comment lines and psql meta-commands.
    fn statements(&self) -> Vec<String> {
        let mut statements = Vec::new();
        let mut current = String::new();
        for line in self.sql.lines() {
            if line.starts_with("--")
                || line.starts_with('\\')
                || line.trim().is_empty() && current.is_empty()
            {
                continue;
            }
            current.push_str(line);
            current.push('\n');
            if line.trim_end().ends_with(';') {
                statements.push(current.trim().trim_end_matches(';').to_string());
                current.clear();
            }
        }
        if !current.trim().is_empty() {
            statements.push(current.trim().to_string());
        }
        statements
    }
}

/// The SQL text of each TOC entry, from pg_restore's verbose script, keyed by entry id.
fn sql_by_entry(script: &str) -> BTreeMap<u32, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<u32> = None;
    for line in script.lines() {
        if let Some(rest) = line.strip_prefix("-- TOC entry ") {
            current = rest.split_whitespace().next().and_then(|n| n.parse().ok());
            continue;
        }
        if let Some(id) = current {
            let text: &mut String = out.entry(id).or_default();
            text.push_str(line);
            text.push('\n');
        }
    }
    out
}

/// Parses `pg_restore -l`: `ID; CATALOG_OID OBJ_OID TYPE SCHEMA NAME OWNER`.
fn parse_toc(list: &str, schemas: &BTreeSet<String>, sql: &BTreeMap<u32, String>) -> Vec<TocEntry> {
    let mut types: Vec<&str> = TOC_TYPES.to_vec();
    types.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut schemas: Vec<&String> = schemas.iter().collect();
    schemas.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut entries = Vec::new();
    for line in list.lines() {
        if line.starts_with(';') || line.trim().is_empty() {
            continue;
        }
        let (id, rest) = line
            .split_once("; ")
            .unwrap_or_else(|| panic!("unexpected TOC line {line:?}"));
        let id: u32 = id.trim().parse().unwrap();
        let mut parts = rest.splitn(3, ' ');
        let _catalog_oid = parts.next();
        let _object_oid = parts.next();
        let rest = parts.next().unwrap_or("");
        let desc = types
            .iter()
            .find(|t| rest.starts_with(&format!("{t} ")))
            .unwrap_or_else(|| panic!("unknown TOC entry type in {line:?}: add it to TOC_TYPES"));
        let rest = &rest[desc.len() + 1..];
        let (schema, rest) = if let Some(rest) = rest.strip_prefix("- ") {
            (None, rest)
        } else if let Some(s) = schemas.iter().find(|s| rest.starts_with(&format!("{s} "))) {
            (Some(s.to_string()), &rest[s.len() + 1..])
        } else {
            let (s, r) = rest.split_once(' ').unwrap_or((rest, ""));
            (Some(s.to_string()), r)
        };
        let (tag, owner) = rest.rsplit_once(' ').unwrap_or((rest, ""));
        entries.push(TocEntry {
            id,
            desc: desc.to_string(),
            schema,
            tag: tag.to_string(),
            owner: owner.to_string(),
            sql: sql.get(&id).cloned().unwrap_or_default(),
        });
    }
    entries
}

/// `pg_dump -Fc -s` of `dbname`, listed (`pg_restore -l`, database entries included with
/// `--create`) and scripted (`pg_restore -v`, for each entry's SQL).
fn dump_toc(dbname: &str) -> Vec<TocEntry> {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("schema.dump");
    let run = |command: &mut Command| -> String {
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{command:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    run(cluster()
        .tool("pg_dump")
        .args(["-Fc", "-s", "-f"])
        .arg(&dump)
        .arg(dbname));
    let list = run(cluster()
        .tool("pg_restore")
        .args(["-l", "--create"])
        .arg(&dump));
    let script = run(cluster()
        .tool("pg_restore")
        .args(["-v", "--create", "-f", "-"])
        .arg(&dump));
    let schemas: BTreeSet<String> = query(dbname, "SELECT nspname FROM pg_namespace")
        .into_iter()
        .filter_map(|r| r[0].clone())
        .collect();
    parse_toc(&list, &schemas, &sql_by_entry(&script))
}

/// The text of a `COMMENT ON … IS '…'` or `SECURITY LABEL … IS '…'` statement.
fn literal_after_is(statement: &str) -> Option<String> {
    let statement = statement.trim().trim_end_matches(';');
    for (at, _) in statement.match_indices(" IS ") {
        let rest = &statement[at + 4..];
        let (body, escaped) = if let Some(b) = rest.strip_prefix("E'") {
            (b, true)
        } else if let Some(b) = rest.strip_prefix('\'') {
            (b, false)
        } else {
            continue;
        };
        let mut text = String::new();
        let mut chars = body.chars().peekable();
        let mut closed = false;
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    text.push('\'');
                    chars.next();
                }
                '\'' => {
                    closed = true;
                    break;
                }
                '\\' if escaped => match chars.next() {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('r') => text.push('\r'),
                    Some(other) => text.push(other),
                    None => break,
                },
                _ => text.push(c),
            }
        }
        if closed && chars.all(char::is_whitespace) {
            return Some(text);
        }
    }
    None
}

/// The roles a GRANT/REVOKE statement names (`TO a, b` or `FROM a`), unquoted.
fn grantees(statement: &str) -> Vec<String> {
    let statement = statement.trim().trim_end_matches(';');
    let statement = statement
        .split(" GRANTED BY ")
        .next()
        .unwrap()
        .trim_end_matches(" WITH GRANT OPTION")
        .trim_end_matches(" CASCADE");
    let list = if statement.contains("GRANT ")
        && statement.contains(" TO ")
        && !statement.starts_with("REVOKE")
        && !statement.contains(" REVOKE ")
    {
        statement.rsplit(" TO ").next()
    } else if statement.contains(" FROM ") {
        statement.rsplit(" FROM ").next()
    } else {
        None
    };
    list.map(|l| l.split(", ").map(unquote).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Coverage
// ---------------------------------------------------------------------------------------

/// What the dump's entries do not say but the snapshot must: which sequences are identity
/// sequences, which partitioned indexes are not valid yet.
struct Facts {
    /// `(schema, sequence)` → `(schema, table, column)`.
    identity: BTreeMap<(String, String), (String, String, String)>,
    /// `(schema, index)` of partitioned indexes that are not valid.
    invalid_indexes: BTreeSet<(String, String)>,
}

fn facts(dbname: &str) -> Facts {
    let invalid_indexes = query(
        dbname,
        "SELECT n.nspname, c.relname FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE NOT i.indisvalid AND c.relkind = 'I'",
    )
    .into_iter()
    .map(|r| {
        (
            r[0].clone().unwrap_or_default(),
            r[1].clone().unwrap_or_default(),
        )
    })
    .collect();
    Facts {
        identity: identity_sequences(dbname),
        invalid_indexes,
    }
}

/// What identity sequences the database has: `(schema, sequence)` → `(schema, table, column)`.
fn identity_sequences(dbname: &str) -> BTreeMap<(String, String), (String, String, String)> {
    query(
        dbname,
        "SELECT sn.nspname, s.relname, tn.nspname, t.relname, a.attname
           FROM pg_class s
           JOIN pg_namespace sn ON sn.oid = s.relnamespace
           JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
                           AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i'
           JOIN pg_class t ON t.oid = d.refobjid
           JOIN pg_namespace tn ON tn.oid = t.relnamespace
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
          WHERE s.relkind = 'S'",
    )
    .into_iter()
    .map(|r| {
        let v: Vec<String> = r.into_iter().map(Option::unwrap_or_default).collect();
        (
            (v[0].clone(), v[1].clone()),
            (v[2].clone(), v[3].clone(), v[4].clone()),
        )
    })
    .collect()
}

const RELATIONS: &[&str] = &["table", "foreign_table", "view", "materialized_view"];
const FUNCTIONS: &[&str] = &["function", "procedure", "aggregate"];

/// Why `entry` is not covered by `snapshot`, or `None` when it is.
fn uncovered(entry: &TocEntry, snapshot: &Snapshot, facts: &Facts) -> Option<String> {
    let identity = &facts.identity;
    let schema = entry.schema();
    let tag = entry.tag.as_str();
    let statements = entry.statements();
    let missing = |what: String| Some(what);
    match entry.desc.as_str() {
        d if NOT_SCHEMA.contains(&d) => None,
        "SCHEMA" => unless(
            snapshot
                .of_kinds(&["schema"])
                .into_iter()
                .any(|o| o.name == quote_ident(tag) || o.name == tag),
            "no schema file",
        ),
        "EXTENSION" => unless(
            snapshot
                .of_kinds(&["extension"])
                .into_iter()
                .any(|o| o.name == tag || o.name == quote_ident(tag)),
            "no extension file",
        ),
        "TABLE" => unless(
            snapshot.named(&["table"], schema, tag).is_some(),
            "no table file",
        ),
        "FOREIGN TABLE" => unless(
            snapshot.named(&["foreign_table"], schema, tag).is_some(),
            "no foreign_table file",
        ),
        "VIEW" => unless(
            snapshot.named(&["view"], schema, tag).is_some(),
            "no view file",
        ),
        "MATERIALIZED VIEW" => unless(
            snapshot
                .named(&["materialized_view"], schema, tag)
                .is_some(),
            "no materialized_view file",
        ),
        "TYPE" | "DOMAIN" | "SHELL TYPE" => unless(
            snapshot.named(&["type"], schema, tag).is_some(),
            "no type file",
        ),
        "SEQUENCE" => {
            if snapshot.named(&["sequence"], schema, tag).is_some() {
                return None;
            }
            match identity.get(&(schema.to_string(), tag.to_string())) {
                Some((ts, t, c)) => match snapshot.named(&["table"], ts, t) {
                    Some(file)
                        if file.text.contains("\"identity\"")
                            && file.mentions(c)
                            && (tag == format!("{t}_{c}_seq") || file.has_string(tag)) =>
                    {
                        None
                    }
                    Some(_) => missing(format!(
                        "identity sequence of {ts}.{t}.{c}: the table's file has no identity"
                    )),
                    None => missing(format!("identity sequence of {ts}.{t}.{c}: no table file")),
                },
                None => missing("no sequence file".into()),
            }
        }
        "FUNCTION" | "PROCEDURE" | "AGGREGATE" => {
            let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            let (fname, args) = tag.split_once('(').unwrap_or((tag, ")"));
            let wanted = squash(&format!("{}({args}", qualified(schema, fname)));
            let unqualified_args = |s: &str| {
                let mut out = String::new();
                for token in s.split_inclusive([',', '(', ')']) {
                    out.push_str(token.rsplit('.').next().unwrap_or(token));
                }
                out
            };
            // Exactly, or else with the argument types' schemas left out (pg_dump qualifies
            // every type outside pg_catalog, a snapshot may qualify only where needed).
            let loose = |name: &str| {
                name.split_once('(')
                    .map(|(n, a)| (n.to_string(), unqualified_args(a)))
            };
            let found = snapshot.of_kinds(FUNCTIONS).into_iter().any(|o| {
                let name = squash(&o.name);
                name == wanted || loose(&name) == loose(&wanted)
            });
            unless(
                found,
                &format!("no function/procedure/aggregate file named {wanted}"),
            )
        }
        "COLLATION" => generic(snapshot, "collation", &[tag]),
        "CONVERSION" => generic(snapshot, "conversion", &[tag]),
        "OPERATOR" => generic(snapshot, "operator", &[tag]),
        "OPERATOR CLASS" => generic(snapshot, "operator_class", &[tag]),
        "OPERATOR FAMILY" => generic(snapshot, "operator_family", &[tag]),
        "TEXT SEARCH CONFIGURATION" => generic(snapshot, "text_search_configuration", &[tag]),
        "TEXT SEARCH DICTIONARY" => generic(snapshot, "text_search_dictionary", &[tag]),
        "TEXT SEARCH PARSER" => generic(snapshot, "text_search_parser", &[tag]),
        "TEXT SEARCH TEMPLATE" => generic(snapshot, "text_search_template", &[tag]),
        "PROCEDURAL LANGUAGE" => generic(snapshot, "language", &[tag]),
        "ACCESS METHOD" => generic(snapshot, "access_method", &[tag]),
        "FOREIGN DATA WRAPPER" => generic(snapshot, "foreign_data_wrapper", &[tag]),
        "SERVER" | "FOREIGN SERVER" => generic(snapshot, "foreign_server", &[tag]),
        "PUBLICATION" => generic(snapshot, "publication", &[tag]),
        "SUBSCRIPTION" => generic(snapshot, "subscription", &[tag]),
        "EVENT TRIGGER" => generic(snapshot, "event_trigger", &[tag]),
        "TRANSFORM" => generic(snapshot, "transform", &[tag]),
        "CAST" => {
            // CAST (source AS target)
            let inner = tag
                .trim_start_matches("CAST ")
                .trim_start_matches('(')
                .trim_end_matches(')');
            let (source, target) = inner.split_once(" AS ").unwrap_or((inner, ""));
            generic(snapshot, "cast", &[source.trim(), target.trim()])
        }
        "USER MAPPING" => {
            // USER MAPPING <user> SERVER <server>
            let inner = tag.trim_start_matches("USER MAPPING ");
            let (user, server) = inner.split_once(" SERVER ").unwrap_or((inner, ""));
            generic(
                snapshot,
                "user_mapping",
                &[&unquote(user), &unquote(server)],
            )
        }
        "INDEX" => {
            let in_schema = snapshot.of_kinds(RELATIONS).into_iter().filter(|o| {
                o.name.starts_with(&format!("{}.", quote_ident(schema)))
                    || o.name.starts_with(&format!("{schema}."))
            });
            let mut in_schema = in_schema;
            let invalid = facts
                .invalid_indexes
                .contains(&(schema.to_string(), tag.to_string()));
            match in_schema.find(|o| o.mentions(tag)) {
                // Only a partitioned index can be invalid here, and one at most per file.
                Some(file) if invalid && !file.text.contains("\"invalid\": true") => missing(
                    format!("{} does not say that {tag} is not valid yet", file.path),
                ),
                Some(_) => None,
                None => missing(
                    "no table or materialized view file of the schema names this index".into(),
                ),
            }
        }
        "INDEX ATTACH" => {
            // ALTER INDEX parent ATTACH PARTITION child;
            let parent = statements.iter().find_map(|s| {
                let (head, _) = s.split_once(" ATTACH PARTITION ")?;
                Some(head.trim_start_matches("ALTER INDEX ").trim().to_string())
            });
            let file = snapshot
                .of_kinds(RELATIONS)
                .into_iter()
                .find(|o| o.mentions(tag));
            match (file, parent) {
                (Some(file), Some(parent)) if file.has_string(&parent) => None,
                (Some(file), Some(parent)) => missing(format!(
                    "{} does not say {tag} is attached to {parent}",
                    file.path
                )),
                (Some(_), None) => missing("no ATTACH PARTITION in the entry's SQL".into()),
                (None, _) => missing("the attached index is named in no table file".into()),
            }
        }
        "CONSTRAINT" | "CHECK CONSTRAINT" | "FK CONSTRAINT" => {
            let owners = ["table", "foreign_table", "type", "materialized_view"];
            match snapshot.owner_and_part(&owners, schema, tag) {
                Some((file, part)) if file.mentions(&part) => None,
                Some((file, part)) => missing(format!("{} does not name {part}", file.path)),
                None => missing("no file for the constraint's table or domain".into()),
            }
        }
        "TRIGGER" | "POLICY" | "RULE" => match snapshot.owner_and_part(RELATIONS, schema, tag) {
            Some((file, part)) if file.mentions(&part) => None,
            Some((file, part)) => missing(format!("{} does not name {part}", file.path)),
            None => missing("no file for the table".into()),
        },
        "DEFAULT" => {
            // ALTER TABLE ONLY s.t ALTER COLUMN c SET DEFAULT <expr>;
            let expression = statements.iter().find_map(|s| {
                s.split_once(" SET DEFAULT ")
                    .map(|(_, e)| e.trim().to_string())
            });
            match snapshot.owner_and_part(RELATIONS, schema, tag) {
                Some((file, column)) => match expression {
                    Some(e) if file.mentions(&column) && file.strings.iter().any(|s| s == &e) => {
                        None
                    }
                    Some(e) => missing(format!(
                        "{} lacks default {e} of column {column}",
                        file.path
                    )),
                    None => missing("no SET DEFAULT in the entry's SQL".into()),
                },
                None => missing("no file for the table".into()),
            }
        }
        "ROW SECURITY" => match snapshot.named(&["table"], schema, tag) {
            Some(file) if file.text.contains("\"enabled\": true") => None,
            Some(file) => missing(format!(
                "{} does not say row-level security is enabled",
                file.path
            )),
            None => missing("no table file".into()),
        },
        "SEQUENCE OWNED BY" => {
            let target = statements.iter().find_map(|s| {
                s.split_once(" OWNED BY ")
                    .map(|(_, t)| t.trim().to_string())
            });
            match (snapshot.named(&["sequence"], schema, tag), target) {
                (Some(file), Some(t)) if file.has_string(&t) => None,
                (Some(file), Some(t)) => missing(format!("{} lacks owned_by {t}", file.path)),
                (Some(_), None) => missing("no OWNED BY in the entry's SQL".into()),
                (None, _) => missing("no sequence file".into()),
            }
        }
        "TABLE ATTACH" => {
            // ALTER TABLE ONLY parent ATTACH PARTITION child <bound>;
            let attach = statements.iter().find_map(|s| {
                let (head, tail) = s.split_once(" ATTACH PARTITION ")?;
                let parent = head
                    .trim_start_matches("ALTER TABLE ONLY ")
                    .trim()
                    .to_string();
                let (_, bound) = tail.split_once(' ')?;
                Some((parent, bound.trim().to_string()))
            });
            match (
                snapshot.named(&["table", "foreign_table"], schema, tag),
                attach,
            ) {
                (Some(file), Some((parent, bound))) => {
                    if !file.has_string(&parent) {
                        missing(format!("{} does not name its parent {parent}", file.path))
                    } else if !file.has_string(&bound) {
                        missing(format!("{} lacks the bound {bound}", file.path))
                    } else {
                        None
                    }
                }
                (Some(_), None) => missing("no ATTACH PARTITION in the entry's SQL".into()),
                (None, _) => missing("no file for the partition".into()),
            }
        }
        "STATISTICS" => {
            if snapshot
                .of_kinds(RELATIONS)
                .into_iter()
                .any(|o| o.mentions(tag))
            {
                None
            } else {
                missing("no table file names this statistics object".into())
            }
        }
        "PUBLICATION TABLE" => {
            // <publication> <table>
            let found = tag.match_indices(' ').any(|(at, _)| {
                let (publication, table) = (&tag[..at], &tag[at + 1..]);
                let wanted = [qualified(schema, table), format!("{schema}.{table}")];
                snapshot.of_kinds(&["publication"]).into_iter().any(|o| {
                    (o.name == quote_ident(publication) || o.name == publication)
                        && o.strings
                            .iter()
                            .any(|s| wanted.iter().any(|w| contains_word(s, w)))
                })
            });
            if found {
                None
            } else {
                missing("the publication's file does not name the table".into())
            }
        }
        "PUBLICATION TABLES IN SCHEMA" => {
            let (publication, in_schema) = tag.split_once(' ').unwrap_or((tag, schema));
            let in_schema = if in_schema.is_empty() {
                schema
            } else {
                in_schema
            };
            generic(snapshot, "publication", &[publication, in_schema])
        }
        "DEFAULT ACL" => {
            // DEFAULT PRIVILEGES FOR TABLES; the SQL names the grantees.
            let object_type = tag.rsplit(' ').next().unwrap_or("").to_lowercase();
            let stem = object_type.trim_end_matches('s').to_string();
            let roles: BTreeSet<String> = statements.iter().flat_map(|s| grantees(s)).collect();
            let found = snapshot
                .of_kinds(&["default_privileges"])
                .into_iter()
                .any(|o| {
                    (entry.schema.is_none() || o.mentions(schema))
                        && o.text.to_lowercase().contains(&stem)
                        && (entry.owner.is_empty() || o.mentions(&entry.owner))
                        && roles.iter().all(|r| o.has_string(r))
                });
            if found {
                None
            } else {
                missing(format!(
                    "no default_privileges file for {object_type} of {} granting to {roles:?}",
                    entry.owner
                ))
            }
        }
        "DATABASE PROPERTIES" => {
            let settings: Vec<&ObjectFile> = snapshot.of_kinds(&["settings"]);
            let mut problems = Vec::new();
            for statement in &statements {
                // ALTER DATABASE d SET name TO value / ALTER ROLE r IN DATABASE d SET name TO value
                let Some((head, setting)) = statement.split_once(" SET ") else {
                    continue;
                };
                let name = setting.split(" TO ").next().unwrap_or("").trim();
                let role = head
                    .strip_prefix("ALTER ROLE ")
                    .and_then(|r| r.split(" IN DATABASE ").next())
                    .map(unquote);
                let found = settings.iter().any(|o| {
                    o.strings
                        .iter()
                        .any(|s| s.starts_with(&format!("{name}=")) || s == name)
                        && role.as_ref().map_or(true, |r| o.mentions(r))
                });
                if !found {
                    problems.push(statement.clone());
                }
            }
            if problems.is_empty() {
                None
            } else {
                missing(format!("no settings file holds: {}", problems.join("; ")))
            }
        }
        "COMMENT" | "SECURITY LABEL" => {
            // The text must be in a file that names the object (the database's own comment:
            // in any file, the database's name belongs to the environment).
            let texts: Vec<String> = statements
                .iter()
                .filter_map(|s| literal_after_is(s))
                .collect();
            if texts.is_empty() {
                return missing("no text found in the entry's SQL".into());
            }
            let tokens = object_tokens(tag);
            let absent: Vec<&String> = texts
                .iter()
                .filter(|t| {
                    !snapshot
                        .objects
                        .iter()
                        .any(|o| o.has_string(t) && tokens.iter().all(|w| o.mentions(w)))
                })
                .collect();
            if absent.is_empty() {
                None
            } else {
                missing(format!(
                    "text {absent:?} is in no file that names {tokens:?}"
                ))
            }
        }
        "ACL" => {
            // Tag: <object type> <name>; the object's file must name it and hold every grantee.
            let tokens = object_tokens(tag);
            let roles: BTreeSet<String> = statements
                .iter()
                .filter(|s| s.starts_with("GRANT ") || s.starts_with("REVOKE "))
                .flat_map(|s| grantees(s))
                .collect();
            // An identity sequence's privileges live in its column, in the table's file.
            let sequence = tag.strip_prefix("SEQUENCE ").unwrap_or("");
            if let Some((ts, t, c)) = identity.get(&(schema.to_string(), unquote(sequence))) {
                return match snapshot.named(&["table"], ts, t) {
                    Some(file) if file.mentions(c) && roles.iter().all(|r| file.has_string(r)) => {
                        None
                    }
                    _ => missing(format!(
                        "the file of {ts}.{t} does not hold every grantee of {roles:?} on the identity sequence of {c}"
                    )),
                };
            }
            let found = snapshot.objects.iter().any(|o| {
                tokens.iter().all(|t| o.mentions(t)) && roles.iter().all(|r| o.has_string(r))
            });
            if found {
                None
            } else {
                missing(format!(
                    "no file names {tokens:?} and holds every grantee of {roles:?}"
                ))
            }
        }
        other => missing(format!(
            "TOC entry type {other} has no mapping in this test"
        )),
    }
}

/// Object types as COMMENT, SECURITY LABEL and ACL tags spell them, multi-word ones first.
const TAG_OBJECT_TYPES: &[&str] = &[
    "FOREIGN DATA WRAPPER",
    "TEXT SEARCH CONFIGURATION",
    "TEXT SEARCH DICTIONARY",
    "TEXT SEARCH PARSER",
    "TEXT SEARCH TEMPLATE",
    "MATERIALIZED VIEW",
    "OPERATOR CLASS",
    "OPERATOR FAMILY",
    "EVENT TRIGGER",
    "ACCESS METHOD",
    "FOREIGN SERVER",
    "FOREIGN TABLE",
    "LARGE OBJECT",
    "PROCEDURAL LANGUAGE",
];

/// The names a COMMENT/ACL tag identifies its object by: `COLUMN customers.email` →
/// `[customers, email]`, `POLICY p ON t` → `[p, t]`, `FUNCTION f(integer)` → `[f]`,
/// `OPERATOR === (a, b)` → `[===]`, `CAST (a AS b)` → `[a, b]`, `DATABASE d` → `[]` (the
/// database's name belongs to the environment).
fn object_tokens(tag: &str) -> Vec<String> {
    let (object_type, rest) = TAG_OBJECT_TYPES
        .iter()
        .find_map(|t| tag.strip_prefix(&format!("{t} ")).map(|r| (*t, r)))
        .unwrap_or_else(|| tag.split_once(' ').unwrap_or((tag, "")));
    match object_type {
        "DATABASE" => Vec::new(),
        "CAST" => {
            let inner = rest.trim().trim_start_matches('(').trim_end_matches(')');
            inner.split(" AS ").map(|t| t.trim().to_string()).collect()
        }
        "OPERATOR" => vec![rest.split(" (").next().unwrap_or(rest).trim().to_string()],
        _ => {
            let rest = rest.split(" USING ").next().unwrap_or(rest);
            rest.split(" ON ")
                .flat_map(|part| identifiers(part.trim_start_matches("DOMAIN ")))
                .collect()
        }
    }
}

fn unless(covered: bool, why: &str) -> Option<String> {
    if covered {
        None
    } else {
        Some(why.to_string())
    }
}

fn generic(snapshot: &Snapshot, kind: &str, bare: &[&str]) -> Option<String> {
    let bare: Vec<String> = bare.iter().map(|b| unquote(b)).collect();
    let bare: Vec<&str> = bare.iter().map(String::as_str).collect();
    if snapshot.generic(kind, &bare) {
        None
    } else {
        Some(format!("no {kind} file for {bare:?}"))
    }
}

/// The text of every user comment in the database: on its objects (not extension members,
/// not built-in ones), on the database itself and on its subscriptions.
fn user_comments(dbname: &str) -> BTreeSet<String> {
    query(
        dbname,
        "SELECT d.description FROM pg_description d
          WHERE d.objoid >= 16384
            AND NOT EXISTS (SELECT FROM pg_depend e
                             WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')
         UNION
         SELECT s.description FROM pg_shdescription s
          WHERE (s.classoid = 'pg_database'::regclass
                 AND s.objoid = (SELECT oid FROM pg_database WHERE datname = current_database()))
             OR (s.classoid = 'pg_subscription'::regclass
                 AND s.objoid IN (SELECT oid FROM pg_subscription
                                   WHERE subdbid = (SELECT oid FROM pg_database
                                                     WHERE datname = current_database())))",
    )
    .into_iter()
    .filter_map(|r| r[0].clone())
    .collect()
}

/// Everything that is missing from `dbname`'s snapshot, in one report.
fn completeness_report(dbname: &str) -> (usize, Vec<String>) {
    let snapshot = Snapshot::take(dbname);
    let toc = dump_toc(dbname);
    let facts = facts(dbname);
    let mut report = Vec::new();

    let uncovered: Vec<String> = toc
        .iter()
        .filter_map(|e| {
            uncovered(e, &snapshot, &facts).map(|why| format!("  {}: {why}", e.label()))
        })
        .collect();
    if !uncovered.is_empty() {
        report.push(format!(
            "{} of {} pg_dump TOC entries are not in the snapshot:\n{}",
            uncovered.len(),
            toc.len(),
            uncovered.join("\n")
        ));
    }

    let comments = user_comments(dbname);
    let missing: Vec<String> = comments
        .iter()
        .filter(|c| !snapshot.any_string(c))
        .map(|c| format!("  {c:?}"))
        .collect();
    if !missing.is_empty() {
        report.push(format!(
            "{} of {} comments are in no snapshot file:\n{}",
            missing.len(),
            comments.len(),
            missing.join("\n")
        ));
    }

    let mut leaks = Vec::new();
    for secret in SECRETS {
        for (path, bytes) in &snapshot.raw {
            if String::from_utf8_lossy(bytes).contains(secret) {
                leaks.push(format!("  {secret} in {path}"));
            }
        }
        if snapshot.run_output.contains(secret) {
            leaks.push(format!("  {secret} in schemagit's output"));
        }
        if snapshot.git_log.contains(secret) {
            leaks.push(format!("  {secret} in the commit"));
        }
    }
    if !leaks.is_empty() {
        report.push(format!("secrets leaked:\n{}", leaks.join("\n")));
    }
    (toc.len(), report)
}

fn assert_complete(what: &str, dbname: &str) {
    let (entries, report) = completeness_report(dbname);
    assert!(entries > 0, "pg_dump listed nothing for {what}");
    assert!(
        report.is_empty(),
        "{what} ({dbname}):\n{}",
        report.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------
// The databases
// ---------------------------------------------------------------------------------------

#[test]
fn the_example_application_is_completely_in_the_snapshot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let db = cluster().database_from("complete_app", &files);
    assert_complete("the example application", &db);
}

#[test]
fn every_object_kind_of_the_fixtures_is_in_the_snapshot() {
    let db = cluster().database_from("complete_kinds", &fixtures("kinds"));
    // The fixtures really hold every kind this test is about.
    let toc = dump_toc(&db);
    let kinds: BTreeSet<&str> = toc.iter().map(|e| e.desc.as_str()).collect();
    for expected in [
        "ACCESS METHOD",
        "ACL",
        "AGGREGATE",
        "CAST",
        "CHECK CONSTRAINT",
        "COLLATION",
        "COMMENT",
        "CONSTRAINT",
        "CONVERSION",
        "DATABASE PROPERTIES",
        "DEFAULT",
        "DEFAULT ACL",
        "DOMAIN",
        "EVENT TRIGGER",
        "EXTENSION",
        "FK CONSTRAINT",
        "FOREIGN DATA WRAPPER",
        "FOREIGN TABLE",
        "FUNCTION",
        "INDEX",
        "INDEX ATTACH",
        "MATERIALIZED VIEW",
        "OPERATOR",
        "OPERATOR CLASS",
        "OPERATOR FAMILY",
        "POLICY",
        "PROCEDURAL LANGUAGE",
        "PROCEDURE",
        "PUBLICATION",
        "PUBLICATION TABLE",
        "ROW SECURITY",
        "RULE",
        "SCHEMA",
        "SEQUENCE",
        "SEQUENCE OWNED BY",
        "SERVER",
        "STATISTICS",
        "SUBSCRIPTION",
        "TABLE",
        "TABLE ATTACH",
        "TEXT SEARCH CONFIGURATION",
        "TEXT SEARCH DICTIONARY",
        "TEXT SEARCH PARSER",
        "TEXT SEARCH TEMPLATE",
        "TRIGGER",
        "TYPE",
        "USER MAPPING",
        "VIEW",
    ] {
        if expected == "TABLE ATTACH" && cluster().major < 14 {
            common::skip(
                "every_object_kind_of_the_fixtures_is_in_the_snapshot: TABLE ATTACH",
                "pg_dump 13 attaches partitions inside their TABLE entry",
            );
            continue;
        }
        assert!(
            kinds.contains(expected),
            "the fixtures make no {expected}: {kinds:?}"
        );
    }
    assert_complete("the fixtures", &db);
}

#[test]
fn no_secret_reaches_the_snapshot_the_output_or_the_commit() {
    let db = cluster().database_from("complete_secrets", &fixtures("kinds"));
    // The secrets are really there to leak.
    let options = query(
        &db,
        "SELECT array_to_string(umoptions, ',') FROM pg_user_mapping
         UNION ALL SELECT subconninfo FROM pg_subscription
          WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    let all: String = options.into_iter().flatten().flatten().collect();
    for secret in SECRETS {
        assert!(all.contains(secret), "the fixture lost {secret}: {all}");
    }
    let snapshot = Snapshot::take(&db);
    let mut leaks = Vec::new();
    for secret in SECRETS {
        for (path, bytes) in &snapshot.raw {
            if String::from_utf8_lossy(bytes).contains(secret) {
                leaks.push(format!("{secret} in {path}"));
            }
        }
        if snapshot.run_output.contains(secret) {
            leaks.push(format!("{secret} in schemagit's output"));
        }
        if snapshot.git_log.contains(secret) {
            leaks.push(format!("{secret} in the commit"));
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    // The objects holding them are still in the snapshot, redacted.
    for kind in ["user_mapping", "subscription"] {
        assert!(
            snapshot.objects.iter().any(|o| o.kind == kind),
            "no {kind} in the snapshot"
        );
    }
}

/// The workload generators: the project's own, and the standard benchmark's when
/// $SCHEMAGIT_BENCH_DIR names the folder that holds its gen_schema.py.
fn workload_generators() -> Vec<PathBuf> {
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/gen_workload.py");
    let standard =
        std::env::var_os("SCHEMAGIT_BENCH_DIR").map(|dir| PathBuf::from(dir).join("gen_schema.py"));
    std::iter::once(own).chain(standard).collect()
}

#[test]
fn the_benchmark_workload_is_completely_in_the_snapshot() {
    // The workloads' SQL uses PostgreSQL 15 features (NULLS NOT DISTINCT, security_invoker).
    if cluster().major < 15 {
        common::skip(
            "the_benchmark_workload_is_completely_in_the_snapshot",
            "the workloads need PostgreSQL 15 or later",
        );
        return;
    }
    for generator in workload_generators() {
        load_and_check(&generator);
    }
}

fn load_and_check(generator: &Path) {
    assert!(generator.is_file(), "{} not found", generator.display());
    let output = Command::new("python3")
        .arg(generator)
        .args(["--tables", "60", "--schemas", "3"])
        .output()
        .expect("python3 runs the benchmark generator");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("bench.sql");
    std::fs::write(&sql, &output.stdout).unwrap();
    let db = cluster().fresh_database("complete_bench");
    let load = cluster()
        .tool("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db, "-f"])
        .arg(&sql)
        .output()
        .unwrap();
    assert!(
        load.status.success(),
        "loading the workload failed: {}",
        String::from_utf8_lossy(&load.stderr)
    );
    assert_complete(&generator.display().to_string(), &db);
}

// ---------------------------------------------------------------------------------------
// The parsers of this test
// ---------------------------------------------------------------------------------------

#[test]
fn toc_lines_parse_with_multi_word_types_schemas_and_names() {
    let schemas: BTreeSet<String> = ["shop", "We/ird", "my schema"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let list = "\
;
; Archive created at 2024-01-01
;
3530; 1262 16384 DATABASE - k1 schemagit
2; 3079 16389 EXTENSION - pgcrypto 
3523; 6106 16592 PUBLICATION TABLE shop shop_pub customers schemagit
270; 1255 16531 FUNCTION shop total_for(bigint, date) schemagit
920; 1247 16450 TYPE We/ird Mixed Case schemagit
3557; 0 0 USER MAPPING - USER MAPPING fixture_reader SERVER shop_srv schemagit
2168; 826 16586 DEFAULT ACL shop DEFAULT PRIVILEGES FOR TABLES schemagit
9; 1259 1 TABLE my schema a table schemagit
";
    let entries = parse_toc(list, &schemas, &BTreeMap::new());
    let got: Vec<(String, Option<String>, String, String)> = entries
        .into_iter()
        .map(|e| (e.desc, e.schema, e.tag, e.owner))
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        got,
        vec![
            (s("DATABASE"), None, s("k1"), s("schemagit")),
            (s("EXTENSION"), None, s("pgcrypto"), s("")),
            (
                s("PUBLICATION TABLE"),
                Some(s("shop")),
                s("shop_pub customers"),
                s("schemagit")
            ),
            (
                s("FUNCTION"),
                Some(s("shop")),
                s("total_for(bigint, date)"),
                s("schemagit")
            ),
            (
                s("TYPE"),
                Some(s("We/ird")),
                s("Mixed Case"),
                s("schemagit")
            ),
            (
                s("USER MAPPING"),
                None,
                s("USER MAPPING fixture_reader SERVER shop_srv"),
                s("schemagit")
            ),
            (
                s("DEFAULT ACL"),
                Some(s("shop")),
                s("DEFAULT PRIVILEGES FOR TABLES"),
                s("schemagit")
            ),
            (
                s("TABLE"),
                Some(s("my schema")),
                s("a table"),
                s("schemagit")
            ),
        ]
    );
    assert_eq!(
        literal_after_is("COMMENT ON TABLE shop.t IS 'it''s IS ''x''';"),
        Some(s("it's IS 'x'"))
    );
    assert_eq!(
        grantees("GRANT SELECT,INSERT ON TABLE shop.customers TO fixture_writer;"),
        vec![s("fixture_writer")]
    );
    assert_eq!(
        grantees("REVOKE ALL ON FUNCTION public.gen_random_bytes(integer) FROM PUBLIC;"),
        vec![s("PUBLIC")]
    );
    assert_eq!(
        grantees("ALTER DEFAULT PRIVILEGES FOR ROLE schemagit IN SCHEMA shop GRANT SELECT ON TABLES TO fixture_reader;"),
        vec![s("fixture_reader")]
    );
    assert_eq!(
        identifiers("\"We/ird\".\"Users\"(x)"),
        vec![s("We/ird"), s("Users")]
    );
    assert!(contains_word(
        "CREATE INDEX orders_total_ff ON shop.orders",
        "orders_total_ff"
    ));
    assert!(!contains_word(
        "CREATE INDEX orders_total_ff2 ON",
        "orders_total_ff"
    ));
}

/// The other direction: every snapshot file stands for something `pg_dump` dumps, so the
/// snapshot holds no implicit objects (a range type's multirange constructors and casts,
/// which CREATE TYPE makes and a restore makes again) and nothing built in. Two files are
/// there by design although pg_dump leaves them out: the `public` schema and the `plpgsql`
/// extension, both made by initdb.
fn unknown_to_pg_dump(snapshot: &Snapshot, toc: &[TocEntry]) -> Vec<String> {
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let qualified_names = |descs: &[&str]| -> BTreeSet<String> {
        toc.iter()
            .filter(|e| descs.contains(&e.desc.as_str()))
            .flat_map(|e| match &e.schema {
                Some(schema) => vec![
                    squash(&qualified(schema, &e.tag)),
                    squash(&format!("{schema}.{}", e.tag)),
                ],
                None => vec![squash(&quote_ident(&e.tag)), squash(&e.tag)],
            })
            .collect()
    };
    let tags = |desc: &str| -> Vec<String> {
        toc.iter()
            .filter(|e| e.desc == desc)
            .map(|e| e.tag.clone())
            .collect()
    };
    let mut unknown = Vec::new();
    for o in &snapshot.objects {
        let name = squash(&o.name);
        let known = match o.kind.as_str() {
            "schema" => o.name == "public" || qualified_names(&["SCHEMA"]).contains(&name),
            "extension" => o.name == "plpgsql" || qualified_names(&["EXTENSION"]).contains(&name),
            "table" => qualified_names(&["TABLE"]).contains(&name),
            "foreign_table" => qualified_names(&["FOREIGN TABLE"]).contains(&name),
            "view" => qualified_names(&["VIEW"]).contains(&name),
            "materialized_view" => qualified_names(&["MATERIALIZED VIEW"]).contains(&name),
            "sequence" => qualified_names(&["SEQUENCE"]).contains(&name),
            "type" => qualified_names(&["TYPE", "DOMAIN", "SHELL TYPE"]).contains(&name),
            "function" | "procedure" | "aggregate" => {
                let unqualified = |n: &str| {
                    n.split_once('(').map(|(f, a)| {
                        let args: String = a
                            .split_inclusive([',', ')'])
                            .map(|t| t.rsplit('.').next().unwrap_or(t))
                            .collect();
                        format!("{f}({args}")
                    })
                };
                qualified_names(&["FUNCTION", "PROCEDURE", "AGGREGATE"])
                    .iter()
                    .any(|t| t == &name || unqualified(t) == unqualified(&name))
            }
            "cast" => tags("CAST").iter().any(|t| squash(t).contains(&name)),
            "user_mapping" => {
                let (user, server) = o.name.split_once('@').unwrap_or((&o.name, ""));
                tags("USER MAPPING").iter().any(|t| {
                    t == &format!("USER MAPPING {user} SERVER {server}")
                        || t == &format!(
                            "USER MAPPING {} SERVER {}",
                            quote_ident(user),
                            quote_ident(server)
                        )
                })
            }
            "default_privileges" => !tags("DEFAULT ACL").is_empty(),
            "settings" => !tags("DATABASE PROPERTIES").is_empty(),
            kind => {
                let desc = match kind {
                    "collation" => "COLLATION",
                    "conversion" => "CONVERSION",
                    "operator" => "OPERATOR",
                    "operator_class" => "OPERATOR CLASS",
                    "operator_family" => "OPERATOR FAMILY",
                    "text_search_configuration" => "TEXT SEARCH CONFIGURATION",
                    "text_search_dictionary" => "TEXT SEARCH DICTIONARY",
                    "text_search_parser" => "TEXT SEARCH PARSER",
                    "text_search_template" => "TEXT SEARCH TEMPLATE",
                    "language" => "PROCEDURAL LANGUAGE",
                    "access_method" => "ACCESS METHOD",
                    "foreign_data_wrapper" => "FOREIGN DATA WRAPPER",
                    "foreign_server" => "SERVER",
                    "publication" => "PUBLICATION",
                    "subscription" => "SUBSCRIPTION",
                    "event_trigger" => "EVENT TRIGGER",
                    "security_label" => "SECURITY LABEL",
                    "transform" => "TRANSFORM",
                    _ => "",
                };
                tags(desc)
                    .iter()
                    .any(|t| o.name.contains(t.as_str()) || contains_word(&o.name, t))
            }
        };
        if !known {
            unknown.push(format!("  {} {} ({})", o.kind, o.name, o.path));
        }
    }
    unknown
}

#[test]
fn nothing_in_the_snapshot_is_unknown_to_pg_dump() {
    let db = cluster().database_from("complete_reverse", &fixtures("kinds"));
    let snapshot = Snapshot::take(&db);
    let toc = dump_toc(&db);
    let unknown = unknown_to_pg_dump(&snapshot, &toc);
    assert!(
        unknown.is_empty(),
        "{} of {} snapshot files stand for nothing pg_dump dumps:\n{}",
        unknown.len(),
        snapshot.objects.len(),
        unknown.join("\n")
    );
}

/// The check itself finds what is missing: the fixture database's snapshot, with parts taken
/// out of it in memory, must come back with exactly those parts reported.
#[test]
fn the_check_reports_what_a_snapshot_lacks() {
    let db = cluster().database_from("complete_self", &fixtures("kinds"));
    let mut snapshot = Snapshot::take(&db);
    let toc = dump_toc(&db);
    let facts = facts(&db);
    let removed_kinds = ["operator", "default_privileges", "settings"];
    snapshot.objects.retain(|o| {
        !removed_kinds.contains(&o.kind.as_str())
            && o.name != "shop.remote_items"
            && o.name != "shop.events_id_seq"
    });
    for o in &mut snapshot.objects {
        o.strings.retain(|s| {
            !s.contains("orders_total_ff")
                && s != "see yourself"
                && s != "shop.events_at_idx"
                && s != "line_item_ids"
        });
        if o.name == "shop.customers" {
            o.text = o.text.replace("\"identity\"", "\"x\"");
        }
        if o.name == "shop.events" {
            o.text = o.text.replace("\"invalid\": true", "\"invalid\": false");
        }
    }
    let uncovered: Vec<String> = toc
        .iter()
        .filter(|e| uncovered(e, &snapshot, &facts).is_some())
        .map(|e| {
            format!(
                "{} {} {}",
                e.desc,
                e.schema.as_deref().unwrap_or("-"),
                e.tag
            )
        })
        .collect();
    for expected in [
        "OPERATOR shop ===",
        "COMMENT shop OPERATOR === (shop.pair, shop.pair)",
        "INDEX shop orders_total_ff",
        "COMMENT shop INDEX orders_total_ff",
        "COMMENT shop POLICY customers_self ON customers",
        "FOREIGN TABLE shop remote_items",
        "ACL shop TABLE remote_items",
        "DEFAULT ACL shop DEFAULT PRIVILEGES FOR TABLES",
        "DEFAULT ACL - DEFAULT PRIVILEGES FOR FUNCTIONS",
        "SEQUENCE shop events_id_seq",
        "SEQUENCE OWNED BY shop events_id_seq",
        "SEQUENCE shop customers_id_seq",
        "INDEX ATTACH shop events_2024_at_idx",
        "INDEX ATTACH shop events_default_at_idx",
        "INDEX shop events_kind_idx",
        "SEQUENCE shop line_item_ids",
    ] {
        assert!(
            uncovered.iter().any(|u| u == expected),
            "{expected} was not reported; reported:\n{}",
            uncovered.join("\n")
        );
    }
    let database_properties = uncovered
        .iter()
        .any(|u| u.starts_with("DATABASE PROPERTIES - "));
    assert!(database_properties, "{}", uncovered.join("\n"));
    // Nothing else: the rest of the snapshot still covers the rest of the dump.
    let unexpected: Vec<&String> = uncovered
        .iter()
        .filter(|u| {
            !u.contains("===")
                && !u.contains("orders_total_ff")
                && !u.contains("customers_self")
                && !u.contains("remote_items")
                && !u.starts_with("DEFAULT ACL")
                && !u.starts_with("DATABASE PROPERTIES")
                && !u.contains("_id_seq")
                && !u.contains("events_")
                && !u.contains("line_item_ids")
                && !u.starts_with("COMMENT - DATABASE")
        })
        .collect();
    assert!(unexpected.is_empty(), "reported too: {unexpected:?}");
}
