//! Pushing a branch to a remote with git2, with the credentials CI and people have: an SSH
//! agent, then `~/.ssh/id_ed25519` and `id_rsa`, then a token from `GITHUB_TOKEN` or `GIT_TOKEN`
//! for HTTPS (libgit2 ignores `http.extraheader`, which CI checkouts rely on), then the git
//! credential helpers. Each is offered once, so a remote that refuses them all ends the push
//! instead of asking forever.

use std::cell::RefCell;
use std::path::PathBuf;

use git2::{Cred, CredentialType, ErrorClass, ErrorCode, PushOptions, RemoteCallbacks};

use super::Repo;
use crate::catalog::connect::redact;

/// No remote asks more often than this before the push gives up.
const MAX_CREDENTIAL_REQUESTS: usize = 12;

/// Why a push failed; the local commit is there either way.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("no remote {remote:?} in this repository")]
    UnknownRemote { remote: String },
    #[error("push of {branch} to {remote} rejected: {reason}")]
    Rejected {
        remote: String,
        branch: String,
        reason: String,
    },
    #[error("push of {branch} to {remote}: authentication failed ({tried}): {message}")]
    Authentication {
        remote: String,
        branch: String,
        tried: String,
        message: String,
    },
    #[error("push of {branch} to {remote}: cannot reach the remote: {message}")]
    Network {
        remote: String,
        branch: String,
        message: String,
    },
    #[error("push of {branch} to {remote} failed: {message}")]
    Failed {
        remote: String,
        branch: String,
        message: String,
    },
}

/// Where the credentials come from: the environment and the home directory, read once.
#[derive(Debug, Clone, Default)]
pub struct CredentialSources {
    /// `GITHUB_TOKEN`, else `GIT_TOKEN`.
    pub token: Option<String>,
    /// Whether an SSH agent is there to ask (`SSH_AUTH_SOCK`).
    pub agent: bool,
    /// `~/.ssh`.
    pub ssh_dir: Option<PathBuf>,
}

impl CredentialSources {
    /// From the process environment.
    pub fn from_env() -> Self {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        CredentialSources {
            token: var("GITHUB_TOKEN").or_else(|| var("GIT_TOKEN")),
            agent: var("SSH_AUTH_SOCK").is_some(),
            ssh_dir: var("HOME").map(|home| PathBuf::from(home).join(".ssh")),
        }
    }
}

/// One credential offered to the remote.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Offer {
    Username,
    Agent,
    Key(PathBuf),
    Token,
    Helper,
    Default,
}

impl Offer {
    fn describe(&self) -> String {
        match self {
            Offer::Username => "a user name".into(),
            Offer::Agent => "the SSH agent".into(),
            Offer::Key(path) => path.display().to_string(),
            Offer::Token => "the token in GITHUB_TOKEN/GIT_TOKEN".into(),
            Offer::Helper => "the git credential helpers".into(),
            Offer::Default => "the system's default credentials".into(),
        }
    }
}

/// The credentials callback's memory: what was offered, so nothing is offered twice.
struct Credentials<'a> {
    sources: &'a CredentialSources,
    config: Option<git2::Config>,
    offered: Vec<Offer>,
    requests: usize,
}

impl Credentials<'_> {
    fn next(
        &mut self,
        url: &str,
        username: Option<&str>,
        allowed: CredentialType,
    ) -> Result<Cred, git2::Error> {
        self.requests += 1;
        if self.requests > MAX_CREDENTIAL_REQUESTS {
            return Err(git2::Error::from_str(
                "the remote kept asking for credentials",
            ));
        }
        let user = username.unwrap_or("git");
        let mut candidates = Vec::new();
        if allowed.contains(CredentialType::USERNAME) {
            candidates.push(Offer::Username);
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            if self.sources.agent {
                candidates.push(Offer::Agent);
            }
            if let Some(dir) = &self.sources.ssh_dir {
                for key in ["id_ed25519", "id_rsa"] {
                    let path = dir.join(key);
                    if path.is_file() {
                        candidates.push(Offer::Key(path));
                    }
                }
            }
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
            if self.sources.token.is_some() {
                candidates.push(Offer::Token);
            }
            if self.config.is_some() {
                candidates.push(Offer::Helper);
            }
        }
        if allowed.contains(CredentialType::DEFAULT) {
            candidates.push(Offer::Default);
        }
        for offer in candidates {
            if self.offered.contains(&offer) {
                continue;
            }
            self.offered.push(offer.clone());
            let credential = match &offer {
                Offer::Username => Cred::username(user),
                Offer::Agent => Cred::ssh_key_from_agent(user),
                Offer::Key(path) => Cred::ssh_key(user, None, path, None),
                Offer::Token => Cred::userpass_plaintext(
                    "x-access-token",
                    self.sources.token.as_deref().unwrap_or_default(),
                ),
                Offer::Helper => {
                    let config = self.config.as_ref().expect("offered only with a config");
                    Cred::credential_helper(config, url, username)
                }
                Offer::Default => Cred::default(),
            };
            if let Ok(credential) = credential {
                return Ok(credential);
            }
        }
        Err(refused("no more credentials to offer"))
    }

    fn tried(&self) -> String {
        let offered: Vec<String> = self
            .offered
            .iter()
            .filter(|o| **o != Offer::Username)
            .map(Offer::describe)
            .collect();
        if offered.is_empty() {
            "no credentials found: no SSH agent or key, no GITHUB_TOKEN or GIT_TOKEN, no credential helper".into()
        } else {
            format!("tried {}", offered.join(", "))
        }
    }
}

/// The callback's answer when it has nothing (more) to offer: an authentication failure.
fn refused(message: &str) -> git2::Error {
    git2::Error::new(ErrorCode::Auth, ErrorClass::Callback, message)
}

/// Whether `name` is a URL or a path rather than a remote's name.
fn is_location(name: &str) -> bool {
    name.contains("://") || name.contains(':') || name.contains('/') || name.starts_with('.')
}

impl Repo {
    /// Pushes `reference` (`refs/heads/…`) to the same name on `remote`: a configured remote's
    /// name, or a URL or path. Never forced: a remote branch with commits this one lacks
    /// rejects it.
    pub fn push(
        &self,
        remote: &str,
        reference: &str,
        sources: &CredentialSources,
    ) -> Result<(), PushError> {
        let branch = reference.trim_start_matches("refs/heads/").to_string();
        let mut target = match self.repo.find_remote(remote) {
            Ok(found) => found,
            Err(_) if is_location(remote) => {
                self.repo
                    .remote_anonymous(remote)
                    .map_err(|e| PushError::Failed {
                        remote: redact(remote),
                        branch: branch.clone(),
                        message: e.message().to_string(),
                    })?
            }
            Err(_) => {
                return Err(PushError::UnknownRemote {
                    remote: remote.to_string(),
                })
            }
        };
        let shown = match target.url() {
            Some(url) if url != remote => format!("{remote} ({})", redact(url)),
            _ => redact(remote),
        };
        let credentials = RefCell::new(Credentials {
            sources,
            config: self.repo.config().ok(),
            offered: Vec::new(),
            requests: 0,
        });
        let rejected: RefCell<Option<String>> = RefCell::new(None);
        let result = {
            let mut callbacks = RemoteCallbacks::new();
            callbacks.credentials(|url, username, allowed| {
                credentials.borrow_mut().next(url, username, allowed)
            });
            callbacks.push_update_reference(|_, status| {
                if let Some(status) = status {
                    *rejected.borrow_mut() = Some(status.to_string());
                }
                Ok(())
            });
            let mut options = PushOptions::new();
            options.remote_callbacks(callbacks);
            target.push(&[format!("{reference}:{reference}")], Some(&mut options))
        };
        let fail = |message: String| PushError::Failed {
            remote: shown.clone(),
            branch: branch.clone(),
            message,
        };
        if let Err(e) = result {
            let message = redact(e.message());
            return Err(match (e.code(), e.class()) {
                (ErrorCode::NotFastForward, _) => PushError::Rejected {
                    remote: shown.clone(),
                    branch: branch.clone(),
                    reason: "not a fast-forward: the remote branch has commits this one does not"
                        .into(),
                },
                (ErrorCode::Auth, _) => PushError::Authentication {
                    remote: shown.clone(),
                    branch: branch.clone(),
                    tried: credentials.borrow().tried(),
                    message,
                },
                _ if !credentials.borrow().offered.is_empty()
                    && matches!(
                        e.class(),
                        ErrorClass::Ssh | ErrorClass::Http | ErrorClass::Callback
                    ) =>
                {
                    PushError::Authentication {
                        remote: shown.clone(),
                        branch: branch.clone(),
                        tried: credentials.borrow().tried(),
                        message,
                    }
                }
                (
                    _,
                    ErrorClass::Net
                    | ErrorClass::Os
                    | ErrorClass::Ssl
                    | ErrorClass::Ssh
                    | ErrorClass::Http,
                ) => PushError::Network {
                    remote: shown.clone(),
                    branch: branch.clone(),
                    message,
                },
                _ => fail(message),
            });
        }
        if let Some(reason) = rejected.into_inner() {
            return Err(PushError::Rejected {
                remote: shown,
                branch,
                reason: redact(&reason),
            });
        }
        Ok(())
    }

    /// Whether `reference` differs from what the last push to the configured `remote` left in
    /// its remote-tracking branch (a previous run committed but could not push). A URL or path
    /// keeps no tracking branch: nothing is known to be missing there.
    pub fn unpushed(&self, remote: &str, reference: &str) -> bool {
        let Ok(found) = self.repo.find_remote(remote) else {
            return false;
        };
        let Some(name) = found.name() else {
            return false;
        };
        let branch = reference.trim_start_matches("refs/heads/");
        let tracking = format!("refs/remotes/{name}/{branch}");
        let local = self.repo.refname_to_id(reference).ok();
        local.is_some() && self.repo.refname_to_id(&tracking).ok() != local
    }
}
