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

/// Parses one `aclitem` in its text form, `grantee=privs/grantor`, where an empty grantee is
/// PUBLIC, a `*` after a privilege letter marks the grant option, and names may be quoted.
fn parse_aclitem(item: &str) -> Option<Vec<AclFact>> {
    let (grantee, rest) = split_role(item)?;
    let rest = rest.strip_prefix('=')?;
    let (privs, _grantor) = match rest.rfind('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let grantee = if grantee.is_empty() {
        "PUBLIC".to_string()
    } else {
        grantee
    };
    let mut facts = Vec::new();
    let mut chars = privs.chars().peekable();
    while let Some(c) = chars.next() {
        let privilege = Privilege::from_acl_char(c)?;
        let grantable = chars.next_if_eq(&'*').is_some();
        facts.push((grantee.clone(), privilege, grantable));
    }
    Some(facts)
}

/// Splits a possibly double-quoted role name off the front of `text`.
fn split_role(text: &str) -> Option<(String, &str)> {
    let Some(quoted) = text.strip_prefix('"') else {
        let end = text.find('=')?;
        return Some((text[..end].to_string(), &text[end..]));
    };
    let mut name = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            if quoted[i + 1..].starts_with('"') {
                name.push('"');
                chars.next();
            } else {
                return Some((name, &quoted[i + 1..]));
            }
        } else {
            name.push(c);
        }
    }
    None
}

fn facts(acl: &[String]) -> Result<Vec<AclFact>, String> {
    let mut all = Vec::new();
    for item in acl {
        all.extend(parse_aclitem(item).ok_or_else(|| format!("unreadable aclitem {item:?}"))?);
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
}
