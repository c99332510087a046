//! Every other kind of catalog object: collations, casts, operators and their classes and
//! families, text search objects, conversions, event triggers, publications, subscriptions,
//! foreign data wrappers, servers, user mappings, default privileges, settings, languages,
//! access methods and security labels.
//!
//! Each is written from the properties its catalog query records (src/catalog/sql/): created,
//! dropped, and altered where PostgreSQL can alter what changed, else dropped and created
//! again. An operator family is written with its classes and members as one unit, because a
//! member a class owns can only go with the class. Secrets are redacted in snapshots: a
//! statement that needs one carries a placeholder and a hazard saying it must be filled in
//! (a replay reads the placeholder back redacted, the same as the snapshot).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::access::{self, literal, role};
use super::order::mentions;
use super::step::{name, HazardKind, Name, Rank, Step};
use super::Context;
use crate::catalog::redact::REDACTED;
use crate::codec::catalog_object_name;
use crate::model::{qualified, quote_ident, CatalogObject, Database, Grant};

/// What a statement holds where the snapshot holds a redacted secret.
const SECRET_PLACEHOLDER: &str = "SECRET_TO_FILL_IN";

/// A redacted password in a connection string (src/catalog/connect/redact.rs).
const CONNECTION_REDACTED: &str = "***";

/// The statements for every catalog object that differs between the sides, and for every one
/// whose definition uses a function or type that is dropped and created again.
pub fn steps(old: &Database, new: &Database, context: &Context) -> Vec<Step> {
    let mut invalid: HashSet<Name> = context.rebuild.clone();
    invalid.extend(super::objects::invalidated(old, new));
    let sides = Sides { old, new, invalid };
    let old_objects = by_key(old);
    let new_objects = by_key(new);
    let keys: BTreeSet<&(String, String)> = old_objects.keys().chain(new_objects.keys()).collect();
    let replaced_servers: BTreeSet<&str> = keys
        .iter()
        .filter(|key| key.0 == "foreign_server")
        .filter_map(|key| match (old_objects.get(*key), new_objects.get(*key)) {
            (Some(o), Some(n)) if replaced(o, n, new) => Some(n.name.as_str()),
            _ => None,
        })
        .collect();
    let mut steps = families(&sides);
    for key in keys {
        let (o, n) = (old_objects.get(key).copied(), new_objects.get(key).copied());
        match key.0.as_str() {
            "operator_family" | "operator_class" => {}
            "default_privileges" => steps.extend(default_privileges(o, n, new)),
            "settings" => steps.extend(settings(o, n)),
            _ => {
                let server = n.and_then(|n| text(n, "server"));
                let force =
                    key.0 == "user_mapping" && server.is_some_and(|s| replaced_servers.contains(s));
                steps.extend(object(o, n, &sides, force));
            }
        }
    }
    steps
}

/// Both sides, and the names on them that other generators drop and create again.
struct Sides<'a> {
    old: &'a Database,
    new: &'a Database,
    invalid: HashSet<Name>,
}

impl Sides<'_> {
    /// Whether any of these statements uses a name that is dropped and created again.
    fn use_invalid(&self, steps: &[Step]) -> bool {
        steps.iter().any(|step| {
            mentions(&step.sql)
                .iter()
                .chain(&step.needs)
                .any(|name| self.invalid.contains(name))
        })
    }
}

/// Every catalog object of a side by kind and the name a user types for it.
fn by_key(db: &Database) -> BTreeMap<(String, String), &CatalogObject> {
    db.others
        .iter()
        .map(|o| ((o.kind.clone(), catalog_object_name(o)), o))
        .collect()
}

/// The statements for one object present on either side or both. `force` replaces it even
/// when it did not change (a user mapping whose server is replaced), and so does a function
/// or type its definition uses being replaced.
fn object(
    old: Option<&CatalogObject>,
    new: Option<&CatalogObject>,
    sides: &Sides,
    force: bool,
) -> Vec<Step> {
    let (old_db, new_db) = (sides.old, sides.new);
    let force = force || old.is_some_and(|o| sides.use_invalid(&create(o, old_db)));
    match (old, new) {
        (None, Some(n)) => created(n, new_db),
        (Some(o), None) => vec![dropped(o, old_db)],
        (Some(o), Some(n)) => {
            if !force && same_definition(o, n) {
                return access_steps(Some(o), n);
            }
            if let Some(mut steps) = (!force).then(|| alter(o, n, new_db)).flatten() {
                steps.extend(access_steps(Some(o), n));
                return steps;
            }
            let mut steps = vec![dropped(o, old_db)];
            steps.extend(created(n, new_db));
            steps
        }
        (None, None) => Vec::new(),
    }
}

/// Whether an object on both sides is dropped and created again rather than altered.
fn replaced(old: &CatalogObject, new: &CatalogObject, new_db: &Database) -> bool {
    !same_definition(old, new) && alter(old, new, new_db).is_none()
}

/// The object created with its owner, comment and privileges.
fn created(o: &CatalogObject, db: &Database) -> Vec<Step> {
    let mut steps = create(o, db);
    steps.extend(access_steps(None, o));
    steps
}

/// The object dropped: the drop releases what its definition used.
fn dropped(o: &CatalogObject, db: &Database) -> Step {
    let own = provided(o);
    let (rank, sql, step_hazard) = drop_statement(o);
    let mut step = Step::new(rank, sql).removes(own.clone());
    for create in create(o, db) {
        step = step.releases(&create.sql);
        step.releases
            .extend(create.needs.into_iter().filter(|n| *n != own));
    }
    if let Some((kind, detail)) = step_hazard {
        step = step.hazard(kind, detail);
    }
    if o.kind == "subscription" && text(o, "slot_name").is_some() {
        step = step.outside_transaction();
    }
    step
}

/// Whether both sides define the object the same, leaving out what either could not read.
fn same_definition(old: &CatalogObject, new: &CatalogObject) -> bool {
    let readable = |key: &String| !old.unreadable.contains(key) && !new.unreadable.contains(key);
    let keys: BTreeSet<&String> = old
        .properties
        .keys()
        .chain(new.properties.keys())
        .filter(|k| readable(k))
        .collect();
    keys.into_iter()
        .all(|k| old.properties.get(k) == new.properties.get(k))
}

/// Whether the properties other than `keys` are the same on both sides.
fn differs_only_in(old: &CatalogObject, new: &CatalogObject, keys: &[&str]) -> bool {
    let mut old = old.clone();
    let mut new = new.clone();
    for key in keys {
        old.properties.remove(*key);
        new.properties.remove(*key);
    }
    same_definition(&old, &new)
}

/// The name the ordering knows the object by: schema-qualified, or with an empty schema for
/// a database-wide object.
fn provided(o: &CatalogObject) -> Name {
    name(o.schema.as_deref().unwrap_or(""), &o.name)
}

/// Owner, comment and privileges; `old` is `None` for an object the plan creates.
fn access_steps(old: Option<&CatalogObject>, new: &CatalogObject) -> Vec<Step> {
    let mut steps = Vec::new();
    if let Some(target) = target(new) {
        if let Some(owner) = new.owner.as_deref() {
            let old_owner = old.and_then(|o| o.owner.as_deref());
            steps.extend(access::owner(&target, old_owner, owner));
        }
        let unreadable = |o: &CatalogObject| o.unreadable.iter().any(|u| u == "comment");
        if !unreadable(new) && !old.is_some_and(unreadable) {
            let old_comment = old.and_then(|o| o.comment.as_deref());
            steps.extend(access::comment(
                &target,
                old_comment,
                new.comment.as_deref(),
            ));
        }
    }
    if let Some(on) = grant_target(new) {
        let old = old.map(|o| (&o.grants[..], &o.revoked[..]));
        steps.extend(access::privileges(&on, old, (&new.grants, &new.revoked)));
    }
    let own = provided(new);
    steps.into_iter().map(|s| s.needs(own.clone())).collect()
}

/// The object as `ALTER … OWNER TO` and `COMMENT ON` name it.
fn target(o: &CatalogObject) -> Option<String> {
    let q = qualified_name(o);
    let method = o.arguments.as_deref().map(quote_ident).unwrap_or_default();
    Some(match o.kind.as_str() {
        "collation" => format!("COLLATION {q}"),
        "conversion" => format!("CONVERSION {q}"),
        "cast" => format!("CAST ({})", o.name),
        "operator" => format!("OPERATOR {} ({})", operator_name(o), arguments(o)),
        "operator_class" => format!("OPERATOR CLASS {q} USING {method}"),
        "operator_family" => format!("OPERATOR FAMILY {q} USING {method}"),
        "text_search_parser" => format!("TEXT SEARCH PARSER {q}"),
        "text_search_template" => format!("TEXT SEARCH TEMPLATE {q}"),
        "text_search_dictionary" => format!("TEXT SEARCH DICTIONARY {q}"),
        "text_search_configuration" => format!("TEXT SEARCH CONFIGURATION {q}"),
        "event_trigger" => format!("EVENT TRIGGER {q}"),
        "publication" => format!("PUBLICATION {q}"),
        "subscription" => format!("SUBSCRIPTION {q}"),
        "foreign_data_wrapper" => format!("FOREIGN DATA WRAPPER {q}"),
        "foreign_server" => format!("SERVER {q}"),
        "language" => format!("LANGUAGE {q}"),
        "access_method" => format!("ACCESS METHOD {q}"),
        _ => return None,
    })
}

/// The object as `GRANT … ON` names it, for the kinds with privileges.
fn grant_target(o: &CatalogObject) -> Option<String> {
    let q = qualified_name(o);
    Some(match o.kind.as_str() {
        "foreign_data_wrapper" => format!("FOREIGN DATA WRAPPER {q}"),
        "foreign_server" => format!("FOREIGN SERVER {q}"),
        "language" => format!("LANGUAGE {q}"),
        _ => return None,
    })
}

/// `schema.name`, or the quoted name of a database-wide object.
fn qualified_name(o: &CatalogObject) -> String {
    match &o.schema {
        Some(schema) => qualified(schema, &o.name),
        None => quote_ident(&o.name),
    }
}

/// An operator's name as SQL writes it: the schema quoted where needed, the symbol bare.
fn operator_name(o: &CatalogObject) -> String {
    match &o.schema {
        Some(schema) => format!("{}.{}", quote_ident(schema), o.name),
        None => o.name.clone(),
    }
}

/// What tells the object apart from others of its name (an operator's operand types).
fn arguments(o: &CatalogObject) -> &str {
    o.arguments.as_deref().unwrap_or_default()
}

fn text<'a>(o: &'a CatalogObject, key: &str) -> Option<&'a str> {
    o.properties.get(key).and_then(|v| v.as_str())
}

fn flag(o: &CatalogObject, key: &str) -> Option<bool> {
    o.properties.get(key).and_then(|v| v.as_bool())
}

fn list<'a>(o: &'a CatalogObject, key: &str) -> Vec<&'a str> {
    o.properties
        .get(key)
        .and_then(|v| v.as_array())
        .map(|items| items.iter().filter_map(|i| i.as_str()).collect())
        .unwrap_or_default()
}

/// A `true`/`false` property as an option value.
fn boolean(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// The statements that create the object (its first one provides its name), without its
/// owner, comment and privileges.
fn create(o: &CatalogObject, db: &Database) -> Vec<Step> {
    let q = qualified_name(o);
    let steps = match o.kind.as_str() {
        "collation" => vec![Step::new(Rank::CreateOther, collation(o))],
        "conversion" => vec![Step::new(
            Rank::CreateOther,
            format!(
                "CREATE {}CONVERSION {q} FOR {} TO {} FROM {}",
                if flag(o, "default") == Some(true) {
                    "DEFAULT "
                } else {
                    ""
                },
                literal(text(o, "from").unwrap_or_default()),
                literal(text(o, "to").unwrap_or_default()),
                text(o, "function").unwrap_or_default()
            ),
        )],
        "cast" => vec![Step::new(Rank::CreateOther, cast(o))],
        "operator" => operator(o),
        "operator_class" => vec![Step::new(
            Rank::CreateOther,
            operator_class(o, &[], text(o, "family")),
        )],
        "operator_family" => vec![Step::new(
            Rank::CreateOther,
            format!(
                "CREATE OPERATOR FAMILY {q} USING {}",
                quote_ident(arguments(o))
            ),
        )],
        "text_search_parser" => vec![Step::new(
            Rank::CreateOther,
            definition(
                &format!("CREATE TEXT SEARCH PARSER {q}"),
                o,
                &[
                    ("START", "start"),
                    ("GETTOKEN", "gettoken"),
                    ("END", "end"),
                    ("LEXTYPES", "lextypes"),
                    ("HEADLINE", "headline"),
                ],
            ),
        )],
        "text_search_template" => vec![Step::new(
            Rank::CreateOther,
            definition(
                &format!("CREATE TEXT SEARCH TEMPLATE {q}"),
                o,
                &[("INIT", "init"), ("LEXIZE", "lexize")],
            ),
        )],
        "text_search_dictionary" => {
            let options = text(o, "options")
                .map(|options| format!(", {options}"))
                .unwrap_or_default();
            vec![Step::new(
                Rank::CreateOther,
                format!(
                    "CREATE TEXT SEARCH DICTIONARY {q} (TEMPLATE = {}{options})",
                    text(o, "template").unwrap_or_default()
                ),
            )]
        }
        "text_search_configuration" => {
            let mut steps = vec![Step::new(
                Rank::CreateOther,
                format!(
                    "CREATE TEXT SEARCH CONFIGURATION {q} (PARSER = {})",
                    text(o, "parser").unwrap_or_default()
                ),
            )];
            steps.extend(mapping_steps(o, &[], &list(o, "mappings")));
            steps
        }
        "event_trigger" => event_trigger(o),
        "publication" => vec![publication(o)],
        "subscription" => subscription(o, db),
        "foreign_data_wrapper" => {
            let mut sql = format!("CREATE FOREIGN DATA WRAPPER {q}");
            for (clause, key) in [("HANDLER", "handler"), ("VALIDATOR", "validator")] {
                if let Some(function) = text(o, key) {
                    sql.push_str(&format!(" {clause} {function}"));
                }
            }
            vec![with_options(
                sql,
                o,
                &format!("foreign data wrapper {}", o.name),
            )]
        }
        "foreign_server" => {
            let mut sql = format!("CREATE SERVER {q}");
            if let Some(kind) = text(o, "type") {
                sql.push_str(&format!(" TYPE {}", literal(kind)));
            }
            if let Some(version) = text(o, "version") {
                sql.push_str(&format!(" VERSION {}", literal(version)));
            }
            let wrapper = text(o, "wrapper").unwrap_or_default();
            sql.push_str(&format!(" FOREIGN DATA WRAPPER {}", quote_ident(wrapper)));
            vec![with_options(sql, o, &format!("server {}", o.name)).needs(name("", wrapper))]
        }
        "user_mapping" => vec![user_mapping(o)],
        "language" => vec![language(o, None)],
        "access_method" => vec![Step::new(
            Rank::CreateOther,
            format!(
                "CREATE ACCESS METHOD {q} TYPE {} HANDLER {}",
                if text(o, "type") == Some("index") {
                    "INDEX"
                } else {
                    "TABLE"
                },
                text(o, "handler").unwrap_or_default()
            ),
        )],
        "security_label" => security_label(o, text(o, "label")).into_iter().collect(),
        _ => Vec::new(),
    };
    let own = provided(o);
    steps
        .into_iter()
        .enumerate()
        .map(|(i, step)| {
            if i == 0 {
                step.provides(own.clone())
            } else {
                step.needs(own.clone())
            }
        })
        .collect()
}

/// `DROP …` for the object: its rank, SQL and hazard.
fn drop_statement(o: &CatalogObject) -> (Rank, String, Option<(HazardKind, String)>) {
    let q = qualified_name(o);
    let method = quote_ident(arguments(o));
    let sql = match o.kind.as_str() {
        "collation" => format!("DROP COLLATION {q}"),
        "conversion" => format!("DROP CONVERSION {q}"),
        "cast" => format!("DROP CAST ({})", o.name),
        "operator" => format!("DROP OPERATOR {} ({})", operator_name(o), arguments(o)),
        "operator_class" => format!("DROP OPERATOR CLASS {q} USING {method}"),
        "operator_family" => format!("DROP OPERATOR FAMILY {q} USING {method}"),
        "text_search_parser" => format!("DROP TEXT SEARCH PARSER {q}"),
        "text_search_template" => format!("DROP TEXT SEARCH TEMPLATE {q}"),
        "text_search_dictionary" => format!("DROP TEXT SEARCH DICTIONARY {q}"),
        "text_search_configuration" => format!("DROP TEXT SEARCH CONFIGURATION {q}"),
        "event_trigger" => return (Rank::DropAccess, format!("DROP EVENT TRIGGER {q}"), None),
        "publication" => {
            return (
                Rank::DropOther,
                format!("DROP PUBLICATION {q}"),
                Some((
                    HazardKind::DataLoss,
                    format!(
                        "subscribers of publication {} stop receiving its changes",
                        o.name
                    ),
                )),
            )
        }
        "subscription" => {
            let detail = match text(o, "slot_name") {
                Some(slot) => format!(
                    "replication into subscription {} stops; its slot {slot} is dropped on the \
                     publisher, which DROP SUBSCRIPTION connects to",
                    o.name
                ),
                None => format!("replication into subscription {} stops", o.name),
            };
            return (
                Rank::DropOther,
                format!("DROP SUBSCRIPTION {q}"),
                Some((HazardKind::DataLoss, detail)),
            );
        }
        "foreign_data_wrapper" => format!("DROP FOREIGN DATA WRAPPER {q}"),
        "foreign_server" => format!("DROP SERVER {q}"),
        "user_mapping" => format!(
            "DROP USER MAPPING FOR {} SERVER {}",
            mapping_user(o),
            quote_ident(text(o, "server").unwrap_or_default())
        ),
        "language" => format!("DROP LANGUAGE {q}"),
        "access_method" => format!("DROP ACCESS METHOD {q}"),
        "security_label" => {
            let sql = security_label(o, None).map(|s| s.sql).unwrap_or_default();
            return (Rank::DropAccess, sql, None);
        }
        _ => String::new(),
    };
    (Rank::DropOther, sql, None)
}

/// The statements that turn `old` into `new` in place, or `None` when PostgreSQL cannot alter
/// what changed and the object is dropped and created again.
fn alter(old: &CatalogObject, new: &CatalogObject, new_db: &Database) -> Option<Vec<Step>> {
    let q = qualified_name(new);
    let own = provided(new);
    let steps = match new.kind.as_str() {
        "operator" if differs_only_in(old, new, &["restrict", "join"]) => {
            let estimator = |key: &str| text(new, key).map_or("NONE", routine_name).to_string();
            vec![Step::new(
                Rank::CreateOther,
                format!(
                    "ALTER OPERATOR {} ({}) SET (RESTRICT = {}, JOIN = {})",
                    operator_name(new),
                    arguments(new),
                    estimator("restrict"),
                    estimator("join")
                ),
            )]
        }
        "text_search_dictionary" if text(old, "template") == text(new, "template") => {
            vec![Step::new(
                Rank::CreateOther,
                format!(
                    "ALTER TEXT SEARCH DICTIONARY {q} ({})",
                    dictionary_changes(
                        text(old, "options").unwrap_or_default(),
                        text(new, "options").unwrap_or_default()
                    )
                ),
            )]
        }
        "text_search_configuration" if text(old, "parser") == text(new, "parser") => {
            mapping_steps(new, &list(old, "mappings"), &list(new, "mappings"))
        }
        "event_trigger" if differs_only_in(old, new, &["enabled"]) => {
            vec![event_trigger_enabled(new)]
        }
        "publication" if flag(old, "all_tables") == flag(new, "all_tables") => {
            publication_changes(old, new, new_db)
        }
        "subscription" if text(old, "two_phase") == text(new, "two_phase") => {
            subscription_changes(old, new, new_db)
        }
        "foreign_data_wrapper" => {
            let mut steps = Vec::new();
            for (clause, key) in [("HANDLER", "handler"), ("VALIDATOR", "validator")] {
                if text(old, key) != text(new, key) {
                    let function = text(new, key)
                        .map_or_else(|| format!("NO {clause}"), |f| format!("{clause} {f}"));
                    steps.push(Step::new(
                        Rank::CreateOther,
                        format!("ALTER FOREIGN DATA WRAPPER {q} {function}"),
                    ));
                }
            }
            steps.extend(option_changes(
                &format!("ALTER FOREIGN DATA WRAPPER {q}"),
                old,
                new,
                &format!("foreign data wrapper {}", new.name),
            ));
            steps
        }
        "foreign_server"
            if text(old, "type") == text(new, "type")
                && text(old, "wrapper") == text(new, "wrapper") =>
        {
            let mut steps = Vec::new();
            if text(old, "version") != text(new, "version") {
                let version = text(new, "version").map_or("NULL".to_string(), literal);
                steps.push(Step::new(
                    Rank::CreateOther,
                    format!("ALTER SERVER {q} VERSION {version}"),
                ));
            }
            steps.extend(option_changes(
                &format!("ALTER SERVER {q}"),
                old,
                new,
                &format!("server {}", new.name),
            ));
            steps
        }
        "user_mapping" => option_changes(
            &format!(
                "ALTER USER MAPPING FOR {} SERVER {}",
                mapping_user(new),
                quote_ident(text(new, "server").unwrap_or_default())
            ),
            old,
            new,
            &format!("user mapping {}", new.name),
        )
        .into_iter()
        .map(|s| s.needs(name("", text(new, "server").unwrap_or_default())))
        .collect(),
        "language" => vec![language(new, Some(old))],
        "security_label" => security_label(new, text(new, "label"))
            .into_iter()
            .collect(),
        _ => return None,
    };
    Some(steps.into_iter().map(|s| s.needs(own.clone())).collect())
}

/// `CREATE COLLATION` with the provider and locales recorded.
fn collation(o: &CatalogObject) -> String {
    let mut options = Vec::new();
    let provider = text(o, "provider").unwrap_or("default");
    if provider != "default" {
        options.push(format!("provider = {provider}"));
    }
    let locale = text(o, "locale");
    if let Some(locale) = locale {
        options.push(format!("locale = {}", literal(locale)));
    }
    for key in ["lc_collate", "lc_ctype"] {
        if let Some(value) = text(o, key).filter(|v| Some(*v) != locale) {
            options.push(format!("{key} = {}", literal(value)));
        }
    }
    if let Some(rules) = text(o, "icu_rules") {
        options.push(format!("rules = {}", literal(rules)));
    }
    if flag(o, "deterministic") == Some(false) {
        options.push("deterministic = false".into());
    }
    format!(
        "CREATE COLLATION {} ({})",
        qualified_name(o),
        options.join(", ")
    )
}

/// `CREATE CAST` through a function, as binary-coercible, or through I/O.
fn cast(o: &CatalogObject) -> String {
    let method = match (text(o, "method"), text(o, "function")) {
        (Some("binary"), _) => "WITHOUT FUNCTION".to_string(),
        (Some("inout"), _) => "WITH INOUT".to_string(),
        (_, function) => format!("WITH FUNCTION {}", function.unwrap_or_default()),
    };
    let context = match text(o, "context") {
        Some("assignment") => " AS ASSIGNMENT",
        Some("implicit") => " AS IMPLICIT",
        _ => "",
    };
    format!("CREATE CAST ({}) {method}{context}", o.name)
}

/// `CREATE OPERATOR` with its function, operand types, commutator, negator, estimators and
/// the hash and merge flags.
fn operator(o: &CatalogObject) -> Vec<Step> {
    let mut options = vec![format!(
        "FUNCTION = {}",
        routine_name(text(o, "function").unwrap_or_default())
    )];
    let operands = split_top(arguments(o), ",");
    for (clause, operand) in ["LEFTARG", "RIGHTARG"].into_iter().zip(operands) {
        let operand = operand.trim();
        if operand != "NONE" {
            options.push(format!("{clause} = {operand}"));
        }
    }
    for (clause, key) in [("COMMUTATOR", "commutator"), ("NEGATOR", "negator")] {
        if let Some(other) = text(o, key) {
            options.push(format!("{clause} = OPERATOR({})", routine_name(other)));
        }
    }
    for (clause, key) in [("RESTRICT", "restrict"), ("JOIN", "join")] {
        if let Some(function) = text(o, key) {
            options.push(format!("{clause} = {}", routine_name(function)));
        }
    }
    for (clause, key) in [("HASHES", "hashes"), ("MERGES", "merges")] {
        if flag(o, key) == Some(true) {
            options.push(clause.into());
        }
    }
    let sql = format!(
        "CREATE OPERATOR {} ({})",
        operator_name(o),
        options.join(", ")
    );
    vec![Step::new(Rank::CreateOther, sql)]
}

/// `CREATE OPERATOR CLASS` in `family` with the members given, or its storage type alone
/// (every class needs one item; the storage type equal to the indexed type is no change).
fn operator_class(o: &CatalogObject, members: &[&Member], family: Option<&str>) -> String {
    let kind = text(o, "type").unwrap_or_default();
    let mut items: Vec<String> = members.iter().map(|m| m.add.clone()).collect();
    match text(o, "storage") {
        Some(storage) => items.push(format!("STORAGE {storage}")),
        None if items.is_empty() => items.push(format!("STORAGE {kind}")),
        None => {}
    }
    format!(
        "CREATE OPERATOR CLASS {} {}FOR TYPE {kind} USING {}{} AS {}",
        qualified_name(o),
        if flag(o, "default") == Some(true) {
            "DEFAULT "
        } else {
            ""
        },
        quote_ident(arguments(o)),
        family.map(|f| format!(" FAMILY {f}")).unwrap_or_default(),
        items.join(", ")
    )
}

/// `CREATE …` followed by `(CLAUSE = value, …)` for the properties present.
fn definition(head: &str, o: &CatalogObject, clauses: &[(&str, &str)]) -> String {
    let items: Vec<String> = clauses
        .iter()
        .filter_map(|(clause, key)| text(o, key).map(|v| format!("{clause} = {v}")))
        .collect();
    format!("{head} ({})", items.join(", "))
}

/// The `ALTER TEXT SEARCH DICTIONARY` option list that turns one option text into the other:
/// PostgreSQL removes a named option and appends a valued one, so the options kept in place
/// are the longest run at the start of the new list that the old list holds in that order.
fn dictionary_changes(old: &str, new: &str) -> String {
    let parse = |options: &str| -> Vec<(String, String)> {
        split_top(options, ",")
            .into_iter()
            .filter(|o| !o.trim().is_empty())
            .map(|o| match o.split_once('=') {
                Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
                None => (o.trim().to_string(), String::new()),
            })
            .collect()
    };
    let (old, new) = (parse(old), parse(new));
    let kept = (0..=new.len())
        .rev()
        .find(|&k| {
            let names: BTreeSet<&String> = new[..k].iter().map(|(n, _)| n).collect();
            let staying: Vec<&(String, String)> =
                old.iter().filter(|(n, _)| names.contains(n)).collect();
            staying.len() == k && staying.iter().zip(&new[..k]).all(|(a, b)| *a == b)
        })
        .unwrap_or(0);
    let new_names: BTreeSet<&String> = new.iter().map(|(n, _)| n).collect();
    let mut items: Vec<String> = old
        .iter()
        .filter(|(n, _)| !new_names.contains(n))
        .map(|(n, _)| n.clone())
        .collect();
    items.extend(new[kept..].iter().map(|(n, v)| format!("{n} = {v}")));
    items.join(", ")
}

/// The `ALTER TEXT SEARCH CONFIGURATION` statements from one mapping list to another:
/// mappings dropped, changed and added, tokens with the same dictionaries in one statement.
fn mapping_steps(o: &CatalogObject, old: &[&str], new: &[&str]) -> Vec<Step> {
    let parse = |lines: &[&str]| -> BTreeMap<String, String> {
        lines
            .iter()
            .filter_map(|line| line.split_once(": "))
            .map(|(token, dictionaries)| (token.to_string(), dictionaries.to_string()))
            .collect()
    };
    let (before, after) = (parse(old), parse(new));
    let q = qualified_name(o);
    let released = old.join("\n");
    let mut steps = Vec::new();
    let dropped: Vec<String> = before
        .keys()
        .filter(|t| !after.contains_key(*t))
        .map(|t| quote_ident(t))
        .collect();
    if !dropped.is_empty() {
        steps.push(
            Step::new(
                Rank::CreateOther,
                format!(
                    "ALTER TEXT SEARCH CONFIGURATION {q} DROP MAPPING FOR {}",
                    dropped.join(", ")
                ),
            )
            .releases(&released),
        );
    }
    for (verb, changed) in [("ALTER", true), ("ADD", false)] {
        let mut groups: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (token, dictionaries) in &after {
            let present = before.get(token);
            let wanted = if changed {
                present.is_some_and(|d| d != dictionaries)
            } else {
                present.is_none()
            };
            if wanted {
                groups
                    .entry(dictionaries.as_str())
                    .or_default()
                    .push(quote_ident(token));
            }
        }
        for (dictionaries, tokens) in groups {
            steps.push(
                Step::new(
                    Rank::CreateOther,
                    format!(
                        "ALTER TEXT SEARCH CONFIGURATION {q} {verb} MAPPING FOR {} WITH {dictionaries}",
                        tokens.join(", ")
                    ),
                )
                .releases(&released),
            );
        }
    }
    steps
}

/// `CREATE EVENT TRIGGER`, last of all so that it does not fire on the plan's own statements,
/// and its enabled state when that is not the default.
fn event_trigger(o: &CatalogObject) -> Vec<Step> {
    let event = text(o, "event").unwrap_or_default();
    let function = text(o, "function").unwrap_or_default();
    let tags = list(o, "tags");
    let when = if tags.is_empty() {
        String::new()
    } else {
        let tags: Vec<String> = tags.iter().map(|t| literal(t)).collect();
        format!(" WHEN TAG IN ({})", tags.join(", "))
    };
    let on = if tags.is_empty() {
        String::new()
    } else {
        format!(" ({})", tags.join(", "))
    };
    let mut steps = vec![Step::new(
        Rank::DefaultPrivileges,
        format!(
            "CREATE EVENT TRIGGER {} ON {}{when} EXECUTE FUNCTION {function}",
            qualified_name(o),
            quote_ident(event)
        ),
    )
    .hazard(
        HazardKind::Access,
        format!(
            "event trigger {} runs {function} on every {event}{on} in the database",
            o.name
        ),
    )];
    if text(o, "enabled").is_some_and(|e| e != "origin") {
        steps.push(event_trigger_enabled(o));
    }
    steps
}

/// `ALTER EVENT TRIGGER … ENABLE|DISABLE` to the recorded state.
fn event_trigger_enabled(o: &CatalogObject) -> Step {
    let (clause, detail) = match text(o, "enabled") {
        Some("disabled") => ("DISABLE", "no longer runs"),
        Some("replica") => ("ENABLE REPLICA", "runs only in replication sessions"),
        Some("always") => ("ENABLE ALWAYS", "runs in every session, replication too"),
        _ => ("ENABLE", "runs in ordinary sessions"),
    };
    Step::new(
        Rank::DefaultPrivileges,
        format!("ALTER EVENT TRIGGER {} {clause}", qualified_name(o)),
    )
    .hazard(
        HazardKind::Access,
        format!("event trigger {} {detail}", o.name),
    )
    .needs(provided(o))
}

/// One table of a publication as the snapshot records it: `schema.table (columns) WHERE
/// filter`, the column list and filter optional.
struct PublishedTable<'a> {
    table: &'a str,
    columns: Option<&'a str>,
    filter: Option<&'a str>,
}

impl<'a> PublishedTable<'a> {
    fn parse(entry: &'a str) -> PublishedTable<'a> {
        let end = find_top(entry, " ").unwrap_or(entry.len());
        let (table, mut rest) = entry.split_at(end);
        let mut columns = None;
        if let Some(list) = rest.strip_prefix(' ').filter(|r| r.starts_with('(')) {
            let close = group_end(list, 0).unwrap_or(list.len());
            columns = Some(&list[..close]);
            rest = &list[close..];
        }
        let filter = rest.strip_prefix(" WHERE ");
        PublishedTable {
            table,
            columns,
            filter,
        }
    }

    /// `ONLY schema.table (columns) WHERE (filter)`: exactly this relation, as recorded.
    fn sql(&self, with_definition: bool) -> String {
        let mut sql = format!("ONLY {}", self.table);
        if with_definition {
            if let Some(columns) = self.columns {
                sql.push_str(&format!(" {columns}"));
            }
            if let Some(filter) = self.filter {
                sql.push_str(&format!(" WHERE ({filter})"));
            }
        }
        sql
    }
}

/// What a publication publishes, as `ALTER PUBLICATION … SET|DROP` and `CREATE PUBLICATION
/// … FOR` list it: its tables (with column lists and filters, unless dropping) and schemas.
fn publication_objects(o: &CatalogObject, tables: &[&str], with_definition: bool) -> String {
    let mut parts = Vec::new();
    if !tables.is_empty() {
        let tables: Vec<String> = tables
            .iter()
            .map(|t| PublishedTable::parse(t).sql(with_definition))
            .collect();
        parts.push(format!("TABLE {}", tables.join(", ")));
    }
    let schemas = list(o, "schemas");
    if !schemas.is_empty() {
        parts.push(format!("TABLES IN SCHEMA {}", schemas.join(", ")));
    }
    parts.join(", ")
}

/// The `WITH (…)` of a publication: the actions it publishes and whether partitions publish
/// as their root.
fn publication_options(o: &CatalogObject) -> String {
    let mut options = vec![format!(
        "publish = {}",
        literal(&list(o, "publish").join(", "))
    )];
    if let Some(via_root) = flag(o, "via_root") {
        options.push(format!(
            "publish_via_partition_root = {}",
            boolean(via_root)
        ));
    }
    options.join(", ")
}

fn publication(o: &CatalogObject) -> Step {
    let objects = if flag(o, "all_tables") == Some(true) {
        " FOR ALL TABLES".to_string()
    } else {
        let objects = publication_objects(o, &list(o, "tables"), true);
        if objects.is_empty() {
            String::new()
        } else {
            format!(" FOR {objects}")
        }
    };
    Step::new(
        Rank::CreateOther,
        format!(
            "CREATE PUBLICATION {}{objects} WITH ({})",
            qualified_name(o),
            publication_options(o)
        ),
    )
}

/// The `ALTER PUBLICATION` statements for its options and what it publishes.
fn publication_changes(old: &CatalogObject, new: &CatalogObject, new_db: &Database) -> Vec<Step> {
    let q = qualified_name(new);
    let mut steps = Vec::new();
    if publication_options(old) != publication_options(new) {
        steps.push(Step::new(
            Rank::CreateOther,
            format!("ALTER PUBLICATION {q} SET ({})", publication_options(new)),
        ));
    }
    let (old_tables, new_tables) = (list(old, "tables"), list(new, "tables"));
    if old_tables != new_tables || list(old, "schemas") != list(new, "schemas") {
        let published = publication_objects(new, &new_tables, true);
        let step = if !published.is_empty() {
            Step::new(
                Rank::CreateOther,
                format!("ALTER PUBLICATION {q} SET {published}"),
            )
        } else {
            let remaining: Vec<&str> = old_tables
                .iter()
                .copied()
                .filter(|t| table_exists(new_db, PublishedTable::parse(t).table))
                .collect();
            let objects = publication_objects(old, &remaining, false);
            if objects.is_empty() {
                return steps;
            }
            Step::new(
                Rank::CreateOther,
                format!("ALTER PUBLICATION {q} DROP {objects}"),
            )
            .releases(&objects)
        };
        let removed: Vec<&str> = old_tables
            .iter()
            .map(|t| PublishedTable::parse(t).table)
            .filter(|t| {
                !new_tables
                    .iter()
                    .any(|n| PublishedTable::parse(n).table == *t)
            })
            .collect();
        steps.push(if removed.is_empty() {
            step
        } else {
            step.hazard(
                HazardKind::DataLoss,
                format!(
                    "subscribers of publication {} stop receiving changes to {}",
                    new.name,
                    removed.join(", ")
                ),
            )
        });
    }
    steps
}

/// Whether `table` (as the catalog prints a relation: qualified, quoted where needed) is a
/// table of `db`.
fn table_exists(db: &Database, table: &str) -> bool {
    split_qualified(table).is_some_and(|(schema, name)| {
        db.tables
            .iter()
            .any(|t| t.schema == schema && t.name == name)
    })
}

/// The connection string of a subscription as a literal, with the placeholder where the
/// snapshot redacted the password; and whether it did.
fn connection(o: &CatalogObject) -> (String, bool) {
    let conninfo = text(o, "connection").unwrap_or_default();
    let unreadable = o.unreadable.iter().any(|u| u == "connection");
    if unreadable {
        return (literal(SECRET_PLACEHOLDER), true);
    }
    let secret = conninfo.contains(CONNECTION_REDACTED);
    (
        literal(&conninfo.replace(CONNECTION_REDACTED, SECRET_PLACEHOLDER)),
        secret,
    )
}

fn secret_hazard(step: Step, what: &str) -> Step {
    step.hazard(
        HazardKind::Access,
        format!(
            "the snapshot holds no secret of {what}: replace {SECRET_PLACEHOLDER} with it before \
             running"
        ),
    )
}

/// The subscription options recorded, as `key = value` the way `WITH (…)` and `ALTER
/// SUBSCRIPTION … SET (…)` write them; `two_phase` only on create, where PostgreSQL takes it.
fn subscription_options(o: &CatalogObject, create: bool) -> Vec<String> {
    let mut options = Vec::new();
    for key in [
        "binary",
        "streaming",
        "synchronous_commit",
        "two_phase",
        "disable_on_error",
        "origin",
        "password_required",
        "run_as_owner",
        "failover",
    ] {
        if key == "two_phase" && !create {
            continue;
        }
        let Some(value) = o.properties.get(key) else {
            continue;
        };
        let value = match (key, value) {
            ("streaming", serde_json::Value::String(s)) => match s.as_str() {
                "t" => "on".to_string(),
                "p" => "parallel".to_string(),
                _ => "off".to_string(),
            },
            ("two_phase", serde_json::Value::String(s)) => boolean(s != "d").to_string(),
            (_, serde_json::Value::Bool(b)) => boolean(*b).to_string(),
            (_, serde_json::Value::String(s)) => literal(s),
            _ => continue,
        };
        options.push(format!("{key} = {value}"));
    }
    options
}

fn slot(o: &CatalogObject) -> String {
    text(o, "slot_name").map_or("NONE".to_string(), literal)
}

/// `CREATE SUBSCRIPTION` with `connect = false`, so that nothing is attempted against the
/// publisher, then `ENABLE` when it was enabled.
fn subscription(o: &CatalogObject, db: &Database) -> Vec<Step> {
    let q = qualified_name(o);
    let (conninfo, secret) = connection(o);
    let publications: Vec<String> = list(o, "publications")
        .iter()
        .map(|p| quote_ident(p))
        .collect();
    let mut options = vec![
        "connect = false".to_string(),
        format!("slot_name = {}", slot(o)),
    ];
    options.extend(subscription_options(o, true));
    let mut step = Step::new(
        Rank::CreateOther,
        format!(
            "CREATE SUBSCRIPTION {q} CONNECTION {conninfo} PUBLICATION {} WITH ({})",
            publications.join(", "),
            options.join(", ")
        ),
    );
    if secret {
        step = secret_hazard(step, &format!("subscription {}'s connection", o.name));
    }
    for publication in list(o, "publications") {
        let local = db
            .others
            .iter()
            .any(|p| p.kind == "publication" && p.name == publication);
        if local {
            step = step.needs(name("", publication));
        }
    }
    let mut steps = vec![step];
    if flag(o, "enabled") == Some(true) {
        steps.push(Step::new(
            Rank::CreateOther,
            format!("ALTER SUBSCRIPTION {q} ENABLE"),
        ));
    }
    steps
}

/// The `ALTER SUBSCRIPTION` statements: disabled first when it is to be, its slot, options,
/// connection and publications, then enabled when it is to be.
fn subscription_changes(old: &CatalogObject, new: &CatalogObject, db: &Database) -> Vec<Step> {
    let q = qualified_name(new);
    let step = |sql: String| Step::new(Rank::CreateOther, sql);
    let (was, is) = (flag(old, "enabled"), flag(new, "enabled"));
    let mut steps = Vec::new();
    if was == Some(true) && is != Some(true) {
        steps.push(step(format!("ALTER SUBSCRIPTION {q} DISABLE")));
    }
    if text(old, "slot_name") != text(new, "slot_name") {
        steps.push(step(format!(
            "ALTER SUBSCRIPTION {q} SET (slot_name = {})",
            slot(new)
        )));
    }
    // Only the options that change: some may not be set at all in some states (PostgreSQL 17
    // refuses `failover` for a subscription without a slot, even to the value it has).
    let before = subscription_options(old, false);
    let options: Vec<String> = subscription_options(new, false)
        .into_iter()
        .filter(|option| !before.contains(option))
        .collect();
    if !options.is_empty() {
        steps.push(step(format!(
            "ALTER SUBSCRIPTION {q} SET ({})",
            options.join(", ")
        )));
    }
    let readable = |o: &CatalogObject| !o.unreadable.iter().any(|u| u == "connection");
    if readable(old) && readable(new) && text(old, "connection") != text(new, "connection") {
        let (conninfo, secret) = connection(new);
        let alter = step(format!("ALTER SUBSCRIPTION {q} CONNECTION {conninfo}"));
        steps.push(if secret {
            secret_hazard(alter, &format!("subscription {}'s connection", new.name))
        } else {
            alter
        });
    }
    if list(old, "publications") != list(new, "publications") {
        let publications: Vec<String> = list(new, "publications")
            .iter()
            .map(|p| quote_ident(p))
            .collect();
        let mut alter = step(format!(
            "ALTER SUBSCRIPTION {q} SET PUBLICATION {} WITH (refresh = false)",
            publications.join(", ")
        ));
        for publication in list(new, "publications") {
            if db
                .others
                .iter()
                .any(|p| p.kind == "publication" && p.name == publication)
            {
                alter = alter.needs(name("", publication));
            }
        }
        steps.push(alter);
    }
    if is == Some(true) && was != Some(true) {
        steps.push(step(format!("ALTER SUBSCRIPTION {q} ENABLE")));
    }
    steps
}

/// One `key=value` option, the value a literal or the placeholder where it was redacted.
fn option_item(option: &str) -> (String, bool) {
    let (key, value) = option.split_once('=').unwrap_or((option, ""));
    let secret = value == REDACTED;
    let value = if secret { SECRET_PLACEHOLDER } else { value };
    (format!("{} {}", quote_ident(key), literal(value)), secret)
}

/// `sql` with ` OPTIONS (…)` for the object's options, and the placeholder's hazard.
fn with_options(mut sql: String, o: &CatalogObject, what: &str) -> Step {
    let items: Vec<(String, bool)> = list(o, "options").into_iter().map(option_item).collect();
    if !items.is_empty() {
        let text: Vec<&str> = items.iter().map(|(i, _)| i.as_str()).collect();
        sql.push_str(&format!(" OPTIONS ({})", text.join(", ")));
    }
    let step = Step::new(Rank::CreateOther, sql);
    if items.iter().any(|(_, secret)| *secret) {
        secret_hazard(step, what)
    } else {
        step
    }
}

/// `<head> OPTIONS (DROP …, SET …, ADD …)` for the options that differ; a redacted value on
/// both sides is taken to be the same.
fn option_changes(head: &str, old: &CatalogObject, new: &CatalogObject, what: &str) -> Vec<Step> {
    let unreadable = |o: &CatalogObject| o.unreadable.iter().any(|u| u == "options");
    if unreadable(old) || unreadable(new) {
        return Vec::new();
    }
    let split = |o: &CatalogObject| -> BTreeMap<String, String> {
        list(o, "options")
            .into_iter()
            .map(|option| {
                let (key, value) = option.split_once('=').unwrap_or((option, ""));
                (key.to_string(), value.to_string())
            })
            .collect()
    };
    let (before, after) = (split(old), split(new));
    let mut items = Vec::new();
    let mut secret = false;
    for key in before.keys().filter(|k| !after.contains_key(*k)) {
        items.push(format!("DROP {}", quote_ident(key)));
    }
    for (key, value) in &after {
        let verb = match before.get(key) {
            Some(old_value) if old_value == value => continue,
            Some(_) => "SET",
            None => "ADD",
        };
        let (item, hidden) = option_item(&format!("{key}={value}"));
        secret |= hidden;
        items.push(format!("{verb} {item}"));
    }
    if items.is_empty() {
        return Vec::new();
    }
    let step = Step::new(
        Rank::CreateOther,
        format!("{head} OPTIONS ({})", items.join(", ")),
    );
    vec![if secret {
        secret_hazard(step, what)
    } else {
        step
    }]
}

/// The role of a user mapping as SQL names it (`public` is the mapping for PUBLIC).
fn mapping_user(o: &CatalogObject) -> String {
    match text(o, "user").unwrap_or_default() {
        "public" => "PUBLIC".to_string(),
        user => role(user),
    }
}

/// `CREATE USER MAPPING`: the role reaches the server with these credentials.
fn user_mapping(o: &CatalogObject) -> Step {
    let server = text(o, "server").unwrap_or_default();
    let user = mapping_user(o);
    let what = format!("user mapping {}", o.name);
    let sql = format!(
        "CREATE USER MAPPING FOR {user} SERVER {}",
        quote_ident(server)
    );
    let step = if o.unreadable.iter().any(|u| u == "options") {
        Step::new(Rank::CreateOther, sql).hazard(
            HazardKind::Access,
            format!("the snapshot could not read the options of {what}: add them after it runs"),
        )
    } else {
        with_options(sql, o, &what)
    };
    step.needs(name("", server)).hazard(
        HazardKind::Access,
        format!("{user} reaches server {server} through {what}"),
    )
}

/// `CREATE [TRUSTED] LANGUAGE` with its handlers, or `CREATE OR REPLACE` over the `old`
/// one; trusting a language lets every role with USAGE on it write functions in it.
fn language(o: &CatalogObject, old: Option<&CatalogObject>) -> Step {
    let trusted = flag(o, "trusted") == Some(true);
    let trust_changed = old.map_or(true, |old| flag(old, "trusted") != flag(o, "trusted"));
    let mut sql = format!(
        "CREATE {}{}LANGUAGE {}",
        if old.is_some() { "OR REPLACE " } else { "" },
        if trusted { "TRUSTED " } else { "" },
        qualified_name(o)
    );
    for (clause, key) in [
        ("HANDLER", "handler"),
        ("INLINE", "inline"),
        ("VALIDATOR", "validator"),
    ] {
        if let Some(function) = text(o, key) {
            sql.push_str(&format!(" {clause} {}", routine_name(function)));
        }
    }
    let step = Step::new(Rank::CreateOther, sql);
    if trusted && trust_changed {
        step.hazard(
            HazardKind::Access,
            format!(
                "language {} is trusted: roles with USAGE on it may write functions in it",
                o.name
            ),
        )
    } else if old.is_some() && trust_changed {
        step.hazard(
            HazardKind::Access,
            format!(
                "language {} is no longer trusted: only superusers may write functions in it",
                o.name
            ),
        )
    } else {
        step
    }
}

/// The object kinds `pg_seclabels` names, longest first so that `materialized view` is not
/// read as `view`.
const LABELLED_KINDS: &[&str] = &[
    "materialized view",
    "foreign table",
    "event trigger",
    "large object",
    "subscription",
    "publication",
    "tablespace",
    "aggregate",
    "procedure",
    "function",
    "language",
    "sequence",
    "database",
    "routine",
    "column",
    "domain",
    "schema",
    "table",
    "type",
    "view",
    "role",
];

/// `SECURITY LABEL FOR provider ON kind object IS label` (or `IS NULL`), from the object's
/// name `provider: kind object`.
fn security_label(o: &CatalogObject, label: Option<&str>) -> Option<Step> {
    let (provider, described) = o.name.split_once(": ")?;
    let kind = LABELLED_KINDS
        .iter()
        .find(|k| described.starts_with(&format!("{k} ")))?;
    let object = &described[kind.len() + 1..];
    let label = label.map_or("NULL".to_string(), literal);
    let step = Step::new(
        Rank::Comment,
        format!(
            "SECURITY LABEL FOR {} ON {} {object} IS {label}",
            quote_ident(provider),
            kind.to_uppercase()
        ),
    );
    // A database-wide object's name is no `schema.name` mention: the label needs it.
    Some(match find_top(object, ".") {
        Some(_) => step,
        None => step.needs(name("", &unquote(object))),
    })
}

/// An operator family member as the snapshot records it (`OPERATOR 1 <(integer,integer)`,
/// `FUNCTION 1 (integer, integer) schema.f(integer,integer)`): how to add and drop it, the
/// operand types it is registered for, and a user operator it names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    add: String,
    drop: String,
    types: (String, String),
    operator: Option<Name>,
}

impl Member {
    fn parse(text: &str) -> Option<Member> {
        let (word, rest) = text.split_once(' ')?;
        let (number, signature) = rest.split_once(' ')?;
        match word {
            "OPERATOR" => {
                let open = find_top(signature, "(")?;
                let close = group_end(signature, open)?;
                let operator = &signature[..open];
                let operands = &signature[open..close];
                let purpose = match signature[close..].trim() {
                    "" | "FOR ORDER BY -" => String::new(),
                    other => format!(" {other}"),
                };
                Some(Member {
                    add: format!("OPERATOR {number} {operator}{operands}{purpose}"),
                    drop: format!("OPERATOR {number} {operands}"),
                    types: operand_types(operands),
                    operator: operator_mention(operator),
                })
            }
            "FUNCTION" => {
                let close = group_end(signature, 0)?;
                let operands = &signature[..close];
                Some(Member {
                    add: text.to_string(),
                    drop: format!("FUNCTION {number} {operands}"),
                    types: operand_types(operands),
                    operator: None,
                })
            }
            _ => None,
        }
    }
}

/// `(left, right)` as the two type names.
fn operand_types(group: &str) -> (String, String) {
    let inner = group
        .strip_prefix('(')
        .and_then(|g| g.strip_suffix(')'))
        .unwrap_or(group);
    let mut types = split_top(inner, ",")
        .into_iter()
        .map(|t| t.trim().to_string());
    let left = types.next().unwrap_or_default();
    let right = types.next().unwrap_or_else(|| left.clone());
    (left, right)
}

/// The user operator a qualified operator name (`shop.===`) is, which the ordering cannot
/// see in SQL: `None` for an unqualified (built-in) one.
fn operator_mention(operator: &str) -> Option<Name> {
    let dot = find_top(operator, ".")?;
    Some(name(&unquote(&operator[..dot]), &operator[dot + 1..]))
}

/// An operator family with its classes and every member it records.
struct Unit<'a> {
    family: &'a CatalogObject,
    classes: Vec<&'a CatalogObject>,
    members: Vec<Member>,
}

type UnitKey = (String, String, String);

/// The operator families of a side with their classes, and the classes in a family the
/// snapshot does not hold (a built-in one).
fn units(
    db: &Database,
) -> (
    BTreeMap<UnitKey, Unit<'_>>,
    BTreeMap<UnitKey, &CatalogObject>,
) {
    let key = |o: &CatalogObject| {
        (
            o.schema.clone().unwrap_or_default(),
            o.name.clone(),
            arguments(o).to_string(),
        )
    };
    let mut units: BTreeMap<UnitKey, Unit> = db
        .others
        .iter()
        .filter(|o| o.kind == "operator_family")
        .map(|family| {
            let members = list(family, "operators")
                .into_iter()
                .chain(list(family, "functions"))
                .filter_map(Member::parse)
                .collect();
            (
                key(family),
                Unit {
                    family,
                    classes: Vec::new(),
                    members,
                },
            )
        })
        .collect();
    let mut loose = BTreeMap::new();
    for class in db.others.iter().filter(|o| o.kind == "operator_class") {
        let unit = units.values_mut().find(|u| {
            Some(qualified_name(u.family).as_str()) == text(class, "family")
                && arguments(u.family) == arguments(class)
        });
        match unit {
            Some(unit) => unit.classes.push(class),
            None => {
                loose.insert(key(class), class);
            }
        }
    }
    (units, loose)
}

/// Operator families and classes: a family and its classes are created together, each member
/// in the class of its type or else loose in the family; a family whose classes change, or
/// that loses a member a class may own, is dropped (with its classes) and created again; one
/// that only gains members, or loses loose ones, is altered.
fn families(sides: &Sides) -> Vec<Step> {
    let (old_units, old_loose) = units(sides.old);
    let (new_units, new_loose) = units(sides.new);
    let mut steps = Vec::new();
    let keys: BTreeSet<&UnitKey> = old_units.keys().chain(new_units.keys()).collect();
    for key in keys {
        match (old_units.get(key), new_units.get(key)) {
            (None, Some(n)) => steps.extend(create_unit(n)),
            (Some(o), None) => steps.push(drop_unit(o)),
            (Some(o), Some(n)) => steps.extend(change_unit(o, n, sides)),
            (None, None) => {}
        }
    }
    let keys: BTreeSet<&UnitKey> = old_loose.keys().chain(new_loose.keys()).collect();
    for key in keys {
        let (o, n) = (old_loose.get(key).copied(), new_loose.get(key).copied());
        steps.extend(object(o, n, sides, false));
    }
    steps
}

/// Whether a member is registered for the type a class indexes, so that it may be the class's.
fn belongs_to(member: &Member, class: &CatalogObject) -> bool {
    let kind = text(class, "type").unwrap_or_default();
    member.types.0 == kind && member.types.1 == kind
}

fn create_unit(unit: &Unit) -> Vec<Step> {
    let family = unit.family;
    let q = qualified_name(family);
    let method = quote_ident(arguments(family));
    let mut steps = vec![Step::new(
        Rank::CreateOther,
        format!("CREATE OPERATOR FAMILY {q} USING {method}"),
    )
    .provides(provided(family))];
    steps.extend(access_steps(None, family));
    let mut placed = vec![false; unit.members.len()];
    for class in &unit.classes {
        let mut members = Vec::new();
        for (i, member) in unit.members.iter().enumerate() {
            if !placed[i] && belongs_to(member, class) {
                placed[i] = true;
                members.push(member);
            }
        }
        let mut step = Step::new(Rank::CreateOther, operator_class(class, &members, Some(&q)))
            .provides(provided(class));
        for operator in members.iter().filter_map(|m| m.operator.clone()) {
            step = step.needs(operator);
        }
        steps.push(step);
        steps.extend(access_steps(None, class));
    }
    let loose: Vec<&Member> = unit
        .members
        .iter()
        .zip(&placed)
        .filter(|(_, placed)| !**placed)
        .map(|(m, _)| m)
        .collect();
    steps.extend(add_members(family, &loose));
    steps
}

/// `ALTER OPERATOR FAMILY … ADD` for members outside any class.
fn add_members(family: &CatalogObject, members: &[&Member]) -> Option<Step> {
    if members.is_empty() {
        return None;
    }
    let items: Vec<&str> = members.iter().map(|m| m.add.as_str()).collect();
    let mut step = Step::new(
        Rank::CreateOther,
        format!(
            "ALTER OPERATOR FAMILY {} USING {} ADD {}",
            qualified_name(family),
            quote_ident(arguments(family)),
            items.join(", ")
        ),
    )
    .needs(provided(family));
    for operator in members.iter().filter_map(|m| m.operator.clone()) {
        step = step.needs(operator);
    }
    Some(step)
}

/// `DROP OPERATOR FAMILY`, which drops its classes and members with it.
fn drop_unit(unit: &Unit) -> Step {
    let family = unit.family;
    let mut step = Step::new(
        Rank::DropOther,
        format!(
            "DROP OPERATOR FAMILY {} USING {}",
            qualified_name(family),
            quote_ident(arguments(family))
        ),
    )
    .removes(provided(family));
    for class in &unit.classes {
        step = step.removes(provided(class));
    }
    for member in &unit.members {
        step = step.releases(&member.add);
        step.releases.extend(member.operator.clone());
    }
    step
}

fn change_unit(old: &Unit, new: &Unit, sides: &Sides) -> Vec<Step> {
    let same_classes = old.classes.len() == new.classes.len()
        && old.classes.iter().all(|o| {
            new.classes
                .iter()
                .any(|n| catalog_object_name(o) == catalog_object_name(n) && same_definition(o, n))
        });
    let removed: Vec<&Member> = old
        .members
        .iter()
        .filter(|m| !new.members.contains(m))
        .collect();
    let owned = removed
        .iter()
        .any(|m| old.classes.iter().any(|c| belongs_to(m, c)));
    if !same_classes || owned || sides.use_invalid(&create_unit(old)) {
        let mut steps = vec![drop_unit(old)];
        steps.extend(create_unit(new));
        return steps;
    }
    let family = new.family;
    let mut steps = access_steps(Some(old.family), family);
    for class in &new.classes {
        let before = old
            .classes
            .iter()
            .find(|o| catalog_object_name(o) == catalog_object_name(class));
        steps.extend(access_steps(before.copied(), class));
    }
    if !removed.is_empty() {
        let items: Vec<&str> = removed.iter().map(|m| m.drop.as_str()).collect();
        let mut step = Step::new(
            Rank::DropOther,
            format!(
                "ALTER OPERATOR FAMILY {} USING {} DROP {}",
                qualified_name(family),
                quote_ident(arguments(family)),
                items.join(", ")
            ),
        );
        for member in &removed {
            step = step.releases(&member.add);
            step.releases.extend(member.operator.clone());
        }
        steps.push(step);
    }
    let added: Vec<&Member> = new
        .members
        .iter()
        .filter(|m| !old.members.contains(m))
        .collect();
    steps.extend(add_members(family, &added));
    steps
}

/// `ALTER DEFAULT PRIVILEGES FOR ROLE … [IN SCHEMA …]` grants and revokes, after everything
/// else so that the plan's own creates do not pick them up. An entry that is absent holds the
/// built-in default; one in a schema the new side drops goes with the schema.
fn default_privileges(
    old: Option<&CatalogObject>,
    new: Option<&CatalogObject>,
    new_db: &Database,
) -> Vec<Step> {
    let Some(entry) = new.or(old) else {
        return Vec::new();
    };
    let schema = text(entry, "schema");
    if new.is_none() && schema.is_some_and(|s| !new_db.schemas.iter().any(|n| n.name == s)) {
        return Vec::new();
    }
    let owner = text(entry, "role").unwrap_or_default();
    let Some((_, objects)) = entry.name.rsplit_once(" on ") else {
        return Vec::new();
    };
    let prefix = format!(
        "ALTER DEFAULT PRIVILEGES FOR ROLE {}{}",
        role(owner),
        schema
            .map(|s| format!(" IN SCHEMA {}", quote_ident(s)))
            .unwrap_or_default()
    );
    let scope = schema.map_or("anywhere".to_string(), |s| format!("in schema {s}"));
    fn side(o: Option<&CatalogObject>) -> (&[Grant], &[Grant]) {
        o.map_or((&[], &[]), |o| (&o.grants, &o.revoked))
    }
    access::privileges(&objects.to_uppercase(), Some(side(old)), side(new))
        .into_iter()
        .map(|mut step| {
            step.sql = format!("{prefix} {}", step.sql);
            step.rank = Rank::DefaultPrivileges;
            for hazard in &mut step.hazards {
                hazard.detail =
                    format!("{} that {owner} creates {scope} from now on", hazard.detail);
            }
            step
        })
        .collect()
}

/// The settings `ALTER … SET` takes as a list of names, each element quoted on its own
/// (those PostgreSQL marks `GUC_LIST_QUOTE`, as pg_dump lists them).
const LIST_SETTINGS: &[&str] = &[
    "local_preload_libraries",
    "search_path",
    "session_preload_libraries",
    "shared_preload_libraries",
    "temp_tablespaces",
    "unix_socket_directories",
];

/// The database's settings and comment, or a role's settings in this database. The database
/// is the one the plan runs in, so each statement formats its name in a `DO` block.
fn settings(old: Option<&CatalogObject>, new: Option<&CatalogObject>) -> Vec<Step> {
    let Some(entry) = new.or(old) else {
        return Vec::new();
    };
    let head = match entry.name.strip_prefix("role ") {
        Some(user) => format!(
            "ALTER ROLE {} IN DATABASE %I",
            role(user).replace('%', "%%")
        ),
        None => "ALTER DATABASE %I".to_string(),
    };
    let parse = |o: Option<&CatalogObject>| -> BTreeMap<String, String> {
        o.map(|o| list(o, "settings"))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| s.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let (before, after) = (parse(old), parse(new));
    let mut steps = Vec::new();
    for key in before.keys().filter(|k| !after.contains_key(*k)) {
        steps.push(Step::new(
            Rank::Access,
            on_current_database(
                &format!("{head} RESET {}", quote_ident(key).replace('%', "%%")),
                &[],
            ),
        ));
    }
    for (key, value) in &after {
        if before.get(key) == Some(value) {
            continue;
        }
        let secret = value == REDACTED;
        let values: Vec<String> = if secret {
            vec![SECRET_PLACEHOLDER.to_string()]
        } else if LIST_SETTINGS.contains(&key.as_str()) {
            split_top(value, ",")
                .into_iter()
                .map(|v| unquote(v.trim()))
                .collect()
        } else {
            vec![value.clone()]
        };
        let slots = vec!["%L"; values.len()].join(", ");
        let step = Step::new(
            Rank::Access,
            on_current_database(
                &format!(
                    "{head} SET {} TO {slots}",
                    quote_ident(key).replace('%', "%%")
                ),
                &values,
            ),
        );
        steps.push(if secret {
            secret_hazard(step, &format!("setting {key}"))
        } else {
            step
        });
    }
    if entry.name == "database" {
        let comment = |o: Option<&CatalogObject>| o.and_then(|o| o.comment.clone());
        let (was, is) = (comment(old), comment(new));
        if was != is {
            let (format, values) = match is {
                Some(text) => ("COMMENT ON DATABASE %I IS %L", vec![text]),
                None => ("COMMENT ON DATABASE %I IS NULL", Vec::new()),
            };
            steps.push(Step::new(
                Rank::Comment,
                on_current_database(format, &values),
            ));
        }
    }
    steps
}

/// A `DO` block that runs `format(template, current_database(), values…)`: `%I` in the
/// template is the current database's name, each `%L` the next value.
fn on_current_database(template: &str, values: &[String]) -> String {
    let mut call = format!("format({}, current_database()", literal(template));
    for value in values {
        call.push_str(", ");
        call.push_str(&literal(value));
    }
    call.push(')');
    let body = format!("BEGIN EXECUTE {call}; END");
    let mut tag = "$$".to_string();
    let mut n = 0;
    while body.contains(&tag) {
        n += 1;
        tag = format!("$plan{n}$");
    }
    format!("DO {tag}{body}{tag}")
}

/// The text before the first `(` outside double quotes: a routine's name without its
/// argument types.
fn routine_name(signature: &str) -> &str {
    find_top(signature, "(").map_or(signature, |open| &signature[..open])
}

/// An identifier as the catalog prints it, its quotes removed.
fn unquote(ident: &str) -> String {
    match ident.strip_prefix('"').and_then(|i| i.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => ident.to_string(),
    }
}

/// `schema.name` as two unquoted identifiers.
fn split_qualified(text: &str) -> Option<(String, String)> {
    let dot = find_top(text, ".")?;
    Some((unquote(&text[..dot]), unquote(&text[dot + 1..])))
}

/// Where `needle` first stands in `text` outside double-quoted identifiers, single-quoted
/// literals and parentheses (an opening `(` is found at depth zero).
fn find_top(text: &str, needle: &str) -> Option<usize> {
    scan(text, needle).into_iter().next()
}

/// `text` split at every `separator` outside quotes and parentheses.
fn split_top<'a>(text: &'a str, separator: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for at in scan(text, separator) {
        parts.push(&text[start..at]);
        start = at + separator.len();
    }
    parts.push(&text[start..]);
    parts
}

/// Every index where `needle` starts at depth zero, outside quotes.
fn scan(text: &str, needle: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if depth == 0 && text[i..].starts_with(needle) {
            found.push(i);
            i += needle.len();
            continue;
        }
        match bytes[i] {
            b'"' => i = skip_quoted(bytes, i + 1, b'"', false),
            b'\'' => {
                let escapes = i > 0 && matches!(bytes[i - 1], b'E' | b'e');
                i = skip_quoted(bytes, i + 1, b'\'', escapes);
            }
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    found
}

/// The index after the quoted text whose content starts at `i` (the quote doubled inside;
/// with `escapes`, backslashes escape too).
fn skip_quoted(bytes: &[u8], mut i: usize, quote: u8, escapes: bool) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if escapes => i += 2,
            b if b == quote && bytes.get(i + 1) == Some(&quote) => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The index after the `)` that closes the `(` at `open`.
fn group_end(text: &str, open: usize) -> Option<usize> {
    let inner = &text[open + 1..];
    let close = scan(inner, ")").into_iter().next()?;
    Some(open + 1 + close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Options;
    use std::collections::HashSet;

    fn object(value: serde_json::Value) -> CatalogObject {
        serde_json::from_value(value).expect("a catalog object")
    }

    fn database(others: Vec<CatalogObject>) -> Database {
        Database {
            others,
            ..Database::default()
        }
    }

    fn plan(old: Vec<CatalogObject>, new: Vec<CatalogObject>) -> Vec<Step> {
        plan_rebuilding(old, new, HashSet::new())
    }

    fn plan_rebuilding(
        old: Vec<CatalogObject>,
        new: Vec<CatalogObject>,
        rebuild: HashSet<Name>,
    ) -> Vec<Step> {
        let context = Context {
            options: Options::default(),
            rebuild: &rebuild,
        };
        super::super::order::sort(steps(&database(old), &database(new), &context))
    }

    fn sql(steps: &[Step]) -> Vec<&str> {
        steps.iter().map(|s| s.sql.as_str()).collect()
    }

    #[test]
    fn dictionary_options_change_in_place_and_keep_their_order() {
        assert_eq!(
            dictionary_changes(
                "stopwords = 'english'",
                "stopwords = 'english', accept = 'false'"
            ),
            "accept = 'false'"
        );
        assert_eq!(
            dictionary_changes(
                "stopwords = 'english', accept = 'false'",
                "stopwords = 'english'"
            ),
            "accept"
        );
        // PostgreSQL appends a valued option after the others: `a` is set again to follow `b`.
        assert_eq!(dictionary_changes("a = 1, b = 2", "b = 2, a = 1"), "a = 1");
        assert_eq!(
            dictionary_changes("a = 'x, y', b = 2", "a = 'x, z', b = 2"),
            "a = 'x, z', b = 2"
        );
    }

    #[test]
    fn family_members_are_read_with_their_types_and_operators() {
        let operator = Member::parse("OPERATOR 1 shop.===(shop.pair,shop.pair) FOR ORDER BY -")
            .expect("an operator member");
        assert_eq!(operator.add, "OPERATOR 1 shop.===(shop.pair,shop.pair)");
        assert_eq!(operator.drop, "OPERATOR 1 (shop.pair,shop.pair)");
        assert_eq!(operator.types, ("shop.pair".into(), "shop.pair".into()));
        assert_eq!(operator.operator, Some(name("shop", "===")));
        let function = Member::parse("FUNCTION 1 (integer, bigint) shop.cmp(integer,bigint)")
            .expect("a function");
        assert_eq!(function.drop, "FUNCTION 1 (integer, bigint)");
        assert_eq!(function.types, ("integer".into(), "bigint".into()));
        assert_eq!(function.operator, None);
    }

    #[test]
    fn a_class_gets_the_members_of_its_type_and_the_family_the_others() {
        let family = object(serde_json::json!({
            "kind": "operator_family", "schema": "shop", "name": "fam", "arguments": "btree",
            "owner": "alice",
            "properties": {
                "operators": ["OPERATOR 1 <(integer,integer) FOR ORDER BY -",
                              "OPERATOR 1 <(integer,bigint) FOR ORDER BY -"],
                "functions": ["FUNCTION 1 (integer, integer) btint4cmp(integer,integer)"]
            }
        }));
        let class = object(serde_json::json!({
            "kind": "operator_class", "schema": "shop", "name": "int_ops", "arguments": "btree",
            "owner": "alice",
            "properties": {"type": "integer", "default": false, "family": "shop.fam"}
        }));
        let steps = plan(Vec::new(), vec![family.clone(), class.clone()]);
        assert_eq!(
            sql(&steps)[..3],
            [
                "CREATE OPERATOR FAMILY shop.fam USING btree",
                "CREATE OPERATOR CLASS shop.int_ops FOR TYPE integer USING btree FAMILY shop.fam \
                 AS OPERATOR 1 <(integer,integer), FUNCTION 1 (integer, integer) btint4cmp(integer,integer)",
                "ALTER OPERATOR FAMILY shop.fam USING btree ADD OPERATOR 1 <(integer,bigint)",
            ]
        );
        // Losing the cross-type member alters the family; losing one the class may own
        // drops the family with its class and makes both again.
        let mut fewer = family.clone();
        fewer.properties.insert(
            "operators".into(),
            serde_json::json!(["OPERATOR 1 <(integer,integer) FOR ORDER BY -"]),
        );
        let steps = plan(
            vec![family.clone(), class.clone()],
            vec![fewer, class.clone()],
        );
        assert_eq!(
            sql(&steps),
            ["ALTER OPERATOR FAMILY shop.fam USING btree DROP OPERATOR 1 (integer,bigint)"]
        );
        let mut owned = family.clone();
        owned
            .properties
            .insert("functions".into(), serde_json::json!([]));
        let steps = plan(vec![family, class.clone()], vec![owned, class]);
        assert_eq!(sql(&steps)[0], "DROP OPERATOR FAMILY shop.fam USING btree");
        assert!(sql(&steps)[2].ends_with("AS OPERATOR 1 <(integer,integer)"));
    }

    #[test]
    fn published_tables_keep_their_column_lists_and_filters() {
        let entry =
            PublishedTable::parse(r#"shop."Odd Name" (id, "A B") WHERE (total > (0)::numeric)"#);
        assert_eq!(entry.table, r#"shop."Odd Name""#);
        assert_eq!(
            entry.sql(true),
            r#"ONLY shop."Odd Name" (id, "A B") WHERE ((total > (0)::numeric))"#
        );
        assert_eq!(entry.sql(false), r#"ONLY shop."Odd Name""#);
        let entry = PublishedTable::parse("shop.flags WHERE active");
        assert_eq!(entry.sql(true), "ONLY shop.flags WHERE (active)");
    }

    #[test]
    fn a_redacted_secret_becomes_a_named_placeholder_with_a_hazard() {
        let subscription = object(serde_json::json!({
            "kind": "subscription", "name": "sub", "owner": "alice",
            "properties": {
                "connection": "host=h dbname=x password=***", "enabled": true,
                "publications": ["pub"], "slot_name": "sub", "binary": false,
                "streaming": "p", "synchronous_commit": "off", "two_phase": "d"
            }
        }));
        let steps = create(&subscription, &database(Vec::new()));
        assert_eq!(
            sql(&steps),
            [
                "CREATE SUBSCRIPTION sub CONNECTION 'host=h dbname=x password=SECRET_TO_FILL_IN' \
                 PUBLICATION pub WITH (connect = false, slot_name = 'sub', binary = false, \
                 streaming = parallel, synchronous_commit = 'off', two_phase = false)",
                "ALTER SUBSCRIPTION sub ENABLE",
            ]
        );
        assert!(steps[0].hazards[0].detail.contains(SECRET_PLACEHOLDER));
        let dropped = dropped(&subscription, &database(Vec::new()));
        assert!(
            !dropped.transactional,
            "a subscription with a slot drops it outside"
        );
        assert_eq!(dropped.hazards[0].kind, HazardKind::DataLoss);

        let mapping = object(serde_json::json!({
            "kind": "user_mapping", "name": "public@srv",
            "properties": {"user": "public", "server": "srv",
                           "options": ["password=<redacted>", "user=remote"]}
        }));
        let step = user_mapping(&mapping);
        assert_eq!(
            step.sql,
            "CREATE USER MAPPING FOR PUBLIC SERVER srv OPTIONS (password 'SECRET_TO_FILL_IN', \"user\" 'remote')"
        );
        assert_eq!(step.needs, [name("", "srv")]);
        // The same redacted secret on both sides is no change.
        assert!(plan(vec![mapping.clone()], vec![mapping]).is_empty());
    }

    #[test]
    fn settings_name_the_current_database_in_a_do_block() {
        let settings = object(serde_json::json!({
            "kind": "settings", "name": "role Ann", "properties": {
                "settings": ["search_path=\"My $$ Schema\", public", "work_mem=64MB"]
            }
        }));
        assert_eq!(
            sql(&plan(Vec::new(), vec![settings.clone()])),
            [
                "DO $plan1$BEGIN EXECUTE format('ALTER ROLE \"Ann\" IN DATABASE %I SET search_path TO %L, %L', \
                 current_database(), 'My $$ Schema', 'public'); END$plan1$",
                "DO $$BEGIN EXECUTE format('ALTER ROLE \"Ann\" IN DATABASE %I SET work_mem TO %L', \
                 current_database(), '64MB'); END$$",
            ]
        );
        assert_eq!(
            sql(&plan(vec![settings], Vec::new())),
            [
                "DO $$BEGIN EXECUTE format('ALTER ROLE \"Ann\" IN DATABASE %I RESET search_path', current_database()); END$$",
                "DO $$BEGIN EXECUTE format('ALTER ROLE \"Ann\" IN DATABASE %I RESET work_mem', current_database()); END$$",
            ]
        );
    }

    #[test]
    fn default_privileges_go_last_for_their_role_and_schema() {
        let entry = object(serde_json::json!({
            "kind": "default_privileges", "name": "alice in schema shop on tables",
            "properties": {"role": "alice", "schema": "shop"},
            "grants": [{"grantee": "bob", "privileges": ["SELECT"]}]
        }));
        let steps = plan(Vec::new(), vec![entry]);
        assert_eq!(
            sql(&steps),
            ["ALTER DEFAULT PRIVILEGES FOR ROLE alice IN SCHEMA shop GRANT SELECT ON TABLES TO bob"]
        );
        assert_eq!(steps[0].rank, Rank::DefaultPrivileges);
        assert_eq!(steps[0].hazards[0].kind, HazardKind::Access);
    }

    #[test]
    fn an_event_trigger_is_created_last_and_dropped_first() {
        let trigger = object(serde_json::json!({
            "kind": "event_trigger", "name": "ddl", "owner": "alice",
            "properties": {"event": "ddl_command_end", "function": "shop.on_ddl()",
                           "enabled": "always", "tags": ["CREATE TABLE"]}
        }));
        let steps = create(&trigger, &database(Vec::new()));
        assert_eq!(
            sql(&steps),
            [
                "CREATE EVENT TRIGGER ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE') \
                 EXECUTE FUNCTION shop.on_ddl()",
                "ALTER EVENT TRIGGER ddl ENABLE ALWAYS",
            ]
        );
        assert!(steps.iter().all(|s| s.rank == Rank::DefaultPrivileges));
        let dropped = dropped(&trigger, &database(Vec::new()));
        assert_eq!(dropped.rank, Rank::DropAccess);
        assert_eq!(dropped.releases, [name("shop", "on_ddl")]);
    }

    #[test]
    fn a_security_label_names_its_object_by_kind() {
        let label = object(serde_json::json!({
            "kind": "security_label", "name": "selinux: materialized view shop.totals",
            "properties": {"label": "system_u:object_r:sepgsql_table_t:s0"}
        }));
        assert_eq!(
            sql(&plan(Vec::new(), vec![label.clone()])),
            [
                "SECURITY LABEL FOR selinux ON MATERIALIZED VIEW shop.totals IS \
              'system_u:object_r:sepgsql_table_t:s0'"
            ]
        );
        assert_eq!(
            sql(&plan(vec![label], Vec::new())),
            ["SECURITY LABEL FOR selinux ON MATERIALIZED VIEW shop.totals IS NULL"]
        );
    }

    #[test]
    fn a_server_follows_its_wrapper_and_its_mappings_go_before_it() {
        let wrapper = object(serde_json::json!({
            "kind": "foreign_data_wrapper", "name": "fdw", "owner": "alice", "properties": {}
        }));
        let server = object(serde_json::json!({
            "kind": "foreign_server", "name": "srv", "owner": "alice",
            "properties": {"wrapper": "fdw", "type": "a"}
        }));
        let mapping = object(serde_json::json!({
            "kind": "user_mapping", "name": "bob@srv",
            "properties": {"user": "bob", "server": "srv"}
        }));
        let all = vec![wrapper.clone(), server.clone(), mapping.clone()];
        let created = plan(Vec::new(), all.clone());
        let position =
            |steps: &[Step], sql: &str| steps.iter().position(|s| s.sql.starts_with(sql));
        assert!(position(&created, "CREATE FOREIGN DATA") < position(&created, "CREATE SERVER"));
        assert!(position(&created, "CREATE SERVER") < position(&created, "CREATE USER MAPPING"));
        let dropped = plan(all.clone(), Vec::new());
        assert_eq!(
            sql(&dropped),
            [
                "DROP USER MAPPING FOR bob SERVER srv",
                "DROP SERVER srv",
                "DROP FOREIGN DATA WRAPPER fdw",
            ]
        );
        // A server of another type is made again, and its mappings with it.
        let mut retyped = server;
        retyped
            .properties
            .insert("type".into(), serde_json::json!("b"));
        let steps = plan(all, vec![wrapper, retyped, mapping]);
        assert_eq!(
            sql(&steps)[..4],
            [
                "DROP USER MAPPING FOR bob SERVER srv",
                "DROP SERVER srv",
                "CREATE SERVER srv TYPE 'b' FOREIGN DATA WRAPPER fdw",
                "CREATE USER MAPPING FOR bob SERVER srv",
            ]
        );
    }

    #[test]
    fn what_uses_a_function_made_again_is_made_again_around_it() {
        let cast = object(serde_json::json!({
            "kind": "cast", "name": "shop.pair AS text", "comment": "as text",
            "properties": {"context": "assignment", "function": "shop.pair_to_text(shop.pair)",
                           "method": "function"}
        }));
        assert!(plan(vec![cast.clone()], vec![cast.clone()]).is_empty());
        let steps = plan_rebuilding(
            vec![cast.clone()],
            vec![cast],
            HashSet::from([name("shop", "pair_to_text")]),
        );
        assert_eq!(
            sql(&steps),
            [
                "DROP CAST (shop.pair AS text)",
                "CREATE CAST (shop.pair AS text) WITH FUNCTION shop.pair_to_text(shop.pair) AS ASSIGNMENT",
                "COMMENT ON CAST (shop.pair AS text) IS 'as text'",
            ]
        );
        assert!(steps[0].releases.contains(&name("shop", "pair_to_text")));
    }
}
