//! Experiment files for `coserve lab`: a linear public-goods game (`[game]`)
//! played by residents with the city's `[behaviour]`. Read like scenario
//! files (`extends`, `--set`, located errors), checked the same way.

use super::behaviour::Behaviour;
use super::checks::Checks;
use super::keys::Key;
use super::limits::{SHARE, above, whole};
use super::{ScenarioError, folder_name_problem, layers};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How players are grouped from round to round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Matching {
    /// The same groups every round.
    Partner,
    /// New groups every round, drawn at random from all players.
    Stranger,
}

/// `[game]`: the linear public-goods game of MODEL.md's "Lab mode"
/// (Fehr & Gächter 2000, AER 90:980). Each player gets `endowment` tokens
/// a round, keeps what it does not contribute, and earns `mpcr` times the
/// group's total contribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GameSpec {
    /// Players per group, 2 to 100.
    pub group_size: u32,
    /// Tokens each player gets per round; above 0. Describes the
    /// experiment: contributions are shares of it, and the residents'
    /// rules do not depend on its size.
    pub endowment: f64,
    /// Marginal per-capita return, 0 to 1: each token contributed returns
    /// `mpcr` to every member of the group. Describes the experiment: the
    /// residents' rules (conditional cooperation, sanctions) do not read
    /// it, so it changes no result.
    pub mpcr: f64,
    /// Rounds (periods) played, 1 to 1,000.
    pub rounds: u32,
    /// `partner` (fixed groups) or `stranger` (regrouped every round).
    pub matching: Matching,
    /// Whether members may punish each other after each round: from the
    /// second round on, every player feels the sanction rule of
    /// `[behaviour]` (`sanction_strength`), as volunteers do under peer
    /// sanctions in a city.
    pub punishment: bool,
    /// Tokens a punisher pays per punishment point; recorded to describe
    /// the experiment (the residents' sanction rule has its effect in
    /// `sanction_strength`, not in prices).
    pub punishment_cost: f64,
    /// Tokens a punishment point takes from its target; recorded, as
    /// `punishment_cost`.
    pub punishment_impact: f64,
    /// Share of punishment aimed at contributors (antisocial punishment,
    /// Herrmann, Thöni & Gächter 2008), 0 to 1.
    pub antisocial_share: f64,
    /// Groups simulated, 1 to 1,000,000: more groups, a smoother mean.
    pub groups: u32,
    /// Seed of every random number of the game.
    pub seed: u64,
}

impl Default for GameSpec {
    fn default() -> Self {
        GameSpec {
            group_size: 4,
            endowment: 20.0,
            mpcr: 0.4,
            rounds: 10,
            matching: Matching::Partner,
            punishment: false,
            punishment_cost: 1.0,
            punishment_impact: 3.0,
            antisocial_share: 0.0,
            groups: 250,
            seed: 1,
        }
    }
}

/// The numeric keys of `[game]`, for range checks and docs/ranges.md.
pub const GAME: &[Key] = &[
    Key {
        name: "group_size",
        limit: whole(2, 100, "players"),
        meaning: "players per group",
    },
    Key {
        name: "endowment",
        limit: above(0.0, 1e9, "tokens"),
        meaning: "tokens per player per round",
    },
    Key {
        name: "mpcr",
        limit: SHARE,
        meaning: "marginal per-capita return of a contributed token",
    },
    Key {
        name: "rounds",
        limit: whole(1, 1000, "rounds"),
        meaning: "rounds (periods) played",
    },
    Key {
        name: "punishment_cost",
        limit: above(0.0, 1e9, "tokens"),
        meaning: "tokens a punisher pays per point",
    },
    Key {
        name: "punishment_impact",
        limit: above(0.0, 1e9, "tokens"),
        meaning: "tokens a point takes from its target",
    },
    Key {
        name: "antisocial_share",
        limit: SHARE,
        meaning: "share of punishment aimed at contributors",
    },
    Key {
        name: "groups",
        limit: whole(1, 1_000_000, "groups"),
        meaning: "groups simulated",
    },
    Key {
        name: "seed",
        limit: whole(0, i64::MAX, ""),
        meaning: "seed of every random number of the game",
    },
];

/// The top-level keys of an experiment file.
const SECTIONS: &[&str] = &["name", "description", "extends", "game", "behaviour"];

/// A lab experiment, read and checked: what `coserve lab` plays.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Experiment {
    /// The experiment's name (its file's stem unless written).
    pub name: String,
    /// What the experiment reproduces, in words.
    pub description: String,
    /// The game.
    pub game: GameSpec,
    /// The residents' rules, as in a city.
    pub behaviour: Behaviour,
    /// The files read: the named file first, then what it extends.
    #[serde(skip)]
    pub files: Vec<PathBuf>,
    /// The SHA-256 of each file's text as read, in the order of `files`.
    #[serde(skip)]
    pub sha256: Vec<String>,
}

impl Experiment {
    /// Reads `path` (and what it extends) with `--set` overrides applied.
    /// Errors name the file, line and key, as a scenario's do.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Experiment, ScenarioError> {
        let mut layers = layers::read(path)?;
        layers::apply_overrides(&mut layers, overrides)?;
        let mut table = layers.table;
        let mut checks = Checks {
            at: &layers.locations,
            found: Vec::new(),
        };
        for key in table.keys() {
            if !SECTIONS.contains(&key.as_str()) {
                checks.unknown(key, key, SECTIONS);
            }
        }
        if !table.contains_key("game") {
            checks.fail(
                "",
                "an experiment file needs a [game] section (group_size, endowment, mpcr, rounds, ...); a city scenario runs with `coserve run`".into(),
                None,
            );
        }
        let default_name = path
            .file_stem()
            .map_or("experiment".into(), |s| s.to_string_lossy().into_owned());
        let name = match checks.text(&mut table, "name") {
            Some(name) => {
                if let Some(problem) = folder_name_problem(&name) {
                    checks.fail("name", problem, None);
                }
                name
            }
            None => default_name,
        };
        let description = checks.text(&mut table, "description").unwrap_or_default();
        let game: GameSpec = checks.section(&mut table, "game").unwrap_or_default();
        let behaviour: Behaviour = checks.section(&mut table, "behaviour").unwrap_or_default();
        checks.cooperation_types(&behaviour);
        if !checks.found.is_empty() {
            return Err(ScenarioError {
                diagnostics: checks.found,
            });
        }
        Ok(Experiment {
            name,
            description,
            game,
            behaviour,
            files: layers.files,
            sha256: layers.sha256,
        })
    }
}
