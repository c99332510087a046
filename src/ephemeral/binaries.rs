//! Finding the PostgreSQL server binaries (`initdb`, `postgres`) on this machine, and the version
//! of the server they belong to.

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::EphemeralError;

/// The directory holding `initdb` and `postgres`. Search order: `$SCHEMAGIT_PG_BINDIR`, `PATH`,
/// `pg_config --bindir`, then the usual install locations of Debian/Ubuntu, RHEL, Homebrew,
/// source builds and Postgres.app, the highest version first.
pub fn find_server_binaries() -> Result<PathBuf, EphemeralError> {
    let search = BinarySearch {
        override_dir: std::env::var_os("SCHEMAGIT_PG_BINDIR").filter(|dir| !dir.is_empty()),
        path: std::env::var_os("PATH"),
        pg_config_bindir: &pg_config_bindir,
        root: Path::new("/"),
    };
    search.run()
}

pub(super) fn server_version_of(postgres: &Path) -> Result<String, EphemeralError> {
    let output = Command::new(postgres)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|source| EphemeralError::Spawn {
            program: postgres.to_path_buf(),
            source,
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_server_version(&text)
        .map(str::to_owned)
        .ok_or_else(|| EphemeralError::Version {
            program: postgres.to_path_buf(),
            output: text.trim().to_owned(),
        })
}

/// `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → `15.18`.
fn parse_server_version(output: &str) -> Option<&str> {
    let (_, rest) = output.split_once("(PostgreSQL)")?;
    rest.split_whitespace()
        .next()
        .filter(|version| version.starts_with(|c: char| c.is_ascii_digit()))
}

/// `16`, `9.6`, `15.4` as numbers, so that 10 sorts above 9.6; `None` for anything else.
fn version_key(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

fn pg_config_bindir() -> Option<PathBuf> {
    let output = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let dir = String::from_utf8(output.stdout).ok()?;
    let dir = dir.trim();
    (output.status.success() && !dir.is_empty()).then(|| PathBuf::from(dir))
}

/// The inputs of [`find_server_binaries`], separated from the process environment so that the
/// search order can be tested against a fake directory tree.
struct BinarySearch<'a> {
    override_dir: Option<OsString>,
    path: Option<OsString>,
    pg_config_bindir: &'a dyn Fn() -> Option<PathBuf>,
    /// Prefix for the fixed install locations: `/`, or a fake tree in tests.
    root: &'a Path,
}

impl BinarySearch<'_> {
    fn run(&self) -> Result<PathBuf, EphemeralError> {
        if let Some(dir) = &self.override_dir {
            let dir = PathBuf::from(dir);
            // An explicit setting is taken as it is (its client tools are where it says), and one
            // that is wrong must not be papered over by another install.
            return if has_server_binaries(&dir) {
                Ok(dir)
            } else {
                Err(EphemeralError::BinDirOverrideInvalid { dir })
            };
        }
        let on_path = self.path.iter().flat_map(std::env::split_paths);
        let from_pg_config = std::iter::once_with(|| (self.pg_config_bindir)()).flatten();
        let fixed = std::iter::once_with(|| fixed_locations(self.root)).flatten();
        on_path
            .chain(from_pg_config)
            .chain(fixed)
            .find(|dir| has_server_binaries(dir))
            .map(through_symlinks)
            .ok_or(EphemeralError::BinariesNotFound)
    }
}

/// Install locations, each family ordered from the highest version down.
fn fixed_locations(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    dirs.extend(versioned_dirs(&root.join("usr/lib/postgresql"), "", "bin"));
    dirs.extend(versioned_dirs(&root.join("usr"), "pgsql-", "bin"));
    dirs.extend(versioned_dirs(
        &root.join("opt/homebrew/opt"),
        "postgresql@",
        "bin",
    ));
    dirs.extend(versioned_dirs(
        &root.join("usr/local/opt"),
        "postgresql@",
        "bin",
    ));
    dirs.push(root.join("opt/homebrew/bin"));
    dirs.push(root.join("usr/local/pgsql/bin"));
    dirs.push(root.join("Applications/Postgres.app/Contents/Versions/latest/bin"));
    dirs
}

/// `<parent>/<prefix><version>/<sub>` for every version found, highest first.
fn versioned_dirs(parent: &Path, prefix: &str, sub: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found: Vec<(Vec<u32>, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let version = version_key(name.to_str()?.strip_prefix(prefix)?)?;
            Some((version, entry.path().join(sub)))
        })
        .collect();
    found.sort_by(|a, b| b.cmp(a));
    found.into_iter().map(|(_, dir)| dir).collect()
}

fn has_server_binaries(dir: &Path) -> bool {
    is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres"))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.mode() & 0o111 != 0)
}

/// `/usr/local/bin/initdb` may be a symlink into the real installation, whose directory also
/// holds `pg_dump`, `pg_restore` and `psql`; prefer that directory.
fn through_symlinks(dir: PathBuf) -> PathBuf {
    let initdb = dir.join("initdb");
    let is_link = fs::symlink_metadata(&initdb).is_ok_and(|meta| meta.file_type().is_symlink());
    if !is_link {
        return dir;
    }
    fs::canonicalize(initdb)
        .ok()
        .and_then(|real| real.parent().map(Path::to_path_buf))
        .filter(|real| has_server_binaries(real))
        .unwrap_or(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn fake_install(dir: &Path) {
        fs::create_dir_all(dir).unwrap();
        for name in ["initdb", "postgres"] {
            let path = dir.join(name);
            fs::write(&path, "#!/bin/sh\n").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    fn search<'a>(
        root: &'a Path,
        path: Option<&Path>,
        pg_config: &'a dyn Fn() -> Option<PathBuf>,
    ) -> Result<PathBuf, EphemeralError> {
        BinarySearch {
            override_dir: None,
            path: path.map(|p| p.as_os_str().to_owned()),
            pg_config_bindir: pg_config,
            root,
        }
        .run()
    }

    #[test]
    fn highest_debian_version_wins_numerically() {
        let root = tempfile::tempdir().unwrap();
        for version in ["9.6", "10", "16"] {
            fake_install(
                &root
                    .path()
                    .join(format!("usr/lib/postgresql/{version}/bin")),
            );
        }
        // A client-only install of a newer version has no initdb and is passed over.
        fs::create_dir_all(root.path().join("usr/lib/postgresql/17/bin")).unwrap();
        let found = search(root.path(), None, &|| None).unwrap();
        assert_eq!(found, root.path().join("usr/lib/postgresql/16/bin"));
    }

    #[test]
    fn path_comes_before_pg_config_before_fixed_locations() {
        let root = tempfile::tempdir().unwrap();
        let on_path = root.path().join("custom/bin");
        let pg_config = root.path().join("from-pg-config/bin");
        let debian = root.path().join("usr/lib/postgresql/16/bin");
        for dir in [&on_path, &pg_config, &debian] {
            fake_install(dir);
        }
        let pg_config_dir = pg_config.clone();
        let pg_config_fn = move || Some(pg_config_dir.clone());
        let path_var = std::env::join_paths([root.path().join("empty"), on_path.clone()]).unwrap();

        let found = search(root.path(), Some(Path::new(&path_var)), &pg_config_fn).unwrap();
        assert_eq!(found, on_path);
        let found = search(root.path(), None, &pg_config_fn).unwrap();
        assert_eq!(found, pg_config);
        let found = search(root.path(), None, &|| None).unwrap();
        assert_eq!(found, debian);
    }

    #[test]
    fn fixed_locations_are_tried_in_documented_order() {
        let root = tempfile::tempdir().unwrap();
        let order = [
            "usr/pgsql-16/bin",
            "usr/pgsql-9.6/bin",
            "opt/homebrew/opt/postgresql@17/bin",
            "usr/local/opt/postgresql@15/bin",
            "opt/homebrew/bin",
            "usr/local/pgsql/bin",
            "Applications/Postgres.app/Contents/Versions/latest/bin",
        ];
        for dir in order {
            fake_install(&root.path().join(dir));
        }
        // Remove them one by one from the front: each time the next one is found.
        for (index, dir) in order.iter().enumerate() {
            let found = search(root.path(), None, &|| None).unwrap();
            assert_eq!(found, root.path().join(dir), "step {index}");
            fs::remove_dir_all(root.path().join(dir)).unwrap();
        }
        assert!(matches!(
            search(root.path(), None, &|| None),
            Err(EphemeralError::BinariesNotFound)
        ));
    }

    #[test]
    fn a_path_entry_needs_both_binaries_and_symlinks_lead_to_the_real_install() {
        let root = tempfile::tempdir().unwrap();
        let only_initdb = root.path().join("half/bin");
        fs::create_dir_all(&only_initdb).unwrap();
        fs::write(only_initdb.join("initdb"), "").unwrap();
        fs::set_permissions(
            only_initdb.join("initdb"),
            fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let real = root.path().join("usr/lib/postgresql/15/bin");
        fake_install(&real);
        let links = root.path().join("usr/local/bin");
        fs::create_dir_all(&links).unwrap();
        for name in ["initdb", "postgres"] {
            std::os::unix::fs::symlink(real.join(name), links.join(name)).unwrap();
        }
        let path_var = std::env::join_paths([&only_initdb, &links]).unwrap();
        let found = search(root.path(), Some(Path::new(&path_var)), &|| None).unwrap();
        assert_eq!(found, fs::canonicalize(&real).unwrap());
    }

    #[test]
    fn non_executable_files_do_not_count() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("usr/local/pgsql/bin");
        fake_install(&dir);
        fs::set_permissions(dir.join("postgres"), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            search(root.path(), None, &|| None),
            Err(EphemeralError::BinariesNotFound)
        ));
    }

    #[test]
    fn an_explicit_bin_dir_is_used_or_rejected_never_skipped() {
        let root = tempfile::tempdir().unwrap();
        let debian = root.path().join("usr/lib/postgresql/16/bin");
        fake_install(&debian);
        let chosen = root.path().join("chosen");
        let run = |dir: &Path| {
            BinarySearch {
                override_dir: Some(dir.as_os_str().to_owned()),
                path: None,
                pg_config_bindir: &|| None,
                root: root.path(),
            }
            .run()
        };
        assert!(matches!(
            run(&chosen),
            Err(EphemeralError::BinDirOverrideInvalid { .. })
        ));
        fake_install(&chosen);
        assert_eq!(run(&chosen).unwrap(), chosen);
    }

    #[test]
    fn server_version_is_read_from_postgres_version_output() {
        let cases = [
            (
                "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n",
                Some("15.18"),
            ),
            ("postgres (PostgreSQL) 16.4\n", Some("16.4")),
            ("postgres (PostgreSQL) 17beta1\n", Some("17beta1")),
            ("postgres (PostgreSQL) 9.6.24\n", Some("9.6.24")),
            ("postgres (PostgreSQL)\n", None),
            ("something else 15.1\n", None),
        ];
        for (output, expected) in cases {
            assert_eq!(parse_server_version(output), expected, "{output:?}");
        }
    }

    #[test]
    fn install_versions_compare_numerically() {
        assert_eq!(version_key("16"), Some(vec![16]));
        assert_eq!(version_key("9.6"), Some(vec![9, 6]));
        assert!(version_key("10") > version_key("9.6"));
        assert_eq!(version_key("common"), None);
        assert_eq!(version_key(""), None);
        assert_eq!(version_key("16."), None);
    }
}
