//! Connecting to a live PostgreSQL server.
//!
//! Owns the way from what a user pastes (a `postgresql://` URL or a libpq `key=value` string)
//! plus the libpq environment (`PGHOST`, `PGPASSWORD`, `~/.pgpass`, …) to a
//! [`tokio_postgres::Client`]: parsing and defaulting as libpq does, TLS for every libpq
//! `sslmode` on rustls, one-line errors that say what failed (with [`ConnectError::hint`] for
//! what to do), and keeping passwords out of everything printable
//! ([`ConnectOptions::display_redacted`], [`redact()`], `Debug`).
//!
//! Both input forms are tokenized here rather than by `tokio_postgres::Config`, because its
//! parser rejects `verify-ca`/`verify-full` and libpq's other TLS options, gives every URL host
//! an explicit port 5432 (so `PGPORT` could never apply), and splits URL credentials at the
//! first `@` anywhere, query included. Options that it understands and this module does not
//! own (`options`, keepalives, `target_session_attrs`, …) still go through its parser, which
//! validates them.
//!
//! One file per concern: `url` and `conninfo` tokenize the two input forms, `environment` and
//! `pgpass` supply what the input leaves out, `settings` turns all of that into the
//! [`ConnectOptions`] of `options`, `tls` reads the `ssl*` options and `handshake` builds the
//! rustls client from them, `connecting` makes the connection, and `error` and `redact` keep
//! every message to one line and free of passwords.

mod connecting;
mod conninfo;
mod environment;
mod error;
mod handshake;
mod options;
mod pgpass;
mod redact;
mod settings;
mod tls;
mod url;

#[cfg(test)]
mod fake_server;
#[cfg(test)]
mod test_support;

pub use connecting::{connect, connect_more};
pub use error::ConnectError;
pub use options::ConnectOptions;
pub use redact::redact;
