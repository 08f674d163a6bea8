//! `coserve discover`: scenario discovery with PRIM ([`super::prim`]) on a
//! sweep's runs.csv or any CSV of one row per run. The outcome is a
//! condition on a row (`coverage_mean > 0.6`) or, in a regime sweep, across
//! the regimes of one design point and replicate
//! (`co_created.coverage_mean > public.coverage_mean`), whose rows are
//! paired first.

use super::prim::{self, Column, Data, Input, Limit, Settings};
use crate::text::nearest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why a discovery could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// The source could not be read.
    #[error("{0}")]
    Source(String),
    /// The outcome expression is not one coserve can read, or names what
    /// the source does not hold.
    #[error("--outcome: {0}")]
    Outcome(String),
    /// `--inputs` names what cannot be an input.
    #[error("--inputs: {0}")]
    Inputs(String),
    /// The data leave nothing to find.
    #[error("{0}")]
    Data(String),
    /// The folder could not be written.
    #[error("{0}")]
    Output(#[from] crate::output::OutputError),
}

/// A table read whole: a header and rows of text.
#[derive(Clone, Debug)]
pub struct Source {
    /// Where it came from: a sweep folder or a CSV file.
    pub path: PathBuf,
    /// The CSV file read.
    pub csv: PathBuf,
    /// The SHA-256 of the CSV file's bytes.
    pub sha256: String,
    /// The column names.
    pub header: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<String>>,
    /// A sweep's input columns (factors, then `regime`), when the source
    /// is a sweep folder.
    pub sweep_inputs: Option<Vec<String>>,
}

/// Columns that identify a run rather than describe it: never inputs.
const IDS: &[&str] = &["run", "point", "replicate", "seed"];

/// The column of a regime sweep's regime.
const REGIME: &str = crate::sweep::REGIME_COLUMN;

impl Source {
    /// Reads a sweep folder (its runs.csv) or a CSV file.
    pub fn read(path: &Path) -> Result<Source, DiscoverError> {
        let (csv, sweep_inputs) = if path.is_dir() {
            let (_, manifest) = crate::sweep::SweepManifest::read(
                path,
                "discover reads a sweep folder or a CSV file of one row per run",
            )
            .map_err(|e| DiscoverError::Source(e.to_string()))?;
            (path.join("runs.csv"), Some(manifest.columns()))
        } else {
            (path.to_path_buf(), None)
        };
        let bytes = std::fs::read(&csv).map_err(|e| {
            DiscoverError::Source(format!(
                "cannot read {}: {e}{}",
                csv.display(),
                if sweep_inputs.is_some() {
                    " (is the sweep finished, or its shards merged?)"
                } else {
                    ""
                }
            ))
        })?;
        let bad = |e: csv::Error| DiscoverError::Source(format!("{}: {e}", csv.display()));
        let mut reader = csv::Reader::from_reader(&bytes[..]);
        let header: Vec<String> = reader
            .headers()
            .map_err(bad)?
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()))
            .collect::<Result<Vec<Vec<String>>, _>>()
            .map_err(bad)?;
        if rows.is_empty() {
            return Err(DiscoverError::Source(format!(
                "{} has a header but no rows",
                csv.display()
            )));
        }
        for (i, h) in header.iter().enumerate() {
            if header[..i].contains(h) {
                return Err(DiscoverError::Source(format!(
                    "{} names the column `{h}` twice",
                    csv.display()
                )));
            }
        }
        Ok(Source {
            path: path.to_path_buf(),
            sha256: crate::scenario::layers::hex_sha256(&bytes),
            csv,
            header,
            rows,
            sweep_inputs,
        })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The values the regime column takes, in the order first seen.
    fn regimes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(c) = self.col(REGIME) {
            for r in &self.rows {
                if !out.contains(&r[c]) {
                    out.push(r[c].clone());
                }
            }
        }
        out
    }
}

/// A value the outcome reads: a column of the row, or a column of the row
/// of another regime of the same point and replicate.
#[derive(Clone, Debug, PartialEq)]
enum Operand {
    Number(f64),
    Column(usize),
    Regime(String, usize),
}

/// The outcome: a condition on a row, parsed.
#[derive(Clone, Debug, PartialEq)]
enum Condition {
    Compare(Vec<(f64, Operand)>, String, Vec<(f64, Operand)>),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
}

/// Reads `text` against `source`'s columns: comparisons (`>`, `>=`, `<`,
/// `<=`, `==`, `!=`) of sums and differences of numbers and columns,
/// joined by `and` / `or` (`and` binds first).
fn parse(text: &str, source: &Source) -> Result<Condition, DiscoverError> {
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens: &tokens,
        at: 0,
        source,
        regimes: source.regimes(),
    };
    let c = p.or()?;
    if p.at < tokens.len() {
        return Err(DiscoverError::Outcome(format!(
            "unexpected `{}` after a complete condition",
            tokens[p.at]
        )));
    }
    Ok(c)
}

fn tokenize(text: &str) -> Result<Vec<String>, DiscoverError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "<>=!".contains(c) {
            let two = chars.get(i + 1) == Some(&'=');
            out.push(if two { format!("{c}=") } else { c.to_string() });
            i += if two { 2 } else { 1 };
        } else if c == '+' || c == '-' {
            out.push(c.to_string());
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            let start = i;
            while i < chars.len() {
                let d = chars[i];
                let exponent_sign = (d == '-' || d == '+')
                    && chars[start].is_ascii_digit()
                    && matches!(chars[i - 1], 'e' | 'E');
                if d.is_ascii_alphanumeric() || d == '_' || d == '.' || exponent_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(chars[start..i].iter().collect());
        } else {
            return Err(DiscoverError::Outcome(format!(
                "unexpected `{c}`; write a condition such as \"coverage_mean > 0.6\" or \"co_created.coverage_mean > public.coverage_mean\""
            )));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: &'a [String],
    at: usize,
    source: &'a Source,
    regimes: Vec<String>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn or(&mut self) -> Result<Condition, DiscoverError> {
        let mut c = self.and()?;
        while self.peek() == Some("or") {
            self.at += 1;
            c = Condition::Or(Box::new(c), Box::new(self.and()?));
        }
        Ok(c)
    }

    fn and(&mut self) -> Result<Condition, DiscoverError> {
        let mut c = self.compare()?;
        while self.peek() == Some("and") {
            self.at += 1;
            c = Condition::And(Box::new(c), Box::new(self.compare()?));
        }
        Ok(c)
    }

    fn compare(&mut self) -> Result<Condition, DiscoverError> {
        let left = self.sum()?;
        let op = match self.peek() {
            Some(op @ (">" | ">=" | "<" | "<=" | "==" | "!=")) => op.to_string(),
            other => {
                return Err(DiscoverError::Outcome(format!(
                    "expected a comparison (>, >=, <, <=, ==, !=), found {}",
                    other.map_or("the end".to_string(), |t| format!("`{t}`"))
                )));
            }
        };
        self.at += 1;
        let right = self.sum()?;
        Ok(Condition::Compare(left, op, right))
    }

    fn sum(&mut self) -> Result<Vec<(f64, Operand)>, DiscoverError> {
        let mut terms = Vec::new();
        let mut sign = 1.0;
        loop {
            while let Some(s @ ("+" | "-")) = self.peek() {
                if s == "-" {
                    sign = -sign;
                }
                self.at += 1;
            }
            terms.push((sign, self.operand()?));
            sign = match self.peek() {
                Some("+") => 1.0,
                Some("-") => -1.0,
                _ => return Ok(terms),
            };
            self.at += 1;
        }
    }

    fn operand(&mut self) -> Result<Operand, DiscoverError> {
        let Some(token) = self.peek().map(str::to_owned) else {
            return Err(DiscoverError::Outcome(
                "the condition ends where a number or a column was expected".into(),
            ));
        };
        self.at += 1;
        if let Ok(x) = token.parse::<f64>() {
            return Ok(Operand::Number(x));
        }
        if let Some(c) = self.source.col(&token) {
            return Ok(Operand::Column(c));
        }
        if let Some((regime, column)) = token.split_once('.')
            && self.regimes.iter().any(|r| r == regime)
        {
            return match self.source.col(column) {
                Some(c) => Ok(Operand::Regime(regime.into(), c)),
                None => Err(DiscoverError::Outcome(format!(
                    "`{column}` is not a column{}",
                    hint(column, &self.source.header)
                ))),
            };
        }
        let regimes = if self.regimes.is_empty() {
            String::new()
        } else {
            format!(
                ", or a regime's column such as {}.{}",
                self.regimes[0],
                token.rsplit('.').next().unwrap_or("coverage_mean")
            )
        };
        Err(DiscoverError::Outcome(format!(
            "`{token}` is neither a number nor a column of {}{regimes}{}",
            self.source.csv.display(),
            hint(&token, &self.source.header)
        )))
    }
}

fn hint(name: &str, header: &[String]) -> String {
    nearest(name, header.iter().map(String::as_str))
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

impl Condition {
    /// Every operand it reads, in order.
    fn operands(&self) -> Vec<&Operand> {
        match self {
            Condition::Compare(l, _, r) => l.iter().chain(r).map(|(_, o)| o).collect(),
            Condition::And(a, b) | Condition::Or(a, b) => {
                let mut all = a.operands();
                all.extend(b.operands());
                all
            }
        }
    }

    fn across_regimes(&self) -> bool {
        self.operands()
            .iter()
            .any(|o| matches!(o, Operand::Regime(..)))
    }

    /// The regimes it names, in order, each once.
    fn regimes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for o in self.operands() {
            if let Operand::Regime(r, _) = o
                && !out.contains(r)
            {
                out.push(r.clone());
            }
        }
        out
    }

    /// Columns read without a regime's name.
    fn plain_columns(&self) -> Vec<usize> {
        self.operands()
            .into_iter()
            .filter_map(|o| match o {
                Operand::Column(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// Every column read, with or without a regime's name.
    fn columns(&self) -> Vec<usize> {
        self.operands()
            .into_iter()
            .filter_map(|o| match o {
                Operand::Column(c) | Operand::Regime(_, c) => Some(*c),
                Operand::Number(_) => None,
            })
            .collect()
    }

    /// Whether it holds for a row (and, across regimes, the rows of each
    /// regime); `None` where a value it reads is not a number.
    fn eval<'r>(&self, row: &[String], of_regime: &impl Fn(&str) -> &'r [String]) -> Option<bool> {
        // A value read from the data must be a finite number; a number
        // written in the condition may be infinite (`x < 1e400` holds).
        let value = |terms: &[(f64, Operand)]| -> Option<f64> {
            let sum = terms.iter().try_fold(0.0, |sum, (sign, o)| {
                let x = match o {
                    Operand::Number(x) => *x,
                    Operand::Column(c) => finite(&row[*c])?,
                    Operand::Regime(r, c) => finite(&of_regime(r)[*c])?,
                };
                Some(sum + sign * x)
            })?;
            (!sum.is_nan()).then_some(sum)
        };
        match self {
            Condition::Compare(l, op, r) => {
                let (a, b) = (value(l)?, value(r)?);
                Some(match op.as_str() {
                    ">" => a > b,
                    ">=" => a >= b,
                    "<" => a < b,
                    "<=" => a <= b,
                    "==" => a == b,
                    _ => a != b,
                })
            }
            Condition::And(a, b) => Some(a.eval(row, of_regime)? && b.eval(row, of_regime)?),
            Condition::Or(a, b) => Some(a.eval(row, of_regime)? || b.eval(row, of_regime)?),
        }
    }
}

/// A cell as a finite number, if it is one.
fn finite(cell: &str) -> Option<f64> {
    cell.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// How to run a discovery.
#[derive(Clone, Debug)]
pub struct Options {
    /// The outcome's condition, as written.
    pub outcome: String,
    /// Input columns; empty: a sweep's factors (and regime), or every
    /// column of a CSV that is neither an id, a metric (`_end`, `_mean`)
    /// nor read by the outcome.
    pub inputs: Vec<String>,
    /// PRIM's peeling, pasting and smallest box.
    pub settings: Settings,
    /// Smallest density of a chosen box, in (0, 1].
    pub threshold: f64,
    /// The most boxes covering looks for.
    pub boxes: usize,
    /// Random halves for resampling stability (0: none).
    pub resamples: usize,
    /// Seed of the halves.
    pub seed: u64,
}

/// What a discovery found.
#[derive(Clone, Debug)]
pub struct Discovery {
    /// The inputs PRIM looked at, in order.
    pub inputs: Vec<Input>,
    /// Inputs left out because they never vary.
    pub constant: Vec<String>,
    /// Rows (or, across regimes, paired groups) PRIM looked at.
    pub rows: usize,
    /// Rows left out because the outcome is undefined there.
    pub undefined: usize,
    /// Rows left out because a numeric input is not a finite number there.
    pub undefined_inputs: usize,
    /// Whether each box reaches the density threshold (a first box that
    /// does not is the densest there is, and says so).
    pub reaches: Vec<bool>,
    /// Rows where the outcome holds.
    pub cases: usize,
    /// Whether rows were paired across regimes.
    pub paired: bool,
    /// The boxes, each with its trajectory.
    pub found: Vec<prim::Found>,
    /// Per box, per input: the quasi-p-value of its restriction.
    pub qp: Vec<Vec<Option<f64>>>,
    /// Per box, per input: the share of random halves whose box restricts
    /// it (empty without resampling).
    pub stability: Vec<Vec<f64>>,
    /// The whole data's limits, what a restriction is measured against.
    pub full: Vec<Limit>,
}

/// Runs PRIM on `source` as `o` says.
pub fn discover(source: &Source, o: &Options) -> Result<Discovery, DiscoverError> {
    let condition = parse(&o.outcome, source)?;
    let paired = condition.across_regimes();
    let read = condition.columns();
    let plain = condition.plain_columns();
    if let (true, Some(&c)) = (paired, plain.first()) {
        let name = &source.header[c];
        let regimes = source.regimes();
        return Err(DiscoverError::Outcome(format!(
            "`{name}` without a regime's name: when the outcome compares regimes, every column it reads must say whose it is, e.g. {}.{name}",
            regimes.first().map_or("public", String::as_str)
        )));
    }
    // Inputs.
    let names: Vec<String> = if o.inputs.is_empty() {
        match &source.sweep_inputs {
            Some(cols) => cols.clone(),
            None => source
                .header
                .iter()
                .enumerate()
                .filter(|(i, h)| {
                    !h.trim().is_empty()
                        && !IDS.contains(&h.as_str())
                        && !h.ends_with("_end")
                        && !h.ends_with("_mean")
                        && !read.contains(i)
                })
                .map(|(_, h)| h.clone())
                .collect(),
        }
    } else {
        for (i, n) in o.inputs.iter().enumerate() {
            if o.inputs[..i].contains(n) {
                return Err(DiscoverError::Inputs(format!("`{n}` is named twice")));
            }
            if paired && n == REGIME {
                return Err(DiscoverError::Inputs(format!(
                    "`{REGIME}` cannot be an input when the outcome compares regimes: each row PRIM sees is a pair of regimes"
                )));
            }
        }
        o.inputs.clone()
    };
    let names: Vec<String> = names
        .into_iter()
        .filter(|n| !(paired && n == REGIME))
        .collect();
    for n in &names {
        let Some(c) = source.col(n) else {
            return Err(DiscoverError::Inputs(format!(
                "`{n}` is not a column of {}{}",
                source.csv.display(),
                hint(n, &source.header)
            )));
        };
        if read.contains(&c) {
            return Err(DiscoverError::Inputs(format!(
                "`{n}` is read by the outcome, so it cannot also explain it"
            )));
        }
    }
    if names.is_empty() {
        return Err(DiscoverError::Inputs(
            "no input columns: name them with --inputs a,b,...".into(),
        ));
    }
    // Rows, or groups of one row per regime of the same inputs and replicate.
    let input_cols: Vec<usize> = names
        .iter()
        .map(|n| source.col(n).expect("checked"))
        .collect();
    let (kept, outcome, undefined): (Vec<usize>, Vec<bool>, usize) = if paired {
        pair(source, &condition, &input_cols)?
    } else {
        let mut kept = Vec::new();
        let mut outcome = Vec::new();
        let none = |_: &str| -> &[String] { unreachable!("no regime named") };
        for (i, row) in source.rows.iter().enumerate() {
            if let Some(b) = condition.eval(row, &none) {
                kept.push(i);
                outcome.push(b);
            }
        }
        let undefined = source.rows.len() - kept.len();
        (kept, outcome, undefined)
    };
    if kept.is_empty() {
        return Err(DiscoverError::Data(format!(
            "the outcome is undefined (not a number) in every row: {}",
            o.outcome
        )));
    }
    // Each input numeric or a list of values; rows with an input that is
    // not a finite number (NaN, inf, empty) in a numeric column are left
    // out, never read as a value of their own.
    let mut columns = Vec::new();
    let mut usable = vec![true; kept.len()];
    for (name, &c) in names.iter().zip(&input_cols) {
        let cells: Vec<&str> = kept.iter().map(|&r| source.rows[r][c].as_str()).collect();
        let numeric = |v: &str| v.trim().is_empty() || v.trim().parse::<f64>().is_ok();
        let numbers = cells.iter().filter(|v| finite(v).is_some()).count();
        if numbers > 0 {
            if let Some(i) = cells.iter().position(|v| !numeric(v)) {
                return Err(DiscoverError::Data(format!(
                    "{} line {}: `{name}` holds numbers, but here \"{}\": correct it, or leave the column out with --inputs",
                    source.csv.display(),
                    kept[i] + 2,
                    cells[i]
                )));
            }
            for (u, v) in usable.iter_mut().zip(&cells) {
                *u &= finite(v).is_some();
            }
        }
        columns.push((name, c, numbers > 0));
    }
    let left_out_inputs = usable.iter().filter(|u| !**u).count();
    let (kept, outcome): (Vec<usize>, Vec<bool>) = kept
        .into_iter()
        .zip(outcome)
        .zip(&usable)
        .filter(|(_, u)| **u)
        .map(|(ko, _)| ko)
        .unzip();
    if kept.is_empty() {
        return Err(DiscoverError::Data(
            "every row has an input that is not a number (NaN, inf or empty)".into(),
        ));
    }
    let cases = outcome.iter().filter(|&&b| b).count();
    if cases == 0 || cases == kept.len() {
        return Err(DiscoverError::Data(format!(
            "`{}` holds in {} of {} rows: with nothing to tell apart, there is no box to find",
            o.outcome,
            cases,
            kept.len()
        )));
    }
    let mut inputs = Vec::new();
    let mut constant = Vec::new();
    for (name, c, numeric) in columns {
        let values: Vec<&str> = kept.iter().map(|&r| source.rows[r][c].as_str()).collect();
        let column = column_of(&values, numeric);
        let varies = match &column {
            Column::Numeric(x) => x.iter().any(|&v| v != x[0]),
            Column::Categorical { names, .. } => names.len() > 1,
        };
        if varies {
            inputs.push(Input {
                name: name.clone(),
                column,
            });
        } else {
            constant.push(name.clone());
        }
    }
    if inputs.is_empty() {
        return Err(DiscoverError::Data(format!(
            "none of the inputs varies ({}): there is nothing to restrict",
            constant.join(", ")
        )));
    }
    let data = Data {
        inputs: &inputs,
        interest: &outcome,
    };
    let rows: Vec<usize> = (0..kept.len()).collect();
    let found = prim::cover(&data, &rows, o.boxes, o.threshold, &o.settings);
    let full = data.full(&rows);
    let qp = found
        .iter()
        .map(|f| data.quasi_p_values(&f.steps[f.chosen].limits, &f.rows))
        .collect();
    let stability = if o.resamples > 0 {
        prim::stability(
            &data,
            &rows,
            found.len(),
            o.threshold,
            &o.settings,
            o.resamples,
            o.seed,
        )
    } else {
        Vec::new()
    };
    let reaches = found
        .iter()
        .map(|f| f.steps[f.chosen].density >= o.threshold)
        .collect();
    Ok(Discovery {
        rows: kept.len(),
        undefined,
        undefined_inputs: left_out_inputs,
        reaches,
        cases,
        paired,
        found,
        qp,
        stability,
        full,
        constant,
        inputs,
    })
}

/// A column's values: numbers (every one finite, as checked) or
/// categories.
fn column_of(values: &[&str], numeric: bool) -> Column {
    match numeric {
        true => Column::Numeric(values.iter().filter_map(|v| finite(v)).collect()),
        false => {
            let mut names: Vec<String> = Vec::new();
            let codes = values
                .iter()
                .map(|v| match names.iter().position(|n| n == v) {
                    Some(i) => i,
                    None => {
                        names.push(v.to_string());
                        names.len() - 1
                    }
                })
                .collect();
            Column::Categorical { codes, names }
        }
    }
}

/// Groups rows that share their inputs and replicate, one per regime, and
/// evaluates the condition on each group; returns one representative row
/// per group (the first), the outcomes and the groups left out as
/// undefined.
fn pair(
    source: &Source,
    condition: &Condition,
    input_cols: &[usize],
) -> Result<(Vec<usize>, Vec<bool>, usize), DiscoverError> {
    let regime_col = source.col(REGIME).ok_or_else(|| {
        DiscoverError::Outcome(format!("{} has no `{REGIME}` column", source.csv.display()))
    })?;
    let mut key_cols = input_cols.to_vec();
    key_cols.extend(source.col("replicate"));
    let mut groups: BTreeMap<Vec<&str>, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut order: Vec<Vec<&str>> = Vec::new();
    for (i, row) in source.rows.iter().enumerate() {
        let key: Vec<&str> = key_cols.iter().map(|&c| row[c].as_str()).collect();
        let group = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            BTreeMap::new()
        });
        if group.insert(&row[regime_col], i).is_some() {
            return Err(DiscoverError::Data(format!(
                "two rows of regime {} share their inputs{}: they cannot be paired (is a replicate column missing, or an input left out of --inputs?)",
                row[regime_col],
                if source.col("replicate").is_some() {
                    " and replicate"
                } else {
                    ""
                }
            )));
        }
    }
    let needed = condition.regimes();
    let (mut kept, mut outcome, mut undefined) = (Vec::new(), Vec::new(), 0);
    for key in &order {
        let group = &groups[key];
        if let Some(missing) = needed.iter().find(|r| !group.contains_key(r.as_str())) {
            return Err(DiscoverError::Data(format!(
                "no row of regime {missing} for inputs {}: a regime sweep runs every regime at every point",
                key.join(", ")
            )));
        }
        let first = *group.values().min().expect("a group has a row");
        let of_regime = |r: &str| source.rows[group[r]].as_slice();
        match condition.eval(&source.rows[first], &of_regime) {
            Some(b) => {
                kept.push(first);
                outcome.push(b);
            }
            None => undefined += 1,
        }
    }
    Ok((kept, outcome, undefined))
}

/// One restricted input of a box, in words: "social capital from 0.42 to
/// 0.8", "outreach at most 0.3", "channel is app or counter".
pub fn describe(input: &Input, limit: &Limit, full: &Limit) -> String {
    match (limit, full, &input.column) {
        (Limit::Range { lo, hi }, Limit::Range { lo: flo, hi: fhi }, _) => {
            match (lo > flo, hi < fhi) {
                _ if lo == hi => format!("{} = {}", input.name, short(*lo)),
                (true, true) => format!("{} from {} to {}", input.name, short(*lo), short(*hi)),
                (true, false) => format!("{} at least {}", input.name, short(*lo)),
                _ => format!("{} at most {}", input.name, short(*hi)),
            }
        }
        (Limit::Kept(kept), _, Column::Categorical { names, .. }) => {
            let values: Vec<&str> = names
                .iter()
                .zip(kept)
                .filter(|(_, k)| **k)
                .map(|(n, _)| n.as_str())
                .collect();
            format!("{} is {}", input.name, values.join(" or "))
        }
        _ => input.name.clone(),
    }
}

/// A limit's value as people read it: 3 significant figures.
pub fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{x:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The chosen box `b` in plain words: where the outcome holds, how often,
/// and what share of all the cases it holds these are.
pub fn in_words(d: &Discovery, b: usize, outcome: &str, threshold: f64) -> String {
    let f = &d.found[b];
    let step = &f.steps[f.chosen];
    let densest = if d.reaches[b] {
        String::new()
    } else {
        format!("No box reaches the density threshold of {threshold}; the densest: ")
    };
    let conditions: Vec<String> = d
        .inputs
        .iter()
        .zip(&step.limits)
        .zip(&d.full)
        .filter(|((_, l), full)| l != full)
        .map(|((i, l), full)| describe(i, l, full))
        .collect();
    let runs = if d.paired { "paired runs" } else { "runs" };
    if conditions.is_empty() {
        return format!(
            "{densest}`{outcome}` holds in {:.0}% of all {runs}; no box of inputs does better",
            100.0 * step.density
        );
    }
    format!(
        "{densest}`{outcome}` holds in {:.0}% of the {runs} where {}; these are {:.0}% of all {runs} where it holds, and {:.0}% of all {runs}",
        100.0 * step.density,
        conditions.join(" and "),
        100.0 * step.coverage,
        100.0 * step.mass
    )
}

/// Refuses, before any work, a destination `write_discovery` would refuse.
pub fn check_destination(source: &Source, dest: &Path, force: bool) -> Result<(), DiscoverError> {
    crate::output::Destination {
        path: dest,
        force,
        inputs: std::slice::from_ref(&source.csv),
        kind: crate::output::DISCOVERY,
        remedy: crate::output::REMEDY_OUT,
    }
    .check()?;
    Ok(())
}

/// Writes the discovery into `dest` (a new folder, or one an earlier
/// discovery wrote, with `force`), all at once: manifest.json,
/// trajectory.csv (every step of every box's peeling and pasting) and
/// boxes.csv (each restricted input of each chosen box: its limits, its
/// quasi-p-value and how often random halves restrict it).
pub fn write_discovery(
    source: &Source,
    o: &Options,
    d: &Discovery,
    dest: &Path,
    force: bool,
) -> Result<PathBuf, DiscoverError> {
    use crate::output::{self, Destination, Staging};
    let staging = Staging::new(&Destination {
        path: dest,
        force,
        inputs: std::slice::from_ref(&source.csv),
        kind: output::DISCOVERY,
        remedy: output::REMEDY_OUT,
    })?;
    let mut trajectory = staging.csv("trajectory.csv")?;
    trajectory.row(&[
        "box",
        "step",
        "coverage",
        "density",
        "mass",
        "restricted_dimensions",
        "pasted",
        "chosen",
    ])?;
    for (b, f) in d.found.iter().enumerate() {
        for (i, step) in f.steps.iter().enumerate() {
            trajectory.row(&[
                (b + 1).to_string(),
                i.to_string(),
                step.coverage.to_string(),
                step.density.to_string(),
                step.mass.to_string(),
                prim::Data::restricted(&step.limits, &d.full).to_string(),
                step.pasted.to_string(),
                (i == f.chosen).to_string(),
            ])?;
        }
    }
    trajectory.finish()?;
    let mut boxes = staging.csv("boxes.csv")?;
    boxes.row(&["box", "dimension", "low", "high", "qp", "resampled"])?;
    for (b, f) in d.found.iter().enumerate() {
        let limits = &f.steps[f.chosen].limits;
        for (i, input) in d.inputs.iter().enumerate() {
            if limits[i] == d.full[i] {
                continue;
            }
            let (low, high) = match (&limits[i], &input.column) {
                (Limit::Range { lo, hi }, _) => (lo.to_string(), hi.to_string()),
                (Limit::Kept(kept), Column::Categorical { names, .. }) => (
                    names
                        .iter()
                        .zip(kept)
                        .filter(|(_, k)| **k)
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(";"),
                    String::new(),
                ),
                _ => unreachable!("a limit matches its column's kind"),
            };
            // Debug form: exponents for the tiny values quasi-p-values often are.
            let qp = d.qp[b][i].map_or(String::new(), |q| format!("{q:?}"));
            let resampled = d
                .stability
                .get(b)
                .map_or(String::new(), |s| s[i].to_string());
            boxes.row(&[
                (b + 1).to_string(),
                input.name.clone(),
                low,
                high,
                qp,
                resampled,
            ])?;
        }
    }
    boxes.finish()?;
    let summary: Vec<serde_json::Value> = d
        .found
        .iter()
        .enumerate()
        .map(|(b, f)| {
            let step = &f.steps[f.chosen];
            serde_json::json!({
                "box": b + 1,
                "step": f.chosen,
                "coverage": step.coverage,
                "density": step.density,
                "mass": step.mass,
                "in_words": in_words(d, b, &o.outcome, o.threshold),
                "reaches_threshold": d.reaches[b],
            })
        })
        .collect();
    let inputs: Vec<serde_json::Value> = d
        .inputs
        .iter()
        .zip(&d.full)
        .map(|(i, full)| match (full, &i.column) {
            (Limit::Range { lo, hi }, _) => {
                serde_json::json!({ "name": i.name, "low": lo, "high": hi })
            }
            (_, Column::Categorical { names, .. }) => {
                serde_json::json!({ "name": i.name, "values": names })
            }
            _ => unreachable!("a limit matches its column's kind"),
        })
        .collect();
    let manifest = serde_json::json!({
        "coserve_version": crate::VERSION,
        "coserve_commit": crate::COMMIT,
        "command_line": output::command_line(),
        "kind": "discovery",
        "method": "PRIM (Friedman & Fisher 1999), covering, quasi-p-values and resampling as in Bryant & Lempert 2010",
        "source": source.path.display().to_string(),
        "source_csv": source.csv.display().to_string(),
        "source_sha256": source.sha256,
        "outcome": o.outcome,
        "paired_across_regimes": d.paired,
        "inputs": inputs,
        "constant_inputs": d.constant,
        "rows": d.rows,
        "undefined_rows": d.undefined,
        "rows_with_undefined_inputs": d.undefined_inputs,
        "cases": d.cases,
        "settings": {
            "peel_alpha": o.settings.peel_alpha,
            "paste_alpha": o.settings.paste_alpha,
            "mass_min": o.settings.mass_min,
            "threshold": o.threshold,
            "boxes": o.boxes,
            "resamples": o.resamples,
            "seed": o.seed,
        },
        "boxes": summary,
    });
    let text = serde_json::to_string_pretty(&manifest).expect("the manifest serializes") + "\n";
    std::fs::write(staging.path("manifest.json"), text)
        .map_err(|e| DiscoverError::Source(format!("cannot write {}: {e}", dest.display())))?;
    Ok(staging.commit()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(header: &[&str], rows: &[&[&str]]) -> Source {
        Source {
            path: "t.csv".into(),
            csv: "t.csv".into(),
            sha256: String::new(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
            sweep_inputs: None,
        }
    }

    #[test]
    fn conditions_read_columns_numbers_and_regimes() {
        let s = source(
            &["x", "regime", "coverage_mean"],
            &[&["1", "public", "0.4"], &["1", "co_created", "0.5"]],
        );
        let c = parse("coverage_mean - 0.1 >= 0.3 and x == 1", &s).unwrap();
        let none = |_: &str| -> &[String] { unreachable!() };
        assert_eq!(c.eval(&s.rows[0], &none), Some(true));
        assert_eq!(c.eval(&s.rows[1], &none), Some(true));
        let c = parse("co_created.coverage_mean > public.coverage_mean + 0.05", &s).unwrap();
        assert!(c.across_regimes());
        let rows = &s.rows;
        let of = |r: &str| -> &[String] { if r == "public" { &rows[0] } else { &rows[1] } };
        assert_eq!(c.eval(&s.rows[0], &of), Some(true));
        assert_eq!(parse("1e-3 < x or x < -2", &s).map(|_| ()).ok(), Some(()));
        for (bad, words) in [
            ("coverage_men > 0.5", "did you mean `coverage_mean`"),
            ("coverage_mean 0.5", "expected a comparison"),
            ("coverage_mean > ", "the condition ends"),
            ("coverage_mean > 0.5 0.6", "unexpected `0.6`"),
            ("co_created.coverag > 0", "`coverag` is not a column"),
            ("coverage_mean > 0.5; rm", "unexpected `;`"),
        ] {
            let e = parse(bad, &s).unwrap_err().to_string();
            assert!(e.contains(words), "{bad}: {e}");
        }
    }

    #[test]
    fn limits_read_as_words() {
        assert_eq!(short(0.423_456), "0.423");
        assert_eq!(short(1234.6), "1235");
        assert_eq!(short(0.5), "0.5");
    }
}
