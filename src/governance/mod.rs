//! Governance: the mechanism knobs of MODEL.md, the named presets that set
//! them, and interventions that change them during a run.
//!
//! A regime is nothing but a set of knob values: the engine reads knobs, never
//! preset names, so every preset runs through the same code.

mod knobs;
mod presets;

pub use knobs::{
    KNOBS, KnobError, KnobInfo, KnobKind, Knobs, MAX_LAG, MAX_MULTIPLIER, MAX_WEIGHTS, knob_info,
};

pub use presets::{PRESETS, Preset, preset};

use serde::{Deserialize, Serialize};

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

impl DecisionRights {
    /// Steps of residents' say: 0 when the agency decides, 1 shared, 2
    /// residents decide. Voice, decision time and the weight of
    /// participants' votes in the plan all scale with it.
    pub fn say_steps(self) -> f64 {
        match self {
            DecisionRights::Agency => 0.0,
            DecisionRights::Shared => 1.0,
            DecisionRights::Residents => 2.0,
        }
    }
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

impl Knobs {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::nearest;

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

    /// Manifests written before `pb_allocation` existed still read, as the
    /// assembly deciding; and weights round-trip.
    #[test]
    fn pb_allocation_defaults_to_the_assembly_in_older_manifests() {
        let knobs = preset("hybrid").unwrap().knobs();
        let mut json = serde_json::to_value(&knobs).unwrap();
        json.as_object_mut().unwrap().remove("pb_allocation");
        let read: Knobs = serde_json::from_value(json).unwrap();
        assert_eq!(read, knobs);
        let mut voted = knobs.clone();
        let weights = toml::Value::Array(vec![toml::Value::Integer(2), toml::Value::Float(0.5)]);
        voted.set("pb_allocation", &weights).unwrap();
        assert_eq!(voted.pb_allocation, [2.0, 0.5]);
        let zeros = toml::Value::Array(vec![toml::Value::Float(0.0)]);
        assert!(voted.set("pb_allocation", &zeros).is_err(), "all zero");
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
