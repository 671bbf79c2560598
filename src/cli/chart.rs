//! Bars in the terminal: `stint week` and `stint report --chart` draw hours per row (a day, a
//! project, ...) as a bar of unicode blocks, split by a second grouping (usually the project),
//! with a legend and totals.
//!
//! The bars are the rows of `time_summary`, so they follow its one rule (ARCHITECTURE.md,
//! "Time"): a track is drawn whole on the day it starts, even when it runs past midnight. A
//! chart that split it would show days that do not add up to what `stint report`, the
//! unbilled amount and the invoice say for the same days; a night's work can make a day's bar
//! longer than the day.
//!
//! Bars are scaled to the longest row and to the terminal's width (`COLUMNS`, else the
//! terminal, else 80 columns). With colours each series is a colour; without (a pipe,
//! `NO_COLOR`, `--color never`) each series gets its own block shade, so the chart still
//! reads in plain text.

use std::collections::BTreeMap;

use unicode_width::UnicodeWidthStr;

use super::WeekArgs;
use super::style::Paint;
use stint_domain::time::format_hmm;
use stint_service::{Service, Summary, TimeSummary};

/// Shades for series without colour, one per series in turn.
const SHADES: [char; 4] = ['█', '▓', '▒', '░'];

/// One bar: a label and the seconds of each series, in legend order.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub parts: Vec<(usize, i64)>,
}

impl Bar {
    fn total(&self) -> i64 {
        self.parts.iter().map(|(_, s)| s).sum()
    }
}

/// The width of the terminal in columns.
pub fn terminal_width() -> usize {
    if let Some(c) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c >= 20)
    {
        return c;
    }
    terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .filter(|w| *w >= 20)
        .unwrap_or(80)
}

/// Bars from a summary: one per value of its first grouping (or one per `labels`, in that
/// order, when given, so days without time still show), split by its second grouping. Returns
/// the bars and the series names.
pub fn bars_of(summary: &Summary, labels: Option<Vec<String>>) -> (Vec<Bar>, Vec<String>) {
    let mut series: Vec<String> = Vec::new();
    let mut by_label: BTreeMap<String, Vec<(usize, i64)>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for row in &summary.rows {
        let label = row
            .keys
            .first()
            .map(|k| row.key_label(k))
            .unwrap_or_default();
        // With one grouping every bar is one series, without a name or a legend.
        let idx = match row.keys.get(1).map(|k| row.key_label(k)) {
            None => 0,
            Some(name) => match series.iter().position(|s| *s == name) {
                Some(i) => i,
                None => {
                    series.push(name);
                    series.len() - 1
                }
            },
        };
        if !by_label.contains_key(&label) {
            order.push(label.clone());
        }
        by_label
            .entry(label)
            .or_default()
            .push((idx, row.figures.duration_seconds));
    }
    let labels = labels.unwrap_or(order);
    let bars = labels
        .into_iter()
        .map(|label| Bar {
            parts: by_label.remove(&label).unwrap_or_default(),
            label,
        })
        .collect();
    (bars, series)
}

/// Draws `bars` into lines of at most `width` columns: label, bar, total h:mm; then a legend
/// with each series' total (none when `series` is empty: one grouping) and the grand total.
pub fn draw(
    bars: &[Bar],
    series: &[String],
    width: usize,
    paint: Paint,
    title: &str,
) -> Vec<String> {
    let mut lines = vec![paint.bold(title)];
    let label_w = bars
        .iter()
        .map(|b| UnicodeWidthStr::width(b.label.as_str()))
        .max()
        .unwrap_or(0);
    let totals: Vec<String> = bars.iter().map(|b| format_hmm(b.total())).collect();
    let total_w = totals.iter().map(|t| t.len()).max().unwrap_or(4);
    // label, space, bar, space, total.
    let bar_w = width.saturating_sub(label_w + total_w + 2).max(10);
    let longest = bars.iter().map(Bar::total).max().unwrap_or(0).max(1);
    for (bar, total) in bars.iter().zip(&totals) {
        let pad = label_w - UnicodeWidthStr::width(bar.label.as_str());
        let mut drawn = String::new();
        let mut cells_used = 0usize;
        let mut acc = 0i64;
        for (i, secs) in &bar.parts {
            // Cells up to the end of this part, so rounding never makes a bar longer.
            acc += secs;
            let upto = usize::try_from(acc.saturating_mul(bar_w as i64) / longest).unwrap_or(0);
            let mut cells = upto.saturating_sub(cells_used);
            if cells == 0 && *secs > 0 && cells_used < bar_w {
                cells = 1; // a little time still shows
            }
            cells_used += cells;
            let glyph = if paint.enabled {
                '█'
            } else {
                SHADES[i % SHADES.len()]
            };
            drawn.push_str(&paint.series(*i, &glyph.to_string().repeat(cells)));
        }
        let gap = bar_w.saturating_sub(cells_used);
        lines.push(format!(
            "{}{} {}{} {total:>total_w$}",
            bar.label,
            " ".repeat(pad),
            drawn,
            " ".repeat(gap),
        ));
    }
    let mut per_series = vec![0i64; series.len()];
    let mut grand = 0i64;
    for bar in bars {
        for (i, s) in &bar.parts {
            grand += s;
            if let Some(t) = per_series.get_mut(*i) {
                *t += s;
            }
        }
    }
    let legend: Vec<String> = series
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let glyph = if paint.enabled {
                '█'
            } else {
                SHADES[i % SHADES.len()]
            };
            format!(
                "{} {name} {}",
                paint.series(i, &glyph.to_string()),
                format_hmm(per_series[i])
            )
        })
        .collect();
    lines.push(String::new());
    if !legend.is_empty() {
        lines.push(legend.join("   "));
    }
    lines.push(paint.bold(&format!("total {}", format_hmm(grand))));
    lines
}

/// `stint week`: the week holding `--date` (or today), by the `week_start` setting, every day
/// a bar split by project; with --json the `time_summary` answer grouped by day and project.
pub fn week(svc: &Service, a: &WeekArgs) -> anyhow::Result<()> {
    let day = match &a.date {
        Some(d) => svc.read_day(d)?,
        None => svc.today()?,
    };
    let (first, last) = svc.week_of(day)?;
    let summary = svc.time_summary(TimeSummary {
        from: first.to_string(),
        to: last.to_string(),
        group_by: vec!["day".to_owned(), "project".to_owned()],
        project: a.project.clone(),
        client: a.client.clone(),
        tag: a.tag.clone(),
        billable: None,
        milestone: None,
        person: None,
    })?;
    let o = super::out();
    if o.json {
        println!("{}", stint_api::json::summary(&summary));
        return Ok(());
    }
    let days: Vec<chrono::NaiveDate> = first.iter_days().take(7).collect();
    let (mut bars, series) = bars_of(&summary, Some(days.iter().map(|d| d.to_string()).collect()));
    for (bar, d) in bars.iter_mut().zip(&days) {
        bar.label = d.format("%a %Y-%m-%d").to_string();
    }
    let title = format!("Week of {first} to {last}");
    for line in draw(&bars, &series, terminal_width(), o.paint, &title) {
        println!("{line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fit_the_width_and_scale_to_the_longest() {
        let bars = vec![
            Bar {
                label: "Mon 23".into(),
                parts: vec![(0, 3600), (1, 3600)],
            },
            Bar {
                label: "Tue 24".into(),
                parts: vec![(0, 3600)],
            },
            Bar {
                label: "Wed 25".into(),
                parts: vec![],
            },
        ];
        let series = vec!["Website".to_owned(), "Internal".to_owned()];
        let lines = draw(&bars, &series, 40, Paint { enabled: false }, "week");
        for l in &lines {
            assert!(UnicodeWidthStr::width(l.as_str()) <= 40, "{l:?}");
        }
        let mon = &lines[1];
        let tue = &lines[2];
        let full = mon.chars().filter(|c| "█▓".contains(*c)).count();
        let half = tue.chars().filter(|c| *c == '█').count();
        assert_eq!(full, 40 - 6 - 4 - 2);
        assert_eq!(half * 2, full);
        assert!(mon.ends_with("2:00") && tue.ends_with("1:00") && lines[3].ends_with("0:00"));
        assert!(
            lines
                .iter()
                .any(|l| l.contains("█ Website 2:00") && l.contains("▓ Internal 1:00"))
        );
        assert_eq!(lines.last().unwrap(), "total 3:00");
    }
}
