//! Where the previous snapshot's reading of the audit log ended, carried by its commit: the
//! read's transaction snapshot in a `Schema-Audit-Snapshot:` trailer (exact: the events it saw
//! are the ones whose transaction it saw), else the commit's time.

/// The trailer that records which transactions a snapshot's read of the log saw.
pub const TRAILER: &str = "Schema-Audit-Snapshot";

/// The events to read: those a previous read did not see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Since {
    /// The previous read's `pg_snapshot`, `xmin:xmax:xip,…`.
    pub snapshot: Option<String>,
    /// The previous snapshot commit's time, in Unix seconds.
    pub commit_time: Option<i64>,
}

impl Since {
    /// After the snapshot commit whose message and time are given.
    pub fn commit(message: &str, time: i64) -> Since {
        let prefix = format!("{TRAILER}: ");
        let snapshot = message
            .lines()
            .filter_map(|line| line.strip_prefix(&prefix))
            .map(str::trim)
            .find(|value| is_pg_snapshot(value))
            .map(str::to_string);
        Since {
            snapshot,
            commit_time: Some(time),
        }
    }
}

/// Whether `text` is a `pg_snapshot` as the server prints it: `xmin:xmax:` and a list of
/// in-progress transaction ids, all decimal.
fn is_pg_snapshot(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 3
        && number(parts[0])
        && number(parts[1])
        && (parts[2].is_empty() || parts[2].split(',').all(number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trailer_is_read_when_well_formed() {
        let message =
            "schema(prod): 1 change\n\nSchema-Env: prod\nSchema-Audit-Snapshot: 770:775:771,773\n";
        assert_eq!(
            Since::commit(message, 5),
            Since {
                snapshot: Some("770:775:771,773".into()),
                commit_time: Some(5)
            }
        );
        assert_eq!(
            Since::commit("Schema-Audit-Snapshot: 770:770:\n", 5).snapshot,
            Some("770:770:".into())
        );
        for bad in ["x:1:", "1:2", "1:2:3,,4", "1:2:3;DROP"] {
            let message = format!("{TRAILER}: {bad}\n");
            assert_eq!(Since::commit(&message, 5).snapshot, None, "{bad}");
        }
    }
}
