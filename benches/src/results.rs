//! Reading criterion's saved results back.
//!
//! After a run, criterion leaves one directory per benchmark under
//! `target/criterion/`, named after its id (`end_to_end/hello-new-conn/step03`).
//! Inside, `new/` holds the latest run:
//!
//! - `benchmark.json`: the id, split into `group_id`, `function_id` and
//!   `value_str`, and the throughput declared per iteration, such as
//!   `{"Elements": 200}`;
//! - `estimates.json`: statistics of the time per iteration, in nanoseconds
//!   (`mean`, `median`, `slope`, ... each with a `point_estimate`).
//!
//! [`Measurement::per_second`] turns the two into the figure criterion prints
//! as `thrpt`: elements per iteration divided by the *typical* time per
//! iteration, which criterion defines as the slope of its linear regression
//! when it has one, and the mean otherwise (flat sampling has no slope).

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One benchmark's latest result.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Criterion's group: `end_to_end`, `parse_request`.
    pub group: String,
    /// The function part of the id: the workload in `end_to_end`.
    pub function: String,
    /// The parameter part of the id, if any: the server in `end_to_end`.
    pub value: Option<String>,
    /// What one iteration processes, if a throughput was declared.
    pub throughput: Option<Throughput>,
    /// The typical time of one iteration, in nanoseconds.
    pub nanos_per_iteration: f64,
}

/// What one iteration processes, as declared with `group.throughput(..)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throughput {
    /// `Throughput::Elements`: requests, jobs.
    Elements(u64),
    /// `Throughput::Bytes`: input bytes.
    Bytes(u64),
}

impl Measurement {
    /// Elements (or bytes) per second, if a throughput was declared.
    pub fn per_second(&self) -> Option<f64> {
        let per_iteration = match self.throughput? {
            Throughput::Elements(n) | Throughput::Bytes(n) => n as f64,
        };
        Some(per_iteration * 1e9 / self.nanos_per_iteration)
    }
}

/// A result that could not be read, and where.
#[derive(Debug)]
pub struct ResultsError {
    /// The file at fault.
    pub path: PathBuf,
    /// What was wrong with it.
    pub problem: String,
}

impl fmt::Display for ResultsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for ResultsError {}

/// Reads every benchmark's latest result under `criterion_dir`
/// (usually `target/criterion`), sorted by id.
///
/// # Errors
/// A [`ResultsError`] naming the first file that cannot be read or parsed;
/// a missing `criterion_dir` is an error too (nothing has been run yet).
pub fn load_all(criterion_dir: &Path) -> Result<Vec<Measurement>, ResultsError> {
    let mut found = Vec::new();
    find_new_dirs(criterion_dir, &mut found).map_err(|err| ResultsError {
        path: criterion_dir.to_path_buf(),
        problem: err.to_string(),
    })?;
    found.sort();
    found.iter().map(|dir| load_one(dir)).collect()
}

/// Collects every `new/` directory that holds a `benchmark.json`. Criterion's
/// own `report/` directories and the previous run (`base/`) are skipped.
fn find_new_dirs(dir: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        match path.file_name().and_then(|name| name.to_str()) {
            Some("new") if path.join("benchmark.json").is_file() => found.push(path),
            Some("report" | "base" | "change") => {}
            _ => find_new_dirs(&path, found)?,
        }
    }
    Ok(())
}

/// Reads `benchmark.json` and `estimates.json` from one `new/` directory.
fn load_one(dir: &Path) -> Result<Measurement, ResultsError> {
    let benchmark = read_json(&dir.join("benchmark.json"))?;
    let estimates_path = dir.join("estimates.json");
    let estimates = read_json(&estimates_path)?;
    let text = |key: &str| benchmark[key].as_str().map(str::to_string);
    let bad = |path: &Path, problem: &str| ResultsError {
        path: path.to_path_buf(),
        problem: problem.to_string(),
    };
    let benchmark_path = dir.join("benchmark.json");
    let throughput = match &benchmark["throughput"] {
        Value::Null => None,
        value => Some(
            parse_throughput(value)
                .ok_or_else(|| bad(&benchmark_path, &format!("unknown throughput {value}")))?,
        ),
    };
    // Criterion's "typical" estimate: the slope when linear sampling gave one.
    let typical = estimates["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| estimates["mean"]["point_estimate"].as_f64())
        .ok_or_else(|| bad(&estimates_path, "no slope or mean point_estimate"))?;
    Ok(Measurement {
        group: text("group_id").ok_or_else(|| bad(&benchmark_path, "no group_id"))?,
        function: text("function_id").unwrap_or_default(),
        value: text("value_str"),
        throughput,
        nanos_per_iteration: typical,
    })
}

/// `{"Elements": 200}` or `{"Bytes": 64}`; the other kinds are not used here.
fn parse_throughput(value: &Value) -> Option<Throughput> {
    if let Some(n) = value["Elements"].as_u64() {
        return Some(Throughput::Elements(n));
    }
    value["Bytes"].as_u64().map(Throughput::Bytes)
}

fn read_json(path: &Path) -> Result<Value, ResultsError> {
    let error = |problem: String| ResultsError {
        path: path.to_path_buf(),
        problem,
    };
    let text = fs::read_to_string(path).map_err(|err| error(err.to_string()))?;
    serde_json::from_str(&text).map_err(|err| error(format!("not JSON: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh scratch directory under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("httprs-results-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write_bench(root: &Path, id: &str, benchmark: &str, estimates: &str) {
        let dir = root.join(id).join("new");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("benchmark.json"), benchmark).unwrap();
        fs::write(dir.join("estimates.json"), estimates).unwrap();
    }

    #[test]
    fn reads_ids_throughput_and_typical_time() {
        let root = scratch("read");
        write_bench(
            &root,
            "end_to_end/hello-new-conn/step03",
            r#"{"group_id":"end_to_end","function_id":"hello-new-conn","value_str":"step03","throughput":{"Elements":200}}"#,
            r#"{"mean":{"point_estimate":10000000.0},"slope":null}"#,
        );
        write_bench(
            &root,
            "dispatch/step04",
            r#"{"group_id":"dispatch","function_id":"step04","value_str":null,"throughput":null}"#,
            r#"{"mean":{"point_estimate":9.0},"slope":{"point_estimate":8.0}}"#,
        );
        // The previous run and criterion's HTML are not results.
        write_bench(&root, "dispatch/step04/base", "not json", "not json");
        fs::create_dir_all(root.join("report")).unwrap();

        let results = load_all(&root).unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].group, "dispatch");
        assert_eq!(results[0].nanos_per_iteration, 8.0, "slope wins over mean");
        assert_eq!(results[0].per_second(), None);
        let e2e = &results[1];
        assert_eq!(e2e.value.as_deref(), Some("step03"));
        assert_eq!(e2e.throughput, Some(Throughput::Elements(200)));
        // 200 requests in 10 ms: 20 000 per second.
        assert_eq!(e2e.per_second(), Some(20_000.0));
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_broken_file_is_named_in_the_error() {
        let root = scratch("broken");
        write_bench(&root, "g/f", r#"{"group_id":"g"}"#, "{");
        let err = load_all(&root).unwrap_err();
        assert!(err.path.ends_with("g/f/new/estimates.json"), "{err}");
        assert!(load_all(&root.join("missing")).is_err());
        fs::remove_dir_all(&root).unwrap();
    }
}
