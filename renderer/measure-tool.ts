/** Measuring on the map: distance along the ground, height between two points, area of a drawn polygon. */
import { h } from './dom.js';
import { formatMeters, formatSquareMeters, pathLength, polygonArea } from './measure-math.js';

export type MeasureKind = 'distance' | 'height' | 'area';

export interface MeasurePoint {
  lonDegrees: number;
  latDegrees: number;
  heightMeters: number;
}

export interface MeasureHost {
  setClickHandler(handler: ((point: MeasurePoint) => void) | undefined): void;
  drawSketch(points: MeasurePoint[], closed: boolean, label: string | null): void;
  resultBox: HTMLElement;
}

export function measureResult(kind: MeasureKind, points: MeasurePoint[]): { text: string; value: number | null } {
  if (kind === 'distance') {
    const meters = pathLength(points);
    return points.length < 2 ? { text: 'Click points along the ground; Enter or double-click ends.', value: null } : { text: formatMeters(meters), value: meters };
  }
  if (kind === 'height') {
    if (points.length < 2) return { text: points.length ? 'Now click the top (or the bottom).' : 'Click the foot of what to measure, then its top.', value: null };
    const meters = Math.abs(points[1]!.heightMeters - points[0]!.heightMeters);
    return { text: formatMeters(meters), value: meters };
  }
  if (points.length < 3) return { text: 'Click the corners of the area; Enter or double-click ends.', value: null };
  const area = polygonArea(points);
  return { text: `${formatSquareMeters(area)} (perimeter ${formatMeters(pathLength([...points, points[0]!]))})`, value: area };
}

export class MeasureTool {
  private kind: MeasureKind | null = null;
  private points: MeasurePoint[] = [];
  private done = false;

  constructor(private readonly host: MeasureHost) {}

  get active(): boolean {
    return this.kind !== null && !this.done;
  }

  start(kind: MeasureKind): void {
    this.kind = kind;
    this.points = [];
    this.done = false;
    this.host.setClickHandler((point) => this.add(point));
    this.render();
  }

  /** Ends the current measurement, keeping the result on screen. */
  finish(): void {
    if (!this.kind) return;
    this.done = true;
    this.host.setClickHandler(undefined);
    this.render();
  }

  /** Removes the measurement from the map. */
  clear(): void {
    this.kind = null;
    this.points = [];
    this.host.setClickHandler(undefined);
    this.host.drawSketch([], false, null);
    this.host.resultBox.hidden = true;
    document.body.dataset['measure'] = '';
  }

  private add(point: MeasurePoint): void {
    if (!this.kind || this.done) return;
    this.points.push(point);
    if (this.kind === 'height' && this.points.length === 2) this.finish();
    else this.render();
  }

  private render(): void {
    if (!this.kind) return;
    const result = measureResult(this.kind, this.points);
    const label = result.value === null ? null : result.text.split(' (')[0]!;
    this.host.drawSketch(this.points, this.kind === 'area', label);
    const title = { distance: 'Distance', height: 'Height', area: 'Area' }[this.kind];
    const copy = h('button', { class: 'toolbar-button', type: 'button', id: 'copy-measure', disabled: result.value === null, onclick: () => void navigator.clipboard?.writeText(result.text).catch(() => undefined) }, 'Copy');
    const parts: Array<Node | null> = [
      h('strong', {}, `${title}: `),
      h('span', { id: 'measure-value', 'data-value': result.value === null ? '' : String(result.value) }, result.text),
      copy,
      this.done ? null : h('button', { class: 'toolbar-button', type: 'button', onclick: () => this.finish() }, 'Done'),
      h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Clear measurement', onclick: () => this.clear() }, '×'),
    ];
    this.host.resultBox.replaceChildren(...parts.filter((p): p is Node => p !== null));
    this.host.resultBox.hidden = false;
    document.body.dataset['measure'] = result.value === null ? 'pending' : String(result.value);
  }
}
