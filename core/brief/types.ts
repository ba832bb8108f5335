/** What the map renderer hands to composition: one rendered saved view with what is needed to read it on paper. */
import { StoreyError } from '../../common/errors.js';
import type { BriefingStep, LegendClass } from '../../common/briefing.js';

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

/**
 * Progress: a line for the CLI's stderr, and with it where the briefing is (stage, steps done of all), which the
 * dialog's progress bar shows. Lines without a step (e.g. how long a map took) change no stage.
 */
export type BriefingProgress = (message: string, step?: BriefingStep) => void;

/** Throws CANCELLED once the signal is aborted: checked between maps and between pages. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StoreyError('CANCELLED', 'The briefing was cancelled; no PDF was made.');
}
