//! Privileges: parsing PostgreSQL's `aclitem` text and reducing an ACL to what differs from
//! the object's built-in default, which is exactly what `pg_dump` would emit as GRANT/REVOKE.

use serde::{Deserialize, Serialize};

/// One line of access: `grantee` holds `privileges` (on `column` when set).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// A role name, or `PUBLIC`.
    pub grantee: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub privileges: Vec<Privilege>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub with_grant_option: bool,
}

/// A privilege, in the order PostgreSQL lists them in an `aclitem`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Privilege {
    Select,
    Insert,
    Update,
    Delete,
    Truncate,
    References,
    Trigger,
    Execute,
    Usage,
    Create,
    Connect,
    Temporary,
    Set,
    AlterSystem,
    Maintain,
}

impl Privilege {
    fn from_acl_char(c: char) -> Option<Self> {
        Some(match c {
            'r' => Self::Select,
            'a' => Self::Insert,
            'w' => Self::Update,
            'd' => Self::Delete,
            'D' => Self::Truncate,
            'x' => Self::References,
            't' => Self::Trigger,
            'X' => Self::Execute,
            'U' => Self::Usage,
            'C' => Self::Create,
            'c' => Self::Connect,
            'T' => Self::Temporary,
            's' => Self::Set,
            'A' => Self::AlterSystem,
            'm' => Self::Maintain,
            _ => return None,
        })
    }

    pub fn sql(self) -> &'static str {
        match self {
            Self::Select => "SELECT",
            Self::Insert => "INSERT",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
            Self::Truncate => "TRUNCATE",
            Self::References => "REFERENCES",
            Self::Trigger => "TRIGGER",
            Self::Execute => "EXECUTE",
            Self::Usage => "USAGE",
            Self::Create => "CREATE",
            Self::Connect => "CONNECT",
            Self::Temporary => "TEMPORARY",
            Self::Set => "SET",
            Self::AlterSystem => "ALTER SYSTEM",
            Self::Maintain => "MAINTAIN",
        }
    }
}

/// One (grantee, privilege, grant option) fact from an ACL.
type AclFact = (String, Privilege, bool);

/// Parses one `aclitem` as PostgreSQL's `aclitemout` writes it: `grantee=privs/grantor`, where
/// an empty grantee is PUBLIC, each privilege is one letter followed by `*` when it carries the
/// grant option, and both names are written as [`parse_name`] reads them. The grantor is
/// checked but not kept: a grant is the same access whoever made it.
fn parse_aclitem(item: &str) -> Result<Vec<AclFact>, &'static str> {
    let (grantee, rest) = parse_name(item)?;
    let rest = rest.strip_prefix('=').ok_or("no `=` after the grantee")?;
    // Privilege letters and `*` never include `/`, so the first one ends them.
    let (privileges, grantor) = rest.split_once('/').ok_or("no `/` before the grantor")?;
    let (grantor, rest) = parse_name(grantor)?;
    if grantor.is_empty() {
        return Err("no grantor after the `/`");
    }
    if !rest.is_empty() {
        return Err("text after the grantor");
    }
    let grantee = if grantee.is_empty() {
        "PUBLIC".to_string()
    } else {
        grantee
    };
    let mut facts = Vec::new();
    let mut chars = privileges.chars().peekable();
    while let Some(c) = chars.next() {
        let privilege = Privilege::from_acl_char(c).ok_or("not a privilege letter")?;
        let grantable = chars.next_if_eq(&'*').is_some();
        facts.push((grantee.clone(), privilege, grantable));
    }
    Ok(facts)
}

/// Reads a role name off the front of `text` as `putid` writes it, and returns it with the rest.
///
/// A name is bare when every byte passes the server's `isalnum` or is `_`, else it is
/// double-quoted with each `"` doubled. `isalnum` follows the server's locale, which may accept
/// non-ASCII letters, so those may be bare too; `=`, `/`, `"`, `*`, `,` and spaces never are. A
/// bare name may be empty (PUBLIC as a grantee); a quoted one may not.
fn parse_name(text: &str) -> Result<(String, &str), &'static str> {
    let Some(quoted) = text.strip_prefix('"') else {
        let bare = |c: char| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii();
        let end = text.find(|c: char| !bare(c)).unwrap_or(text.len());
        return Ok((text[..end].to_string(), &text[end..]));
    };
    let mut name = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '"' {
            name.push(c);
        } else if quoted[i + 1..].starts_with('"') {
            name.push('"');
            chars.next();
        } else if name.is_empty() {
            return Err("an empty quoted name");
        } else {
            return Ok((name, &quoted[i + 1..]));
        }
    }
    Err("a quoted name without its closing `\"`")
}

fn facts(acl: &[String]) -> Result<Vec<AclFact>, String> {
    let mut all = Vec::new();
    for item in acl {
        all.extend(
            parse_aclitem(item)
                .map_err(|reason| format!("unreadable aclitem {item:?}: {reason}"))?,
        );
    }
    Ok(all)
}

/// Groups facts into one [`Grant`] per (grantee, column, grant option), privileges in order.
fn group(mut facts: Vec<AclFact>, column: Option<&str>) -> Vec<Grant> {
    facts.sort();
    facts.dedup();
    let mut grants: Vec<Grant> = Vec::new();
    for (grantee, privilege, grantable) in facts {
        match grants
            .iter_mut()
            .find(|g| g.grantee == grantee && g.with_grant_option == grantable)
        {
            Some(grant) => grant.privileges.push(privilege),
            None => grants.push(Grant {
                grantee,
                column: column.map(str::to_string),
                privileges: vec![privilege],
                with_grant_option: grantable,
            }),
        }
    }
    for grant in &mut grants {
        grant.privileges.sort();
    }
    grants
}

/// What an object's ACL grants beyond, and revokes from, its built-in default.
///
/// `acl` is the object's ACL, `None` when it was never changed; `default` is
/// `acldefault(kind, owner)`. Returns `(granted, revoked)`, each grouped and sorted.
pub fn acl_changes(
    acl: Option<&[String]>,
    default: &[String],
    column: Option<&str>,
) -> Result<(Vec<Grant>, Vec<Grant>), String> {
    let Some(acl) = acl else {
        return Ok((Vec::new(), Vec::new()));
    };
    let actual = facts(acl)?;
    let default = facts(default)?;
    let granted = actual
        .iter()
        .filter(|f| !default.contains(f))
        .cloned()
        .collect();
    let revoked = default
        .iter()
        .filter(|f| !actual.contains(f))
        .cloned()
        .collect();
    Ok((group(granted, column), group(revoked, column)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn unchanged_acl_has_no_grants() {
        let default = strings(&["owner=arwdDxt/owner"]);
        assert_eq!(acl_changes(None, &default, None).unwrap(), (vec![], vec![]));
        assert_eq!(
            acl_changes(Some(&default), &default, None).unwrap(),
            (vec![], vec![])
        );
    }

    #[test]
    fn grants_beyond_default_and_revokes_are_reported() {
        let default = strings(&["=X/owner", "owner=X/owner"]);
        let acl = strings(&["owner=X/owner", "\"App \"\"rw\"\"\"=X*/owner"]);
        let (granted, revoked) = acl_changes(Some(&acl), &default, None).unwrap();
        assert_eq!(
            granted,
            vec![Grant {
                grantee: "App \"rw\"".into(),
                column: None,
                privileges: vec![Privilege::Execute],
                with_grant_option: true
            }]
        );
        assert_eq!(revoked[0].grantee, "PUBLIC");
        assert_eq!(revoked[0].privileges, vec![Privilege::Execute]);
    }

    #[test]
    fn privileges_are_grouped_in_canonical_order() {
        let acl = strings(&["reader=wr/owner"]);
        let (granted, _) = acl_changes(Some(&acl), &[], Some("email")).unwrap();
        assert_eq!(
            granted[0].privileges,
            vec![Privilege::Select, Privilege::Update]
        );
        assert_eq!(granted[0].column.as_deref(), Some("email"));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(acl_changes(Some(&strings(&["reader=?/x"])), &[], None).is_err());
    }

    /// A role name as PostgreSQL's `putid` writes it in the C locale.
    fn putid(name: &str) -> String {
        if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            name.to_string()
        } else {
            format!("\"{}\"", name.replace('"', "\"\""))
        }
    }

    #[test]
    fn names_with_any_character_are_grantees_and_grantors() {
        for name in [
            "a/b",
            "x=y",
            "c,d",
            "q\"uote",
            "\"",
            "\"\"",
            "with space",
            "st*r",
            "Ünï",
            "日本",
            "=r/x",
            "a\"=r/\"b",
            "plain_name_1",
        ] {
            for grantor in [name, "owner", "a/b"] {
                let item = format!("{}=r*w/{}", putid(name), putid(grantor));
                assert_eq!(
                    parse_aclitem(&item),
                    Ok(vec![
                        (name.to_string(), Privilege::Select, true),
                        (name.to_string(), Privilege::Update, false),
                    ]),
                    "{item}"
                );
            }
        }
    }

    #[test]
    fn an_owner_named_with_a_slash_has_its_default_acl_read() {
        let default = strings(&[r#""a/b"=arwdDxt/"a/b""#]);
        let acl = strings(&[r#""a/b"=arwdDxt/"a/b""#, r#""c/d"=r/"a/b""#]);
        let (granted, revoked) = acl_changes(Some(&acl), &default, None).unwrap();
        assert_eq!(granted[0].grantee, "c/d");
        assert_eq!(granted[0].privileges, vec![Privilege::Select]);
        assert!(revoked.is_empty());
    }

    #[test]
    fn an_empty_grantee_is_public() {
        assert_eq!(
            parse_aclitem("=U/\"a/b\""),
            Ok(vec![("PUBLIC".to_string(), Privilege::Usage, false)])
        );
    }

    #[test]
    fn a_bare_non_ascii_name_is_read_as_a_latin_locale_writes_it() {
        assert_eq!(
            parse_aclitem("Ünï=X/Ünï"),
            Ok(vec![("Ünï".to_string(), Privilege::Execute, false)])
        );
    }

    #[test]
    fn an_item_without_privileges_grants_nothing() {
        assert_eq!(parse_aclitem("reader=/owner"), Ok(vec![]));
    }

    #[test]
    fn malformed_items_are_rejected() {
        for item in [
            "",
            "reader",
            "reader=r",
            "reader=r/",
            "=r/",
            "reader=r/owner/x",
            "reader=r/owner extra",
            "reader=r/owner=",
            r#"reader=r/"owner"#,
            r#"reader=r/"a"b"#,
            r#"reader=r/"""#,
            r#""reader=r/owner"#,
            r#"""=r/owner"#,
            r#""a"b"=r/owner"#,
            "a b=r/owner",
            "a/b=r/owner",
            "reader==r/owner",
            "reader=*r/owner",
            "reader=r**/owner",
            "reader=r?/owner",
            "reader=r /owner",
        ] {
            assert!(parse_aclitem(item).is_err(), "{item:?} was accepted");
            assert!(
                acl_changes(Some(&strings(&[item])), &[], None).is_err(),
                "{item:?}"
            );
        }
    }
}
