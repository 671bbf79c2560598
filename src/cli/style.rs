//! Colours on the terminal: on when stdout is a terminal and `NO_COLOR` is unset or empty
//! (`--color auto`, the default), or when asked with `--color always`; never with `--color
//! never`. As no-color.org asks, an explicit `--color always` wins over `NO_COLOR`.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always, even into a pipe or with NO_COLOR.
    Always,
    /// Never.
    Never,
}

/// Whether output gets colours, decided once per command.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    pub enabled: bool,
}

/// Colours of chart bars and their legend, one per project in turn.
const PALETTE: [AnsiColor; 6] = [
    AnsiColor::Cyan,
    AnsiColor::Green,
    AnsiColor::Yellow,
    AnsiColor::Magenta,
    AnsiColor::Blue,
    AnsiColor::Red,
];

impl Paint {
    /// The choice applied to this process's stdout and environment.
    pub fn new(choice: ColorChoice) -> Paint {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let enabled = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Paint { enabled }
    }

    fn paint(self, style: Style, text: &str) -> String {
        if self.enabled {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    /// Something that started or was created.
    pub fn good(self, text: &str) -> String {
        self.paint(Style::new().fg_color(Some(AnsiColor::Green.into())), text)
    }

    /// A warning or a note worth a look.
    pub fn warn(self, text: &str) -> String {
        self.paint(Style::new().fg_color(Some(AnsiColor::Yellow.into())), text)
    }

    /// Emphasis (names, totals).
    pub fn bold(self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    /// Less important detail.
    pub fn dim(self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    /// Text in the `n`th colour of the chart palette.
    pub fn series(self, n: usize, text: &str) -> String {
        let c = PALETTE[n % PALETTE.len()];
        self.paint(Style::new().fg_color(Some(c.into())), text)
    }
}
