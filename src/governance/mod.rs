//! Governance: the mechanism knobs of MODEL.md, the named presets that set
//! them, and interventions that change them during a run.
//!
//! A regime is nothing but a set of knob values: the engine reads knobs, never
//! preset names, so every preset runs through the same code.

mod presets;

pub use presets::{PRESETS, Preset, preset};

use crate::text::{describe_value, nearest, number_text_hint, quoted_list, share_hint};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who decides how the service budget is allocated across neighbourhoods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionRights {
    /// The agency plans alone.
    Agency,
    /// Agency and residents decide together; participants gain a voice.
    Shared,
    /// Residents decide; participants gain the largest voice.
    Residents,
}

/// How the agency spreads its delivery capacity across neighbourhoods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// In proportion to the needs reported last budget cycle.
    ReportsFifo,
    /// In proportion to population.
    PerCapita,
    /// In proportion to population times the neighbourhood's need index.
    NeedWeighted,
    /// By residents' assembly vote, weighted by the voters' unmet need.
    Vote,
}

/// How residents reach the agency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Phone and front desk.
    Counter,
    /// App and website: cheap and fast, but only for residents with digital access.
    Platform,
    /// Neighbourhood assemblies: reporting as at the counter, plus deliberation.
    Deliberative,
}

/// Every governance knob, resolved. Shares are fractions in [0, 1].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Knobs {
    /// Who decides how the budget is allocated; sets residents' say (0, 1, 2),
    /// which raises being asked, volunteers' trust bonus and innovation autonomy.
    pub decision_rights: DecisionRights,
    /// The rule by which the agency spreads its delivery capacity across
    /// neighbourhoods at each re-plan.
    pub allocation: Allocation,
    /// Share of agency capacity spread per capita before the allocation rule,
    /// so every neighbourhood gets a minimum; 0-1.
    pub floor: f64,
    /// Share of the budget granted to community organizations, in proportion
    /// to their number per neighbourhood; 0-1.
    pub org_funding_share: f64,
    /// Share of the budget allocated by participatory budgeting
    /// (`need_index * (population share + vote share) / 2`); 0-1.
    pub pb_share: f64,
    /// Share of the budget given per capita as block grants to neighbourhood
    /// councils; 0-1.
    pub devolved_share: f64,
    /// How residents report needs: counter, platform or deliberative.
    pub channel: Channel,
    /// Effort to ask and equip low-SES residents (`asked += outreach (1 - SES)`);
    /// costs `outreach * outreach_cost_share` of the budget; 0-1.
    pub outreach: f64,
    /// Probability that agency spending is audited: cuts leakage by
    /// `audit_effect * audit`, and is the share of leakage detected; 0-1.
    pub audit: f64,
    /// Strength of peer sanctions among volunteers; times `sanction_strength`
    /// it pulls effort toward full effort; 0-1.
    pub peer_sanctions: f64,
    /// Share of sanctions aimed at contributors instead of free riders
    /// (Herrmann et al. 2008); 0-1.
    pub antisocial_share: f64,
    /// 0: the agency delivers itself; above 0: delivery is bought from
    /// organizations at this multiple of the unit cost; 0 to [`MAX_MULTIPLIER`].
    pub contract_price: f64,
    /// Share of contract spending used to monitor contracted organizations;
    /// 0-1.
    pub monitoring_cost: f64,
    /// How far organizations coordinate: cuts the duplicated share of
    /// volunteer input to `duplication * (1 - coordination)`; 0-1.
    pub coordination: f64,
    /// Weeks before the agency acts on a reported need, and before it may
    /// adopt an innovation; 0 to [`MAX_LAG`].
    pub lag: u32,
    /// Whether residents volunteer at all; without it no volunteer hours,
    /// organizations' own money or new organizations enter production.
    pub volunteer_input: bool,
    /// Multiplier on every domain's budget (0.7 = a 30% cut); 0 to
    /// [`MAX_MULTIPLIER`].
    pub budget_scale: f64,
}

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
        }
    }
}

/// The largest `contract_price` or `budget_scale`: a hundredfold budget
/// or price is far beyond any city's, and keeps every cost finite.
pub const MAX_MULTIPLIER: f64 = 100.0;

/// The longest processing lag a scenario may set, in ticks.
pub const MAX_LAG: u32 = 52;

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

/// Every knob, in the order scenario files list them.
pub const KNOBS: &[KnobInfo] = &[
    KnobInfo {
        name: "decision_rights",
        kind: KnobKind::Choice(DECISION_RIGHTS),
        meaning: "residents' say: more of them are asked and volunteers with a say trust more; losing it drives volunteers away",
    },
    KnobInfo {
        name: "allocation",
        kind: KnobKind::Choice(ALLOCATIONS),
        meaning: "how the agency spreads its delivery capacity across neighbourhoods",
    },
    KnobInfo {
        name: "floor",
        kind: KnobKind::Share,
        meaning: "share of agency capacity first spread per capita, so every neighbourhood gets a minimum",
    },
    KnobInfo {
        name: "org_funding_share",
        kind: KnobKind::Share,
        meaning: "share of the budget granted to community organizations",
    },
    KnobInfo {
        name: "pb_share",
        kind: KnobKind::Share,
        meaning: "share of the budget allocated by residents' assembly vote (participatory budgeting)",
    },
    KnobInfo {
        name: "devolved_share",
        kind: KnobKind::Share,
        meaning: "share of the budget given per capita as block grants to neighbourhood councils",
    },
    KnobInfo {
        name: "channel",
        kind: KnobKind::Choice(CHANNELS),
        meaning: "how residents report needs: counter, platform (digital) or deliberative (assemblies)",
    },
    KnobInfo {
        name: "outreach",
        kind: KnobKind::Share,
        meaning: "effort to ask and equip low-SES residents to take part (costs up to 5% of the budget)",
    },
    KnobInfo {
        name: "audit",
        kind: KnobKind::Share,
        meaning: "probability that agency spending is audited; audits cut leakage",
    },
    KnobInfo {
        name: "peer_sanctions",
        kind: KnobKind::Share,
        meaning: "strength of peer sanctions against volunteers who free ride",
    },
    KnobInfo {
        name: "antisocial_share",
        kind: KnobKind::Share,
        meaning: "share of sanctions aimed at contributors instead of free riders",
    },
    KnobInfo {
        name: "contract_price",
        kind: KnobKind::NonNegative,
        meaning: "0 = agency delivers itself; above 0 = delivery bought from organizations at this multiple of the agency's unit cost",
    },
    KnobInfo {
        name: "monitoring_cost",
        kind: KnobKind::Share,
        meaning: "share of contract spending used to monitor contracted organizations",
    },
    KnobInfo {
        name: "coordination",
        kind: KnobKind::Share,
        meaning: "how far organizations share an agenda and cut duplicated volunteer effort",
    },
    KnobInfo {
        name: "lag",
        kind: KnobKind::Ticks,
        meaning: "weeks before the agency acts on a reported need",
    },
    KnobInfo {
        name: "volunteer_input",
        kind: KnobKind::Flag,
        meaning: "whether residents' volunteer hours enter service production at all",
    },
    KnobInfo {
        name: "budget_scale",
        kind: KnobKind::NonNegative,
        meaning: "multiplier on every domain's budget (0.7 = a 30% cut)",
    },
];

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

impl Knobs {
    /// Sets one knob by its TOML name, checking type and range.
    pub fn set(&mut self, name: &str, value: &toml::Value) -> Result<(), KnobError> {
        let info = knob_info(name).ok_or_else(|| KnobError::Unknown {
            suggestion: nearest(name, KNOBS.iter().map(|k| k.name)),
        })?;
        // What was written, with a fix where one is obvious (50%, 60).
        let hint = match value {
            toml::Value::String(s) => number_text_hint(s),
            _ if info.kind == KnobKind::Share => as_number(value).map_or(String::new(), share_hint),
            _ => String::new(),
        };
        let invalid = |suggestion| KnobError::Invalid {
            expected: info.kind.expected(),
            found: format!("{}{hint}", describe_value(value)),
            suggestion,
        };
        match info.kind {
            KnobKind::Share | KnobKind::NonNegative => {
                let x = as_number(value).ok_or_else(|| invalid(None))?;
                let max = match info.kind {
                    KnobKind::Share => 1.0,
                    _ => MAX_MULTIPLIER,
                };
                let in_range = x.is_finite() && x >= 0.0 && x <= max;
                if !in_range {
                    return Err(invalid(None));
                }
                *self.number_mut(name) = x;
            }
            KnobKind::Ticks => {
                let n = value
                    .as_integer()
                    .filter(|n| (0..=MAX_LAG as i64).contains(n))
                    .ok_or_else(|| invalid(None))?;
                self.lag = n as u32;
            }
            KnobKind::Flag => {
                self.volunteer_input = value.as_bool().ok_or_else(|| invalid(None))?;
            }
            KnobKind::Choice(names) => {
                let text = value.as_str().ok_or_else(|| invalid(None))?;
                if !names.contains(&text) {
                    return Err(invalid(nearest(text, names.iter().copied())));
                }
                match name {
                    "decision_rights" => {
                        self.decision_rights = match text {
                            "agency" => DecisionRights::Agency,
                            "shared" => DecisionRights::Shared,
                            _ => DecisionRights::Residents,
                        }
                    }
                    "allocation" => {
                        self.allocation = match text {
                            "reports_fifo" => Allocation::ReportsFifo,
                            "per_capita" => Allocation::PerCapita,
                            "need_weighted" => Allocation::NeedWeighted,
                            _ => Allocation::Vote,
                        }
                    }
                    _ => {
                        self.channel = match text {
                            "counter" => Channel::Counter,
                            "platform" => Channel::Platform,
                            _ => Channel::Deliberative,
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// A knob's value as TOML, the inverse of [`Knobs::set`].
    pub fn get(&self, name: &str) -> Option<toml::Value> {
        let info = knob_info(name)?;
        Some(match info.kind {
            // A copy (a few words) lets the one name-to-field map serve
            // reading as well as writing.
            KnobKind::Share | KnobKind::NonNegative => {
                toml::Value::Float(*self.clone().number_mut(name))
            }
            KnobKind::Ticks => toml::Value::Integer(i64::from(self.lag)),
            KnobKind::Flag => toml::Value::Boolean(self.volunteer_input),
            KnobKind::Choice(_) => toml::Value::String(match name {
                "decision_rights" => self.decision_rights.to_string(),
                "allocation" => self.allocation.to_string(),
                _ => self.channel.to_string(),
            }),
        })
    }

    fn number_mut(&mut self, name: &str) -> &mut f64 {
        match name {
            "floor" => &mut self.floor,
            "org_funding_share" => &mut self.org_funding_share,
            "pb_share" => &mut self.pb_share,
            "devolved_share" => &mut self.devolved_share,
            "outreach" => &mut self.outreach,
            "audit" => &mut self.audit,
            "peer_sanctions" => &mut self.peer_sanctions,
            "antisocial_share" => &mut self.antisocial_share,
            "contract_price" => &mut self.contract_price,
            "monitoring_cost" => &mut self.monitoring_cost,
            "coordination" => &mut self.coordination,
            "budget_scale" => &mut self.budget_scale,
            other => unreachable!("{other} is not a numeric knob"),
        }
    }

    /// Share of the budget that leaves the agency's own delivery: grants,
    /// participatory budgeting and block grants. Must not exceed 1.
    pub fn diverted_share(&self) -> f64 {
        self.org_funding_share + self.pb_share + self.devolved_share
    }

    /// Whether residents deliberate together (assemblies).
    pub fn deliberation(&self) -> bool {
        self.channel == Channel::Deliberative
    }
}

fn as_number(value: &toml::Value) -> Option<f64> {
    match value {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(n) => Some(*n as f64),
        _ => None,
    }
}

impl fmt::Display for DecisionRights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(DECISION_RIGHTS[*self as usize])
    }
}

impl fmt::Display for Allocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ALLOCATIONS[*self as usize])
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(CHANNELS[*self as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_misspellings_and_ignores_nonsense() {
        assert_eq!(
            nearest("pb_shar", KNOBS.iter().map(|k| k.name)),
            Some("pb_share")
        );
        assert_eq!(
            nearest("outrech", KNOBS.iter().map(|k| k.name)),
            Some("outreach")
        );
        assert_eq!(nearest("zzzzzzzzzz", KNOBS.iter().map(|k| k.name)), None);
    }

    #[test]
    fn set_checks_range_and_get_round_trips() {
        let mut knobs = preset("hybrid").unwrap().knobs();
        assert!(knobs.set("pb_share", &toml::Value::Float(1.5)).is_err());
        assert!(knobs.set("lag", &toml::Value::Integer(-1)).is_err());
        knobs.set("pb_share", &toml::Value::Float(0.25)).unwrap();
        knobs
            .set("allocation", &toml::Value::String("vote".into()))
            .unwrap();
        assert_eq!(knobs.pb_share, 0.25);
        assert_eq!(knobs.allocation, Allocation::Vote);
        for info in KNOBS {
            let value = knobs.get(info.name).expect(info.name);
            let mut copy = preset("public").unwrap().knobs();
            copy.set(info.name, &value).unwrap();
            assert_eq!(copy.get(info.name), Some(value), "{}", info.name);
        }
    }

    #[test]
    fn misspelt_choice_gets_a_suggestion() {
        let mut knobs = preset("public").unwrap().knobs();
        let err = knobs.set("allocation", &toml::Value::String("need_weigted".into()));
        assert!(matches!(
            err,
            Err(KnobError::Invalid {
                suggestion: Some("need_weighted"),
                ..
            })
        ));
    }
}
