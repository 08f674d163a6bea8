//! One side's map, drawn as one image: the neighbourhood squares in their
//! metric's colours and the sampled residents on them. The image is redrawn
//! only when it changes (a week has run, another metric or scale, another
//! size), so a frame draws two triangles instead of thousands of shapes
//! over each other: software renderers, which projectors' laptops sometimes
//! fall back to, spend most of a frame on exactly that.

use crate::snapshot::{DotState, Outlines, SideView};
use bevy_egui::egui;
use std::ops::Range;

pub const VOLUNTEER: egui::Color32 = egui::Color32::from_rgb(0, 158, 115);
pub const WAITING: egui::Color32 = egui::Color32::from_rgb(230, 159, 0);
pub const SERVED: egui::Color32 = egui::Color32::from_gray(235);
/// The edge around every resident's square: dark, so that orange on
/// viridis's yellow and grey on its light greens still stand out.
pub const DOT_EDGE: egui::Color32 = egui::Color32::from_gray(25);

/// The width of a dot's dark edge for dots of `size` pixels.
fn edge(size: f32) -> f32 {
    (size / 6.0).floor().max(1.0)
}

/// A resident's square, in points.
const SIZE: f32 = 5.0;

/// Where, within its neighbourhood's square, a resident sits: below the
/// strip where organizations are drawn.
pub fn place(x: f32, y: f32) -> egui::Vec2 {
    egui::vec2(0.06 + 0.86 * x, 0.22 + 0.7 * y)
}

/// What the image shows: redrawn when any of it changes.
#[derive(Clone, PartialEq)]
struct Drawn {
    generation: u64,
    tick: u32,
    width: usize,
    height: usize,
    colours: Vec<egui::Color32>,
}

#[derive(Default)]
pub struct MapLayer {
    texture: Option<egui::TextureHandle>,
    drawn: Option<Drawn>,
    /// On a real map: which neighbourhood each pixel of the image shows
    /// (`u16::MAX`: none), for pointing at one.
    owner: Vec<u16>,
}

impl MapLayer {
    /// Paints `side`'s map at `rect`: neighbourhood squares `cell` points
    /// wide in `colours` (one per neighbourhood) with the residents on them.
    /// `generation` and `tick` identify the snapshot.
    pub fn paint(
        &mut self,
        painter: &egui::Painter,
        side: &SideView,
        (generation, tick): (u64, u32),
        (rect, cell): (egui::Rect, f32),
        colours: Vec<egui::Color32>,
    ) {
        let ppp = painter.pixels_per_point();
        let want = Drawn {
            generation,
            tick,
            width: (rect.width() * ppp).ceil() as usize,
            height: (rect.height() * ppp).ceil() as usize,
            colours,
        };
        if self.drawn.as_ref() != Some(&want) || self.texture.is_none() {
            let size = [want.width, want.height];
            let image = match &side.outlines {
                Some(outlines) => {
                    let (image, owner) =
                        rasterize_map(side, outlines, &want.colours, SIZE * ppp, size);
                    self.owner = owner;
                    image
                }
                None => rasterize(side, &want.colours, cell * ppp, SIZE * ppp, size),
            };
            match &mut self.texture {
                Some(t) => t.set(image, egui::TextureOptions::NEAREST),
                None => {
                    self.texture = Some(painter.ctx().load_texture(
                        format!("map of the {} side", side.name),
                        image,
                        egui::TextureOptions::NEAREST,
                    ))
                }
            }
            self.drawn = Some(want);
        }
        if let Some(t) = &self.texture {
            let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
            painter.image(t.id(), rect, uv, egui::Color32::WHITE);
        }
    }
}

impl MapLayer {
    /// The neighbourhood drawn at `at` (0-1 across and down the image) on a
    /// real map, if any.
    pub fn hood_at(&self, at: egui::Vec2) -> Option<usize> {
        let drawn = self.drawn.as_ref()?;
        let (x, y) = (
            (at.x * drawn.width as f32) as usize,
            (at.y * drawn.height as f32) as usize,
        );
        (x < drawn.width && y < drawn.height)
            .then(|| self.owner.get(y * drawn.width + x).copied())
            .flatten()
            .filter(|&h| h != u16::MAX)
            .map(usize::from)
    }
}

/// How `outlines` fit an image of `[width, height]` pixels: the scale and
/// offset from map units to pixels, the map centred.
pub fn fit(outlines: &Outlines, [width, height]: [usize; 2]) -> (f32, egui::Vec2) {
    let (w, h) = (outlines.size.0.max(1e-9), outlines.size.1.max(1e-9));
    let k = (width as f32 / w).min(height as f32 / h);
    (
        k,
        egui::vec2((width as f32 - w * k) / 2.0, (height as f32 - h * k) / 2.0),
    )
}

/// A real map: each neighbourhood's outline filled in its colour (even-odd,
/// so holes stay empty), and residents as squares of `size` pixels at their
/// place within their neighbourhood's bounds where that falls inside it; with
/// the owner of every pixel.
fn rasterize_map(
    side: &SideView,
    outlines: &Outlines,
    colours: &[egui::Color32],
    size: f32,
    [width, height]: [usize; 2],
) -> (egui::ColorImage, Vec<u16>) {
    let mut image = egui::ColorImage::filled([width, height], egui::Color32::TRANSPARENT);
    let mut owner = vec![u16::MAX; width * height];
    let (k, offset) = fit(outlines, [width, height]);
    let pixel = |p: &(f32, f32)| (offset.x + p.0 * k, offset.y + p.1 * k);
    let mut bounds = vec![
        [
            f32::INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NEG_INFINITY
        ];
        outlines.rings.len()
    ];
    for (h, rings) in outlines.rings.iter().enumerate() {
        let rings: Vec<Vec<(f32, f32)>> = rings
            .iter()
            .map(|r| r.iter().map(pixel).collect())
            .collect();
        let b = &mut bounds[h];
        for &(x, y) in rings.iter().flatten() {
            *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
        let colour = colours.get(h).copied().unwrap_or(egui::Color32::GRAY);
        let (top, bottom) = (
            (b[1].floor().max(0.0)) as usize,
            (b[3].ceil().max(0.0) as usize).min(height),
        );
        let mut crossings = Vec::new();
        for row in top..bottom {
            let y = row as f32 + 0.5;
            crossings.clear();
            for ring in &rings {
                for edge in ring.windows(2) {
                    let ((x0, y0), (x1, y1)) = (edge[0], edge[1]);
                    if (y0 <= y) != (y1 <= y) {
                        crossings.push(x0 + (y - y0) / (y1 - y0) * (x1 - x0));
                    }
                }
            }
            crossings.sort_by(f32::total_cmp);
            for pair in crossings.chunks_exact(2) {
                let from = (pair[0] - 0.5).ceil().max(0.0) as usize;
                let to = ((pair[1] - 0.5).floor() + 1.0).clamp(0.0, width as f32) as usize;
                for x in from.min(to)..to {
                    image.pixels[row * width + x] = colour;
                    owner[row * width + x] = h as u16;
                }
            }
        }
    }
    let half = size / 2.0;
    for dot in &side.dots {
        let h = dot.hood as usize;
        let Some(b) = bounds.get(h) else { continue };
        let centre = (b[0] + dot.x * (b[2] - b[0]), b[1] + dot.y * (b[3] - b[1]));
        let (cx, cy) = (centre.0 as usize, centre.1 as usize);
        if cx >= width || cy >= height || owner[cy * width + cx] != dot.hood {
            continue;
        }
        let colour = match dot.state {
            DotState::Volunteering => VOLUNTEER,
            DotState::Waiting => WAITING,
            DotState::Served => SERVED,
        };
        let span = |from: f32, to: f32, limit: usize| {
            (from.round().max(0.0) as usize).min(limit)..(to.round().max(0.0) as usize).min(limit)
        };
        for (reach, colour) in [(half + edge(size), DOT_EDGE), (half, colour)] {
            for row in span(centre.1 - reach, centre.1 + reach, height) {
                for x in span(centre.0 - reach, centre.0 + reach, width) {
                    image.pixels[row * width + x] = colour;
                }
            }
        }
    }
    (image, owner)
}

/// Neighbourhood squares `cell` pixels wide (less a gap) in `colours`, and
/// residents as squares of `size` pixels, on a transparent image of
/// `[width, height]` pixels.
fn rasterize(
    side: &SideView,
    colours: &[egui::Color32],
    cell: f32,
    size: f32,
    [width, height]: [usize; 2],
) -> egui::ColorImage {
    let mut image = egui::ColorImage::filled([width, height], egui::Color32::TRANSPARENT);
    let span = |from: f32, to: f32, limit: usize| {
        (from.round().max(0.0) as usize).min(limit)..(to.round().max(0.0) as usize).min(limit)
    };
    let mut fill = |x: Range<usize>, y: Range<usize>, colour| {
        for row in y {
            image.pixels[row * width..(row + 1) * width][x.clone()].fill(colour);
        }
    };
    let gap = (3.0 * size / SIZE).round();
    for (&(c, r), &colour) in side.grid.iter().zip(colours) {
        let (x, y) = (c as f32 * cell, r as f32 * cell);
        fill(
            span(x, x + cell - gap, width),
            span(y, y + cell - gap, height),
            colour,
        );
    }
    let half = size / 2.0;
    for dot in &side.dots {
        let Some(&(c, r)) = side.grid.get(dot.hood as usize) else {
            continue;
        };
        let centre = (egui::vec2(c as f32, r as f32) + place(dot.x, dot.y)) * cell;
        let colour = match dot.state {
            DotState::Volunteering => VOLUNTEER,
            DotState::Waiting => WAITING,
            DotState::Served => SERVED,
        };
        for (reach, colour) in [(half + edge(size), DOT_EDGE), (half, colour)] {
            fill(
                span(centre.x - reach, centre.x + reach, width),
                span(centre.y - reach, centre.y + reach, height),
                colour,
            );
        }
    }
    image
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Dot;

    /// Two neighbourhoods side by side on a real map, the second with a
    /// hole: filled in their colours, the hole left empty, and every pixel
    /// knows whose it is.
    #[test]
    fn real_maps_fill_outlines_leave_holes_and_know_who_is_where() {
        let square = |x0: f32, x1: f32, y0: f32, y1: f32| {
            vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        };
        let outlines = Outlines {
            rings: vec![
                vec![square(0.0, 1.0, 0.0, 1.0)],
                vec![square(1.0, 2.0, 0.0, 1.0), square(1.4, 1.6, 0.4, 0.6)],
            ],
            size: (2.0, 1.0),
            centroids: vec![(0.5, 0.5), (1.5, 0.5)],
        };
        let side = SideView {
            name: "left",
            regime: "public".into(),
            history: Vec::new(),
            hoods: Vec::new(),
            grid: vec![(0, 0), (1, 0)],
            names: Vec::new(),
            outlines: Some(std::sync::Arc::new(outlines)),
            columns: 2,
            residents: 2,
            knobs: coserve::governance::preset("public").unwrap().knobs(),
            dots: vec![Dot {
                hood: 0,
                x: 0.5,
                y: 0.5,
                state: DotState::Waiting,
            }],
            changes: Vec::new(),
        };
        let (red, blue) = (egui::Color32::RED, egui::Color32::BLUE);
        let outlines = side.outlines.clone().unwrap();
        let (image, owner) = rasterize_map(&side, &outlines, &[red, blue], 5.0, [200, 100]);
        let at = |x: usize, y: usize| image.pixels[y * 200 + x];
        assert_eq!(at(10, 10), red);
        assert_eq!(at(190, 90), blue);
        assert_eq!(at(150, 50), egui::Color32::TRANSPARENT, "the hole");
        assert_eq!(at(50, 50), WAITING, "the resident, in its neighbourhood");
        assert_eq!(owner[10 * 200 + 10], 0);
        assert_eq!(owner[90 * 200 + 190], 1);
        assert_eq!(owner[50 * 200 + 150], u16::MAX);
        let inside = |c| image.pixels.iter().filter(|p| **p == c).count();
        assert_eq!(inside(WAITING), 25, "a 5x5 square");
        assert_eq!(inside(DOT_EDGE), 7 * 7 - 25, "in a 1-pixel dark edge");
        assert_eq!(
            inside(red) + 7 * 7,
            100 * 100,
            "all of the first but the resident and its edge"
        );
        assert_eq!(inside(blue), 100 * 100 - 20 * 20);
    }

    #[test]
    fn squares_in_their_colours_and_residents_in_their_state_colours() {
        let side = SideView {
            name: "left",
            regime: "public".into(),
            history: Vec::new(),
            hoods: Vec::new(),
            grid: vec![(0, 0), (1, 0)],
            names: Vec::new(),
            outlines: None,
            columns: 2,
            residents: 2,
            knobs: coserve::governance::preset("public").unwrap().knobs(),
            dots: vec![
                Dot {
                    hood: 0,
                    x: 0.5,
                    y: 0.5,
                    state: DotState::Waiting,
                },
                Dot {
                    hood: 1,
                    x: 0.0,
                    y: 0.0,
                    state: DotState::Volunteering,
                },
            ],
            changes: Vec::new(),
        };
        let (red, blue) = (egui::Color32::RED, egui::Color32::BLUE);
        let image = rasterize(&side, &[red, blue], 100.0, 5.0, [200, 100]);
        let at = |x: usize, y: usize| image.pixels[y * 200 + x];
        // The squares, with a 3-pixel gap to the right and below each.
        assert_eq!(at(0, 0), red);
        assert_eq!(at(96, 96), red);
        assert_eq!(at(97, 50), egui::Color32::TRANSPARENT);
        assert_eq!(at(150, 96), blue);
        assert_eq!(at(150, 97), egui::Color32::TRANSPARENT);
        // Neighbourhood 0's resident: centred at (6 + 43, 22 + 35).
        assert_eq!(at(49, 57), WAITING);
        assert_eq!(at(47, 55), WAITING);
        assert_eq!(at(52, 57), DOT_EDGE, "a dark edge, seen on every colour");
        assert_eq!(at(53, 57), red);
        // Neighbourhood 1's: one square to the right, at (100 + 6, 22).
        assert_eq!(at(106, 22), VOLUNTEER);
        let count = |c: egui::Color32| image.pixels.iter().filter(|p| **p == c).count();
        assert_eq!(count(WAITING), 25, "a 5x5 square");
        assert_eq!(count(VOLUNTEER), 25);
        assert_eq!(count(DOT_EDGE), 2 * (7 * 7 - 25));
        assert_eq!(count(red) + count(blue), 2 * 97 * 97 - 2 * 7 * 7);
    }
}
