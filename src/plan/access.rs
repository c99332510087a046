//! Owners, comments and privileges: the statements every object kind shares.

use std::collections::BTreeSet;

use super::step::{HazardKind, Rank, Step};
use crate::model::{quote_ident, Database, Grant, Privilege};

/// `'text'`, quotes doubled (the plan assumes `standard_conforming_strings`, as PostgreSQL
/// has since 9.1).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `COMMENT ON <target> IS …` when the comment differs (`IS NULL` removes it).
pub fn comment(target: &str, old: Option<&str>, new: Option<&str>) -> Option<Step> {
    (old != new).then(|| {
        let text = new.map_or_else(|| "NULL".to_string(), literal);
        Step::new(Rank::Comment, format!("COMMENT ON {target} IS {text}"))
    })
}

/// `ALTER <target> OWNER TO …` when the owner differs; `old` is `None` for an object the plan
/// creates, which the role running the plan would otherwise own.
pub fn owner(target: &str, old: Option<&str>, new: &str) -> Option<Step> {
    (old != Some(new)).then(|| {
        let step = Step::new(
            Rank::Access,
            format!("ALTER {target} OWNER TO {}", role(new)),
        );
        match old {
            Some(old) => step.hazard(
                HazardKind::Access,
                format!("{target} passes from {old} to {new}, with its owner's privileges"),
            ),
            None => step,
        }
    })
}

/// A role as SQL names it: `PUBLIC` bare, any other quoted where needed.
pub fn role(name: &str) -> String {
    if name == "PUBLIC" {
        name.to_string()
    } else {
        quote_ident(name)
    }
}

/// One privilege held by one grantee: the unit grants are compared in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Fact<'a> {
    grantee: &'a str,
    column: Option<&'a str>,
    privilege: Privilege,
    with_grant_option: bool,
}

fn facts(grants: &[Grant]) -> BTreeSet<Fact<'_>> {
    grants
        .iter()
        .flat_map(|g| {
            g.privileges.iter().map(move |&privilege| Fact {
                grantee: &g.grantee,
                column: g.column.as_deref(),
                privilege,
                with_grant_option: g.with_grant_option,
            })
        })
        .collect()
}

/// The GRANT and REVOKE statements that turn one object's privileges into another's. `on` is
/// the object as GRANT names it (`TABLE shop.orders`, `FUNCTION shop.f(integer)`); each side
/// is what it grants beyond, and revokes from, the built-in default of its kind and owner.
/// `None` for the old side of an object the plan creates, which starts at the default.
pub fn privileges(
    on: &str,
    old: Option<(&[Grant], &[Grant])>,
    new: (&[Grant], &[Grant]),
) -> Vec<Step> {
    let (old_granted, old_revoked) =
        old.map_or_else(Default::default, |(g, r)| (facts(g), facts(r)));
    let (new_granted, new_revoked) = (facts(new.0), facts(new.1));
    let mut grant: Vec<Fact> = Vec::new();
    let mut revoke: Vec<Fact> = Vec::new();
    let mut revoke_option: Vec<Fact> = Vec::new();
    for fact in new_granted.difference(&old_granted) {
        let downgraded = !fact.with_grant_option
            && old_granted.contains(&Fact {
                with_grant_option: true,
                ..fact.clone()
            });
        if !downgraded {
            grant.push(fact.clone());
        }
    }
    for fact in old_granted.difference(&new_granted) {
        let kept_without_option = fact.with_grant_option
            && new_granted.contains(&Fact {
                with_grant_option: false,
                ..fact.clone()
            });
        let upgraded = !fact.with_grant_option
            && new_granted.contains(&Fact {
                with_grant_option: true,
                ..fact.clone()
            });
        if kept_without_option {
            revoke_option.push(fact.clone());
        } else if !upgraded {
            revoke.push(fact.clone());
        }
    }
    for fact in new_revoked.difference(&old_revoked) {
        revoke.push(fact.clone());
    }
    for fact in old_revoked.difference(&new_revoked) {
        grant.push(fact.clone());
    }
    let mut steps = Vec::new();
    for (verb, facts) in [
        ("REVOKE OPTION", revoke_option),
        ("REVOKE", revoke),
        ("GRANT", grant),
    ] {
        for (grantee, column, with_grant_option, privileges) in grouped(facts) {
            let list = privileges
                .iter()
                .map(|p| p.sql())
                .collect::<Vec<_>>()
                .join(", ");
            let list = match column {
                Some(column) => format!("{list} ({})", quote_ident(column)),
                None => list,
            };
            let who = role(grantee);
            let (sql, detail) = match verb {
                "GRANT" => (
                    format!(
                        "GRANT {list} ON {on} TO {who}{}",
                        if with_grant_option {
                            " WITH GRANT OPTION"
                        } else {
                            ""
                        }
                    ),
                    format!("{grantee} gains {list} on {on}"),
                ),
                "REVOKE" => (
                    format!("REVOKE {list} ON {on} FROM {who}"),
                    format!("{grantee} loses {list} on {on}"),
                ),
                _ => (
                    format!("REVOKE GRANT OPTION FOR {list} ON {on} FROM {who}"),
                    format!("{grantee} can no longer grant {list} on {on}"),
                ),
            };
            steps.push(Step::new(Rank::Access, sql).hazard(HazardKind::Access, detail));
        }
    }
    steps
}

/// The GRANT and REVOKE statements for an object the plan creates. Besides the built-in
/// default, a new object gets what `ALTER DEFAULT PRIVILEGES` in `defaults` (the schema the
/// plan runs against) gives new objects of `kind` (`tables`, `sequences`, `functions`,
/// `types`, `schemas`) in `schema`, and which entry applies depends on the role that runs the
/// plan: so whatever any entry grants that the object must not hold is revoked, whatever any
/// entry revokes that it must hold is granted back, and then its own privileges are granted.
pub fn created_privileges(
    on: &str,
    kind: &str,
    schema: Option<&str>,
    defaults: &Database,
    new: (&[Grant], &[Grant]),
) -> Vec<Step> {
    let suffix = format!(" on {kind}");
    let (new_granted, new_revoked) = (facts(new.0), facts(new.1));
    let mut granted: Vec<Grant> = Vec::new();
    let mut revoked: Vec<Grant> = Vec::new();
    for entry in defaults
        .others
        .iter()
        .filter(|o| o.kind == "default_privileges" && o.name.ends_with(&suffix))
    {
        let entry_schema = entry.properties.get("schema").and_then(|v| v.as_str());
        if entry_schema.is_some() && entry_schema != schema {
            continue;
        }
        granted.extend(unit_grants(&entry.grants, &new_granted));
        revoked.extend(unit_grants(&entry.revoked, &new_revoked));
    }
    let mut steps = privileges(on, Some((&granted, &revoked)), (&[], &[]));
    steps.extend(privileges(on, None, new));
    steps
}

/// The facts of `grants` not in `except`, one grant each.
fn unit_grants(grants: &[Grant], except: &BTreeSet<Fact>) -> Vec<Grant> {
    facts(grants)
        .difference(except)
        .map(|fact| Grant {
            grantee: fact.grantee.to_string(),
            column: fact.column.map(str::to_string),
            privileges: vec![fact.privilege],
            with_grant_option: fact.with_grant_option,
        })
        .collect()
}

/// Facts grouped into one statement per grantee, column and grant option.
fn grouped<'a>(facts: Vec<Fact<'a>>) -> Vec<(&'a str, Option<&'a str>, bool, Vec<Privilege>)> {
    let mut groups: Vec<(&'a str, Option<&'a str>, bool, Vec<Privilege>)> = Vec::new();
    for fact in facts {
        match groups.iter_mut().find(|(g, c, o, _)| {
            *g == fact.grantee && *c == fact.column && *o == fact.with_grant_option
        }) {
            Some(group) => group.3.push(fact.privilege),
            None => groups.push((
                fact.grantee,
                fact.column,
                fact.with_grant_option,
                vec![fact.privilege],
            )),
        }
    }
    for group in &mut groups {
        group.3.sort();
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(grantee: &str, privileges: &[Privilege], with_grant_option: bool) -> Grant {
        Grant {
            grantee: grantee.into(),
            column: None,
            privileges: privileges.to_vec(),
            with_grant_option,
        }
    }

    fn sql(steps: Vec<Step>) -> Vec<String> {
        steps.into_iter().map(|s| s.sql).collect()
    }

    fn default_privileges(
        name: &str,
        schema: Option<&str>,
        grants: Vec<Grant>,
        revoked: Vec<Grant>,
    ) -> crate::model::CatalogObject {
        let mut properties = std::collections::BTreeMap::new();
        properties.insert("role".to_string(), serde_json::json!("postgres"));
        if let Some(schema) = schema {
            properties.insert("schema".to_string(), serde_json::json!(schema));
        }
        crate::model::CatalogObject {
            kind: "default_privileges".into(),
            schema: None,
            name: name.into(),
            arguments: None,
            owner: None,
            comment: None,
            properties,
            unreadable: Vec::new(),
            grants,
            revoked,
        }
    }

    #[test]
    fn a_created_object_undoes_what_default_privileges_give_it() {
        let defaults = Database {
            others: vec![
                default_privileges(
                    "postgres in all schemas on functions",
                    None,
                    vec![grant("writer", &[Privilege::Execute], false)],
                    vec![grant("PUBLIC", &[Privilege::Execute], false)],
                ),
                default_privileges(
                    "postgres in schema other on functions",
                    Some("other"),
                    vec![grant("reader", &[Privilege::Execute], false)],
                    Vec::new(),
                ),
                default_privileges(
                    "postgres in all schemas on tables",
                    None,
                    vec![grant("reader", &[Privilege::Select], false)],
                    Vec::new(),
                ),
            ],
            ..Database::default()
        };
        let own = [grant("auditor", &[Privilege::Execute], false)];
        assert_eq!(
            sql(created_privileges(
                "FUNCTION s.f()",
                "functions",
                Some("s"),
                &defaults,
                (&own, &[])
            )),
            [
                "REVOKE EXECUTE ON FUNCTION s.f() FROM writer",
                "GRANT EXECUTE ON FUNCTION s.f() TO PUBLIC",
                "GRANT EXECUTE ON FUNCTION s.f() TO auditor",
            ]
        );
        let kept = [grant("writer", &[Privilege::Execute], false)];
        assert_eq!(
            sql(created_privileges(
                "FUNCTION s.f()",
                "functions",
                Some("s"),
                &Database::default(),
                (&kept, &[])
            )),
            ["GRANT EXECUTE ON FUNCTION s.f() TO writer"]
        );
    }

    #[test]
    fn grants_and_revokes_go_both_ways_from_the_default() {
        let old = [grant(
            "alice",
            &[Privilege::Select, Privilege::Insert],
            false,
        )];
        let new = [grant("alice", &[Privilege::Select], true)];
        let revoked = [grant("PUBLIC", &[Privilege::Execute], false)];
        assert_eq!(
            sql(privileges("TABLE s.t", Some((&old, &[])), (&new, &revoked))),
            [
                "REVOKE INSERT ON TABLE s.t FROM alice",
                "REVOKE EXECUTE ON TABLE s.t FROM PUBLIC",
                "GRANT SELECT ON TABLE s.t TO alice WITH GRANT OPTION",
            ]
        );
        assert_eq!(
            sql(privileges("TABLE s.t", Some((&new, &[])), (&old, &[]))),
            [
                "REVOKE GRANT OPTION FOR SELECT ON TABLE s.t FROM alice",
                "GRANT INSERT ON TABLE s.t TO alice",
            ]
        );
        assert!(privileges("TABLE s.t", Some((&old, &revoked)), (&old, &revoked)).is_empty());
    }
}
