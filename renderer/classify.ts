/**
 * Thematic classification: numbers into classes (equal interval or quantiles) on a colour ramp, categories by
 * value. The legend is built from the same classes the colours come from, so the two always agree.
 */
import type { AttributeInfo } from '../common/contract.js';

export type Method = 'equal' | 'quantile';

export interface StyleClass {
  label: string;
  color: string;
  count: number;
}

export interface Classification {
  classes: StyleClass[];
  noData: StyleClass;
  /** Colour for each input value, in input order. */
  colors: string[];
  /** Colour for any value on the same scale (for aggregates such as a building's mean unit area). */
  colorOf(value: number | string | null): string;
}

/** Sequential ramps (light to dark) sampled for 2–7 classes; colour-blind safe (ColorBrewer YlGnBu / OrRd). */
export const ramps: Record<string, string[]> = {
  'yellow-blue': ['#ffffcc', '#c7e9b4', '#7fcdbb', '#41b6c4', '#1d91c0', '#225ea8', '#0c2c84'],
  'orange-red': ['#fef0d9', '#fdd49e', '#fdbb84', '#fc8d59', '#ef6548', '#d7301f', '#990000'],
};
const categoryPalette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const noDataColor = '#5b5b66';
export const otherColor = '#8d8d99';

function sample(ramp: string[], n: number): string[] {
  if (n <= 1) return [ramp[Math.floor(ramp.length / 2)]!];
  return Array.from({ length: n }, (_, i) => ramp[Math.round((i * (ramp.length - 1)) / (n - 1))]!);
}

function formatBound(value: number, integer: boolean): string {
  if (integer) return String(Math.round(value));
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** Class breaks: n+1 ascending bounds. Quantile breaks that coincide are merged, so there may be fewer classes. */
export function breaks(sortedValues: number[], classCount: number, method: Method): number[] {
  const min = sortedValues[0]!;
  const max = sortedValues[sortedValues.length - 1]!;
  if (min === max) return [min, max];
  const bounds: number[] = [min];
  for (let i = 1; i < classCount; i++) {
    const bound =
      method === 'equal'
        ? min + ((max - min) * i) / classCount
        : sortedValues[Math.min(sortedValues.length - 1, Math.floor((i * sortedValues.length) / classCount))]!;
    if (bound > bounds[bounds.length - 1]! && bound < max) bounds.push(bound);
  }
  bounds.push(max);
  return bounds;
}

export function classifyNumbers(values: Array<number | null>, classCount: number, method: Method, ramp: string[]): Classification {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const noData: StyleClass = { label: 'No data', color: noDataColor, count: values.length - present.length };
  if (present.length === 0) return { classes: [], noData, colors: values.map(() => noDataColor), colorOf: () => noDataColor };
  const integer = present.every(Number.isInteger);
  const bounds = breaks(present, classCount, method);
  const colors = sample(ramp, bounds.length - 1);
  const classes: StyleClass[] = colors.map((color, i) => {
    const lo = bounds[i]!;
    const hi = bounds[i + 1]!;
    const last = i === colors.length - 1;
    // Classes are [lo, hi) except the last, [lo, hi]; integer labels show the values each class really holds.
    const label = integer
      ? `${formatBound(Math.ceil(lo), true)} – ${formatBound(last ? hi : Math.ceil(hi) - 1, true)}`
      : `${formatBound(lo, false)} – ${last ? '' : '<'}${formatBound(hi, false)}`;
    return { label, color, count: 0 };
  });
  const classOf = (v: number) => {
    for (let i = 0; i < classes.length - 1; i++) if (v < bounds[i + 1]!) return i;
    return classes.length - 1;
  };
  const out = values.map((v) => {
    if (v === null) return noDataColor;
    const c = classOf(v);
    classes[c]!.count++;
    return classes[c]!.color;
  });
  if (integer) {
    // Drop classes an integer range leaves empty of possible values (e.g. 3 – 2).
    for (const cls of classes) {
      const [a, b] = cls.label.split(' – ').map(Number);
      if (a !== undefined && b !== undefined && b < a) cls.label = `${a}`;
    }
  }
  return { classes, noData, colors: out, colorOf: (v) => (typeof v === 'number' ? classes[classOf(v)]!.color : noDataColor) };
}

export function classifyCategories(values: Array<string | number | null>, maxCategories = categoryPalette.length): Classification {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = ranked.slice(0, ranked.length > maxCategories ? maxCategories - 1 : maxCategories);
  const colorOf = new Map(shown.map(([value], i) => [value, categoryPalette[i]!]));
  const classes: StyleClass[] = shown.map(([value, count]) => ({ label: value, color: colorOf.get(value)!, count }));
  const rest = ranked.slice(shown.length);
  if (rest.length) classes.push({ label: `Other (${rest.length} values)`, color: otherColor, count: rest.reduce((n, [, c]) => n + c, 0) });
  const noData: StyleClass = { label: 'No data', color: noDataColor, count: values.filter((v) => v === null).length };
  const colorOfValue = (v: number | string | null) => (v === null ? noDataColor : colorOf.get(String(v)) ?? otherColor);
  return { classes, noData, colors: values.map(colorOfValue), colorOf: colorOfValue };
}

export function classify(attribute: AttributeInfo, values: Array<number | string | null>, classCount: number, method: Method, rampName: string): Classification {
  if (attribute.kind === 'category') return classifyCategories(values);
  return classifyNumbers(values as Array<number | null>, classCount, method, ramps[rampName] ?? ramps['yellow-blue']!);
}

/** Groups record values by owner: the mean of numbers, the most common category. */
export function aggregateByOwner(owners: Array<string | null>, values: Array<number | string | null>, kind: 'number' | 'category'): Map<string, number | string | null> {
  const groups = new Map<string, Array<number | string>>();
  owners.forEach((owner, i) => {
    if (owner === null) return;
    const value = values[i];
    const list = groups.get(owner) ?? [];
    if (value !== null && value !== undefined) list.push(value);
    groups.set(owner, list);
  });
  const out = new Map<string, number | string | null>();
  for (const [owner, list] of groups) {
    if (list.length === 0) out.set(owner, null);
    else if (kind === 'number') out.set(owner, (list as number[]).reduce((a, b) => a + b, 0) / list.length);
    else {
      const counts = new Map<string, number>();
      for (const v of list) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
      out.set(owner, [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0]);
    }
  }
  return out;
}
