//! A progress bar on stderr for long work (a read's queries, a fleet's databases), drawn only
//! on a terminal.
//! indicatif handles the terminal's width, the redraw rate and a stderr that is no terminal
//! (it then draws nothing).

use indicatif::{ProgressBar, ProgressStyle};

use crate::catalog::ReadStep;

/// Counts finished units of work (`inc`) towards `len`.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `len` steps labelled `label` (`databases`), on stderr when it is a terminal.
    pub fn new(len: usize, label: &str) -> Progress {
        let bar = ProgressBar::new(len as u64);
        let template = format!("{{bar:30}} {{pos}}/{{len}} {label} {{elapsed}}");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        Progress { bar }
    }

    /// Draws nothing (`--json`, `--quiet`).
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    /// One more step done.
    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// Follows a schema read: each read (a read starts over when DDL commits during it) counts
    /// its queries from zero.
    pub fn watch(&self, step: ReadStep) {
        match step {
            ReadStep::Started { queries } => {
                self.bar.set_length(queries as u64);
                self.bar.set_position(0);
            }
            ReadStep::Finished => self.bar.inc(1),
        }
    }

    /// Removes the bar: the lines that follow are the report.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
