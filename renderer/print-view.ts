/**
 * Hooks the briefing renderer (headless Chromium driving this page) uses to make print maps: render at full device
 * resolution, wait until a restored view has finished drawing, and read what the PDF needs to interpret the image —
 * the ground point at the centre, metres per pixel there, the direction of true north and the legend.
 */
import type { LegendClass } from '../common/briefing.js';

export interface PrintGlobe {
  groundAt(x: number, y: number): { lonDegrees: number; latDegrees: number } | null;
  screenPositionOfPoint(lonDegrees: number, latDegrees: number, heightMeters?: number): { x: number; y: number } | null;
  renderAtDevicePixels(scale?: number): void;
  requestRender(): void;
  readonly state: { buildingsReady: boolean; tilesLoaded: boolean; frames: number };
}

export interface PrintSnapshot {
  centre: { lonDegrees: number; latDegrees: number };
  /** Ground metres per CSS pixel, horizontally at the centre. */
  metresPerCssPixel: number;
  /** Direction of true north at the centre, degrees clockwise from the screen's up. */
  northDegrees: number;
  legend: { title: string; classes: LegendClass[] };
}

const EARTH_RADIUS_METRES = 6_371_008.8;

function distanceMetres(a: { lonDegrees: number; latDegrees: number }, b: { lonDegrees: number; latDegrees: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latDegrees - a.latDegrees) * rad;
  const dLon = (b.lonDegrees - a.lonDegrees) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latDegrees * rad) * Math.cos(b.latDegrees * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_METRES * Math.asin(Math.sqrt(h));
}

/** The legend as the workstation shows it (its rows carry their swatch colour, label and count). */
function readLegend(legend: HTMLElement): PrintSnapshot['legend'] {
  const title = legend.querySelector('h4')?.textContent ?? '';
  const classes = [...legend.querySelectorAll<HTMLElement>('.legend-row')].map((row) => {
    const swatch = row.querySelector<HTMLElement>('.swatch');
    const count = row.querySelector('.legend-count')?.textContent?.replace(/[^\d]/g, '') ?? '';
    return {
      color: swatch ? getComputedStyle(swatch).backgroundColor : '#999999',
      label: row.querySelector('.legend-label')?.textContent ?? '',
      count: count ? Number(count) : null,
    };
  });
  return { title, classes };
}

export function printHooks(globe: PrintGlobe, container: HTMLElement, legend: HTMLElement) {
  return {
    renderAtDevicePixels: () => globe.renderAtDevicePixels(),
    /**
     * Resolves, with the number of frames drawn, once buildings and tiles are in for `frames` full-resolution frames
     * in a row. While tiles load, frames are drawn at a quarter of the resolution: software WebGL pays per pixel, and
     * neither the project's buildings nor the base imagery at city scale choose different detail for it.
     */
    whenRendered: async (frames = 4, timeoutMs = 180_000): Promise<number> => {
      const started = Date.now();
      const first = globe.state.frames;
      let drawn = 0;
      let full = false;
      globe.renderAtDevicePixels(0.25);
      while (Date.now() - started < timeoutMs) {
        const before = globe.state.frames;
        globe.requestRender();
        while (globe.state.frames === before && Date.now() - started < timeoutMs) await new Promise((r) => setTimeout(r, 20));
        const { buildingsReady, tilesLoaded } = globe.state;
        if (!full && buildingsReady && tilesLoaded) {
          full = true;
          globe.renderAtDevicePixels(1);
          continue;
        }
        drawn = full && buildingsReady && tilesLoaded ? drawn + 1 : 0;
        if (drawn >= frames) return globe.state.frames - first;
      }
      throw new Error(`the view did not finish drawing within ${timeoutMs / 1000} s`);
    },
    snapshot: (): PrintSnapshot => {
      const width = container.clientWidth;
      const height = container.clientHeight;
      const step = Math.max(20, Math.round(width / 10));
      const centre = globe.groundAt(width / 2, height / 2);
      const west = globe.groundAt(width / 2 - step, height / 2);
      const east = globe.groundAt(width / 2 + step, height / 2);
      if (!centre || !west || !east) throw new Error('the centre of the view is not on the ground (the camera looks at the sky)');
      const here = globe.screenPositionOfPoint(centre.lonDegrees, centre.latDegrees, 0);
      const north = globe.screenPositionOfPoint(centre.lonDegrees, centre.latDegrees + 0.0005, 0);
      const northDegrees = here && north ? (Math.atan2(north.x - here.x, here.y - north.y) * 180) / Math.PI : 0;
      return { centre, metresPerCssPixel: distanceMetres(west, east) / (2 * step), northDegrees, legend: readLegend(legend) };
    },
  };
}
