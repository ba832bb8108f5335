/** What the map renderer hands to composition: one rendered saved view with what is needed to read it on paper. */
import type { LegendClass } from '../../common/briefing.js';

export interface MapImage {
  viewId: string;
  viewName: string;
  /** PNG bytes of the 3D view only (no window UI). */
  png: Buffer;
  widthPx: number;
  heightPx: number;
  /** The ground point under the centre of the image. */
  centre: { lonDegrees: number; latDegrees: number };
  headingDegrees: number;
  pitchDegrees: number;
  /** Direction of true north at the centre, in degrees clockwise from the image's up. */
  northDegrees: number;
  /** Ground metres per image pixel, horizontally at the centre of the image. */
  metresPerPixel: number;
  legend: { title: string; classes: LegendClass[] };
}

/** Progress lines for the CLI's stderr and the dialog. */
export type BriefingProgress = (message: string) => void;
