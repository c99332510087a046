//! Object names → safe, reversible path segments.
//!
//! A segment keeps `a-z`, `0-9`, `_` and `-` as they are, writes an upper-case letter as `^`
//! and its lower-case form (so `Users` and `users` differ on a case-insensitive file system), and
//! every other byte as `%XX` (so no segment holds `/`, `\`, `.`, NUL or a character Windows
//! refuses). Windows device names (`CON`, `aux`, `com1`, …) get their first letter escaped, a
//! schema segment never starts with `_` (that prefix is kept for `_database`), and a segment
//! that would pass the 255-byte limit is cut and ends with `~` and a hash of the whole name.

const MAX_SEGMENT: usize = 255;
const HASHED_SUFFIX_LEN: usize = 1 + 16;

const WINDOWS_DEVICES: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Encodes one name. `extra` lists bytes that may stay as they are in this segment.
fn encode_with(name: &str, extra: &[u8]) -> String {
    let mut out = String::with_capacity(name.len());
    for &byte in name.as_bytes() {
        match byte {
            b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' => out.push(byte as char),
            b'A'..=b'Z' => {
                out.push('^');
                out.push(byte.to_ascii_lowercase() as char);
            }
            _ if extra.contains(&byte) => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    if WINDOWS_DEVICES.contains(&out.as_str()) {
        out = format!("%{:02X}{}", out.as_bytes()[0], &out[1..]);
    }
    out
}

/// Encodes a schema, table, view, type or other single name.
pub fn encode_name(name: &str) -> String {
    encode_with(name, &[])
}

/// Encodes a schema name: as [`encode_name`], but never starting with `_`.
pub fn encode_schema(name: &str) -> String {
    match name.strip_prefix('_') {
        Some(rest) => format!("%5F{}", encode_name(rest)),
        None => encode_name(name),
    }
}

/// Encodes `name(identity arguments)` for a function. Spaces, commas, dots and brackets in the
/// argument list stay readable (the list is never a whole segment, nor at its end); the name's own
/// parentheses are escaped, so the first `(` is the separator.
pub fn encode_function(name: &str, identity_arguments: &str) -> String {
    format!(
        "{}({})",
        encode_name(name),
        encode_with(identity_arguments, b" ,.[]")
    )
}

/// Adds `.json`, cutting the segment to the file-name limit with a hash of the full name
/// when needed, on a character boundary of the encoding (never inside a `%XX` or `^x`).
pub fn file_name(segment: &str) -> String {
    const EXT: &str = ".json";
    if segment.len() + EXT.len() <= MAX_SEGMENT {
        return format!("{segment}{EXT}");
    }
    let budget = MAX_SEGMENT - EXT.len() - HASHED_SUFFIX_LEN;
    let mut cut = 0;
    let bytes = segment.as_bytes();
    while cut < bytes.len() {
        let step = match bytes[cut] {
            b'%' => 3,
            b'^' => 2,
            _ => 1,
        };
        if cut + step > budget {
            break;
        }
        cut += step;
    }
    let hash = blake3::hash(segment.as_bytes()).to_hex();
    format!("{}~{}{EXT}", &segment[..cut], &hash[..16])
}

/// Decodes a segment made by [`encode_name`], [`encode_schema`] or the argument list of
/// [`encode_function`]. `None` when it is not such an encoding.
pub fn decode(segment: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(segment.len());
    let mut input = segment.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'%' => {
                let hex = [input.next()?, input.next()?];
                let text = std::str::from_utf8(&hex).ok()?;
                if text.bytes().any(|b| b.is_ascii_lowercase()) {
                    return None;
                }
                bytes.push(u8::from_str_radix(text, 16).ok()?);
            }
            b'^' => {
                let lower = input.next()?;
                if !lower.is_ascii_lowercase() {
                    return None;
                }
                bytes.push(lower.to_ascii_uppercase());
            }
            _ => bytes.push(byte),
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_safe(segment: &str) -> bool {
        !segment.is_empty()
            && segment.len() <= MAX_SEGMENT
            && !segment.starts_with('.')
            && !segment.ends_with('.')
            && !segment.ends_with(' ')
            && !segment
                .chars()
                .any(|c| "/\\:*?\"<>|".contains(c) || c.is_control())
    }

    #[test]
    fn hostile_names_become_safe_distinct_segments() {
        let names = [
            "users",
            "Users",
            "USERS",
            "../x",
            "..",
            ".",
            "a/b\\c",
            "CON",
            "con",
            "aux",
            "trailing.",
            "ü日本",
            "nul\0",
            " lead",
            "a:b*c?",
            "%5F",
            "^u",
        ];
        let mut seen = std::collections::HashSet::new();
        for name in names {
            let segment = encode_name(name);
            assert!(is_safe(&segment), "{name:?} -> {segment:?}");
            assert!(
                seen.insert(segment.to_lowercase()),
                "case-insensitive collision for {name:?}"
            );
            assert_eq!(decode(&segment).as_deref(), Some(name));
        }
    }

    #[test]
    fn windows_device_names_are_escaped() {
        assert_eq!(encode_name("con"), "%63on");
        assert_eq!(encode_name("Con"), "^con");
        assert_eq!(encode_name("com10"), "com10");
    }

    #[test]
    fn schema_names_never_take_the_database_folder() {
        assert_eq!(encode_schema("_database"), "%5Fdatabase");
        assert_eq!(decode(&encode_schema("_database")).unwrap(), "_database");
        assert_eq!(encode_schema("app"), "app");
    }

    #[test]
    fn function_arguments_stay_readable() {
        assert_eq!(
            encode_function("org_total", "bigint, text[]"),
            "org_total(bigint, text[])"
        );
        assert_eq!(
            encode_function("f(x)", "app.\"Money\""),
            "f%28x%29(app.%22^money%22)"
        );
    }

    #[test]
    fn long_segments_are_cut_with_a_hash() {
        let long = "x".repeat(300);
        let a = file_name(&encode_name(&long));
        let b = file_name(&encode_name(&format!("{long}y")));
        assert!(a.len() <= MAX_SEGMENT && b.len() <= MAX_SEGMENT);
        assert_ne!(a, b);
        let escaped = file_name(&encode_name(&"É".repeat(100)));
        assert!(escaped.len() <= MAX_SEGMENT, "{}", escaped.len());
        assert!(is_safe(&escaped));
        assert_eq!(file_name("short"), "short.json");
    }
}
