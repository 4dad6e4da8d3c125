//! A tenant's SVG logo as chart shapes, so the PDF draws it as vectors (no image, no download).
//!
//! Reads the subset of SVG that logos are made of: `rect` (with `rx`), `circle`, `ellipse`,
//! `polygon`, `polyline`, `line` and `path` (`M L H V C S Q T Z`, absolute and relative; arcs
//! `A` are drawn as straight segments), filled and stroked with `#rgb` / `#rrggbb` or a basic
//! colour name, inside the `viewBox`. Transforms, gradients, text and `style` attributes are
//! not read: such parts are left out, never guessed.

use super::chart::{Rgb, Shape};

/// Points each curve or rounded corner is flattened to.
const CURVE: usize = 8;

/// The logo's shapes scaled into a `size` x `size` box at the origin (aspect kept, centred);
/// empty when `svg` has no shape this reader draws.
pub(crate) fn logo_shapes(svg: &str, size: f64) -> Vec<Shape> {
    let tags = tags(svg);
    let (vx, vy, vw, vh) = tags
        .iter()
        .find(|(name, _)| name == "svg")
        .and_then(|(_, a)| {
            let b = numbers(attr(a, "viewBox")?);
            (b.len() == 4 && b[2] > 0.0 && b[3] > 0.0).then(|| (b[0], b[1], b[2], b[3]))
        })
        .unwrap_or((0.0, 0.0, 100.0, 100.0));
    let scale = size / vw.max(vh);
    let (ox, oy) = ((size - vw * scale) / 2.0, (size - vh * scale) / 2.0);
    let at = |(x, y): (f64, f64)| (ox + (x - vx) * scale, oy + (y - vy) * scale);
    let mut out = Vec::new();
    for (name, a) in &tags {
        let num = |k: &str| attr(a, k).and_then(|v| v.trim().trim_end_matches("px").parse::<f64>().ok());
        let outlines: Vec<(Vec<(f64, f64)>, bool)> = match name.as_str() {
            "rect" => {
                let (x, y, w, h) = (num("x").unwrap_or(0.0), num("y").unwrap_or(0.0), num("width"), num("height"));
                let (Some(w), Some(h)) = (w, h) else { continue };
                let r = num("rx").or_else(|| num("ry")).unwrap_or(0.0).clamp(0.0, w.min(h) / 2.0);
                vec![(rounded_rect(x, y, w, h, r), true)]
            }
            "circle" => {
                let r = num("r").unwrap_or(0.0);
                vec![(ellipse(num("cx").unwrap_or(0.0), num("cy").unwrap_or(0.0), r, r), true)]
            }
            "ellipse" => {
                let (cx, cy) = (num("cx").unwrap_or(0.0), num("cy").unwrap_or(0.0));
                vec![(ellipse(cx, cy, num("rx").unwrap_or(0.0), num("ry").unwrap_or(0.0)), true)]
            }
            "polygon" | "polyline" => {
                let n = numbers(attr(a, "points").unwrap_or(""));
                vec![(n.chunks_exact(2).map(|p| (p[0], p[1])).collect(), name == "polygon")]
            }
            "line" => {
                let p = |k: &str| num(k).unwrap_or(0.0);
                vec![(vec![(p("x1"), p("y1")), (p("x2"), p("y2"))], false)]
            }
            "path" => path(attr(a, "d").unwrap_or("")),
            _ => continue,
        };
        let default_fill = if name == "polyline" || name == "line" { None } else { Some((0, 0, 0)) };
        let fill = attr(a, "fill").map_or(default_fill, colour);
        let stroke = attr(a, "stroke").and_then(colour);
        let width = num("stroke-width").unwrap_or(1.0) * scale;
        for (points, closed) in outlines {
            if points.len() < 2 {
                continue;
            }
            let mut p: Vec<(f64, f64)> = points.into_iter().map(at).collect();
            if let Some(c) = fill
                && p.len() >= 3
            {
                out.push(Shape::Area { points: p.clone(), colour: c, opacity: 1.0 });
            }
            if let Some(c) = stroke {
                if closed {
                    p.push(p[0]);
                }
                out.push(Shape::Line { points: p, colour: c, width, dashed: false });
            }
        }
    }
    out
}

/// `(tag name, attribute text)` of every start tag.
fn tags(svg: &str) -> Vec<(String, String)> {
    svg.split('<')
        .skip(1)
        .filter_map(|t| {
            let t = t.split('>').next()?;
            if t.starts_with(['/', '!', '?']) {
                return None;
            }
            let name: String = t.chars().take_while(|c| c.is_alphanumeric() || *c == ':').collect();
            let rest = t[name.len()..].to_string();
            Some((name, rest))
        })
        .collect()
}

/// The value of attribute `name` in a tag's attribute text.
fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attrs;
    while let Some(i) = rest.find(name) {
        let before_ok = rest[..i].chars().last().is_none_or(char::is_whitespace);
        let after = rest[i + name.len()..].trim_start();
        if before_ok && let Some(v) = after.strip_prefix('=') {
            let v = v.trim_start();
            let q = v.chars().next()?;
            if q == '"' || q == '\'' {
                return v[1..].split(q).next();
            }
        }
        rest = &rest[i + name.len()..];
    }
    None
}

/// Every number in `s` (separated by spaces, commas or signs, as SVG writes them).
fn numbers(s: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<f64>| {
        if let Ok(v) = cur.parse::<f64>() {
            out.push(v);
        }
        cur.clear();
    };
    for c in s.chars() {
        let starts_new = (c == '-' || c == '+') && !cur.is_empty() && !cur.ends_with(['e', 'E'])
            || c == '.' && cur.contains('.') && !cur.contains(['e', 'E']);
        if starts_new {
            flush(&mut cur, &mut out);
        }
        if c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' {
            cur.push(c);
        } else {
            flush(&mut cur, &mut out);
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// `#rgb`, `#rrggbb` or a basic colour name; `None` for `none` or anything else.
fn colour(v: &str) -> Option<Rgb> {
    let v = v.trim();
    if let Some(h) = v.strip_prefix('#') {
        let hex = |s: &str| u8::from_str_radix(s, 16).ok();
        return match h.len() {
            3 => {
                let d: Vec<u8> = h.chars().filter_map(|c| hex(&c.to_string())).collect();
                (d.len() == 3).then(|| (d[0] * 17, d[1] * 17, d[2] * 17))
            }
            6 => Some((hex(&h[0..2])?, hex(&h[2..4])?, hex(&h[4..6])?)),
            _ => None,
        };
    }
    Some(match v.to_ascii_lowercase().as_str() {
        "white" => (255, 255, 255),
        "black" => (0, 0, 0),
        "red" => (255, 0, 0),
        "green" => (0, 128, 0),
        "blue" => (0, 0, 255),
        "yellow" => (255, 255, 0),
        "orange" => (255, 165, 0),
        "grey" | "gray" => (128, 128, 128),
        _ => return None,
    })
}

fn ellipse(cx: f64, cy: f64, rx: f64, ry: f64) -> Vec<(f64, f64)> {
    (0..4 * CURVE)
        .map(|k| {
            let t = std::f64::consts::TAU * k as f64 / (4 * CURVE) as f64;
            (cx + rx * t.cos(), cy + ry * t.sin())
        })
        .collect()
}

fn rounded_rect(x: f64, y: f64, w: f64, h: f64, r: f64) -> Vec<(f64, f64)> {
    if r <= 0.0 {
        return vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h)];
    }
    let corners =
        [(x + w - r, y + r, -90.0), (x + w - r, y + h - r, 0.0), (x + r, y + h - r, 90.0), (x + r, y + r, 180.0)];
    corners
        .iter()
        .flat_map(|&(cx, cy, start): &(f64, f64, f64)| {
            (0..=CURVE).map(move |k| {
                let t = (start + 90.0 * k as f64 / CURVE as f64).to_radians();
                (cx + r * t.cos(), cy + r * t.sin())
            })
        })
        .collect()
}

/// The subpaths of path data `d`, each with whether it was closed.
fn path(d: &str) -> Vec<(Vec<(f64, f64)>, bool)> {
    let mut out = Vec::new();
    let mut sub: Vec<(f64, f64)> = Vec::new();
    let (mut cur, mut start, mut last_ctrl) = ((0.0, 0.0), (0.0, 0.0), None::<(f64, f64)>);
    let finish = |sub: &mut Vec<(f64, f64)>, closed: bool, out: &mut Vec<(Vec<(f64, f64)>, bool)>| {
        if sub.len() >= 2 {
            out.push((std::mem::take(sub), closed));
        }
        sub.clear();
    };
    let mut i = 0;
    let chars: Vec<char> = d.chars().collect();
    while i < chars.len() {
        let cmd = chars[i];
        if !cmd.is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let end = (i + 1..chars.len())
            .find(|&k| chars[k].is_ascii_alphabetic() && !"eE".contains(chars[k]))
            .unwrap_or(chars.len());
        let args = numbers(&chars[i + 1..end].iter().collect::<String>());
        i = end;
        let rel = cmd.is_ascii_lowercase();
        let abs = |p: (f64, f64), cur: (f64, f64)| if rel { (cur.0 + p.0, cur.1 + p.1) } else { p };
        let arity = match cmd.to_ascii_uppercase() {
            'M' | 'L' | 'T' => 2,
            'H' | 'V' => 1,
            'C' => 6,
            'S' | 'Q' => 4,
            'A' => 7,
            _ => 0,
        };
        if cmd.eq_ignore_ascii_case(&'Z') {
            finish(&mut sub, true, &mut out);
            cur = start;
            continue;
        }
        if arity == 0 {
            continue;
        }
        for (n, a) in args.chunks_exact(arity).enumerate() {
            let (mut ctrl, from) = (None, cur);
            match cmd.to_ascii_uppercase() {
                'M' if n == 0 => {
                    finish(&mut sub, false, &mut out);
                    cur = abs((a[0], a[1]), cur);
                    start = cur;
                    sub.push(cur);
                }
                'M' | 'L' | 'T' => cur = abs((a[0], a[1]), cur),
                'H' => cur = (if rel { cur.0 + a[0] } else { a[0] }, cur.1),
                'V' => cur = (cur.0, if rel { cur.1 + a[0] } else { a[0] }),
                'A' => cur = abs((a[5], a[6]), cur),
                'C' | 'S' | 'Q' => {
                    let (c1, c2, to) = match cmd.to_ascii_uppercase() {
                        'C' => (abs((a[0], a[1]), cur), abs((a[2], a[3]), cur), abs((a[4], a[5]), cur)),
                        'S' => {
                            let c1 = last_ctrl.map_or(cur, |c| (2.0 * cur.0 - c.0, 2.0 * cur.1 - c.1));
                            (c1, abs((a[0], a[1]), cur), abs((a[2], a[3]), cur))
                        }
                        _ => {
                            let q = abs((a[0], a[1]), cur);
                            let to = abs((a[2], a[3]), cur);
                            // A quadratic as the cubic with the same curve.
                            let lerp = |p: (f64, f64), t: f64| (p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t);
                            (lerp(cur, 2.0 / 3.0), lerp(to, 2.0 / 3.0), to)
                        }
                    };
                    for k in 1..=CURVE {
                        let t = k as f64 / CURVE as f64;
                        let u = 1.0 - t;
                        let b = |p0: f64, p1: f64, p2: f64, p3: f64| {
                            u * u * u * p0 + 3.0 * u * u * t * p1 + 3.0 * u * t * t * p2 + t * t * t * p3
                        };
                        sub.push((b(from.0, c1.0, c2.0, to.0), b(from.1, c1.1, c2.1, to.1)));
                    }
                    ctrl = Some(c2);
                    cur = to;
                    last_ctrl = ctrl;
                    continue;
                }
                _ => {}
            }
            if !(cmd.eq_ignore_ascii_case(&'M') && n == 0) {
                sub.push(cur);
            }
            last_ctrl = ctrl;
        }
    }
    finish(&mut sub, false, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="8" fill="#2563EB"/><path d="M8 28 L16 18 L22 23 L32 11" stroke="#fff" stroke-width="4" fill="none"/></svg>"##;

    #[test]
    fn draws_the_rounded_square_and_the_stroked_line_inside_the_box() {
        let shapes = logo_shapes(LOGO, 20.0);
        assert_eq!(shapes.len(), 2, "{shapes:?}");
        let Shape::Area { points, colour, .. } = &shapes[0] else { panic!("{:?}", shapes[0]) };
        assert_eq!(*colour, (0x25, 0x63, 0xEB));
        assert!(points.iter().all(|&(x, y)| (-1e-9..=20.0 + 1e-9).contains(&x) && (-1e-9..=20.0 + 1e-9).contains(&y)));
        let Shape::Line { points, colour, width, .. } = &shapes[1] else { panic!("{:?}", shapes[1]) };
        assert_eq!((*colour, *width), ((255, 255, 255), 2.0));
        assert_eq!(points, &vec![(4.0, 14.0), (8.0, 9.0), (11.0, 11.5), (16.0, 5.5)]);
    }

    #[test]
    fn relative_paths_curves_and_unknown_parts() {
        let svg = r#"<svg viewBox="0 0 10 10"><path d="m1 1 h4 v4 z" fill="red"/><text>hi</text><path d="M0 0 Q5 10 10 0" stroke="black" fill="none"/></svg>"#;
        let shapes = logo_shapes(svg, 10.0);
        assert_eq!(shapes.len(), 2);
        let Shape::Area { points, .. } = &shapes[0] else { panic!() };
        assert_eq!(points, &vec![(1.0, 1.0), (5.0, 1.0), (5.0, 5.0)]);
        let Shape::Line { points, .. } = &shapes[1] else { panic!() };
        assert_eq!(points.len(), 1 + CURVE);
        assert!((points[CURVE / 2].1 - 5.0).abs() < 1e-9, "the curve's middle at half the control's height");
        assert_eq!(numbers("1-2.5.5e1,3"), vec![1.0, -2.5, 5.0, 3.0]);
        assert!(logo_shapes("not svg", 10.0).is_empty());
    }
}
