//! Times on the command line: an age (`90d`, `12h`) or a timestamp (`2026-12-01`,
//! `2026-12-01T08:00:00Z`), which the server parses.

/// A point in time a filter starts or ends at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Point {
    /// That long before now, as a PostgreSQL interval (`90 days`).
    Ago(String),
    /// A timestamp, as written; the server reads it as `timestamptz`.
    At(String),
}

impl Point {
    /// An age when `text` is one (`90d`), else a timestamp.
    pub fn parse(text: &str) -> Point {
        match parse_age(text) {
            Ok(interval) => Point::Ago(interval),
            Err(_) => Point::At(text.trim().to_string()),
        }
    }
}

/// `<count><unit>` with unit `s`, `m`, `h`, `d` or `w` as a PostgreSQL interval.
pub fn parse_age(text: &str) -> Result<String, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (count, unit) = text.split_at(split);
    let count: u32 = count
        .parse()
        .map_err(|_| format!("{text:?} is not an age such as 90d, 12h or 30m"))?;
    let unit = match unit {
        "s" => "seconds",
        "m" => "minutes",
        "h" => "hours",
        "d" => "days",
        "w" => "weeks",
        _ => {
            return Err(format!(
                "{text:?} is not an age such as 90d, 12h or 30m (units: s, m, h, d, w)"
            ))
        }
    };
    Ok(format!("{count} {unit}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_timestamps_are_told_apart() {
        assert_eq!(parse_age("90d").unwrap(), "90 days");
        assert_eq!(parse_age(" 12h").unwrap(), "12 hours");
        assert_eq!(parse_age("2w").unwrap(), "2 weeks");
        assert!(parse_age("90").is_err());
        assert!(parse_age("d").is_err());
        assert!(parse_age("9y").is_err());
        assert_eq!(Point::parse("30m"), Point::Ago("30 minutes".into()));
        assert_eq!(
            Point::parse("2026-12-01T08:00:00Z"),
            Point::At("2026-12-01T08:00:00Z".into())
        );
    }
}
