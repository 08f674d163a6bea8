//! The governance knobs: one table defines each knob once (its field, kind,
//! meaning and doc), and [`Knobs`], [`KNOBS`], [`Knobs::set`] and
//! [`Knobs::get`] are generated from it, so a knob added to the table is
//! settable from TOML, listed in scenario files and read back without
//! another list to keep in step.

use super::{Allocation, Channel, DecisionRights};
use crate::text::{describe_value, nearest, number_text_hint, quoted_list, share_hint};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of value a knob takes, for parsing and for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnobKind {
    /// A share from 0 to 1.
    Share,
    /// A multiplier from 0 to [`MAX_MULTIPLIER`].
    NonNegative,
    /// A whole number of ticks (weeks) from 0 to [`MAX_LAG`].
    Ticks,
    /// `true` or `false`.
    Flag,
    /// One of the listed names.
    Choice(&'static [&'static str]),
    /// A list of weights of at least 0, or none.
    Weights,
}

impl KnobKind {
    /// What a valid value looks like, in words.
    pub fn expected(self) -> String {
        match self {
            KnobKind::Share => "a share between 0 and 1".into(),
            KnobKind::NonNegative => format!("a multiplier from 0 to {MAX_MULTIPLIER}"),
            KnobKind::Ticks => format!("a whole number of ticks from 0 to {MAX_LAG}"),
            KnobKind::Flag => "true or false".into(),
            KnobKind::Choice(names) => format!("one of {}", quoted_list(names)),
            KnobKind::Weights => format!(
                "a list of at most {MAX_WEIGHTS} weights of at least 0, not all 0, or [] (none)"
            ),
        }
    }
}

/// The largest `contract_price` or `budget_scale`: a hundredfold budget
/// or price is far beyond any city's, and keeps every cost finite.
pub const MAX_MULTIPLIER: f64 = 100.0;

/// The longest processing lag a scenario may set, in ticks.
pub const MAX_LAG: u32 = 52;

/// The most weights a list-valued knob holds: one per neighbourhood and
/// domain of the largest city (4,096 x 8).
pub const MAX_WEIGHTS: usize = 32_768;

const DECISION_RIGHTS: &[&str] = &["agency", "shared", "residents"];
const ALLOCATIONS: &[&str] = &["reports_fifo", "per_capita", "need_weighted", "vote"];
const CHANNELS: &[&str] = &["counter", "platform", "deliberative"];

/// One knob: its TOML name, its kind and what it means.
pub struct KnobInfo {
    /// The knob's key in `[governance]` and in interventions.
    pub name: &'static str,
    /// What values it takes.
    pub kind: KnobKind,
    /// One line on what it does, written next to it in scenario files.
    pub meaning: &'static str,
}

/// A value a knob holds, read from TOML as its [`KnobKind`] allows and
/// written back as the same TOML.
trait KnobValue: Sized {
    /// The value, or `None` when `value` has the wrong type or is out of
    /// `kind`'s range.
    fn read(value: &toml::Value, kind: KnobKind) -> Option<Self>;
    /// The value as TOML, the inverse of `read`.
    fn write(&self) -> toml::Value;
}

impl KnobValue for f64 {
    fn read(value: &toml::Value, kind: KnobKind) -> Option<f64> {
        let max = match kind {
            KnobKind::Share => 1.0,
            _ => MAX_MULTIPLIER,
        };
        as_number(value).filter(|x| x.is_finite() && (0.0..=max).contains(x))
    }
    fn write(&self) -> toml::Value {
        toml::Value::Float(*self)
    }
}

impl KnobValue for u32 {
    fn read(value: &toml::Value, _: KnobKind) -> Option<u32> {
        value
            .as_integer()
            .filter(|n| (0..=i64::from(MAX_LAG)).contains(n))
            .map(|n| n as u32)
    }
    fn write(&self) -> toml::Value {
        toml::Value::Integer(i64::from(*self))
    }
}

impl KnobValue for Vec<f64> {
    fn read(value: &toml::Value, _: KnobKind) -> Option<Vec<f64>> {
        let items = value.as_array()?;
        let weights: Vec<f64> = items
            .iter()
            .map(|v| as_number(v).filter(|x| x.is_finite() && *x >= 0.0))
            .collect::<Option<_>>()?;
        let usable = weights.is_empty() || weights.iter().sum::<f64>() > 0.0;
        (weights.len() <= MAX_WEIGHTS && usable).then_some(weights)
    }
    fn write(&self) -> toml::Value {
        toml::Value::Array(self.iter().map(|&x| toml::Value::Float(x)).collect())
    }
}

impl KnobValue for bool {
    fn read(value: &toml::Value, _: KnobKind) -> Option<bool> {
        value.as_bool()
    }
    fn write(&self) -> toml::Value {
        toml::Value::Boolean(*self)
    }
}

/// A knob that takes one of a list of names: its TOML names, in the order
/// of the enum's variants, are `$names`.
macro_rules! choice {
    ($Enum:ident, $names:ident, [$($Variant:ident),*]) => {
        impl KnobValue for $Enum {
            fn read(value: &toml::Value, _: KnobKind) -> Option<$Enum> {
                const ALL: &[$Enum] = &[$($Enum::$Variant),*];
                let i = $names.iter().position(|n| Some(*n) == value.as_str())?;
                Some(ALL[i])
            }
            fn write(&self) -> toml::Value {
                toml::Value::String(self.to_string())
            }
        }

        impl fmt::Display for $Enum {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($names[*self as usize])
            }
        }
    };
}

choice!(DecisionRights, DECISION_RIGHTS, [Agency, Shared, Residents]);
choice!(
    Allocation,
    ALLOCATIONS,
    [ReportsFifo, PerCapita, NeedWeighted, Vote]
);
choice!(Channel, CHANNELS, [Counter, Platform, Deliberative]);

/// Defines [`Knobs`], [`KNOBS`] and the name-to-field maps of
/// [`Knobs::set`] and [`Knobs::get`] from one table.
macro_rules! knobs {
    ($( $(#[$attr:meta])* $name:ident : $ty:ty, $kind:expr, $meaning:literal; )*) => {
        /// Every governance knob, resolved. Shares are fractions in [0, 1].
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub struct Knobs {
            $( $(#[$attr])* pub $name: $ty, )*
        }

        /// Every knob, in the order scenario files list them.
        pub const KNOBS: &[KnobInfo] = &[
            $( KnobInfo { name: stringify!($name), kind: { use KnobKind::*; $kind }, meaning: $meaning }, )*
        ];

        impl Knobs {
            /// Sets one knob by its TOML name, checking type and range.
            pub fn set(&mut self, name: &str, value: &toml::Value) -> Result<(), KnobError> {
                let info = knob_info(name).ok_or_else(|| KnobError::Unknown {
                    suggestion: nearest(name, KNOBS.iter().map(|k| k.name)),
                })?;
                match name {
                    $( stringify!($name) => {
                        self.$name = KnobValue::read(value, info.kind)
                            .ok_or_else(|| invalid(info, value))?;
                    } )*
                    _ => unreachable!("every knob in KNOBS has a field"),
                }
                Ok(())
            }

            /// A knob's value as TOML, the inverse of [`Knobs::set`];
            /// `None` for an unknown name.
            pub fn get(&self, name: &str) -> Option<toml::Value> {
                match name {
                    $( stringify!($name) => Some(self.$name.write()), )*
                    _ => None,
                }
            }
        }
    };
}

knobs! {
    /// Who decides how the budget is allocated; sets residents' say (0, 1, 2),
    /// which raises being asked, volunteers' trust bonus and innovation autonomy.
    decision_rights: DecisionRights, Choice(DECISION_RIGHTS),
        "residents' say: more of them are asked and volunteers with a say trust more; losing it drives volunteers away";
    /// The rule by which the agency spreads its delivery capacity across
    /// neighbourhoods at each re-plan.
    allocation: Allocation, Choice(ALLOCATIONS),
        "how the agency spreads its delivery capacity across neighbourhoods";
    /// Share of agency capacity spread by expected need before the
    /// allocation rule, so every neighbourhood gets a minimum service level
    /// (a share of its need); 0-1.
    floor: f64, Share,
        "share of agency capacity first spread by need, so every neighbourhood gets a minimum service level";
    /// Share of the budget granted to community organizations, in proportion
    /// to their number per neighbourhood; 0-1.
    org_funding_share: f64, Share,
        "share of the budget granted to community organizations";
    /// Share of the budget allocated by participatory budgeting
    /// (`need_index * (population share + vote share) / 2`); 0-1.
    pb_share: f64, Share,
        "share of the budget allocated by residents' assembly vote (participatory budgeting)";
    /// Where participatory budgeting's money goes when people, not the
    /// simulated assembly, have voted (a workshop's room, a city's real PB
    /// cycle): one weight per neighbourhood and domain, neighbourhood by
    /// neighbourhood (`n * domains + d`), normalised to shares of the PB
    /// money of all domains together; `[]` leaves it to the assembly.
    /// (Absent from manifests written before it existed: `[]`.)
    #[serde(default)]
    pb_allocation: Vec<f64>, Weights,
        "where PB money goes when people voted: a weight per neighbourhood and domain, neighbourhood by neighbourhood; [] = the simulated assembly decides";
    /// Share of the budget given per capita as block grants to neighbourhood
    /// councils; 0-1.
    devolved_share: f64, Share,
        "share of the budget given per capita as block grants to neighbourhood councils";
    /// How residents report needs: counter, platform or deliberative.
    channel: Channel, Choice(CHANNELS),
        "how residents report needs: counter, platform (digital) or deliberative (assemblies)";
    /// Effort to ask and equip low-SES residents (`asked += outreach (1 - SES)`);
    /// costs `outreach * outreach_cost_share` of the budget; 0-1.
    outreach: f64, Share,
        "effort to ask and equip low-SES residents to take part (costs up to 5% of the budget)";
    /// Probability that agency spending is audited: cuts leakage by
    /// `audit_effect * audit`, and is the share of leakage detected; 0-1.
    audit: f64, Share,
        "probability that agency spending is audited; audits cut leakage";
    /// Strength of peer sanctions among volunteers; times `sanction_strength`
    /// it pulls effort toward full effort; 0-1.
    peer_sanctions: f64, Share,
        "strength of peer sanctions against volunteers who free ride";
    /// Share of sanctions aimed at contributors instead of free riders
    /// (Herrmann et al. 2008); 0-1.
    antisocial_share: f64, Share,
        "share of sanctions aimed at contributors instead of free riders";
    /// 0: the agency delivers itself; above 0: delivery is bought from
    /// organizations at this multiple of the unit cost; 0 to [`MAX_MULTIPLIER`].
    contract_price: f64, NonNegative,
        "0 = agency delivers itself; above 0 = delivery bought from organizations at this multiple of the agency's unit cost";
    /// Share of contract spending used to monitor contracted organizations;
    /// 0-1.
    monitoring_cost: f64, Share,
        "share of contract spending used to monitor contracted organizations";
    /// How far organizations coordinate: cuts the duplicated share of
    /// volunteer input to `duplication * (1 - coordination)`; 0-1.
    coordination: f64, Share,
        "how far organizations share an agenda and cut duplicated volunteer effort";
    /// Weeks before the agency acts on a reported need, and before it may
    /// adopt an innovation; 0 to [`MAX_LAG`].
    lag: u32, Ticks,
        "weeks before the agency acts on a reported need";
    /// Whether residents volunteer at all; without it no volunteer hours,
    /// organizations' own money or new organizations enter production.
    volunteer_input: bool, Flag,
        "whether residents' volunteer hours enter service production at all";
    /// Multiplier on every domain's budget (0.7 = a 30% cut); 0 to
    /// [`MAX_MULTIPLIER`].
    budget_scale: f64, NonNegative,
        "multiplier on every domain's budget (0.7 = a 30% cut)";
}

impl Knobs {
    /// Of the knobs named in `keys`, those `to` sets otherwise, in words:
    /// "outreach 0.95 -> 0.6" (what a change of preset replaces).
    pub fn changes(&self, to: &Knobs, keys: &[String]) -> Vec<String> {
        keys.iter()
            .filter_map(|k| {
                let (from, to) = (self.get(k)?, to.get(k)?);
                (from != to).then(|| format!("{k} {from} -> {to}"))
            })
            .collect()
    }
}

/// Looks a knob up by name.
pub fn knob_info(name: &str) -> Option<&'static KnobInfo> {
    KNOBS.iter().find(|k| k.name == name)
}

/// Why a knob value was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum KnobError {
    /// No knob has this name; `suggestion` is the nearest one.
    Unknown {
        /// The nearest knob name, if one is close.
        suggestion: Option<&'static str>,
    },
    /// The value has the wrong type or is out of range.
    Invalid {
        /// What a valid value looks like, in words.
        expected: String,
        /// The value as written.
        found: String,
        /// The nearest valid choice, for a misspelt name.
        suggestion: Option<&'static str>,
    },
}

/// Why `value` is not a valid value of `info`'s knob, with a fix where one
/// is obvious (50%, 60, a misspelt name).
fn invalid(info: &KnobInfo, value: &toml::Value) -> KnobError {
    let hint = match value {
        toml::Value::String(s) => number_text_hint(s),
        _ if info.kind == KnobKind::Share => as_number(value).map_or(String::new(), share_hint),
        _ => String::new(),
    };
    let suggestion = match (info.kind, value) {
        (KnobKind::Choice(names), toml::Value::String(text)) => {
            nearest(text, names.iter().copied())
        }
        _ => None,
    };
    KnobError::Invalid {
        expected: info.kind.expected(),
        found: format!("{}{hint}", describe_value(value)),
        suggestion,
    }
}

fn as_number(value: &toml::Value) -> Option<f64> {
    match value {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(n) => Some(*n as f64),
        _ => None,
    }
}
