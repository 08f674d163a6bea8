//! The valid range of every number a scenario holds, in one table per
//! section. Values are checked as the user wrote them, before they are
//! turned into Rust types, so that `ticks = 5000000000`, `trust_gain = nan`
//! or `residents = 1e5` get a message with the real limit instead of a
//! wrapped integer, a NaN in every output or a type error.
//!
//! Governance knobs are checked by [`crate::governance::Knobs::set`];
//! `city.residents` against `city.neighbourhoods` in `Checks::city`.

use super::keys::Key;
use toml::Value;

/// What a valid value of one numeric key is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limit {
    /// A whole number from `min` to `max`, both included.
    Whole {
        /// Smallest valid value.
        min: i64,
        /// Largest valid value.
        max: i64,
        /// What the number counts, for messages ("weeks"); empty for a bare number.
        what: &'static str,
    },
    /// A finite number from `min` to `max`; `min` itself excluded when
    /// `above` (divisors, costs that must be positive).
    Number {
        /// Smallest valid value; itself refused when `above`.
        min: f64,
        /// Largest valid value.
        max: f64,
        /// Whether `min` itself is refused (the value must be above it).
        above: bool,
        /// What the number is, for messages ("a share", "hours per week").
        what: &'static str,
    },
}

pub(crate) const fn whole(min: i64, max: i64, what: &'static str) -> Limit {
    Limit::Whole { min, max, what }
}

pub(crate) const fn number(min: f64, max: f64, what: &'static str) -> Limit {
    Limit::Number {
        min,
        max,
        above: false,
        what,
    }
}

pub(crate) const fn above(min: f64, max: f64, what: &'static str) -> Limit {
    Limit::Number {
        min,
        max,
        above: true,
        what,
    }
}

pub(crate) const SHARE: Limit = number(0.0, 1.0, "a share");
pub(crate) const PROBABILITY: Limit = number(0.0, 1.0, "a probability per week");
/// Logistic-regression coefficients (log-odds per unit of the predictor).
pub(crate) const COEFFICIENT: Limit = number(-50.0, 50.0, "a log-odds coefficient");
/// Multipliers on a rate or a weight.
pub(crate) const MULTIPLIER: Limit = number(0.0, 100.0, "a multiplier");
/// Money per resident, per hour or per need.
pub(crate) const MONEY: Limit = number(0.0, 1e6, "an amount of money");

/// The most residents a city may have: 100 million residents take about
/// 3.1 GB of resident state (31 bytes each with four domains).
pub const MAX_RESIDENTS: i64 = 100_000_000;
/// The longest run, in ticks (weeks): about 1,900 years.
pub const MAX_TICKS: i64 = 100_000;
/// The largest seed a scenario can hold: TOML integers are signed 64-bit.
pub const MAX_SEED: u64 = i64::MAX as u64;

/// The table of a section's numeric keys, by section name (`domains` for
/// each `[[domains]]` entry), in file order; empty for other sections.
pub fn of_section(section: &str) -> &'static [Key] {
    match section {
        "run" => super::sections::RUN,
        "city" => super::sections::CITY,
        "domains" => super::sections::DOMAIN,
        "behaviour" => super::behaviour::KEYS,
        "game" => super::experiment::GAME,
        _ => &[],
    }
}

/// The limit of `key` in `section`, if it is numeric.
pub fn find(section: &str, key: &str) -> Option<Limit> {
    of_section(section)
        .iter()
        .find(|k| k.name == key)
        .map(|k| k.limit)
}

/// docs/ranges.md: every numeric key of a scenario and its valid range,
/// as a Markdown page (a test keeps the shipped file equal to this).
pub fn markdown() -> String {
    let mut page = String::from(
        "# Valid ranges of scenario numbers\n\n\
         Generated from the section tables in `src/scenario/` (`sections.rs`, `behaviour.rs`, `experiment.rs`); `tests/nothing_lost.rs` checks that this \
         page matches it. A value outside its range, NaN or infinity is refused with the \
         file, line and key. Governance knobs are listed by `coserve presets` and in every \
         scenario file: shares from 0 to 1, `lag` a whole number of weeks from 0 to 52, \
         `contract_price` and `budget_scale` from 0 to 100.\n",
    );
    for (title, section, prefix) in [
        ("[run]", "run", "run."),
        ("[city]", "city", "city."),
        ("[[domains]] (each)", "domains", "domains.<name>."),
        ("[behaviour]", "behaviour", "behaviour."),
        (
            "[game] (experiment files of `coserve lab`)",
            "game",
            "game.",
        ),
    ] {
        page.push_str(&format!(
            "\n## {title}\n\n| key | valid values |\n|---|---|\n"
        ));
        for key in of_section(section) {
            page.push_str(&format!(
                "| `{prefix}{}` | {} |\n",
                key.name,
                key.limit.expected()
            ));
        }
    }
    page
}

fn show(x: f64) -> String {
    if x >= 1e6 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

impl Limit {
    /// What a valid value looks like, in words: "a share from 0 to 1",
    /// "a whole number of weeks from 1 to 100000".
    pub fn expected(&self) -> String {
        match *self {
            Limit::Whole { min, max, what } => {
                let of = if what.is_empty() {
                    String::new()
                } else {
                    format!(" of {what}")
                };
                format!("a whole number{of} from {min} to {max}")
            }
            Limit::Number {
                min,
                max,
                above: true,
                what,
            } => format!("{what} above {} and at most {}", show(min), show(max)),
            Limit::Number { min, max, what, .. } => {
                format!("{what} from {} to {}", show(min), show(max))
            }
        }
    }

    /// Checks a value as written; on failure returns what was wrong, with
    /// a fix where one is obvious (`100000.0` for a whole number).
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let found = crate::text::describe_value(value);
        let wrong = |extra: &str| {
            Err(format!(
                "expected {}, found {found}{extra}",
                self.expected()
            ))
        };
        match (*self, value) {
            (Limit::Whole { min, max, .. }, Value::Integer(n)) => {
                if (min..=max).contains(n) {
                    Ok(())
                } else {
                    wrong("")
                }
            }
            (Limit::Whole { min, max, .. }, Value::Float(x)) => {
                if x.fract() == 0.0 && *x >= min as f64 && *x <= max as f64 {
                    wrong(&format!(": write {}", *x as i64))
                } else {
                    wrong("")
                }
            }
            (
                Limit::Number {
                    min, max, above, ..
                },
                Value::Integer(_) | Value::Float(_),
            ) => {
                let x = value
                    .as_float()
                    .unwrap_or_else(|| value.as_integer().map_or(f64::NAN, |n| n as f64));
                let low_ok = if above { x > min } else { x >= min };
                if x.is_finite() && low_ok && x <= max {
                    Ok(())
                } else if max == 1.0 {
                    wrong(&crate::text::share_hint(x))
                } else {
                    wrong("")
                }
            }
            (_, Value::String(s)) => wrong(&crate::text::number_text_hint(s)),
            _ => wrong(""),
        }
    }

    /// A valid value that stands in for a refused one, so that the rest of
    /// the section can still be read and checked.
    pub fn placeholder(&self) -> Value {
        match *self {
            Limit::Whole { min, .. } => Value::Integer(min),
            Limit::Number {
                min,
                max,
                above: true,
                ..
            } => Value::Float((min + max) / 2.0),
            Limit::Number { min, .. } => Value::Float(min),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_accepts_its_placeholder() {
        for section in ["run", "city", "domains", "behaviour"] {
            for key in of_section(section) {
                let limit = key.limit;
                assert_eq!(
                    limit.check(&limit.placeholder()),
                    Ok(()),
                    "{section}.{}",
                    key.name
                );
            }
        }
    }

    #[test]
    fn refuses_nan_infinity_and_out_of_range_with_the_range() {
        let p = find("behaviour", "quit_hazard").unwrap();
        for bad in [f64::NAN, f64::INFINITY, -0.5, 2.0] {
            let message = p.check(&Value::Float(bad)).unwrap_err();
            assert!(message.contains("from 0 to 1"), "{message}");
        }
        assert_eq!(p.check(&Value::Integer(1)), Ok(()));
        let divisor = find("behaviour", "hours_per_unit").unwrap();
        assert!(divisor.check(&Value::Float(0.0)).is_err());
    }

    #[test]
    fn whole_numbers_quote_the_value_and_suggest_a_fix() {
        let r = find("city", "residents").unwrap();
        let m = r.check(&Value::Float(1e5)).unwrap_err();
        assert!(m.contains("write 100000"), "{m}");
        let m = r.check(&Value::Integer(5_000_000_000)).unwrap_err();
        assert!(
            m.contains("found 5000000000") && m.contains("to 100000000"),
            "{m}"
        );
        let m = find("city", "ses_mean")
            .unwrap()
            .check(&Value::String("50%".into()))
            .unwrap_err();
        assert!(m.contains("write 0.5"), "{m}");
    }
}
