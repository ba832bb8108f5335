// The synthetic city of bench/city and bench/tile-update: a grid of 40 m plots near Odense, one building each.
import { ProjectFile } from '../core/project/project-file.js';
import { RegistryStore } from '../core/project/registry-store.js';

/** A deterministic pseudo-random sequence, so every run tiles the same city. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** `count` buildings on 40 m plots from (10.30, 55.35), 1–13 floors; the same city for the same count. */
export function generateCity(path: string, count: number): void {
  const project = ProjectFile.create(path, { name: `Synthetic city of ${count}`, synthetic: true });
  const store = new RegistryStore(project);
  const next = random(count);
  const perRow = Math.ceil(Math.sqrt(count));
  // 40 m × 40 m plots from (10.30, 55.35) eastwards and northwards.
  const dLon = 40 / (111320 * Math.cos((55.4 * Math.PI) / 180));
  const dLat = 40 / 110540;
  project.transaction(() =>
    store.bulk(() => {
      for (let i = 0; i < count; i++) {
        const col = i % perRow;
        const row = Math.floor(i / perRow);
        const west = 10.3 + col * dLon + dLon * 0.15;
        const south = 55.35 + row * dLat + dLat * 0.15;
        const w = dLon * (0.4 + next() * 0.3);
        const h = dLat * (0.4 + next() * 0.3);
        const floors = 1 + Math.floor(next() ** 3 * 12);
        store.putBuilding({
          registryId: `b${String(i).padStart(7, '0')}`,
          footprint: [[[[west, south], [west + w, south], [west + w, south + h], [west, south + h], [west, south]]]],
          useCategory: floors > 4 ? 'housing' : 'retail',
          useLabel: floors > 4 ? 'Apartment block' : 'Shop',
          yearBuilt: 1900 + Math.floor(next() * 120),
          floorCount: floors,
          heightMeters: floors * 3 + 1.5,
          heightSource: 'floors',
        }, true);
      }
    }),
  );
  // As an import does: the extent the view opens on.
  project.transaction(() => store.refreshExtents());
  project.close();
}
