//! One side's map, drawn as one image: the neighbourhood squares in their
//! metric's colours and the sampled residents on them. The image is redrawn
//! only when it changes (a week has run, another metric or scale, another
//! size), so a frame draws two triangles instead of thousands of shapes
//! over each other: software renderers, which projectors' laptops sometimes
//! fall back to, spend most of a frame on exactly that.

use crate::snapshot::{DotState, SideView};
use bevy_egui::egui;
use std::ops::Range;

pub const VOLUNTEER: egui::Color32 = egui::Color32::from_rgb(0, 158, 115);
pub const WAITING: egui::Color32 = egui::Color32::from_rgb(230, 159, 0);
pub const SERVED: egui::Color32 = egui::Color32::from_gray(235);

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
            let image = rasterize(side, &want.colours, cell * ppp, SIZE * ppp, size);
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
        fill(
            span(centre.x - half, centre.x + half, width),
            span(centre.y - half, centre.y + half, height),
            colour,
        );
    }
    image
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Dot;

    #[test]
    fn squares_in_their_colours_and_residents_in_their_state_colours() {
        let side = SideView {
            name: "left",
            regime: "public".into(),
            history: Vec::new(),
            hoods: Vec::new(),
            grid: vec![(0, 0), (1, 0)],
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
        assert_eq!(at(52, 57), red);
        // Neighbourhood 1's: one square to the right, at (100 + 6, 22).
        assert_eq!(at(106, 22), VOLUNTEER);
        let count = |c: egui::Color32| image.pixels.iter().filter(|p| **p == c).count();
        assert_eq!(count(WAITING), 25, "a 5x5 square");
        assert_eq!(count(VOLUNTEER), 25);
        assert_eq!(count(red) + count(blue), 2 * 97 * 97 - 50);
    }
}
