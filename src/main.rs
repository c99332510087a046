//! The `schemagit` binary: parse, run, map the outcome or error to an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use schemagit::cli::{self, Cli, CliError, ErrorKind, Outcome};

fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::OutputClosed => 0,
        ErrorKind::Usage => 3,
        ErrorKind::Database => 4,
        ErrorKind::Repository => 5,
        ErrorKind::Snapshot => 6,
        ErrorKind::Migrations => 7,
        ErrorKind::Io => 8,
        ErrorKind::UnknownObject => 9,
        ErrorKind::Interrupted => 130,
    }
}

fn report(error: &CliError) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", error.message);
    for cause in &error.causes {
        let _ = writeln!(stderr, "caused by: {cause}");
    }
    if let Some(hint) = &error.hint {
        let _ = writeln!(stderr, "hint: {hint}");
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(exit_code(ErrorKind::Usage))
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // Ctrl-C and SIGTERM: take down any throwaway server and its files, then stop; while the
    // repository is being updated they are deferred until the update is over.
    let _ = schemagit::interrupt::install(|| {
        schemagit::ephemeral::cleanup_all();
        report(&CliError::new(ErrorKind::Interrupted, "interrupted"));
        std::process::exit(i32::from(exit_code(ErrorKind::Interrupted)));
    });
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr();
    match cli::run(cli, &mut stdout, &mut stderr) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Critical) => ExitCode::from(1),
        Ok(Outcome::Warning) => ExitCode::from(2),
        // Like git and ripgrep: a reader that stopped reading (`| head`) is not an error.
        Err(error) if error.kind == ErrorKind::OutputClosed => ExitCode::SUCCESS,
        Err(error) => {
            let _ = stdout.flush();
            report(&error);
            ExitCode::from(exit_code(error.kind))
        }
    }
}
