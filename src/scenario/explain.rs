//! `coserve explain`: a resolved scenario in plain language.

use super::Scenario;
use crate::governance::{self, Allocation, Channel, DecisionRights, Knobs};
use std::fmt::Write;

/// Describes who decides, where the money goes and what residents can do.
pub fn explain(s: &Scenario) -> String {
    let mut out = String::new();
    let w = &mut out;
    let k = &s.governance.knobs;
    let _ = writeln!(w, "Scenario \"{}\"", s.name);
    if !s.description.is_empty() {
        let _ = writeln!(w, "  {}", s.description);
    }
    let years = s.run.ticks as f64 / 52.0;
    let _ = writeln!(
        w,
        "\nThe city: {} residents in {} neighbourhoods, simulated week by week for {} weeks ({:.1} years), seed {}.",
        s.city.residents, s.city.neighbourhoods, s.run.ticks, years, s.run.seed
    );
    if let Some(m) = &s.map {
        let real = m.real_residents;
        let ratio = real / s.city.residents as f64;
        let stands = if ratio >= 1.0 {
            format!("each simulated resident stands for {ratio:.0} real ones")
        } else {
            format!("each real resident is simulated {:.1} times", 1.0 / ratio)
        };
        let _ = writeln!(
            w,
            "The {} neighbourhoods from the map {} (property `{}` names them): {:.0} real residents by `{}`, so {stands}; SES by rank of `{}`{}.",
            s.city.neighbourhoods,
            m.spec.file,
            m.spec.name,
            real,
            m.spec.population,
            m.spec.ses,
            if m.spec.ses_higher_is_poorer {
                " (higher is poorer)"
            } else {
                ""
            }
        );
        for (d, p) in s.domains.iter().zip(&m.need_index) {
            if let Some(p) = p {
                let _ = writeln!(
                    w,
                    "{}: each neighbourhood's need scales with `{p}` against its population-weighted mean over the map.",
                    d.name
                );
            }
        }
    }
    let _ = writeln!(
        w,
        "Summaries (run means, tables, reports) cover {}: run.warmup leaves out the first weeks, while queues fill from empty.",
        s.run.describe_window()
    );
    let _ = writeln!(
        w,
        "Mean socio-economic status is {:.2}; poorer neighbourhoods have up to {:.0}% more need than the richest.",
        s.city.ses_mean,
        100.0 * s.city.need_gradient
    );
    let _ = writeln!(w, "\nServices:");
    for d in &s.domains {
        let _ = writeln!(
            w,
            "  - {}: {:.3} needs per resident per week, {:.0} per need served, {:.2} per resident per week of budget; volunteers {} public work.",
            d.name,
            d.need_rate,
            d.unit_cost,
            d.budget_per_resident * k.budget_scale,
            if d.rho < 0.0 {
                "complement"
            } else {
                "can partly replace"
            }
        );
    }
    let preset = governance::preset(&s.governance.preset).expect("validated");
    let _ = writeln!(w, "\nGovernance: {} ({}).", preset.name, preset.terms);
    describe_knobs(w, k, s.behaviour.outreach_cost_share);
    describe_costs(w, s);
    if !s.interventions.is_empty() {
        let _ = writeln!(w, "\nDuring the run:");
        for iv in &s.interventions {
            let _ = writeln!(w, "  - week {}: {}", iv.at, iv.label);
        }
    }
    let _ = writeln!(
        w,
        "\nResults go to {}/{}-seed{}/.",
        s.output.dir.display(),
        s.name,
        s.run.seed
    );
    out
}

fn describe_knobs(w: &mut String, k: &Knobs, outreach_cost_share: f64) {
    let who = match k.decision_rights {
        DecisionRights::Agency => "the public agency decides alone",
        DecisionRights::Shared => "the agency and residents decide together",
        DecisionRights::Residents => "residents decide",
    };
    let how = match k.allocation {
        Allocation::ReportsFifo => {
            "where needs were reported last budget cycle, so areas that report less get less (the complaint trap)"
        }
        Allocation::PerCapita => "equally per resident",
        Allocation::NeedWeighted => "by population weighted by each neighbourhood's need",
        Allocation::Vote => "by residents' assembly vote, weighted by the voters' unmet need",
    };
    let _ = writeln!(w, "  Who decides: {who} how delivery is spread: {how}.");
    if k.floor > 0.0 {
        let _ = writeln!(
            w,
            "  A floor: {:.0}% of agency capacity is first spread by need, so every neighbourhood gets a minimum service level.",
            100.0 * k.floor
        );
    }
    let _ = write!(w, "  Where money goes: ");
    let mut parts = Vec::new();
    let outreach = k.outreach * outreach_cost_share;
    let agency = (1.0 - k.diverted_share() - outreach).max(0.0);
    if k.contract_price > 0.0 {
        parts.push(format!("{:.0}% buys delivery from community organizations at {:.0}% of the agency's unit cost, {:.0}% of it spent on monitoring", 100.0 * agency, 100.0 * k.contract_price, 100.0 * k.monitoring_cost));
    } else {
        parts.push(format!(
            "{:.0}% to the agency's own delivery",
            100.0 * agency
        ));
    }
    if outreach > 0.0 {
        parts.push(format!("{:.0}% on outreach", 100.0 * outreach));
    }
    if k.org_funding_share > 0.0 {
        parts.push(format!(
            "{:.0}% as grants to community organizations",
            100.0 * k.org_funding_share
        ));
    }
    if k.pb_share > 0.0 {
        parts.push(format!(
            "{:.0}% allocated by participatory budgeting assemblies",
            100.0 * k.pb_share
        ));
    }
    if k.devolved_share > 0.0 {
        parts.push(format!(
            "{:.0}% as per-capita block grants to neighbourhood councils",
            100.0 * k.devolved_share
        ));
    }
    let _ = writeln!(w, "{}.", parts.join("; "));
    if k.budget_scale != 1.0 {
        let _ = writeln!(
            w,
            "  Budgets are scaled to {:.0}% of their normal level.",
            100.0 * k.budget_scale
        );
    }
    let _ = writeln!(
        w,
        "  Audits: {:.0}% of agency spending is audited; audits cut leakage.",
        100.0 * k.audit
    );
    let channel = match k.channel {
        Channel::Counter => "by phone or at the counter",
        Channel::Platform => {
            "through a digital platform, which those without digital access use less"
        }
        Channel::Deliberative => {
            "at the counter and in neighbourhood assemblies where they deliberate together"
        }
    };
    let _ = writeln!(
        w,
        "  What residents can do: report needs {channel}; the agency acts on a report after {} week(s).",
        k.lag
    );
    if k.volunteer_input {
        let _ = write!(
            w,
            "  Residents can volunteer with community organizations, which see needs nobody reported."
        );
        if k.outreach > 0.0 {
            let _ = write!(
                w,
                " Outreach ({:.0}%) asks and equips low-SES residents to take part.",
                100.0 * k.outreach
            );
        }
        if k.peer_sanctions > 0.0 {
            let _ = write!(
                w,
                " Peers sanction free riders (strength {:.2}, {:.0}% of sanctions misdirected at contributors).",
                k.peer_sanctions,
                100.0 * k.antisocial_share
            );
        }
        if k.coordination > 0.0 {
            let _ = write!(
                w,
                " Organizations coordinate ({:.0}%), cutting duplicated effort.",
                100.0 * k.coordination
            );
        }
        let _ = writeln!(w);
    } else {
        let _ = writeln!(w, "  Volunteer effort does not enter service delivery.");
    }
}

/// What co-production costs in this scenario, and what the agency does
/// under every regime (MODEL.md, "A fair contest").
fn describe_costs(w: &mut String, s: &Scenario) {
    let (k, b) = (&s.governance.knobs, &s.behaviour);
    let _ = writeln!(
        w,
        "  Under every regime the agency spends {:.0}% of its own capacity on routine rounds that meet needs whether reported or not.",
        100.0 * b.routine_share
    );
    if !k.volunteer_input {
        return;
    }
    // What volunteer work is worth against paid work, domain by domain.
    let quality = s
        .domains
        .iter()
        .map(|d| 1.0 - b.volunteer_skill_penalty * d.alpha);
    let _ = writeln!(
        w,
        "  What co-production costs: agency staff spend {:.2} per volunteer hour supported and {:.0}% of the money granted, voted or devolved, out of the budget; \
         volunteers deliver {:.0}% of the hours they pledge, and their work is worth {:.0}% to {:.0}% of paid work in these domains (less where professional skill matters); \
         each volunteer hour counts {:.2} in total cost; granted money is audited {:.0}% as well as the agency's.",
        b.coordination_cost_per_hour,
        100.0 * b.grant_admin_share,
        100.0 * b.volunteer_reliability,
        100.0 * quality.clone().fold(f64::INFINITY, f64::min),
        100.0 * quality.fold(f64::NEG_INFINITY, f64::max),
        b.shadow_wage,
        100.0 * b.grant_audit_reach,
    );
    if k.decision_rights != DecisionRights::Agency {
        let steps = k.decision_rights.say_steps();
        let _ = write!(
            w,
            "  Shared decisions take {:.0} weeks before a new plan applies.",
            b.decision_weeks * steps
        );
        // The floor is spread by need first; votes steer a share of the rest.
        let steered = (b.say_weight * steps).min(1.0) * (1.0 - k.floor);
        if steered > 0.0 {
            let weighting = if matches!(k.allocation, Allocation::NeedWeighted | Allocation::Vote) {
                "each vote weighted by its neighbourhood's need, which curbs elite capture"
            } else {
                "they live mostly in better-off areas (elite capture)"
            };
            let _ = write!(
                w,
                " Participants' votes steer {:.0}% of where agency capacity goes: {weighting}.",
                100.0 * steered
            );
        }
        let _ = writeln!(w);
    }
}
