//! Many points of one scenario, chosen by the caller, summarised in memory:
//! the numbers a sweep's runs.csv holds for the same points, for callers
//! that make their own designs (Python's `coserve.evaluate`, and through it
//! the EMA Workbench and SALib). Nothing is written to disk.

use super::spec::MAX_RUNS;
use super::summary::{self, Summary};
use crate::scenario::limits::MAX_SEED;
use crate::scenario::{self, ScenarioError, ScenarioFile};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use toml::Value;

/// Points to run: each a value per key, every one run `replicates` times.
#[derive(Clone, Debug)]
pub struct Evaluation<'a> {
    /// The scenario file, read once.
    pub file: &'a ScenarioFile,
    /// Fixed overrides (`key=value`) applied to every run before a point's values.
    pub set: &'a [String],
    /// The dotted keys the points give values to, e.g. `governance.pb_share`.
    pub keys: &'a [String],
    /// The points: `points[p][k]` is the value of `keys[k]` at point `p`.
    pub points: &'a [Vec<Value>],
    /// Runs per point, at least 1; replicate r uses `seed + r`, as in a sweep.
    pub replicates: u32,
    /// The seed of replicate 0.
    pub seed: u64,
}

/// Why an evaluation was refused before any run started.
#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    /// A point does not make a valid scenario (`point` is 0-based).
    #[error("sample {point} is not a valid scenario: {error}")]
    Point {
        /// The point's position.
        point: usize,
        /// What is wrong, located at the `key=value` the point gave.
        error: ScenarioError,
    },
    /// The scenario itself, with the fixed overrides, is not valid.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The request cannot be run: what, and the fix.
    #[error("{0}")]
    Request(String),
}

/// Checks that `key` is a dotted scenario key as a caller might write it
/// (`governance.pb_share`, `domains.waste.alpha`): non-empty names joined
/// by dots, without `=`, control characters or spaces around a name, and
/// not a whole section. Whether the key exists is the scenario's check;
/// this one stops a name that the `key=value` form would read as another
/// key (`"run.seed "` would set `run.seed`).
pub fn check_key(key: &str) -> Result<(), String> {
    let part_ok = |p: &str| !p.is_empty() && p.trim() == p;
    if !key.split('.').all(part_ok) || key.contains('=') || key.chars().any(char::is_control) {
        return Err(format!(
            "{key:?} is not a dotted scenario key; expected names joined by dots, e.g. \"governance.pb_share\" (no = and no spaces around a name)"
        ));
    }
    if scenario::TABLES.contains(&key) {
        return Err(format!(
            "`{key}` is a section of the scenario, not a value; name a key in it, e.g. `{key}.{}`",
            match key {
                "run" => "ticks",
                "city" => "residents",
                "governance" => "pb_share",
                "output" => "neighbourhoods",
                "behaviour" => "join_rate",
                _ => "...",
            }
        ));
    }
    Ok(())
}

/// `key=value` as `--set` takes it, for a key already checked with
/// [`check_key`]. A whole number given as a float (`4.0`, as a table of
/// floats holds it) is written as the integer a whole-number key needs.
pub fn override_arg(key: &str, value: &Value) -> String {
    let value = match value {
        Value::Float(x)
            if x.fract() == 0.0
                && x.abs() < 2f64.powi(53)
                && scenario::is_whole_number_key(key) =>
        {
            Value::Integer(*x as i64)
        }
        v => v.clone(),
    };
    format!("{key}={value}")
}

impl Evaluation<'_> {
    /// Runs: points times replicates.
    pub fn runs(&self) -> usize {
        self.points.len() * self.replicates as usize
    }

    /// The overrides of one run: the fixed ones, the point's values, then
    /// its seed.
    fn overrides(&self, point: &[Value], seed: u64) -> Vec<String> {
        let mut set = self.set.to_vec();
        set.extend(
            self.keys
                .iter()
                .zip(point)
                .map(|(key, value)| override_arg(key, value)),
        );
        set.push(format!("run.seed={seed}"));
        set
    }

    /// Checks the request and every point before anything runs: a point
    /// per key, keys named once and not `run.seed` (seeds come from
    /// `seed`), at most [`MAX_RUNS`] runs, seeds within range, and every
    /// point a valid scenario (the first invalid one is named).
    pub fn check(&self) -> Result<(), EvaluateError> {
        let refuse = |m: String| Err(EvaluateError::Request(m));
        if self.replicates == 0 {
            return refuse("replicates: expected at least 1, found 0".into());
        }
        let runs = self.points.len() as u64 * u64::from(self.replicates);
        if runs > MAX_RUNS {
            return refuse(format!(
                "{} samples x {} replicates is {runs} runs, more than one evaluation may hold ({MAX_RUNS}); use fewer samples or replicates, or split the samples",
                self.points.len(),
                self.replicates,
            ));
        }
        if self.seed > MAX_SEED - (u64::from(self.replicates) - 1) {
            return refuse(format!(
                "seed {} with {} replicates needs seeds beyond the largest ({MAX_SEED}); choose a smaller seed",
                self.seed, self.replicates
            ));
        }
        for (i, key) in self.keys.iter().enumerate() {
            check_key(key)
                .map_err(|why| EvaluateError::Request(format!("samples: column {why}")))?;
            if key == "run.seed" {
                return refuse(
                    "samples: `run.seed` cannot be a column: replicate r uses seed + r; use `seed` and `replicates`".into(),
                );
            }
            if self.keys[..i].contains(key) {
                return refuse(format!("samples: column `{key}` is given twice"));
            }
        }
        for set in self.set {
            if scenario::override_key(set) == "run.seed" {
                return refuse("set: `run.seed` comes from `seed`; use that instead".into());
            }
        }
        if let Some((p, _)) = self
            .points
            .iter()
            .enumerate()
            .find(|(_, point)| point.len() != self.keys.len())
        {
            return refuse(format!(
                "sample {p} has {} values for {} columns",
                self.points[p].len(),
                self.keys.len()
            ));
        }
        self.file.with(&self.overrides(&[], self.seed))?;
        // The first invalid point in order, whichever thread finds one first.
        let first_bad = self
            .points
            .par_iter()
            .enumerate()
            .filter_map(|(p, point)| {
                self.file
                    .with(&self.overrides(point, self.seed))
                    .err()
                    .map(|e| (p, e))
            })
            .min_by_key(|(p, _)| *p);
        match first_bad {
            Some((point, error)) => Err(EvaluateError::Point { point, error }),
            None => Ok(()),
        }
    }

    /// Checks ([`Evaluation::check`]) and runs every point and replicate in
    /// parallel on rayon's current pool, one run per task. Returns the
    /// summaries in run order, `point * replicates + replicate`: a sweep's
    /// run ids. The numbers do not depend on the pool's size. `stop`, set
    /// from another thread, ends the evaluation early with `Ok(None)`.
    pub fn run(&self, stop: &AtomicBool) -> Result<Option<Vec<Summary>>, EvaluateError> {
        self.check()?;
        let reps = self.replicates as usize;
        let summaries: Option<Vec<Summary>> = (0..self.runs())
            .into_par_iter()
            .with_max_len(1)
            .map(|run| {
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                let seed = self.seed + (run % reps) as u64;
                let scenario = self
                    .file
                    .with(&self.overrides(&self.points[run / reps], seed))
                    .expect("every point was checked");
                Some(summary::summarise(scenario))
            })
            .collect();
        Ok(summaries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;
    use std::path::Path;

    fn file() -> ScenarioFile {
        Scenario::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/hybrid.toml"))
            .unwrap()
    }

    fn evaluation<'a>(
        file: &'a ScenarioFile,
        keys: &'a [String],
        points: &'a [Vec<Value>],
    ) -> Evaluation<'a> {
        Evaluation {
            file,
            set: &[],
            keys,
            points,
            replicates: 2,
            seed: 5,
        }
    }

    #[test]
    fn whole_floats_become_integers_only_for_whole_number_keys() {
        let f = file();
        let keys = [
            "city.residents".to_string(),
            "governance.pb_share".to_string(),
        ];
        let e = evaluation(&f, &keys, &[]);
        let set = e.overrides(&[Value::Float(2000.0), Value::Float(1.0)], 9);
        assert_eq!(
            override_arg("city.residents", &Value::Float(2000.5)),
            "city.residents=2000.5"
        );
        assert_eq!(
            set,
            [
                "city.residents=2000",
                "governance.pb_share=1.0",
                "run.seed=9"
            ]
        );
    }

    #[test]
    fn bad_requests_and_the_first_bad_point_are_named() {
        let f = file();
        let keys = ["governance.pb_share".to_string()];
        let points = [
            vec![Value::Float(0.1)],
            vec![Value::Float(2.0)],
            vec![Value::Float(-1.0)],
        ];
        match evaluation(&f, &keys, &points).check() {
            Err(EvaluateError::Point { point: 1, error }) => {
                assert_eq!(error.diagnostics[0].key, "governance.pb_share")
            }
            other => panic!("{other:?}"),
        }
        let seed = ["run.seed".to_string()];
        let err = evaluation(&f, &seed, &[]).check().unwrap_err().to_string();
        assert!(err.contains("`run.seed` cannot be a column"), "{err}");
        for (bad, why) in [
            ("run.seed ", "not a dotted scenario key"),
            ("city.residents=3000 #", "not a dotted scenario key"),
            ("run", "is a section of the scenario"),
        ] {
            let key = [bad.to_string()];
            let err = evaluation(&f, &key, &[]).check().unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
        }
        let twice = [keys[0].clone(), keys[0].clone()];
        let err = evaluation(&f, &twice, &[]).check().unwrap_err().to_string();
        assert!(err.contains("given twice"), "{err}");
        let short = [vec![]];
        let err = evaluation(&f, &keys, &short)
            .check()
            .unwrap_err()
            .to_string();
        assert!(err.contains("sample 0 has 0 values for 1 columns"), "{err}");
    }

    #[test]
    fn a_stop_ends_the_evaluation_without_results() {
        let f = file();
        let keys = ["city.residents".to_string()];
        let points = [vec![Value::Integer(500)]];
        let stop = AtomicBool::new(true);
        assert_eq!(evaluation(&f, &keys, &points).run(&stop).unwrap(), None);
    }
}
