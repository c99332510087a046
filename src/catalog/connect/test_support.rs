//! Test helpers: parsing with a given environment and no home directory, and looking inside the
//! result.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::options::Endpoint;
use super::settings::parse_with;
use super::{ConnectError, ConnectOptions};

pub(super) fn env_from(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    move |name| vars.get(name).cloned()
}

/// Parse with only `vars` as the environment and no home directory.
pub(super) fn parse_in(input: &str, vars: &[(&str, &str)]) -> Result<ConnectOptions, ConnectError> {
    parse_with(input, &env_from(vars), None)
}

/// Parse with PGUSER=tester as the whole environment, so that no OS lookup is involved.
pub(super) fn parse_ok(input: &str) -> ConnectOptions {
    parse_in(input, &[("PGUSER", "tester")]).expect("valid connection settings")
}

pub(super) fn endpoints(opts: &ConnectOptions) -> Vec<(Endpoint, u16)> {
    opts.targets
        .iter()
        .map(|t| (t.endpoint.clone(), t.port))
        .collect()
}

pub(super) fn tcp(host: &str) -> Endpoint {
    Endpoint::Tcp {
        host: host.to_owned(),
        addr: None,
    }
}

pub(super) fn socket(dir: &str) -> Endpoint {
    Endpoint::Socket(PathBuf::from(dir))
}

pub(super) fn password(opts: &ConnectOptions) -> Option<&str> {
    opts.targets[0].password.as_deref()
}

pub(super) fn write_file(path: &Path, text: &str, mode: u32) {
    fs::write(path, text).expect("write test file");
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod test file");
}

pub(super) fn parse_ok_err(input: &str) -> ConnectError {
    parse_in(input, &[("PGUSER", "tester")]).expect_err("invalid connection settings")
}
