/* global console */
// Draws Storey's icon: three floor slabs stacked over a dark rounded square, the app's "building opened into its
// storeys" look. Writes build/icon.png (1024 px; electron-builder derives .icns and .ico from it) and
// build/icons/NxN.png for Linux. Run: node build/make-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const here = dirname(fileURLToPath(import.meta.url));
const background = [16, 22, 29];
const slabs = [
  { top: [95, 175, 235], side: [52, 110, 160] },
  { top: [240, 190, 90], side: [170, 125, 45] },
  { top: [225, 105, 85], side: [150, 60, 45] },
];

/** Coverage of a pixel by a shape, from 4×4 samples, so edges are smooth at every size. */
function coverage(inside, x, y) {
  let hits = 0;
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) if (inside(x + (i + 0.5) / 4, y + (j + 0.5) / 4)) hits++;
  return hits / 16;
}

function roundedSquare(size) {
  const r = size * 0.18;
  const m = size * 0.04;
  return (x, y) => {
    const cx = Math.min(Math.max(x, m + r), size - m - r);
    const cy = Math.min(Math.max(y, m + r), size - m - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= m && y >= m && x <= size - m && y <= size - m;
  };
}

/** A slab seen from above at an angle: a rhombus top over a band (its side), centred at (cx, cy). */
function slab(size, cy) {
  const cx = size / 2;
  const w = size * 0.33;
  const h = size * 0.13;
  const thick = size * 0.06;
  const top = (x, y) => Math.abs(x - cx) / w + Math.abs(y - cy) / h <= 1;
  // The band under the rhombus's lower edges; the top covers whatever of it lies inside the rhombus.
  const side = (x, y) => Math.abs(x - cx) <= w && y >= cy && y <= cy + h * (1 - Math.abs(x - cx) / w) + thick;
  return { top, side };
}

function draw(size) {
  const png = new PNG({ width: size, height: size });
  const layers = [{ inside: roundedSquare(size), color: background }];
  // Lowest slab first, so upper slabs cover the ones below.
  slabs.forEach((colors, index) => {
    const shape = slab(size, size * (0.68 - index * 0.18));
    layers.push({ inside: shape.side, color: colors.side }, { inside: shape.top, color: colors.top });
  });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let rgb = [0, 0, 0];
      let alpha = 0;
      for (const layer of layers) {
        const a = coverage(layer.inside, x, y);
        if (a === 0) continue;
        rgb = rgb.map((c, k) => c * (1 - a) + layer.color[k] * a);
        alpha = alpha + a * (1 - alpha);
      }
      const o = (y * size + x) * 4;
      // rgb is premultiplied by alpha (blended over transparent black); the PNG stores it straight.
      for (let k = 0; k < 3; k++) png.data[o + k] = alpha > 0 ? Math.round(Math.min(255, rgb[k] / alpha)) : 0;
      png.data[o + 3] = Math.round(alpha * 255);
    }
  }
  return PNG.sync.write(png);
}

writeFileSync(join(here, 'icon.png'), draw(1024));
mkdirSync(join(here, 'icons'), { recursive: true });
for (const size of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(join(here, 'icons', `${size}x${size}.png`), draw(size));
console.log('build/icon.png and build/icons/*.png written');
