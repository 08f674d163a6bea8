//! The eight named regimes of MODEL.md, each a set of knob values.

use super::{Allocation, Channel, DecisionRights, Knobs};

/// A named regime: its knob values and what it means in the seed document's
/// terms.
pub struct Preset {
    /// The name used in `preset = "..."` and listed by `coserve presets`.
    pub name: &'static str,
    /// One line for `coserve presets`.
    pub summary: &'static str,
    /// The seed document's terms this preset stands for.
    pub terms: &'static str,
    knobs: fn() -> Knobs,
}

impl Preset {
    /// The preset's knob values.
    pub fn knobs(&self) -> Knobs {
        (self.knobs)()
    }
}

/// Top-down delivery: the starting point every other preset changes.
fn public() -> Knobs {
    Knobs {
        decision_rights: DecisionRights::Agency,
        allocation: Allocation::ReportsFifo,
        floor: 0.0,
        org_funding_share: 0.0,
        pb_share: 0.0,
        pb_allocation: Vec::new(),
        devolved_share: 0.0,
        channel: Channel::Counter,
        outreach: 0.0,
        audit: 0.5,
        peer_sanctions: 0.0,
        antisocial_share: 0.0,
        contract_price: 0.0,
        monitoring_cost: 0.0,
        coordination: 0.0,
        lag: 2,
        volunteer_input: false,
        budget_scale: 1.0,
    }
}

fn co_created() -> Knobs {
    Knobs {
        decision_rights: DecisionRights::Shared,
        org_funding_share: 0.25,
        channel: Channel::Deliberative,
        peer_sanctions: 0.5,
        antisocial_share: 0.1,
        coordination: 0.3,
        volunteer_input: true,
        ..public()
    }
}

fn hybrid() -> Knobs {
    Knobs {
        decision_rights: DecisionRights::Shared,
        floor: 0.5,
        outreach: 0.6,
        peer_sanctions: 0.2,
        antisocial_share: 0.1,
        coordination: 0.3,
        volunteer_input: true,
        ..public()
    }
}

fn participatory_budgeting() -> Knobs {
    Knobs {
        decision_rights: DecisionRights::Residents,
        allocation: Allocation::NeedWeighted,
        pb_share: 0.15,
        channel: Channel::Deliberative,
        outreach: 0.3,
        volunteer_input: true,
        ..public()
    }
}

fn decentralized() -> Knobs {
    Knobs {
        decision_rights: DecisionRights::Residents,
        devolved_share: 0.3,
        volunteer_input: true,
        ..public()
    }
}

fn platform() -> Knobs {
    Knobs {
        channel: Channel::Platform,
        ..public()
    }
}

fn social_contract() -> Knobs {
    Knobs {
        contract_price: 0.9,
        monitoring_cost: 0.08,
        volunteer_input: true,
        ..public()
    }
}

fn collective_impact() -> Knobs {
    Knobs {
        decision_rights: DecisionRights::Shared,
        org_funding_share: 0.2,
        channel: Channel::Deliberative,
        outreach: 0.3,
        peer_sanctions: 0.3,
        antisocial_share: 0.1,
        coordination: 0.9,
        volunteer_input: true,
        ..public()
    }
}

/// Every preset, in the order `coserve presets` lists them.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "public",
        summary: "the agency decides and delivers: it answers reports first come, first served and runs routine rounds; no volunteer input",
        terms: "public service, top-down",
        knobs: public,
    },
    Preset {
        name: "co_created",
        summary: "agency and residents decide together (which takes time); grants to community organizations; deliberation and peer sanctions",
        terms: "co-created community solutions, civic co-production, participatory service design",
        knobs: co_created,
    },
    Preset {
        name: "hybrid",
        summary: "a public floor in every neighbourhood plus co-production on top, with outreach to low-SES residents",
        terms: "collaborative governance",
        knobs: hybrid,
    },
    Preset {
        name: "participatory_budgeting",
        summary: "15% of the budget allocated by residents' assemblies with need-weighted criteria",
        terms: "participatory budgeting (Porto Alegre)",
        knobs: participatory_budgeting,
    },
    Preset {
        name: "decentralized",
        summary: "30% of the budget as per-capita block grants to neighbourhood councils",
        terms: "decentralized public service delivery",
        knobs: decentralized,
    },
    Preset {
        name: "platform",
        summary: "digital reporting and feedback: more reports, but gated by digital access",
        terms: "platform-enabled policymaking, user-centric civic engagement",
        knobs: platform,
    },
    Preset {
        name: "social_contract",
        summary: "the agency buys delivery from community organizations and pays to monitor them",
        terms: "social contracting",
        knobs: social_contract,
    },
    Preset {
        name: "collective_impact",
        summary: "organizations coordinate on a shared agenda with shared measurement and continuous communication",
        terms: "collective impact models, distributed civic innovation",
        knobs: collective_impact,
    },
];

/// Looks a preset up by name.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}
