//! Writing a resolved scenario back as a scenario file. Every key is
//! explicit, so the file loads to exactly the same scenario whatever the
//! defaults or presets of a later reader: the visualizer saves live
//! sessions this way, and they replay exactly.

use super::Scenario;
use crate::governance::KNOBS;
use toml::{Table, Value};

impl Scenario {
    /// This scenario as TOML that [`Scenario::from_toml_str`] and
    /// [`Scenario::load`] read back to an equal scenario (`files` aside).
    pub fn to_toml(&self) -> String {
        let mut t = Table::new();
        t.insert("name".into(), Value::String(self.name.clone()));
        t.insert(
            "description".into(),
            Value::String(self.description.clone()),
        );
        t.insert("run".into(), section(&self.run));
        let mut city = section(&self.city);
        let mut domains: Vec<Value> = self.domains.iter().map(section).collect();
        if let Some(m) = &self.map {
            // The map's file as an absolute path, so the saved file finds it
            // wherever it is kept.
            let mut spec = m.spec.clone();
            let path = std::path::absolute(&m.path).unwrap_or_else(|_| m.path.clone());
            spec.file = path.display().to_string();
            if let Value::Table(c) = &mut city {
                c.insert("map".into(), section(&spec));
            }
            for (domain, index) in domains.iter_mut().zip(&m.need_index) {
                if let (Value::Table(d), Some(p)) = (domain, index) {
                    d.insert("need_index".into(), Value::String(p.clone()));
                }
            }
        }
        t.insert("city".into(), city);
        t.insert("domains".into(), Value::Array(domains));
        let mut governance = Table::new();
        governance.insert(
            "preset".into(),
            Value::String(self.governance.preset.clone()),
        );
        for info in KNOBS {
            if let Some(v) = self.governance.knobs.get(info.name) {
                governance.insert(info.name.into(), v);
            }
        }
        t.insert("governance".into(), Value::Table(governance));
        let interventions = self
            .interventions
            .iter()
            .map(|iv| {
                let mut item = Table::new();
                item.insert("at".into(), Value::Integer(iv.at.into()));
                item.insert("label".into(), Value::String(iv.label.clone()));
                if let Some(p) = &iv.preset {
                    item.insert("preset".into(), Value::String(p.clone()));
                }
                item.extend(iv.set.clone());
                Value::Table(item)
            })
            .collect();
        t.insert("interventions".into(), Value::Array(interventions));
        t.insert("output".into(), section(&self.output));
        t.insert("behaviour".into(), section(&self.behaviour));
        toml::to_string(&t).expect("a resolved scenario is plain TOML data")
    }
}

/// A section of the scenario (a plain serde struct) as a TOML value.
fn section<T: serde::Serialize>(value: &T) -> Value {
    Value::try_from(value).expect("scenario sections are plain TOML data")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::governance::PRESETS;

    fn round_trip(s: &Scenario) -> Scenario {
        let text = s.to_toml();
        let mut back =
            Scenario::from_toml_str(&text, "resolved").unwrap_or_else(|e| panic!("{e}\n{text}"));
        back.files.clone_from(&s.files);
        back
    }

    #[test]
    fn a_city_from_a_map_reads_back_with_its_map() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cities/boston.toml");
        let s = Scenario::load(&path, &[]).unwrap();
        let text = s.to_toml();
        let back =
            Scenario::from_toml_str(&text, "resolved").unwrap_or_else(|e| panic!("{e}\n{text}"));
        let (a, b) = (s.map.as_ref().unwrap(), back.map.as_ref().unwrap());
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(a.need_index, b.need_index);
        assert_eq!(back.city, s.city);
    }

    #[test]
    fn every_preset_reads_back_to_the_same_scenario() {
        for p in PRESETS {
            let text = crate::scenario::template("t", p.name, "t.toml").unwrap();
            let s = Scenario::from_toml_str(&text, "t").unwrap();
            assert_eq!(round_trip(&s), s, "{}", p.name);
        }
    }

    #[test]
    fn interventions_knob_overrides_and_awkward_floats_survive() {
        let text = r#"
            [run]
            ticks = 40
            warmup = 5
            [city]
            residents = 3000
            [[domains]]
            name = "waste"
            need_rate = 0.1
            unit_cost = 20.0
            budget_per_resident = 1.0
            alpha = 0.5
            rho = 0.5
            kappa = 1.2
            lapse_rate = 0.05
            [governance]
            preset = "hybrid"
            outreach = 0.3
            [[interventions]]
            at = 5
            label = "cut"
            budget_scale = 0.48999999999999994
            [[interventions]]
            at = 5
            preset = "participatory_budgeting"
            pb_share = 0.2
        "#;
        let s = Scenario::from_toml_str(text, "t").unwrap();
        assert_eq!(s.interventions.len(), 2);
        let back = round_trip(&s);
        assert_eq!(back, s);
        assert_eq!(
            back.interventions[0].set["budget_scale"].as_float(),
            Some(0.48999999999999994)
        );
        assert_eq!(
            back.interventions[1].preset.as_deref(),
            Some("participatory_budgeting")
        );
    }
}
