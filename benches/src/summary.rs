//! The summary: criterion's results as Markdown tables and an SVG chart.
//!
//! The end-to-end table gives requests per second for each server and
//! workload, and two ratios: against step 03 (the one-thread baseline, "what
//! did the layers buy?") and against hyper (the reference server, "how far
//! is this from what people use?"). A ratio is left blank rather than
//! guessed when the other server did not run that workload.
//!
//! A second table puts the ways of running more than one process side by
//! side: httprs's split mode (`httprs-split`), nginx in front of httprs and in
//! front of hyper, with one-process `httprs`, each with its ratio to
//! one-process httprs and to `nginx→hyper`, the conventional setup split mode
//! is meant to match.
//!
//! The micro table gives time per iteration and, where the bench declared a
//! throughput, a rate, with a ratio to the group's reference implementation
//! (`httparse` for parsing, the `threadpool` crate for dispatch).

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::results::{Measurement, Throughput};

/// The one-thread baseline every end-to-end figure is compared with.
pub const BASELINE: &str = "step03";
/// The reference server a user would otherwise pick.
pub const REFERENCE: &str = "hyper";
/// The criterion group of the end-to-end benches.
pub const END_TO_END: &str = "end_to_end";
/// Servers in the order of the tutorial; unknown names follow, alphabetically.
pub const SERVER_ORDER: &[&str] = &[
    "step03",
    "step04",
    "step05",
    "step06",
    "step07",
    "step08",
    "httprs",
    "httprs-split",
    "nginx→httprs",
    "hyper",
    "nginx→hyper",
];
/// httprs in one process: what the split table compares split mode with.
pub const ONE_PROCESS: &str = "httprs";
/// nginx in front of hyper: the conventional multi-process setup, the
/// split table's other yardstick.
pub const ANCHOR: &str = "nginx→hyper";
/// The servers of the split table, in its order.
pub const SPLIT_SERVERS: &[&str] = &["httprs", "httprs-split", "nginx→httprs", "nginx→hyper"];
/// Workloads in the order the bench runs them.
pub const WORKLOAD_ORDER: &[&str] = &["hello-new-conn", "hello-keep-alive", "slow-10ms"];
/// Micro groups in the order of the tutorial's chapters.
const MICRO_GROUPS: &[&str] = &[
    "parse_request",
    "serialise_response",
    "frame",
    "dispatch",
    "render_page",
];
/// Inputs and implementations within a micro group, in reading order: the
/// reference first, then the workspace's own, small inputs before large.
const MICRO_NAMES: &[&str] = &[
    "curl",
    "browser",
    "text-13B",
    "html-2KiB",
    "request",
    "response-2KiB",
    "httparse",
    "hand-written",
    "step02",
    "httprs",
    "encode",
    "decode",
    "threadpool-crate",
    "step04",
    "step04-unbounded",
    "minijinja",
    "askama",
];
/// For each micro group, the implementation the others are compared with.
const MICRO_REFERENCES: &[(&str, &str)] = &[
    ("parse_request", "httparse"),
    ("dispatch", "threadpool-crate"),
    ("render_page", "minijinja"),
];

/// One line of the end-to-end table.
#[derive(Debug, Clone, PartialEq)]
pub struct ThroughputRow {
    /// The workload: `hello-new-conn`.
    pub workload: String,
    /// The server: `step03`.
    pub server: String,
    /// Requests per second.
    pub per_second: f64,
    /// `per_second` divided by [`BASELINE`]'s on the same workload.
    pub vs_baseline: Option<f64>,
    /// `per_second` divided by [`REFERENCE`]'s on the same workload.
    pub vs_reference: Option<f64>,
}

/// The end-to-end rows, ordered by workload, then server.
pub fn throughput_rows(results: &[Measurement]) -> Vec<ThroughputRow> {
    let mut points: Vec<(String, String, f64)> = results
        .iter()
        .filter(|m| m.group == END_TO_END)
        .filter_map(|m| Some((m.function.clone(), m.value.clone()?, m.per_second()?)))
        .collect();
    points.sort_by(|a, b| {
        (rank(&a.0, WORKLOAD_ORDER), rank(&a.1, SERVER_ORDER))
            .cmp(&(rank(&b.0, WORKLOAD_ORDER), rank(&b.1, SERVER_ORDER)))
    });
    let find = |workload: &str, server: &str| {
        points
            .iter()
            .find(|(w, s, _)| w == workload && s == server)
            .map(|(_, _, rate)| *rate)
    };
    points
        .iter()
        .map(|(workload, server, rate)| ThroughputRow {
            workload: workload.clone(),
            server: server.clone(),
            per_second: *rate,
            vs_baseline: find(workload, BASELINE).map(|base| rate / base),
            vs_reference: find(workload, REFERENCE).map(|reference| rate / reference),
        })
        .collect()
}

/// Where `name` sorts: its place in `order`, or after all of them, by name.
fn rank<'a>(name: &'a str, order: &[&str]) -> (usize, &'a str) {
    let place = order.iter().position(|known| *known == name);
    (place.unwrap_or(order.len()), name)
}

/// The end-to-end table in Markdown.
pub fn throughput_markdown(rows: &[ThroughputRow]) -> String {
    let mut out = format!(
        "| workload | server | req/s | vs {BASELINE} | vs {REFERENCE} |\n|---|---|---:|---:|---:|\n"
    );
    for row in rows {
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            row.workload,
            row.server,
            group_thousands(row.per_second),
            ratio(row.vs_baseline),
            ratio(row.vs_reference),
        );
    }
    out
}

/// The split table in Markdown: for each workload, the [`SPLIT_SERVERS`]
/// that ran it, with their ratio to [`ONE_PROCESS`] and to [`ANCHOR`] on the
/// same workload ("—" where that one did not run, as where nginx is not
/// installed).
pub fn split_markdown(rows: &[ThroughputRow]) -> String {
    let mut out = format!(
        "| workload | server | req/s | vs {ONE_PROCESS} | vs {ANCHOR} |\n|---|---|---:|---:|---:|\n"
    );
    let find = |workload: &str, server: &str| {
        rows.iter()
            .find(|r| r.workload == workload && r.server == server)
            .map(|r| r.per_second)
    };
    for row in rows
        .iter()
        .filter(|r| SPLIT_SERVERS.contains(&r.server.as_str()))
    {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            row.workload,
            row.server,
            group_thousands(row.per_second),
            ratio(find(&row.workload, ONE_PROCESS).map(|one| row.per_second / one)),
            ratio(find(&row.workload, ANCHOR).map(|anchor| row.per_second / anchor)),
        );
    }
    out
}

/// The micro benches in Markdown: time per iteration, rate, ratio to the
/// group's reference implementation on the same input.
pub fn micro_markdown(results: &[Measurement]) -> String {
    let mut out = String::from(
        "| group | bench | input | time | rate | vs reference |\n|---|---|---|---:|---:|---:|\n",
    );
    let mut micro: Vec<&Measurement> = results.iter().filter(|m| m.group != END_TO_END).collect();
    micro.sort_by_key(|m| {
        (
            rank(&m.group, MICRO_GROUPS),
            rank(m.value.as_deref().unwrap_or(""), MICRO_NAMES),
            rank(&m.function, MICRO_NAMES),
        )
    });
    for m in micro {
        let reference = MICRO_REFERENCES
            .iter()
            .find(|(group, _)| *group == m.group)
            .and_then(|(_, function)| {
                results
                    .iter()
                    .find(|r| r.group == m.group && r.function == *function && r.value == m.value)
            });
        // A ratio of speeds: above 1 is faster than the reference.
        let vs = reference.map(|r| r.nanos_per_iteration / m.nanos_per_iteration);
        let rate = match (m.throughput, m.per_second()) {
            (Some(Throughput::Bytes(_)), Some(rate)) => format!("{:.0} MiB/s", rate / 1048576.0),
            (Some(Throughput::Elements(_)), Some(rate)) => format!("{}/s", group_thousands(rate)),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            m.group,
            m.function,
            m.value.as_deref().unwrap_or(""),
            duration(m.nanos_per_iteration),
            rate,
            ratio(vs),
        );
    }
    out
}

/// `29955.4` as `29 955`: a thin grouping that reads in any locale.
pub fn group_thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(digit);
    }
    out
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |r| format!("{r:.2}×"))
}

/// Nanoseconds in the unit that suits them: `83 ns`, `4.2 µs`, `6.68 ms`.
fn duration(nanos: f64) -> String {
    if nanos < 1e3 {
        format!("{nanos:.0} ns")
    } else if nanos < 1e6 {
        format!("{:.2} µs", nanos / 1e3)
    } else if nanos < 1e9 {
        format!("{:.2} ms", nanos / 1e6)
    } else {
        format!("{:.2} s", nanos / 1e9)
    }
}

/// The colour of a server's bars: the steps in blue, the framework in orange,
/// the reference in grey, so the eye finds the three kinds at once; behind
/// nginx, a lighter shade of the server behind it.
fn colour(server: &str) -> RGBColor {
    if server == REFERENCE {
        RGBColor(120, 120, 120)
    } else if server == ANCHOR {
        RGBColor(180, 180, 180)
    } else if server.starts_with("nginx") {
        RGBColor(245, 175, 115)
    } else if server.starts_with("httprs") {
        RGBColor(230, 120, 30)
    } else {
        RGBColor(50, 110, 180)
    }
}

/// Draws one horizontal bar chart per workload, stacked, into an SVG at `path`.
///
/// # Errors
/// If there is nothing to draw, or the file cannot be written.
pub fn draw_chart(rows: &[ThroughputRow], path: &Path) -> Result<(), Box<dyn Error>> {
    let mut workloads: Vec<&str> = rows.iter().map(|r| r.workload.as_str()).collect();
    workloads.dedup();
    if workloads.is_empty() {
        return Err("no end-to-end results to draw: run `cargo bench -p benches` first".into());
    }
    const BAR_HEIGHT: u32 = 34;
    const PANEL_EXTRA: u32 = 90;
    let heights: Vec<u32> = workloads
        .iter()
        .map(|w| rows.iter().filter(|r| r.workload == *w).count() as u32 * BAR_HEIGHT + PANEL_EXTRA)
        .collect();
    let root = SVGBackend::new(path, (900, heights.iter().sum())).into_drawing_area();
    root.fill(&WHITE)?;
    let mut rest = root;
    for (workload, height) in workloads.iter().zip(&heights) {
        let (panel, below) = rest.split_vertically(*height);
        rest = below;
        let panel_rows: Vec<&ThroughputRow> =
            rows.iter().filter(|r| r.workload == *workload).collect();
        draw_panel(&panel, workload, &panel_rows)?;
    }
    // Any area of the drawing presents the whole of it: the file is written now.
    rest.present()?;
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    workload: &str,
    rows: &[&ThroughputRow],
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let max = rows.iter().map(|r| r.per_second).fold(0.0, f64::max);
    // Plotters' integer axes include their end, so `0..last` has one segment
    // per row. Row 0 goes at the top: the tutorial's order, read downwards.
    let last = rows.len().saturating_sub(1);
    let names: Vec<String> = rows.iter().rev().map(|r| r.server.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{workload}: requests per second"),
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(110)
        .build_cartesian_2d(0.0..max * 1.3, (0..last).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .x_label_formatter(&|x| group_thousands(*x))
        .y_label_formatter(&|y| match y {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .label_style(("sans-serif", 14))
        .draw()?;
    for (i, row) in rows.iter().enumerate() {
        let slot = last - i;
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(slot)),
                (row.per_second, SegmentValue::Exact(slot + 1)),
            ],
            colour(&row.server).filled(),
        );
        // A few pixels above and below, so neighbouring bars do not touch.
        bar.set_margin(4, 4, 0, 0);
        chart.draw_series(std::iter::once(bar))?;
        let label = match row.vs_baseline {
            Some(r) => format!("{} ({r:.2}× {BASELINE})", group_thousands(row.per_second)),
            None => group_thousands(row.per_second),
        };
        chart.draw_series(std::iter::once(Text::new(
            label,
            (row.per_second + max * 0.01, SegmentValue::CenterOf(slot)),
            TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e2e(workload: &str, server: &str, nanos: f64) -> Measurement {
        Measurement {
            group: END_TO_END.into(),
            function: workload.into(),
            value: Some(server.into()),
            throughput: Some(Throughput::Elements(100)),
            nanos_per_iteration: nanos,
        }
    }

    #[test]
    fn rows_follow_the_tutorial_and_ratios_need_both_servers() {
        let results = [
            e2e("slow-10ms", "step04", 250e6),
            e2e("hello-new-conn", "hyper", 2e6),
            e2e("hello-new-conn", "step03", 10e6),
            e2e("hello-new-conn", "httprs", 4e6),
        ];
        let rows = throughput_rows(&results);
        let order: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.workload.as_str(), r.server.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("hello-new-conn", "step03"),
                ("hello-new-conn", "httprs"),
                ("hello-new-conn", "hyper"),
                ("slow-10ms", "step04"),
            ]
        );
        // 100 requests in 4 ms: 25 000/s, 2.5 times step 03, half of hyper.
        assert_eq!(rows[1].per_second, 25_000.0);
        assert_eq!(rows[1].vs_baseline, Some(2.5));
        assert_eq!(rows[1].vs_reference, Some(0.5));
        assert_eq!(rows[3].vs_baseline, None, "no step03 in this workload");
        let table = throughput_markdown(&rows);
        assert!(
            table.contains("| hello-new-conn | httprs | 25 000 | 2.50× | 0.50× |"),
            "{table}"
        );
        assert!(
            table.contains("| slow-10ms | step04 | 400 | — | — |"),
            "{table}"
        );
    }

    #[test]
    fn the_split_table_compares_with_one_process_and_with_nginx() {
        let results = [
            e2e("hello-keep-alive", "step03", 10e6),
            e2e("hello-keep-alive", "httprs", 1e6),
            e2e("hello-keep-alive", "httprs-split", 4e6),
            e2e("hello-keep-alive", "nginx→hyper", 2e6),
            e2e("hello-keep-alive", "nginx→httprs", 2.5e6),
            e2e("slow-10ms", "httprs-split", 250e6),
        ];
        let rows = throughput_rows(&results);
        let servers: Vec<&str> = rows.iter().map(|r| r.server.as_str()).collect();
        assert_eq!(
            servers,
            [
                "step03",
                "httprs",
                "httprs-split",
                "nginx→httprs",
                "nginx→hyper",
                "httprs-split"
            ],
            "the nginx rows sort beside the ones they compare with"
        );
        let table = split_markdown(&rows);
        assert!(!table.contains("step03"), "{table}");
        // 100 requests in 4 ms: 25 000/s, a quarter of one process, half of nginx→hyper.
        assert!(
            table.contains("| hello-keep-alive | httprs-split | 25 000 | 0.25× | 0.50× |"),
            "{table}"
        );
        assert!(
            table.contains("| hello-keep-alive | nginx→hyper | 50 000 | 0.50× | 1.00× |"),
            "{table}"
        );
        // Where nginx did not run, the ratio is left blank, not guessed.
        assert!(
            table.contains("| slow-10ms | httprs-split | 400 | — | — |"),
            "{table}"
        );
    }

    #[test]
    fn thousands_are_grouped_with_spaces() {
        let cases = [
            (0.0, "0"),
            (999.4, "999"),
            (1000.0, "1 000"),
            (1234567.0, "1 234 567"),
        ];
        for (value, text) in cases {
            assert_eq!(group_thousands(value), text);
        }
    }

    #[test]
    fn micro_ratios_compare_with_the_same_input() {
        let parse = |function: &str, input: &str, nanos: f64| Measurement {
            group: "parse_request".into(),
            function: function.into(),
            value: Some(input.into()),
            throughput: Some(Throughput::Bytes(1048576)),
            nanos_per_iteration: nanos,
        };
        let results = [
            parse("httparse", "curl", 1e6),
            parse("step02", "curl", 4e6),
            parse("httparse", "browser", 2e6),
        ];
        let table = micro_markdown(&results);
        assert!(
            table.contains("| parse_request | step02 | curl | 4.00 ms | 250 MiB/s | 0.25× |"),
            "{table}"
        );
        assert!(
            table.contains("| parse_request | httparse | browser | 2.00 ms | 500 MiB/s | 1.00× |"),
            "{table}"
        );
    }

    #[test]
    fn the_chart_is_an_svg_with_every_server() {
        let rows = throughput_rows(&[
            e2e("hello-new-conn", "step03", 10e6),
            e2e("hello-new-conn", "hyper", 2e6),
        ]);
        let path = std::env::temp_dir().join(format!("httprs-chart-{}.svg", std::process::id()));
        draw_chart(&rows, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(svg.contains("step03") && svg.contains("hyper"));
        assert!(draw_chart(&[], &path).is_err());
    }
}
