//! Many runs: paired regime comparisons, and sweeps over designs of factors.

mod compare;
pub mod design;
mod evaluate;
pub mod morris;
mod runner;
mod sensitivity;
pub mod sobol;
pub(crate) mod spec;
pub mod stats;
mod summary;

pub use compare::{
    BandRow, CompareError, CompareOptions, ComparePlan, CompareRow, Comparison, MAX_COMPARE_WEEKS,
    MAX_REPLICATES, Regime, compare, comparison_dir, plan, write_comparison,
};
pub use evaluate::{EvaluateError, Evaluation, check_key, override_arg};
pub use runner::{
    FileHash, RunRecord, Shard, SweepError, SweepManifest, SweepOptions, SweepReport, merge,
    read_records, run_sweep,
};
pub use sensitivity::{
    DEFAULT_METRICS, MorrisRow, SensitivityRow, morris_screening, sensitivity, write_morris,
    write_sobol,
};
pub use spec::{Design, Factor, Levels, MAX_RUNS, REGIME_COLUMN, SweepSpec};
pub use summary::{MAIN_METRICS, Summary, metric_names, metric_values, summarise, summarise_with};
