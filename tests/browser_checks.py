"""Checks run inside the page by the browser tests: contrast from computed colours, focus rings,
element boxes against the viewport, words broken per letter, emoji, accessible names."""

from __future__ import annotations

# Colours, composited over their ancestors' backgrounds (white behind everything), and the
# WCAG 2.2 contrast ratio. Defined once on window so the other checks can use them.
HELPERS = r"""
() => {
  if (window.__a11y) return;
  const parse = (value) => {
    const m = String(value).match(/rgba?\(([^)]+)\)/);
    if (m) {
      const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    }
    const srgb = String(value).match(/color\(srgb ([^)]+)\)/);
    if (!srgb) return null;
    const p = srgb[1].split(/[\s\/]+/).filter(Boolean).map(Number);
    return { r: p[0] * 255, g: p[1] * 255, b: p[2] * 255, a: p.length > 3 ? p[3] : 1 };
  };
  // The colours a background image (a gradient) paints: each stop, for the worst case.
  const stops = (image) =>
    (String(image).match(/rgba?\([^)]+\)|color\(srgb [^)]+\)/g) || []).map(parse);
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / (a || 1);
    return { r: mix("r"), g: mix("g"), b: mix("b"), a };
  };
  const luminance = (c) => {
    const lin = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  };
  const ratio = (x, y) => {
    const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (a + 0.05) / (b + 0.05);
  };
  // The background an element is drawn on: its own and its ancestors' colours, composited
  // (white behind the page), and the other colours a gradient on the way paints there
  // (`others`, worst case). A background image that is not a gradient is reported (`image`).
  const background = (el, skipSelf = false) => {
    const layers = [], painted = [];
    let image = false;
    for (let e = skipSelf ? el.parentElement : el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.backgroundImage && cs.backgroundImage !== "none") {
        if (cs.backgroundImage.includes("gradient")) painted.push(...stops(cs.backgroundImage));
        else image = true;
      }
      const c = parse(cs.backgroundColor);
      if (c && c.a > 0) layers.push(c);
      if (c && c.a >= 1) break;
    }
    let colour = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) colour = over(layer, colour);
    const others = painted.filter(Boolean).map((c) => over(c, colour));
    return { colour, others, image };
  };
  // The lowest ratio of a colour drawn over a background, over all it may be drawn on.
  const worst = (fg, bg) =>
    Math.min(...[bg.colour, ...bg.others].map((b) => ratio(over(fg, b), b)));
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const shown = (el) => {
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const name = (el) => {
    const id = el.id ? "#" + el.id : "";
    const first = typeof el.className === "string" ? el.className.split(" ")[0] : "";
    const cls = first ? "." + first : "";
    return el.tagName.toLowerCase() + id + cls;
  };
  const hex = (c) =>
    "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  window.__a11y = { parse, over, ratio, background, worst, opacity, shown, name, hex };
}
"""

# Every visible piece of text: its colour against what is behind it (4.5:1, or 3:1 for large
# text), placeholders included. Returns the worst results first.
TEXT_CONTRAST = r"""
(root) => {
  const A = window.__a11y;
  const out = [];
  const seen = new Set();
  const start = document.querySelector(root) || document.body;
  const walker = document.createTreeWalker(start, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    if (["SCRIPT", "STYLE", "NOSCRIPT", "OPTION"].includes(el.tagName)) continue;
    seen.add(el);
    if (!A.shown(el) || el.closest("[aria-hidden='true'], [disabled], .hide")) continue;
    const cs = getComputedStyle(el);
    const svg = el instanceof SVGElement;
    let fg = A.parse(svg ? cs.fill : cs.color);
    if (!fg) continue;
    const bg = A.background(svg ? el.closest("svg").parentElement : el);
    fg = { ...fg, a: fg.a * A.opacity(el) };
    const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    const ratio = A.worst(fg, bg);
    out.push({ what: A.name(el), text: node.textContent.trim().slice(0, 40), ratio,
               need: large ? 3 : 4.5, fg: A.hex(fg), bg: A.hex(bg.colour), image: bg.image });
  }
  for (const el of document.querySelectorAll("textarea[placeholder], input[placeholder]")) {
    if (!el.placeholder || !A.shown(el)) continue;
    const fg = A.parse(getComputedStyle(el, "::placeholder").color);
    const bg = A.background(el);
    const ratio = A.worst(fg, bg);
    out.push({ what: A.name(el) + "::placeholder", text: el.placeholder.slice(0, 40), ratio,
               need: 4.5, fg: A.hex(fg), bg: A.hex(bg.colour), image: bg.image });
  }
  return out.sort((a, b) => a.ratio / a.need - b.ratio / b.need);
}
"""

# What identifies each visible control against its surroundings (WCAG 1.4.11, 3:1): a border,
# its own fill, or for an icon button the icon's colour; the best of these counts. Text that is
# the control (a link, an unselected tab) is identified by the text, held to 4.5:1 above; a
# selected tab must show its state by an underline or fill of 3:1.
CONTROL_CONTRAST = r"""
() => {
  const A = window.__a11y;
  const out = [];
  const controls = document.querySelectorAll(
    "button, textarea, input:not([type=hidden]), select, [role=tab], summary, a[href]");
  // A box's edge against what is around it: its fill, and each border it draws.
  const edges = (box, prefix = "") => {
    const cs = getComputedStyle(box);
    const around = A.background(box, true).colour;
    const fill = A.background(box).colour;
    const ways = { [prefix + "fill"]: A.ratio(fill, around) };
    const borders = ["Top", "Right", "Bottom", "Left"]
      .filter((s) => parseFloat(cs["border" + s + "Width"]) >= 1);
    for (const side of borders) {
      const c = A.parse(cs["border" + side + "Color"]);
      const name = prefix + "border-" + side.toLowerCase();
      if (c && c.a > 0) ways[name] = A.ratio(A.over(c, around), around);
    }
    return ways;
  };
  for (const el of controls) {
    if (!A.shown(el) || el.disabled || el.closest("[aria-hidden='true']")) continue;
    const cs = getComputedStyle(el);
    const fill = A.background(el).colour;
    const ways = edges(el);
    const text = el.innerText ? el.innerText.trim() : "";
    const tab = el.getAttribute("role") === "tab";
    const selected = tab && el.getAttribute("aria-selected") === "true";
    const linkLike = el.tagName === "A" || el.tagName === "SUMMARY"
      || cs.textDecorationLine.includes("underline");
    const field = ["TEXTAREA", "INPUT", "SELECT"].includes(el.tagName);
    const kind = field ? "field" : selected ? "selected tab" : tab ? "tab"
      : linkLike ? "link" : text ? "text" : "icon";
    if (kind === "icon") ways.ink = A.ratio(A.over(A.parse(cs.color), fill), fill);
    // A field drawn without an edge of its own (a dropdown's input) is framed by its box.
    for (let box = el.parentElement, up = 0; field && box && up < 3; box = box.parentElement, up++)
      Object.assign(ways, edges(box, "frame " + up + " "));
    const around = A.background(el, true).colour;
    for (const pseudo of selected ? ["::after", "::before"] : []) {  // a drawn underline
      const line = getComputedStyle(el, pseudo);
      const c = A.parse(line.backgroundColor);
      if (line.content !== "none" && parseFloat(line.height) >= 2 && c && c.a > 0)
        ways["underline" + pseudo] = A.ratio(A.over(c, around), around);
    }
    if (kind === "tab" || kind === "link") ways.text = Infinity;  // held by the text check
    const [how, ratio] = Object.entries(ways).sort((a, b) => b[1] - a[1])[0];
    const label = text || el.getAttribute("aria-label") || el.placeholder || "";
    out.push({ what: A.name(el), text: label.slice(0, 30), kind, how, ratio, need: 3 });
  }
  return out.sort((a, b) => a.ratio - b.ratio);
}
"""

# The focused element's ring: outline (or a box-shadow ring) and its contrast with the page.
FOCUS_RING = r"""
() => {
  const A = window.__a11y;
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const around = A.background(el, true).colour;
  const width = cs.outlineStyle !== "none" ? parseFloat(cs.outlineWidth) : 0;
  const colour = A.parse(cs.outlineColor);
  const label = el.getAttribute("aria-label") || (el.innerText || "").trim().slice(0, 30);
  const ratio = colour ? A.ratio(A.over(colour, around), around) : 0;
  return { what: A.name(el), label, width, style: cs.outlineStyle, ratio };
}
"""

# Elements of a subtree whose box pokes out of the viewport sideways (a scrolling box's own
# contents excepted: they are clipped by it and reached by scrolling it).
WIDER_THAN_VIEWPORT = r"""
(root) => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let e = el.parentElement; e; e = e.parentElement) {
      const x = getComputedStyle(e).overflowX;
      if (["auto", "scroll", "hidden", "clip"].includes(x)) {
        const r = e.getBoundingClientRect();
        return r.left >= -1 && r.right <= width + 1;
      }
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll(root + ", " + root + " *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || !el.checkVisibility()) continue;
    if ((r.left < -1 || r.right > width + 1) && !clipped(el))
      out.push({ what: el.tagName + "." + el.className, left: r.left, right: r.right });
  }
  return { width, scrollWidth: document.documentElement.scrollWidth, out };
}
"""

# Table cells whose text takes more lines than it has words: a word broken per letter.
BROKEN_WORDS = r"""
(root) => {
  const out = [];
  for (const cell of document.querySelectorAll(root + " td, " + root + " th")) {
    if (!cell.checkVisibility() || !cell.innerText.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    const tops = new Set(rects.map((r) => Math.round(r.top)));
    const words = cell.innerText.trim().split(/\s+/).length;
    const text = cell.innerText.trim().slice(0, 40);
    if (tops.size > words) out.push({ text, lines: tops.size, words });
  }
  return out;
}
"""

EMOJI = r"""
() => {
  const text = document.body.innerText;
  return [...new Set(text.match(/\p{Extended_Pictographic}/gu) || [])];
}
"""
