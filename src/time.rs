//! Instants as people write them: commit times shown as `2026-12-02 02:30:00 +0000` (and RFC 3339
//! for machines), and the dates `log --since` and `--until` accept. Pure: no clock, no locale.

/// A moment: seconds since the Unix epoch, and the UTC offset (in minutes) it was recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant {
    pub seconds: i64,
    pub offset_minutes: i32,
}

#[derive(Debug, thiserror::Error)]
#[error("{text:?} is not a date: write 2026-12-02, 2026-12-02T14:30, 2026-12-02 14:30:00+02:00 or @<unix seconds>")]
pub struct DateError {
    pub text: String,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01: (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Instant {
    /// The local date and time of day and the offset, split for formatting.
    fn parts(self) -> ((i64, u32, u32), (i64, i64, i64), String) {
        let local = self.seconds + i64::from(self.offset_minutes) * 60;
        let date = civil_from_days(local.div_euclid(86_400));
        let second_of_day = local.rem_euclid(86_400);
        let time = (
            second_of_day / 3600,
            second_of_day % 3600 / 60,
            second_of_day % 60,
        );
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let offset = self.offset_minutes.unsigned_abs();
        (
            date,
            time,
            format!("{sign}{:02}{:02}", offset / 60, offset % 60),
        )
    }

    /// `2026-12-02 02:30:00 +0000`, in the offset the commit was made in, as `git log` shows it.
    pub fn human(self) -> String {
        let ((y, mo, d), (h, mi, s), offset) = self.parts();
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} {offset}")
    }

    /// RFC 3339: `2026-12-02T02:30:00+00:00`.
    pub fn rfc3339(self) -> String {
        let ((y, mo, d), (h, mi, s), offset) = self.parts();
        format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{}:{}",
            &offset[..3],
            &offset[3..]
        )
    }
}

/// Which end of a bare date (`2026-12-02`) is meant: `--since` starts at its first second,
/// `--until` includes the whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEnd {
    Start,
    End,
}

fn number(text: &str, digits: usize) -> Option<i64> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Parses `2026-12-02`, `2026-12-02T14:30[:05]` or with a space, each optionally followed by
/// `Z` or `±HH:MM` (UTC otherwise), or `@1764642600`, into Unix seconds.
pub fn parse_date(text: &str, end: DayEnd) -> Result<i64, DateError> {
    parse(text.trim(), end).ok_or_else(|| DateError {
        text: text.to_string(),
    })
}

fn parse(text: &str, end: DayEnd) -> Option<i64> {
    if let Some(seconds) = text.strip_prefix('@') {
        return seconds.parse().ok();
    }
    let (date, rest) = text.split_at(text.len().min(10));
    let mut fields = date.split('-');
    let year = number(fields.next()?, 4)?;
    let month = u32::try_from(number(fields.next()?, 2)?).ok()?;
    let day = u32::try_from(number(fields.next()?, 2)?).ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let midnight = days_from_civil(year, month, day) * 86_400;
    if civil_from_days(midnight / 86_400) != (year, month, day) {
        return None;
    }
    if rest.is_empty() {
        return Some(match end {
            DayEnd::Start => midnight,
            DayEnd::End => midnight + 86_399,
        });
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let zone_at = rest.find(['Z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let mut clock_fields = clock.split(':');
    let hour = number(clock_fields.next()?, 2)?;
    let minute = number(clock_fields.next()?, 2)?;
    let second = match clock_fields.next() {
        Some(s) => number(s, 2)?,
        None => 0,
    };
    if clock_fields.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset = match zone {
        "" | "Z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = zone[1..].split_once(':')?;
            let (h, m) = (number(h, 2)?, number(m, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    Some(midnight + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_print_in_their_own_offset() {
        let utc = Instant {
            seconds: 1_764_642_600,
            offset_minutes: 0,
        };
        assert_eq!(utc.human(), "2025-12-02 02:30:00 +0000");
        assert_eq!(utc.rfc3339(), "2025-12-02T02:30:00+00:00");
        let west = Instant {
            offset_minutes: -150,
            ..utc
        };
        assert_eq!(west.human(), "2025-12-02 00:00:00 -0230");
        assert_eq!(west.rfc3339(), "2025-12-02T00:00:00-02:30");
        let epoch = Instant {
            seconds: 0,
            offset_minutes: 0,
        };
        assert_eq!(epoch.human(), "1970-01-01 00:00:00 +0000");
        let leap = Instant {
            seconds: 951_782_400,
            offset_minutes: 0,
        };
        assert_eq!(leap.human(), "2000-02-29 00:00:00 +0000");
    }

    #[test]
    fn dates_parse_in_the_forms_shown() {
        let day = 1_764_633_600;
        assert_eq!(parse_date("2025-12-02", DayEnd::Start).unwrap(), day);
        assert_eq!(parse_date("2025-12-02", DayEnd::End).unwrap(), day + 86_399);
        assert_eq!(
            parse_date("2025-12-02T02:30", DayEnd::End).unwrap(),
            day + 9000
        );
        assert_eq!(
            parse_date("2025-12-02 02:30:05Z", DayEnd::Start).unwrap(),
            day + 9005
        );
        assert_eq!(
            parse_date("2025-12-02T04:30:00+02:00", DayEnd::Start).unwrap(),
            day + 9000
        );
        assert_eq!(parse_date("@42", DayEnd::Start).unwrap(), 42);
        for bad in [
            "yesterday",
            "2025-13-01",
            "2025-02-30",
            "2025-12-02T25:00",
            "2025-12-2",
            "",
        ] {
            assert!(parse_date(bad, DayEnd::Start).is_err(), "{bad}");
        }
    }
}
