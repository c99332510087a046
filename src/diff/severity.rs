//! How much a change matters: the contract's defaults per kind, access-widening changes
//! critical, and the overrides of `schemagit.toml` (`[severity]`, per kind or per `kind.action`).

use std::collections::BTreeMap;
use std::fmt;

use super::{Action, Change};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The default severity of a change of `kind`: tables, columns, RLS and policies are critical,
/// and so is dropping a sequence (its current value is lost with it, like a table's rows);
/// functions and comments are info; everything else is a warning.
pub fn default_for(kind: &str, action: Action) -> Severity {
    match kind {
        "table" | "column" | "rls" | "policy" | "rule" => Severity::Critical,
        "sequence" if action == Action::Removed => Severity::Critical,
        "function" | "comment" => Severity::Info,
        _ => Severity::Warning,
    }
}

/// Severity overrides: keys are a kind (`index`) or a kind and action (`column.added`); the
/// more specific key wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeverityOverrides {
    by_key: BTreeMap<String, Severity>,
}

impl SeverityOverrides {
    /// Reads `[severity]` entries, refusing unknown severities.
    pub fn new(entries: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut by_key = BTreeMap::new();
        for (key, value) in entries {
            let severity = Severity::parse(value).ok_or_else(|| {
                format!("[severity] {key} = {value:?}: use \"critical\", \"warning\" or \"info\"")
            })?;
            by_key.insert(key.clone(), severity);
        }
        Ok(SeverityOverrides { by_key })
    }

    /// Sets each change's overridden severity; a cosmetic-only change stays info, whatever
    /// its kind's override says.
    pub fn apply(&self, changes: &mut [Change]) {
        if self.by_key.is_empty() {
            return;
        }
        for change in changes.iter_mut().filter(|c| !c.cosmetic_only()) {
            let specific = format!("{}.{}", change.kind, change.action.as_str());
            if let Some(severity) = self
                .by_key
                .get(&specific)
                .or_else(|| self.by_key.get(change.kind))
            {
                change.severity = *severity;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_overrides_beat_kind_overrides() {
        let entries: BTreeMap<String, String> = [
            ("index".to_string(), "info".to_string()),
            ("index.removed".to_string(), "critical".to_string()),
        ]
        .into();
        let overrides = SeverityOverrides::new(&entries).unwrap();
        let mut changes = vec![
            Change::new("index", "a.t.i", "a.t", Action::Added, ""),
            Change::new("index", "a.t.j", "a.t", Action::Removed, ""),
            Change::new("column", "a.t.c", "a.t", Action::Added, ""),
        ];
        overrides.apply(&mut changes);
        let severities: Vec<Severity> = changes.iter().map(|c| c.severity).collect();
        assert_eq!(
            severities,
            [Severity::Info, Severity::Critical, Severity::Critical]
        );
    }

    #[test]
    fn overrides_never_raise_a_cosmetic_only_change() {
        let entries: BTreeMap<String, String> = [
            ("view".to_string(), "critical".to_string()),
            ("constraint.changed".to_string(), "warning".to_string()),
        ]
        .into();
        let overrides = SeverityOverrides::new(&entries).unwrap();
        let mut changes = vec![
            Change::new(
                "view",
                "a.v",
                "a.v",
                Action::Changed,
                "definition changed: whitespace only",
            ),
            Change::new(
                "constraint",
                "a.t.c",
                "a.t",
                Action::Changed,
                "definition changed: same expression, spelled differently",
            ),
            Change::new(
                "constraint",
                "a.t.d",
                "a.t",
                Action::Changed,
                "definition changed: whitespace only; attached to none -> a.p.d",
            ),
            Change::new("view", "a.w", "a.w", Action::Changed, "definition changed"),
        ];
        for change in &mut changes[..2] {
            change.severity = Severity::Info;
        }
        overrides.apply(&mut changes);
        let severities: Vec<Severity> = changes.iter().map(|c| c.severity).collect();
        assert_eq!(
            severities,
            [
                Severity::Info,
                Severity::Info,
                Severity::Warning,
                Severity::Critical
            ]
        );
    }

    #[test]
    fn unknown_severities_are_refused() {
        let entries: BTreeMap<String, String> = [("index".to_string(), "loud".to_string())].into();
        assert!(SeverityOverrides::new(&entries)
            .unwrap_err()
            .contains("loud"));
    }
}
