/**
 * Paper sizes and the page geometry every briefing page shares, in PDF points (1/72 inch). The map box is computed
 * here so the renderer can size its screenshots to the exact print resolution of the box they will fill.
 */
import type { Orientation, PaperSize } from '../../common/briefing.js';

const sizes: Record<PaperSize, [number, number]> = {
  a4: [595.28, 841.89],
  a3: [841.89, 1190.55],
  letter: [612, 792],
};

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PageGeometry {
  width: number;
  height: number;
  /** Left/right margin. */
  margin: number;
  /** Where content starts below the header band and ends above the footer band. */
  contentTop: number;
  contentBottom: number;
  contentWidth: number;
}

/** Print resolution of map images: the issue asks for at least 200 dpi at the chosen paper size. */
export const MAP_DPI = 200;
/** Map screenshots are taken at this device scale, so on-map labels keep a readable size at print resolution. */
export const MAP_DEVICE_SCALE = 2;

export function pageGeometry(paper: PaperSize, orientation: Orientation): PageGeometry {
  const [short, long] = sizes[paper];
  const [width, height] = orientation === 'portrait' ? [short, long] : [long, short];
  const margin = 36;
  return { width, height, margin, contentTop: 52, contentBottom: height - 46, contentWidth: width - 2 * margin };
}

/** Width of the legend/scale column beside the map on landscape pages. */
const SIDE_COLUMN = 180;
/** Height of the legend/scale band under the map on portrait pages. */
const BOTTOM_BAND = 190;
/** Space for the view's name above the map. */
const MAP_TITLE = 30;

/** Where the map image goes, and where its legend, scale bar and north arrow go. */
export function mapLayout(paper: PaperSize, orientation: Orientation): { map: Box; side: Box } {
  const g = pageGeometry(paper, orientation);
  const top = g.contentTop + MAP_TITLE;
  if (orientation === 'landscape') {
    const map = { x: g.margin, y: top, width: g.contentWidth - SIDE_COLUMN - 14, height: g.contentBottom - top };
    return { map, side: { x: map.x + map.width + 14, y: top, width: SIDE_COLUMN, height: map.height } };
  }
  const map = { x: g.margin, y: top, width: g.contentWidth, height: g.contentBottom - top - BOTTOM_BAND - 10 };
  return { map, side: { x: g.margin, y: map.y + map.height + 10, width: g.contentWidth, height: BOTTOM_BAND } };
}

/**
 * The screenshot size for a map box: CSS viewport and device scale such that the image has at least MAP_DPI
 * pixels per inch of the box, with the box's aspect ratio.
 */
export function mapPixelSize(paper: PaperSize, orientation: Orientation): { cssWidth: number; cssHeight: number; deviceScale: number; widthPx: number; heightPx: number } {
  const { map } = mapLayout(paper, orientation);
  const cssWidth = Math.ceil((map.width / 72) * MAP_DPI / MAP_DEVICE_SCALE);
  const cssHeight = Math.ceil((map.height / 72) * MAP_DPI / MAP_DEVICE_SCALE);
  return { cssWidth, cssHeight, deviceScale: MAP_DEVICE_SCALE, widthPx: cssWidth * MAP_DEVICE_SCALE, heightPx: cssHeight * MAP_DEVICE_SCALE };
}
