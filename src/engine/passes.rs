//! The two passes over residents in each tick. Each reads only the previous
//! tick's aggregates (and this tick's plan) and writes its own residents, so
//! the update is synchronous; each returns a tally for its chunk, and the
//! engine adds the tallies up in chunk order.

use super::busy;
use crate::governance::{Channel, Knobs};
use crate::model::behaviour::{
    quit_hazard, updated_trust, voice_level, volunteer_effort, willingness,
};
use crate::model::residents::{DIGITAL, PARTICIPATING};
use crate::model::{CooperationType, ResidentChunk, quintile};
use crate::rng::{Poisson, Purpose, Stream, StreamKey, Trinomial, log_miss};
use crate::scenario::Behaviour;
use std::ops::Range;

/// Residents per block of the streams that find rare events (a need
/// arising, an offer to volunteer): each run of residents of one
/// neighbourhood within one block draws its own stream, keyed by the run's
/// first resident. Blocks start at multiples of this in the whole city, so
/// which numbers a resident sees never depends on [`crate::engine::CHUNK`],
/// which it must divide.
pub const BLOCK: usize = 4096;

/// Runs of neighbours in a chunk: its residents split where the
/// neighbourhood changes and where a [`BLOCK`] of the city starts, as
/// `(start, end, neighbourhood)` with `start..end` indices into the chunk.
/// `first` is the chunk's first resident in the city.
fn runs(first: usize, neighbourhood: &[u16]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        let n = *neighbourhood.get(start)?;
        let block_end = ((first + start) / BLOCK + 1) * BLOCK - first;
        let limit = block_end.min(neighbourhood.len());
        // Whole groups of 16 first, each tested without a branch per
        // resident (runs are hundreds or thousands long), then one by one.
        let mut end = start;
        while end + 16 <= limit
            && neighbourhood[end..end + 16]
                .iter()
                .fold(true, |same, &m| same & (m == n))
        {
            end += 16;
        }
        let end = neighbourhood[end..limit]
            .iter()
            .position(|&m| m != n)
            .map_or(limit, |k| end + k);
        let run = (start, end, n as usize);
        start = end;
        Some(run)
    })
}

/// The residents of `start..end` an event happens to, each independently
/// with the same probability: the gaps between them are geometric, drawn
/// from one stream, so residents it does not happen to cost nothing. The
/// stream goes on to give the draws of each resident found, before the
/// next gap.
struct Arrivals {
    stream: Stream,
    log_miss: f64,
    position: usize,
    end: usize,
}

impl Arrivals {
    /// Events of chance `p` per resident with `log_miss = ln(1 - p)`.
    fn new(stream: Stream, log_miss: f64, start: usize, end: usize) -> Self {
        Arrivals {
            stream,
            log_miss,
            position: start,
            end,
        }
    }

    /// The next resident the event happens to, if any is left.
    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.position >= self.end {
            return None;
        }
        let gap = usize::try_from(self.stream.geometric(self.log_miss)).unwrap_or(usize::MAX);
        let at = self.position.saturating_add(gap);
        self.position = at.saturating_add(1);
        (at < self.end).then_some(at)
    }
}

/// Needs per resident and week in each neighbourhood, prepared for the
/// needs pass: the count over all domains (Poisson with the sum of the
/// domains' rates), and where each need falls (domain `d` with chance
/// `rate_d / sum`). Independent Poisson counts per domain are the same law
/// as a Poisson total split this way (the splitting property of the
/// Poisson distribution), and drawing the total lets the pass skip the nine
/// residents in ten who have no new need.
#[derive(Clone, Debug)]
pub struct NeedRates {
    domains: usize,
    total: Vec<Poisson>,
    /// Per (neighbourhood, domain): the share of the neighbourhood's rate in
    /// domains up to and including this one.
    cumulative: Vec<f64>,
}

impl NeedRates {
    /// From needs per resident per week at `n * domains + d`, each finite
    /// and at least 0.
    pub fn new(rates: &[f64], domains: usize) -> Self {
        let mut total = Vec::with_capacity(rates.len() / domains.max(1));
        let mut cumulative = Vec::with_capacity(rates.len());
        for hood in rates.chunks(domains.max(1)) {
            let sum: f64 = hood.iter().sum();
            total.push(Poisson::new(sum));
            let mut running = 0.0;
            for rate in hood {
                running += rate;
                cumulative.push(if sum > 0.0 { running / sum } else { 1.0 });
            }
        }
        NeedRates {
            domains,
            total,
            cumulative,
        }
    }

    /// The domain a need of neighbourhood `n` falls in, for `u` uniform in [0, 1).
    #[inline]
    fn domain(&self, n: usize, u: f64) -> usize {
        let cuts = &self.cumulative[n * self.domains..(n + 1) * self.domains - 1];
        cuts.iter().filter(|&&c| u >= c).count()
    }
}

/// What the needs pass reads.
pub struct NeedsContext<'a> {
    /// The run's seed.
    pub seed: u64,
    /// The tick being run.
    pub tick: u32,
    /// Number of service domains.
    pub domains: usize,
    /// The knobs in force.
    pub knobs: &'a Knobs,
    /// The behavioural constants.
    pub behaviour: &'a Behaviour,
    /// SES values that split residents into five equal groups.
    pub quintile_cuts: [f32; 4],
    /// Needs per resident and week in each neighbourhood.
    pub needs: &'a NeedRates,
    /// The city's initial mean trust: reporting is `report_trust` times
    /// more or less likely per unit of trust above or below it.
    pub trust_initial: f64,
}

/// New needs per (neighbourhood, domain), and needs arisen per quintile,
/// for a range of neighbourhoods: a chunk's tally covers the
/// neighbourhoods its residents live in ([`hoods_of`]), the city's total
/// all of them (`first_cell` 0).
#[derive(Clone, Debug)]
pub struct NeedsTally {
    /// The first (neighbourhood, domain) cell covered, `n * domains + d`:
    /// cell `c` is at `c - first_cell` in the columns below.
    pub first_cell: usize,
    /// New reported needs per (neighbourhood, domain).
    pub new_reported: Vec<u64>,
    /// New hidden (unreported) needs per (neighbourhood, domain).
    pub new_hidden: Vec<u64>,
    /// Needs arisen per SES quintile, poorest first.
    pub arisen_by_quintile: [u64; 5],
}

impl NeedsTally {
    /// An empty tally for the neighbourhoods `hoods`, `domains` cells each.
    pub fn new(hoods: Range<usize>, domains: usize) -> Self {
        let cells = hoods.len() * domains;
        NeedsTally {
            first_cell: hoods.start * domains,
            new_reported: vec![0; cells],
            new_hidden: vec![0; cells],
            arisen_by_quintile: [0; 5],
        }
    }

    /// Adds another chunk's tally to this one, which must cover its cells.
    pub fn add(&mut self, o: &NeedsTally) {
        let at = o.first_cell - self.first_cell;
        add_slices(&mut self.new_reported[at..], &o.new_reported);
        add_slices(&mut self.new_hidden[at..], &o.new_hidden);
        add_slices(&mut self.arisen_by_quintile, &o.arisen_by_quintile);
    }
}

/// The neighbourhoods the residents of a chunk live in (`neighbourhood`,
/// the chunk's column, in increasing order: residents are stored
/// neighbourhood by neighbourhood), as a range of indices, empty for no
/// residents. A chunk's tallies need only cover these: their size, and the
/// cost of adding them up, do not grow with the city's number of
/// neighbourhoods. Adding a neighbourhood's sums only from the chunks it
/// has residents in is exact: the others' sums were 0, and adding 0
/// changes no sum (none is -0).
fn hoods_of(neighbourhood: &[u16]) -> Range<usize> {
    debug_assert!(
        neighbourhood.is_sorted(),
        "residents stored neighbourhood by neighbourhood"
    );
    match (neighbourhood.first(), neighbourhood.last()) {
        (Some(&first), Some(&last)) => usize::from(first)..usize::from(last) + 1,
        _ => 0..0,
    }
}

/// The number of service domains the response pass is compiled for: the
/// default four. With it known when compiling, the loop over a resident's
/// domains is unrolled and its indices are constants; any other number
/// takes the same code with the count read at run time. Same arithmetic
/// either way.
const USUAL_DOMAINS: usize = 4;

/// In tests: every number of domains takes the run-time-count code, so a
/// test can check it against the unrolled code. Only the code path changes,
/// never a result, so other tests running meanwhile are unaffected.
#[cfg(test)]
static GENERIC_DOMAINS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the response pass takes the code compiled for [`USUAL_DOMAINS`].
fn unrolled(domains: usize) -> bool {
    #[cfg(test)]
    if GENERIC_DOMAINS.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    domains == USUAL_DOMAINS
}

/// Phase 1 and 2 of MODEL.md: needs arise (Poisson per domain) and are
/// reported or stay hidden. Each run of neighbours draws one
/// [`Purpose::Needs`] stream; it finds the residents with at least one new
/// need, then for each draws how many, their domains and whether each is
/// reported. Who has needs does not depend on the regime, only on the
/// rates: paired runs share them (common random numbers).
pub fn arise_and_report(chunk: &mut ResidentChunk<'_>, ctx: &NeedsContext<'_>) -> NeedsTally {
    let d_count = ctx.domains;
    let mut tally = NeedsTally::new(hoods_of(chunk.neighbourhood), d_count);
    let b = ctx.behaviour;
    let channel = |traits: u8| match ctx.knobs.channel {
        Channel::Platform if traits & DIGITAL != 0 => b.platform_factor,
        Channel::Platform => b.platform_offline_factor,
        Channel::Counter | Channel::Deliberative => 1.0,
    };
    let needs_key = StreamKey::new(ctx.seed, ctx.tick as u64, Purpose::Needs);
    for (start, end, n) in runs(chunk.first, chunk.neighbourhood) {
        let total = &ctx.needs.total[n];
        let key = (chunk.first + start) as u64;
        let stream = needs_key.stream(key);
        let mut needy = Arrivals::new(stream, total.log_none(), start, end);
        while let Some(i) = needy.next() {
            let ses = chunk.ses[i] as f64;
            // Residents who trust the city less ask it less (the complaint
            // trap feeds itself: unmet need, less trust, fewer reports).
            let trusting =
                (1.0 + b.report_trust * (chunk.trust[i] as f64 - ctx.trust_initial)).max(0.0);
            let p_report = (b.report_base
                * (1.0 + b.report_ses_gradient * ses)
                * channel(chunk.traits[i])
                * trusting)
                .min(1.0);
            let rng = &mut needy.stream;
            let mut arisen = 0;
            for _ in 0..rng.poisson_at_least_one(total) {
                let d = ctx.needs.domain(n, rng.uniform());
                let reported = rng.chance(p_report);
                let (slot, cell) = (i * d_count + d, n * d_count + d - tally.first_cell);
                // Counts saturate at 255; needs beyond that are not added.
                // Both kinds are written, one with 0, so that whether a
                // need is reported (as good as random) is not a branch.
                let count = [chunk.hidden[slot], chunk.reported[slot]][usize::from(reported)];
                if count < u8::MAX {
                    let (r, h) = (u8::from(reported), u8::from(!reported));
                    chunk.reported[slot] += r;
                    chunk.hidden[slot] += h;
                    tally.new_reported[cell] += u64::from(r);
                    tally.new_hidden[cell] += u64::from(h);
                    arisen += 1;
                }
            }
            if arisen > 0 {
                tally.arisen_by_quintile[quintile(chunk.ses[i], &ctx.quintile_cuts)] += arisen;
            }
        }
    }
    tally
}

/// Last tick's state of one neighbourhood, as residents see it.
#[derive(Clone, Debug)]
pub struct HoodView {
    /// What volunteers expect others to give: their belief about the
    /// neighbourhood's mean effort share ([`crate::model::behaviour::updated_belief`]),
    /// raised by deliberation.
    pub expected_effort: f64,
    /// How credible peer sanctions are here, 0-1
    /// ([`crate::model::behaviour::updated_credibility`]).
    pub sanction_credibility: f64,
    /// Say residents had and lost (remembered say minus current say).
    pub voice_lost: f64,
    /// Recent share of need served (moving average), in [0, 1].
    pub service_level: f64,
    /// Weekly chance that a fully willing resident here starts volunteering:
    /// `join_rate`, moved by the neighbourhood's social capital
    /// ([`crate::model::behaviour::join_rate`]).
    pub join_rate: f64,
}

/// What the response pass reads.
pub struct ResponseContext<'a> {
    /// The run's seed.
    pub seed: u64,
    /// The tick being run.
    pub tick: u32,
    /// Number of service domains.
    pub domains: usize,
    /// The knobs in force.
    pub knobs: &'a Knobs,
    /// The behavioural constants.
    pub behaviour: &'a Behaviour,
    /// SES values that split residents into five equal groups.
    pub quintile_cuts: [f32; 4],
    /// The city's initial trust, base of each resident's trust anchor.
    pub trust_initial: f64,
    /// What becomes of open needs this week, per (neighbourhood, domain)
    /// at `n * domains + d`.
    pub fates: &'a [NeedFates],
    /// Last tick's view of each neighbourhood, by index.
    pub hoods: &'a [HoodView],
}

/// Needs per (neighbourhood, domain) through the response pass.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CellTally {
    /// Reported needs open before service this tick.
    pub open_reported: u64,
    /// Hidden needs open before service this tick.
    pub open_hidden: u64,
    /// Reported needs served this tick.
    pub served_reported: u64,
    /// Hidden needs served this tick.
    pub served_hidden: u64,
    /// Reported needs that lapsed unserved this tick.
    pub lapsed_reported: u64,
    /// Hidden needs that lapsed unserved this tick.
    pub lapsed_hidden: u64,
}

/// Residents of a neighbourhood or a quintile after the response pass.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GroupTally {
    /// Residents counted.
    pub residents: u64,
    /// Their open needs before service this tick.
    pub open: u64,
    /// Their needs served this tick.
    pub served: u64,
    /// Their needs that lapsed unserved this tick.
    pub lapsed: u64,
    /// Their hidden needs still open at the end of the tick.
    pub hidden_end: u64,
    /// Residents volunteering this tick.
    pub participants: u64,
    /// Volunteers from the bottom two SES fifths.
    pub participants_low_ses: u64,
    /// Hours volunteers gave this tick.
    pub volunteer_hours: f64,
    /// Sum of volunteers' effort shares (divide by `participants` for the mean).
    pub effort: f64,
    /// Sum of residents' satisfaction this tick.
    pub satisfaction: f64,
    /// Sum of residents' trust after this tick's update.
    pub trust: f64,
    /// Sum of volunteers' trust after this tick's update.
    pub trust_participants: f64,
    /// Volunteers with burnout above 0.5.
    pub burnt_out: u64,
}

impl GroupTally {
    /// All their needs still open at the end of the tick: those open less
    /// those served and those lapsed.
    pub fn pending_end(&self) -> u64 {
        self.open - self.served - self.lapsed
    }

    /// Adds another group's tally to this one.
    pub fn add(&mut self, o: &GroupTally) {
        self.residents += o.residents;
        self.open += o.open;
        self.served += o.served;
        self.lapsed += o.lapsed;
        self.hidden_end += o.hidden_end;
        self.participants += o.participants;
        self.participants_low_ses += o.participants_low_ses;
        self.volunteer_hours += o.volunteer_hours;
        self.effort += o.effort;
        self.satisfaction += o.satisfaction;
        self.trust += o.trust;
        self.trust_participants += o.trust_participants;
        self.burnt_out += o.burnt_out;
    }
}

/// What the response pass found in a chunk of residents: needs per
/// (neighbourhood, domain) and residents per neighbourhood and SES
/// quintile, for a range of neighbourhoods: a chunk's tally covers the
/// neighbourhoods its residents live in ([`hoods_of`]), the city's total
/// all of them (`first_hood` 0).
#[derive(Clone, Debug)]
pub struct ResponseTally {
    /// The first neighbourhood covered: neighbourhood `n` is at
    /// `n - first_hood` in `hoods`, its cells from `(n - first_hood) *
    /// domains` in `cells`.
    pub first_hood: usize,
    /// Service domains: cells per neighbourhood.
    pub domains: usize,
    /// Per (neighbourhood, domain).
    pub cells: Vec<CellTally>,
    /// Per neighbourhood.
    pub hoods: Vec<GroupTally>,
    /// Per SES quintile, poorest first.
    pub quintiles: [GroupTally; 5],
}

impl ResponseTally {
    /// An empty tally for the neighbourhoods `hoods` and `domains` domains.
    pub fn new(hoods: Range<usize>, domains: usize) -> Self {
        ResponseTally {
            first_hood: hoods.start,
            domains,
            cells: vec![CellTally::default(); hoods.len() * domains],
            hoods: vec![GroupTally::default(); hoods.len()],
            quintiles: [GroupTally::default(); 5],
        }
    }

    /// Fills each neighbourhood's needs (`open`, `served`, `lapsed`,
    /// `hidden_end`) from its cells: the pass adds a resident's needs to
    /// their cells and SES fifth only, so this is called once, on the tally
    /// of the whole city.
    pub fn count_needs_by_hood(&mut self) {
        let by_hood = self.cells.chunks_exact(self.domains);
        for (hood, cells) in self.hoods.iter_mut().zip(by_hood) {
            for c in cells {
                hood.open += c.open_reported + c.open_hidden;
                hood.served += c.served_reported + c.served_hidden;
                hood.lapsed += c.lapsed_reported + c.lapsed_hidden;
                hood.hidden_end += c.open_hidden - c.served_hidden - c.lapsed_hidden;
            }
        }
    }

    /// Adds another chunk's tally to this one, which must cover its
    /// neighbourhoods.
    pub fn add(&mut self, o: &ResponseTally) {
        let at = o.first_hood - self.first_hood;
        for (a, b) in self.cells[at * self.domains..].iter_mut().zip(&o.cells) {
            a.open_reported += b.open_reported;
            a.open_hidden += b.open_hidden;
            a.served_reported += b.served_reported;
            a.served_hidden += b.served_hidden;
            a.lapsed_reported += b.lapsed_reported;
            a.lapsed_hidden += b.lapsed_hidden;
        }
        for (a, b) in self.hoods[at..].iter_mut().zip(&o.hoods) {
            a.add(b);
        }
        for (a, b) in self.quintiles.iter_mut().zip(&o.quintiles) {
            a.add(b);
        }
    }
}

/// Phases 3 to 5 for each resident of a chunk: needs served or lapsed,
/// participation and effort, burnout, satisfaction and trust.
///
/// A resident draws from their own [`Purpose::Response`] stream only when
/// they have open needs or volunteer. Offers to volunteer reach each
/// resident with the neighbourhood's `join_rate`; each run of neighbours
/// (a neighbourhood within a [`BLOCK`]) finds who they reach with one
/// [`Purpose::Joining`] stream, which also draws the uniform a resident's
/// willingness is compared with.
///
/// On a processor with AVX2 the pass runs as compiled for it, where the
/// step every resident goes through works on four lanes at once instead of
/// two. The arithmetic in each lane is the same (Rust never fuses a
/// multiply and an add on its own), so the outputs are identical.
pub fn respond(chunk: &mut ResidentChunk<'_>, ctx: &ResponseContext<'_>) -> ResponseTally {
    #[cfg(target_arch = "x86_64")]
    if wide_lanes() {
        // SAFETY: the processor has AVX2, as just checked.
        return unsafe { respond_avx2(chunk, ctx) };
    }
    respond_any(chunk, ctx)
}

/// Whether to take the pass compiled for AVX2: where the processor has it.
#[cfg(target_arch = "x86_64")]
fn wide_lanes() -> bool {
    #[cfg(test)]
    if NARROW_LANES.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    std::is_x86_feature_detected!("avx2")
}

/// In tests: the response pass takes the code compiled for any x86-64, so
/// a test can check it against the AVX2 code. Only the code path changes,
/// never a result.
#[cfg(test)]
static NARROW_LANES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// [`respond_any`] compiled for processors with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn respond_avx2(chunk: &mut ResidentChunk<'_>, ctx: &ResponseContext<'_>) -> ResponseTally {
    respond_any(chunk, ctx)
}

/// [`respond`] as compiled for the processor it runs on.
#[inline(always)]
fn respond_any(chunk: &mut ResidentChunk<'_>, ctx: &ResponseContext<'_>) -> ResponseTally {
    if unrolled(ctx.domains) {
        respond_for::<USUAL_DOMAINS>(chunk, ctx)
    } else {
        respond_for::<0>(chunk, ctx)
    }
}

/// Residents of a run handled together by the three steps of the response
/// pass: small enough that the step's scratch columns stay in the first
/// level of cache.
const BATCH: usize = 256;
// A batch's residents are listed by their `u16` place in it.
const _: () = assert!(BATCH <= 1 << 16);

/// What the first step of the response pass leaves for the other two, one
/// entry per resident of a batch.
struct Scratch {
    /// The resident's own share of open needs served this week (the
    /// neighbourhood's service level for a resident with none open).
    personal: [f64; BATCH],
    /// Whether the resident volunteers this week.
    participating: [bool; BATCH],
    /// Satisfaction this week.
    satisfaction: [f64; BATCH],
    /// Trust after this week's update, before it is stored in single precision.
    trust: [f64; BATCH],
    /// The resident's SES fifth, poorest 0.
    fifth: [u8; BATCH],
    /// Whether an offer to volunteer reaches the resident this week.
    offered: [bool; BATCH],
    /// The uniform an offer comes with (where `offered`).
    offer: [f64; BATCH],
    /// The residents with open needs, in order: the first step's first
    /// work list.
    in_need: [u16; BATCH],
    /// The residents volunteering or offered to, in order: its second.
    acting: [u16; BATCH],
    /// Each listed resident's [`Purpose::Response`] stream, carried from
    /// the first list's draws to the second's.
    stream: [Stream; BATCH],
}

impl Scratch {
    /// Empty scratch columns.
    fn new() -> Self {
        Scratch {
            personal: [0.0; BATCH],
            participating: [false; BATCH],
            satisfaction: [0.0; BATCH],
            trust: [0.0; BATCH],
            fifth: [0; BATCH],
            offered: [false; BATCH],
            offer: [0.0; BATCH],
            in_need: [0; BATCH],
            acting: [0; BATCH],
            stream: std::array::from_fn(|_| StreamKey::new(0, 0, Purpose::Response).stream(0)),
        }
    }

    /// Readies the scratch for the residents of `batch` (indices into
    /// `chunk`): their SES fifths by `cuts`, and what the first step leaves
    /// for those it does not visit (the neighbourhood's `service_level` as
    /// their own share served, not volunteering, no offer).
    #[inline(always)]
    fn prepare(
        &mut self,
        chunk: &ResidentChunk<'_>,
        batch: std::ops::Range<usize>,
        cuts: &[f32; 4],
        service_level: f64,
    ) {
        let len = batch.len();
        for (fifth, &ses) in self.fifth[..len].iter_mut().zip(&chunk.ses[batch]) {
            *fifth = cuts.iter().map(|&cut| u8::from(ses >= cut)).sum();
        }
        self.personal[..len].fill(service_level);
        self.participating[..len].fill(false);
        self.offered[..len].fill(false);
    }

    /// Lists the residents of `batch` with anything to draw or do, in
    /// order: in `in_need` those with open needs, in `acting` those
    /// volunteering or with an offer already marked in `offered`. Returns
    /// how many each list has.
    #[inline(always)]
    fn list_busy(
        &mut self,
        chunk: &ResidentChunk<'_>,
        batch: std::ops::Range<usize>,
        domains: usize,
    ) -> (usize, usize) {
        // Listed from bit masks, without a branch per resident: who is
        // busy is as good as random, and such a branch would be
        // mispredicted often.
        let (mut need_mask, mut act_mask) = ([0; busy::words(BATCH)], [0; busy::words(BATCH)]);
        let slots = batch.start * domains..batch.end * domains;
        let residents = busy::Batch {
            reported: &chunk.reported[slots.clone()],
            hidden: &chunk.hidden[slots],
            domains,
            traits: &chunk.traits[batch.clone()],
            offered: &self.offered[..batch.len()],
        };
        busy::mark(&residents, &mut need_mask, &mut act_mask);
        let words = busy::words(batch.len());
        (
            busy::list(&need_mask[..words], &mut self.in_need),
            busy::list(&act_mask[..words], &mut self.acting),
        )
    }
}

/// [`respond`] for `D` domains (0: as many as `ctx` says). Each batch of
/// a run of neighbours goes through three steps, so that the work every
/// resident does is one loop of the same arithmetic in every lane (SIMD):
///
/// 1. the few with open needs or an offer, or who volunteer, draw and act
///    (scalar; the rest are skipped), from two lists made without a
///    branch: first those with open needs are served, then those who
///    volunteer or have an offer join, quit and give effort, so neither
///    loop branches on which kind of busy a resident is;
/// 2. everyone's burnout, satisfaction, trust and expectation are updated;
/// 3. the sums are added to the tallies, resident by resident in order,
///    so that they come out the same as when one loop did everything.
#[inline(always)]
fn respond_for<const D: usize>(
    chunk: &mut ResidentChunk<'_>,
    ctx: &ResponseContext<'_>,
) -> ResponseTally {
    let d_count = if D == 0 { ctx.domains } else { D };
    let mut tally = ResponseTally::new(hoods_of(chunk.neighbourhood), d_count);
    let tick = ctx.tick as u64;
    let joining = StreamKey::new(ctx.seed, tick, Purpose::Joining);
    let response = StreamKey::new(ctx.seed, tick, Purpose::Response);
    let mut scratch = Scratch::new();
    for (start, end, n) in runs(chunk.first, chunk.neighbourhood) {
        let hood = &ctx.hoods[n];
        let at = n - tally.first_hood;
        let stream = joining.stream((chunk.first + start) as u64);
        let mut offers = Arrivals::new(stream, log_miss(hood.join_rate), start, end);
        let mut next_offer = offers.next();
        let mut act = Act {
            ctx,
            hood,
            // Both `d_count` long, as the compiler can see.
            fates: &ctx.fates[n * d_count..][..d_count],
            cells: &mut tally.cells[at * d_count..][..d_count],
            fifths: &mut tally.quintiles,
        };
        let mut hood_tally = GroupTally::default();
        let mut first = start;
        while first < end {
            let batch = first..(first + BATCH).min(end);
            // 1. The busy few draw and act.
            scratch.prepare(chunk, batch.clone(), &ctx.quintile_cuts, hood.service_level);
            // Offers reaching the batch, each with the uniform it comes with.
            while let Some(i) = next_offer.filter(|&i| i < batch.end) {
                scratch.offered[i - first] = true;
                scratch.offer[i - first] = offers.stream.uniform();
                next_offer = offers.next();
            }
            let (in_need, acting) = scratch.list_busy(chunk, batch.clone(), d_count);
            // A resident draws for their needs first, then for volunteering,
            // from one stream: keyed here for those who act, and again (the
            // same key) for those in need, whose draws come first.
            for &j in &scratch.acting[..acting] {
                let j = usize::from(j);
                scratch.stream[j] = response.stream((chunk.first + first + j) as u64);
            }
            for &j in &scratch.in_need[..in_need] {
                let j = usize::from(j);
                let mut rng = response.stream((chunk.first + first + j) as u64);
                let fifth = usize::from(scratch.fifth[j]);
                scratch.personal[j] = act.serve(chunk, first + j, fifth, &mut rng);
                scratch.stream[j] = rng;
            }
            for &j in &scratch.acting[..acting] {
                let j = usize::from(j);
                let offer = scratch.offered[j].then_some(scratch.offer[j]);
                let fifth = usize::from(scratch.fifth[j]);
                scratch.participating[j] = act.participate(
                    chunk,
                    first + j,
                    fifth,
                    offer,
                    &mut scratch.stream[j],
                    &mut hood_tally,
                );
            }
            // 2. Everyone, in lanes; 3. the tallies, in order.
            update_feelings(chunk, batch.clone(), ctx, hood, &mut scratch);
            add_feelings(&scratch, batch.len(), &mut hood_tally, act.fifths);
            first = batch.end;
        }
        tally.hoods[at].add(&hood_tally);
    }
    tally
}

/// What the first step of the response pass reads and writes for the
/// residents of one neighbourhood.
struct Act<'a, 'c> {
    ctx: &'a ResponseContext<'c>,
    hood: &'a HoodView,
    fates: &'a [NeedFates],
    cells: &'a mut [CellTally],
    /// The SES fifths' residents in the chunk, so far.
    fifths: &'a mut [GroupTally; 5],
}

impl Act<'_, '_> {
    /// Resident `i` of `chunk`, in SES fifth `fifth`, who has open needs,
    /// is served and lapses some, drawing from their [`Purpose::Response`]
    /// stream `rng`; adds the needs to the neighbourhood's cells and to
    /// the fifth's tally. Returns the share of the resident's open needs
    /// served, 0-1.
    #[inline(always)]
    fn serve(
        &mut self,
        chunk: &mut ResidentChunk<'_>,
        i: usize,
        fifth: usize,
        rng: &mut Stream,
    ) -> f64 {
        let d_count = self.fates.len();
        let slots = i * d_count..(i + 1) * d_count;
        let (reported, hidden) = (&mut chunk.reported[slots.clone()], &mut chunk.hidden[slots]);
        let week = serve_and_lapse(rng, Slots { reported, hidden }, self.fates, self.cells);
        // The neighbourhood's needs are summed from its cells once a tick
        // ([`ResponseTally::count_needs_by_hood`]).
        let fifth = &mut self.fifths[fifth];
        fifth.open += u64::from(week.open);
        fifth.served += u64::from(week.served);
        fifth.lapsed += u64::from(week.lapsed);
        fifth.hidden_end += u64::from(week.hidden_end);
        f64::from(week.served) / f64::from(week.open)
    }

    /// Resident `i` of `chunk`, in SES fifth `fifth`, who volunteers or
    /// has an `offer` (with its uniform), joins, quits, and gives effort,
    /// drawing from their [`Purpose::Response`] stream `rng` after any
    /// draws for their needs; burnout and efficacy of a volunteer are
    /// updated and the volunteering added to `hood_tally` (the
    /// neighbourhood's) and the fifth's. Returns whether they volunteer
    /// this week.
    #[inline(always)]
    fn participate(
        &mut self,
        chunk: &mut ResidentChunk<'_>,
        i: usize,
        fifth: usize,
        offer: Option<f64>,
        rng: &mut Stream,
        hood_tally: &mut GroupTally,
    ) -> bool {
        let (ctx, hood) = (self.ctx, self.hood);
        let (b, k) = (ctx.behaviour, ctx.knobs);
        let mut traits = chunk.traits[i];
        let ses = chunk.ses[i] as f64;
        let mut burnout = chunk.burnout[i] as f64;
        let mut efficacy = chunk.efficacy[i] as f64;
        let kind = CooperationType::from_bits(traits);
        // Volunteering last week too: only then can peers have sanctioned.
        let sanctioned = ctx.tick > 0 && traits & PARTICIPATING != 0;
        // Free riders take the service but do not volunteer.
        let may_volunteer = k.volunteer_input && kind != CooperationType::FreeRider;
        if traits & PARTICIPATING != 0 {
            if !may_volunteer || rng.chance(quit_hazard(b, burnout, hood.voice_lost)) {
                traits &= !PARTICIPATING;
            }
        } else if let Some(u) = offer
            && may_volunteer
        {
            // An offer reaches a resident with chance join_rate and is
            // taken with their willingness: joining has chance
            // join_rate * willingness, and the logistic is worked out
            // only for the few an offer reaches.
            let trust = chunk.trust[i] as f64;
            let w = willingness(b, k, ses, efficacy, trust, hood.service_level, burnout);
            if u < w {
                traits |= PARTICIPATING;
            }
        }
        chunk.traits[i] = traits;
        if traits & PARTICIPATING == 0 {
            return false;
        }
        let agent = (chunk.first + i) as u64;
        let slope = b.cooperation_slope_min
            + b.cooperation_slope_range
                * Stream::new(ctx.seed, 0, agent, Purpose::CooperationSlope).uniform();
        let felt = if sanctioned {
            hood.sanction_credibility
        } else {
            0.0
        };
        // Only the type that gives at random draws.
        let u = match kind {
            CooperationType::Other => rng.uniform(),
            _ => 0.0,
        };
        let effort = volunteer_effort(kind, slope, hood.expected_effort, u, felt, k, b);
        burnout += b.burnout_gain * effort
            - b.burnout_recovery * hood.service_level
            - b.recognition_recovery;
        efficacy += b.efficacy_adaptation * (hood.service_level - efficacy);
        let burnout = burnout.clamp(0.0, 1.0);
        chunk.burnout[i] = burnout as f32;
        chunk.efficacy[i] = efficacy.clamp(0.0, 1.0) as f32;
        for group in [hood_tally, &mut self.fifths[fifth]] {
            group.participants += 1;
            group.participants_low_ses += u64::from(fifth < 2);
            group.volunteer_hours += effort * b.volunteer_hours;
            group.effort += effort;
            group.burnt_out += u64::from(burnout > 0.5);
        }
        true
    }
}

/// The second step of the response pass, for every resident of `batch`
/// (indices into `chunk`): burnout recovers for those who do not volunteer
/// (a volunteer's was updated in the first step), satisfaction by
/// expectancy disconfirmation, asymmetric trust and adapting expectation.
/// Reads `personal` and `participating` from `scratch` and writes its
/// `satisfaction` and `trust`. One loop without branches, so the compiler
/// works on several residents at once; each lane does the arithmetic the
/// one-resident-at-a-time code did, so the results are the same to the bit.
#[inline(always)]
fn update_feelings(
    chunk: &mut ResidentChunk<'_>,
    batch: std::ops::Range<usize>,
    ctx: &ResponseContext<'_>,
    hood: &HoodView,
    scratch: &mut Scratch,
) {
    let b = ctx.behaviour;
    let len = batch.len();
    let idle = b.idle_recovery * b.burnout_recovery;
    let service = b.performance_service_weight * hood.service_level;
    let personal_weight = 1.0 - b.performance_service_weight;
    let voice_bonus = b.voice_bonus * voice_level(ctx.knobs.decision_rights);
    let ses = &chunk.ses[batch.clone()];
    let burnout = &mut chunk.burnout[batch.clone()];
    let efficacy = &mut chunk.efficacy[batch.clone()];
    let expectation = &mut chunk.expectation[batch.clone()];
    let trust = &mut chunk.trust[batch];
    let personal = &scratch.personal[..len];
    let participating = &scratch.participating[..len];
    let satisfaction_out = &mut scratch.satisfaction[..len];
    let trust_out = &mut scratch.trust[..len];
    for j in 0..len {
        // Stored either way: a store on a condition would keep the loop scalar.
        let recovered = (burnout[j] as f64 - idle).clamp(0.0, 1.0) as f32;
        burnout[j] = if participating[j] {
            burnout[j]
        } else {
            recovered
        };
        efficacy[j] = efficacy[j].clamp(0.0, 1.0);
        let performance = service + personal_weight * personal[j];
        let expected = expectation[j] as f64;
        let satisfaction = b.performance_weight * performance
            + b.disconfirmation_weight * (performance - expected);
        let anchor =
            (ctx.trust_initial + b.trust_ses_slope * (ses[j] as f64 - 0.5)).clamp(0.0, 1.0);
        let bonus = if participating[j] { voice_bonus } else { 0.0 };
        let updated = updated_trust(b, trust[j] as f64, satisfaction, anchor, bonus);
        expectation[j] = (expected + b.expectation_adaptation * (performance - expected)) as f32;
        trust[j] = updated as f32;
        satisfaction_out[j] = satisfaction;
        trust_out[j] = updated;
    }
}

/// The third step of the response pass: adds the first `len` residents of
/// `scratch` to their neighbourhood's tally and their SES fifth's, one by
/// one in order, so each sum comes out as if the residents had been
/// handled one at a time from start to end.
// Not inlined: on its own the sums stay in registers through the loop,
// where inside the large pass they were kept in memory.
#[inline(never)]
fn add_feelings(
    scratch: &Scratch,
    len: usize,
    hood: &mut GroupTally,
    fifths: &mut [GroupTally; 5],
) {
    // The neighbourhood's sums stay in registers through the batch.
    let (mut satisfaction_sum, mut trust_sum, mut volunteer_trust_sum) =
        (hood.satisfaction, hood.trust, hood.trust_participants);
    for j in 0..len {
        let (satisfaction, trust) = (scratch.satisfaction[j], scratch.trust[j]);
        // A non-volunteer adds 0 (all bits cleared): the sum stays as it
        // is, with no branch to mispredict.
        let mask = u64::from(scratch.participating[j]).wrapping_neg();
        let volunteer_trust = f64::from_bits(trust.to_bits() & mask);
        satisfaction_sum += satisfaction;
        trust_sum += trust;
        volunteer_trust_sum += volunteer_trust;
        let fifth = &mut fifths[usize::from(scratch.fifth[j])];
        fifth.residents += 1;
        fifth.satisfaction += satisfaction;
        fifth.trust += trust;
        fifth.trust_participants += volunteer_trust;
    }
    hood.satisfaction = satisfaction_sum;
    hood.trust = trust_sum;
    hood.trust_participants = volunteer_trust_sum;
    hood.residents += len as u64;
}

/// One resident's open needs in a week, over all domains. At most
/// 8 domains of 2 x 255 open needs: `u32`, which converts to `f64` in one
/// instruction where `u64` takes several.
#[derive(Clone, Copy, Debug, Default)]
struct NeedsWeek {
    open: u32,
    served: u32,
    lapsed: u32,
    hidden_end: u32,
}

/// One resident's open needs per domain, reported and hidden.
struct Slots<'a> {
    reported: &'a mut [u8],
    hidden: &'a mut [u8],
}

/// What becomes of a (neighbourhood, domain)'s open needs this week, one
/// uniform each: served with the share served, else lapsing with the
/// domain's lapse rate, else staying open.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeedFates {
    /// Of a reported need.
    pub reported: Trinomial,
    /// Of a hidden need.
    pub hidden: Trinomial,
}

impl NeedFates {
    /// From the shares of reported and hidden needs served and the chance
    /// an unserved need lapses, each in [0, 1].
    pub fn new(serve_reported: f64, serve_hidden: f64, lapse: f64) -> Self {
        NeedFates {
            reported: Trinomial::new(serve_reported, lapse),
            hidden: Trinomial::new(serve_hidden, lapse),
        }
    }
}

/// The domains with needs open (reported or hidden), as a word with the top
/// bit of byte `d` set where domain `d` has some. At most
/// [`crate::scenario::MAX_DOMAINS`] (8) domains, one byte each.
#[inline(always)]
fn open_domains(reported: &[u8], hidden: &[u8]) -> u64 {
    if let (Ok(r), Ok(h)) = (<[u8; 4]>::try_from(reported), <[u8; 4]>::try_from(hidden)) {
        // Four domains (the usual count), all at once: a byte's low seven
        // bits plus 0x7f carry into its top bit unless all are 0; or'ed
        // with the byte itself, the top bit says "not 0".
        let word = u32::from_le_bytes(r) | u32::from_le_bytes(h);
        return u64::from((((word & 0x7f7f_7f7f) + 0x7f7f_7f7f) | word) & 0x8080_8080);
    }
    debug_assert!(reported.len() <= 8, "at most eight domains");
    reported
        .iter()
        .zip(hidden)
        .enumerate()
        .fold(0, |open, (d, (&r, &h))| {
            open | u64::from(r | h != 0) << (8 * d + 7)
        })
}

/// Serves one resident's open needs and lapses some of the rest, domain by
/// domain (a domain with none open draws nothing), adding them to the
/// neighbourhood's `cells` (one per domain).
#[inline(always)]
fn serve_and_lapse(
    rng: &mut Stream,
    slots: Slots<'_>,
    fates: &[NeedFates],
    cells: &mut [CellTally],
) -> NeedsWeek {
    let mut week = NeedsWeek::default();
    let Slots { reported, hidden } = slots;
    // Only the domains with needs open are visited, in order, without a
    // branch per domain to mispredict.
    let mut open = open_domains(reported, hidden);
    while open != 0 {
        let d = open.trailing_zeros() as usize / 8;
        serve_domain(
            rng,
            &mut reported[d],
            &mut hidden[d],
            &fates[d],
            &mut cells[d],
            &mut week,
        );
        open &= open - 1;
    }
    week
}

/// Serves a resident's open needs of one domain (`reported` and `hidden`
/// counts) and lapses some of the rest, adding them to the domain's `cell`
/// and the resident's `week`.
#[inline(always)]
fn serve_domain(
    rng: &mut Stream,
    reported: &mut u8,
    hidden: &mut u8,
    fate: &NeedFates,
    cell: &mut CellTally,
    week: &mut NeedsWeek,
) {
    let (r, h) = (u32::from(*reported), u32::from(*hidden));
    let [(sr, lr), (sh, lh)] = rng.trinomial_pair((r, h), (&fate.reported, &fate.hidden));
    let (r_end, h_end) = (r - sr - lr, h - sh - lh);
    *reported = r_end as u8;
    *hidden = h_end as u8;
    cell.open_reported += u64::from(r);
    cell.open_hidden += u64::from(h);
    cell.served_reported += u64::from(sr);
    cell.served_hidden += u64::from(sh);
    cell.lapsed_reported += u64::from(lr);
    cell.lapsed_hidden += u64::from(lh);
    week.open += r + h;
    week.served += sr + sh;
    week.lapsed += lr + lh;
    week.hidden_end += h_end;
}

fn add_slices(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

#[cfg(test)]
mod tests {
    use super::{BLOCK, GENERIC_DOMAINS, NARROW_LANES, NeedsTally, ResponseTally, hoods_of, runs};
    use crate::{Scenario, Simulation};
    use std::sync::atomic::Ordering;

    /// Every row of every week of a 5,000-resident `hybrid` run, with the
    /// response pass's code for any number of domains (`generic`) and
    /// compiled for any x86-64 (`narrow`) or as usual.
    fn city_rows(generic: bool, narrow: bool) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/hybrid.toml");
        let set = ["city.residents=5000", "run.warmup=0", "run.ticks=40"].map(String::from);
        let scenario = Scenario::load(&path, &set).expect("the shipped scenario loads");
        assert_eq!(scenario.domains.len(), 4, "the unrolled case");
        GENERIC_DOMAINS.store(generic, Ordering::Relaxed);
        NARROW_LANES.store(narrow, Ordering::Relaxed);
        let mut sim = Simulation::new(scenario);
        let rows = (0..40).map(|_| format!("{:?}", sim.step())).collect();
        GENERIC_DOMAINS.store(false, Ordering::Relaxed);
        NARROW_LANES.store(false, Ordering::Relaxed);
        rows
    }

    #[test]
    fn runs_split_at_neighbourhood_changes_and_at_city_blocks() {
        // A chunk starting 100 residents before a block boundary.
        let first = 3 * BLOCK - 100;
        let mut hoods = vec![0u16; 60];
        hoods.extend(vec![1u16; 40 + BLOCK + 10]);
        hoods.extend(vec![2u16; 5]);
        let got: Vec<_> = runs(first, &hoods).collect();
        assert_eq!(
            got,
            vec![
                (0, 60, 0),
                (60, 100, 1),
                (100, 100 + BLOCK, 1),
                (100 + BLOCK, 110 + BLOCK, 1),
                (110 + BLOCK, 115 + BLOCK, 2)
            ]
        );
        assert_eq!(runs(0, &[]).count(), 0);
    }

    /// Runs of every length (shorter and longer than the groups of 16 the
    /// scan tests at once), starting anywhere relative to a block, are
    /// those of a plain resident-by-resident scan.
    #[test]
    fn a_chunk_tally_covers_its_neighbourhoods_and_adds_at_their_place() {
        assert_eq!(hoods_of(&[]), 0..0);
        assert_eq!(hoods_of(&[3, 3, 4, 7]), 3..8);
        // Neighbourhoods 3 and 4 of 10, two domains each.
        let mut part = ResponseTally::new(3..5, 2);
        part.hoods[1].residents = 7;
        part.cells[3].served_hidden = 2;
        part.quintiles[2].residents = 7;
        let mut total = ResponseTally::new(0..10, 2);
        total.add(&part);
        total.add(&part);
        assert_eq!(total.hoods[4].residents, 14);
        assert_eq!(total.hoods.iter().map(|h| h.residents).sum::<u64>(), 14);
        assert_eq!(total.cells[9].served_hidden, 4);
        assert_eq!(total.cells.iter().map(|c| c.served_hidden).sum::<u64>(), 4);
        assert_eq!(total.quintiles[2].residents, 14);
        let mut part = NeedsTally::new(3..5, 2);
        part.new_reported[3] = 5;
        part.new_hidden[0] = 1;
        let mut total = NeedsTally::new(0..10, 2);
        total.add(&part);
        assert_eq!((total.new_reported[9], total.new_hidden[6]), (5, 1));
        assert_eq!(
            total
                .new_reported
                .iter()
                .chain(&total.new_hidden)
                .sum::<u64>(),
            6
        );
    }

    #[test]
    fn runs_match_a_plain_scan() {
        let mut rng = crate::rng::Stream::new(5, 0, 0, crate::rng::Purpose::Needs);
        for case in 0..200 {
            let mut hoods = Vec::new();
            let mut hood = 0u16;
            while hoods.len() < 3 * BLOCK / 2 {
                let len = 1 + (rng.uniform() * if case % 2 == 0 { 40.0 } else { 700.0 }) as usize;
                hoods.extend(std::iter::repeat_n(hood, len));
                hood = (hood + 1 + (rng.uniform() * 2.0) as u16) % 7;
            }
            let first = (rng.uniform() * 3.0 * BLOCK as f64) as usize;
            let mut plain = Vec::new();
            let mut start = 0;
            for i in 1..=hoods.len() {
                let block_starts = (first + i).is_multiple_of(BLOCK);
                if i == hoods.len() || hoods[i] != hoods[start] || block_starts {
                    plain.push((start, i, hoods[start] as usize));
                    start = i;
                }
            }
            assert_eq!(
                runs(first, &hoods).collect::<Vec<_>>(),
                plain,
                "case {case}"
            );
        }
    }

    /// New needs per resident and domain are Poisson at each domain's rate:
    /// mean and variance both equal the rate, a domain without need gets
    /// none, and the tally counts what the residents hold.
    #[test]
    fn needs_arise_per_domain_at_their_poisson_rates() {
        use super::{NeedRates, NeedsContext, arise_and_report};
        use crate::model::ResidentChunk;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/hybrid.toml");
        let scenario = Scenario::load(&path, &[]).expect("the shipped scenario loads");
        let rates = [0.01, 0.03, 0.0, 0.06, 0.2, 0.0, 0.05, 0.1];
        let (residents, domains) = (200_000usize, 4usize);
        let neighbourhood: Vec<u16> = (0..residents)
            .map(|i| u16::from(i >= residents / 2))
            .collect();
        let ses = vec![0.5f32; residents];
        let trust_initial = scenario.city.trust_initial;
        let mut trust = vec![trust_initial as f32; residents];
        let (mut expectation, mut efficacy, mut burnout) = (
            vec![0.6f32; residents],
            vec![0.5f32; residents],
            vec![0.0f32; residents],
        );
        let mut traits = vec![0u8; residents];
        let (mut reported, mut hidden) = (
            vec![0u8; residents * domains],
            vec![0u8; residents * domains],
        );
        let mut chunk = ResidentChunk {
            first: 0,
            neighbourhood: &neighbourhood,
            ses: &ses,
            trust: &mut trust,
            expectation: &mut expectation,
            efficacy: &mut efficacy,
            burnout: &mut burnout,
            traits: &mut traits,
            reported: &mut reported,
            hidden: &mut hidden,
        };
        let needs = NeedRates::new(&rates, domains);
        let ctx = NeedsContext {
            seed: 11,
            tick: 3,
            domains,
            knobs: &scenario.governance.knobs,
            behaviour: &scenario.behaviour,
            quintile_cuts: [0.2, 0.4, 0.6, 0.8],
            needs: &needs,
            trust_initial,
        };
        let tally = arise_and_report(&mut chunk, &ctx);
        let per_hood = (residents / 2) as f64;
        for (cell, &rate) in rates.iter().enumerate() {
            let (hood, d) = (cell / domains, cell % domains);
            let counts: Vec<f64> = (hood * residents / 2..(hood + 1) * residents / 2)
                .map(|i| f64::from(reported[i * domains + d]) + f64::from(hidden[i * domains + d]))
                .collect();
            let total: f64 = counts.iter().sum();
            assert_eq!(
                total as u64,
                tally.new_reported[cell] + tally.new_hidden[cell]
            );
            if rate == 0.0 {
                assert_eq!(total, 0.0, "cell {cell}");
                continue;
            }
            let mean = total / per_hood;
            let var = counts.iter().map(|k| (k - mean).powi(2)).sum::<f64>() / per_hood;
            assert!(
                (mean - rate).abs() < 4.0 * (rate / per_hood).sqrt(),
                "cell {cell}: mean {mean}, rate {rate}"
            );
            assert!(
                (var / mean - 1.0).abs() < 0.05,
                "cell {cell}: variance {var}, mean {mean}"
            );
        }
        // Everyone has SES 0.5, in the third fifth.
        let arisen: u64 = tally.new_reported.iter().chain(&tally.new_hidden).sum();
        assert_eq!(tally.arisen_by_quintile, [0, 0, arisen, 0, 0]);
    }

    /// The unrolled code and the code for any number of domains, and where
    /// the processor has AVX2 the code compiled for it and for any x86-64,
    /// give every row of every week alike, neighbourhoods and quintiles
    /// included. One test, so no other flips the paths meanwhile.
    #[test]
    fn every_compiled_path_of_the_passes_computes_the_same() {
        let usual = city_rows(false, false);
        assert_eq!(city_rows(true, false), usual, "any number of domains");
        assert_eq!(city_rows(false, true), usual, "any x86-64");
        assert_eq!(city_rows(true, true), usual, "both");
    }
}
