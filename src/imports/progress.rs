//! Progress of an import run: on a terminal a bar redrawn in place (items
//! done of the total, rate, time left); otherwise (a log file, CI) a plain
//! line every few seconds. Written to stderr, so the report on stdout stays
//! clean. Hand-written rather than a crate: one line of output needs no
//! dependency.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often a plain progress line is written.
const LINE_EVERY: Duration = Duration::from_secs(5);
/// How often the bar is redrawn.
const DRAW_EVERY: Duration = Duration::from_millis(100);
/// Width of the bar, in characters.
const BAR: usize = 30;

/// Progress of one run.
pub struct Progress {
    label: String,
    total: u64,
    done: u64,
    started: Instant,
    last: Option<Instant>,
    terminal: bool,
    quiet: bool,
}

impl Progress {
    /// Progress over `total` items, drawn as a bar when stderr is a terminal.
    pub fn new(label: &str, total: u64) -> Progress {
        Progress {
            label: label.to_owned(),
            total,
            done: 0,
            started: Instant::now(),
            last: None,
            terminal: std::io::stderr().is_terminal(),
            quiet: false,
        }
    }

    /// Progress that prints nothing (library callers, tests).
    pub fn hidden() -> Progress {
        Progress {
            quiet: true,
            ..Progress::new("", 0)
        }
    }

    /// Counts one more item done.
    pub fn tick(&mut self) {
        self.done += 1;
        if self.quiet {
            return;
        }
        let now = Instant::now();
        let every = if self.terminal {
            DRAW_EVERY
        } else {
            LINE_EVERY
        };
        if self.last.is_some_and(|last| now - last < every) {
            return;
        }
        self.last = Some(now);
        self.draw(false);
    }

    /// Items done so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Draws the final state (and ends the bar's line).
    pub fn finish(&mut self) {
        if !self.quiet {
            self.draw(true);
        }
    }

    fn draw(&self, last: bool) {
        let line = self.line(self.started.elapsed());
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            let end = if last { "\n" } else { "" };
            write!(err, "\r{line}\x1b[K{end}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }

    /// `posts [#######-------] 350/1000 120/s 0:05 left`.
    fn line(&self, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64().max(0.001);
        let rate = self.done as f64 / secs;
        let total = self.total.max(self.done);
        let left = if rate > 0.0 && total > self.done {
            let s = ((total - self.done) as f64 / rate).round() as u64;
            format!(" {}:{:02} left", s / 60, s % 60)
        } else {
            String::new()
        };
        let filled = if total == 0 {
            BAR
        } else {
            (self.done as usize * BAR) / total as usize
        };
        format!(
            "{} [{}{}] {}/{} {:.0}/s{left}",
            self.label,
            "#".repeat(filled),
            "-".repeat(BAR - filled),
            self.done,
            total,
            rate
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_done_of_total_rate_and_time_left() {
        let mut progress = Progress::hidden();
        progress.label = "items".into();
        progress.total = 1000;
        for _ in 0..250 {
            progress.tick();
        }
        let line = progress.line(Duration::from_secs(5));
        assert_eq!(
            line,
            "items [#######-----------------------] 250/1000 50/s 0:15 left"
        );
    }
}
