/** The "Style" and "Filter" tools: thematic colours with a matching legend, and attribute filters with a table. */
import type { AttributeInfo, FilterCondition, StoreyApi, StyleLevel, StyleState } from '../common/contract.js';
import { aggregateByOwner, classify, ramps, type Classification, type Method } from './classify.js';
import { formatNumber, h } from './dom.js';

export interface StyleFilterHost {
  api: StoreyApi;
  /** Building colours, and floor-slab colours for the floor and unit levels. */
  paint(colors: Map<string, string> | null, floorColors: Map<string, string> | null): void;
  showOnly(ids: Set<string> | null): void;
  legend(title: string, classification: Classification | null): void;
  choose(buildingId: string): void;
  totalBuildings(): number;
  onError(error: unknown): void;
}

const operatorLabels: Record<FilterCondition['operator'], string> = { '=': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥' };

export interface StyleFilterControls {
  /** The style and filter now in force, for saved views. */
  state(): { style: StyleState | null; filter: FilterCondition[] };
  /** Puts a saved style and filter back, controls and map alike. */
  restore(style: StyleState | null, filter: FilterCondition[]): Promise<void>;
}

export async function mountStyleFilter(container: HTMLElement, tableContainer: HTMLElement, host: StyleFilterHost): Promise<StyleFilterControls> {
  const { attributes } = await host.api.listAttributes({});
  const byKey = new Map(attributes.map((a) => [a.key, a]));
  const levelAttributes = new Map<StyleLevel, AttributeInfo[]>([['buildings', attributes]]);
  const valuesCache = new Map<string, Awaited<ReturnType<StoreyApi['getAttributeValues']>>>();
  const attributeOptions = (selected?: string, list = attributes) => list.map((a) => h('option', { value: a.key, selected: a.key === selected }, a.label + (a.unit ? ` (${a.unit})` : '')));

  // --- Style
  const styleLevel = h('select', { id: 'style-level', 'aria-label': 'Style level' }, h('option', { value: 'buildings' }, 'Buildings'), h('option', { value: 'floors' }, 'Floors'), h('option', { value: 'units' }, 'Units'));
  const styleAttribute = h('select', { id: 'style-attribute', 'aria-label': 'Style by attribute' }, h('option', { value: '' }, 'Use (default colours)'), ...attributeOptions());
  const fillAttributes = async (level: StyleLevel, selected = '') => {
    let list = levelAttributes.get(level);
    if (!list) {
      list = (await host.api.listAttributes({ level })).attributes;
      levelAttributes.set(level, list);
    }
    styleAttribute.replaceChildren(h('option', { value: '' }, level === 'buildings' ? 'Use (default colours)' : 'Choose an attribute'), ...attributeOptions(selected, list));
    styleAttribute.value = selected;
  };
  styleLevel.addEventListener('change', () => {
    void fillAttributes(styleLevel.value as StyleLevel).then(() => applyStyle(), host.onError);
  });
  const styleMethod = h('select', { id: 'style-method', 'aria-label': 'Classification' }, h('option', { value: 'quantile' }, 'Quantiles'), h('option', { value: 'equal' }, 'Equal interval'));
  const styleClasses = h('select', { id: 'style-classes', 'aria-label': 'Number of classes' }, ...[3, 4, 5, 6, 7].map((n) => h('option', { value: String(n), selected: n === 5 }, `${n} classes`)));
  const styleRamp = h('select', { id: 'style-ramp', 'aria-label': 'Colour ramp' }, ...Object.keys(ramps).map((r) => h('option', { value: r }, r)));
  const numericOptions = h('div', { class: 'row', hidden: true }, styleMethod, styleClasses, styleRamp);

  const applyStyle = async () => {
    const key = styleAttribute.value;
    const level = styleLevel.value as StyleLevel;
    const attribute = levelAttributes.get(level)?.find((a) => a.key === key);
    numericOptions.hidden = !attribute || attribute.kind !== 'number';
    if (!attribute) {
      host.paint(null, null);
      host.legend('Building use', null);
      document.body.dataset['style'] = '';
      return;
    }
    try {
      let data = valuesCache.get(`${level}:${key}`);
      if (!data) {
        data = await host.api.getAttributeValues({ attribute: key, level });
        valuesCache.set(`${level}:${key}`, data);
      }
      const classification = classify(attribute, data.values, Number(styleClasses.value), styleMethod.value as Method, styleRamp.value);
      const colors = new Map<string, string>();
      let floorColors: Map<string, string> | null = null;
      if (level === 'buildings') {
        data.ids.forEach((id, i) => colors.set(id, classification.colors[i]!));
      } else {
        // Buildings show the mean (or most common value) of their floors or units; slabs show each floor's own.
        for (const [building, value] of aggregateByOwner(data.buildingIds, data.values, attribute.kind)) colors.set(building, classification.colorOf(value));
        floorColors = new Map();
        for (const [floor, value] of aggregateByOwner(data.floorIds, data.values, attribute.kind)) floorColors.set(floor, classification.colorOf(value));
      }
      host.paint(colors, floorColors);
      const levelName = level === 'buildings' ? '' : level === 'floors' ? ' · floors' : ' · units (buildings: mean or most common)';
      host.legend(attribute.label + (attribute.unit ? ` (${attribute.unit})` : '') + levelName, classification);
      document.body.dataset['style'] = level === 'buildings' ? key : `${level}:${key}`;
    } catch (error) {
      host.onError(error);
    }
  };
  for (const control of [styleAttribute, styleMethod, styleClasses, styleRamp]) control.addEventListener('change', () => void applyStyle());

  // --- Filter
  const conditionList = h('div', { class: 'conditions' });
  const count = h('p', { class: 'filter-count', id: 'filter-count', 'aria-live': 'polite' });
  let active: FilterCondition[] = [];
  let sort: { column: 'address' | 'use' | 'yearBuilt' | 'floorCount' | 'heightMeters' | 'dwellingCount'; descending: boolean } = { column: 'address', descending: false };

  const addCondition = (attribute = attributes.find((a) => a.key === 'floorCount')?.key ?? attributes[0]!.key, operator: FilterCondition['operator'] = '>=', value = '') => {
    const attributeSelect = h('select', { class: 'condition-attribute', 'aria-label': 'Attribute' }, ...attributeOptions(attribute));
    const operatorSelect = h('select', { class: 'condition-operator', 'aria-label': 'Comparison' }, ...Object.entries(operatorLabels).map(([op, label]) => h('option', { value: op, selected: op === operator }, label)));
    const valueInput = h('input', { class: 'condition-value', 'aria-label': 'Value', value, placeholder: 'value (empty: no data)' });
    const row = h('div', { class: 'condition' }, attributeSelect, operatorSelect, valueInput, h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Remove condition', onclick: () => row.remove() }, '×'));
    conditionList.append(row);
  };
  const readConditions = (): FilterCondition[] =>
    [...conditionList.querySelectorAll('.condition')].map((row) => {
      const attribute = (row.querySelector('.condition-attribute') as HTMLSelectElement).value;
      const operator = (row.querySelector('.condition-operator') as HTMLSelectElement).value as FilterCondition['operator'];
      const raw = (row.querySelector('.condition-value') as HTMLInputElement).value.trim();
      const info = byKey.get(attribute) as AttributeInfo;
      const value = raw === '' ? null : info.kind === 'number' ? Number(raw.replace(',', '.')) : raw;
      if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${info.label}: "${raw}" is not a number.`);
      return { attribute, operator, value };
    });

  const renderTable = async () => {
    if (tableContainer.hidden) return;
    try {
      const result = await host.api.queryBuildings({ conditions: active, sort, limit: 500 });
      const header = (column: typeof sort.column, label: string, numeric = false) =>
        h('th', {
          class: numeric ? 'num sortable' : 'sortable',
          'aria-sort': sort.column === column ? (sort.descending ? 'descending' : 'ascending') : 'none',
          onclick: () => {
            sort = { column, descending: sort.column === column ? !sort.descending : false };
            void renderTable();
          },
        }, label, sort.column === column ? (sort.descending ? ' ▾' : ' ▴') : '');
      tableContainer.replaceChildren(
        h('div', { class: 'table-bar' },
          h('strong', {}, `${formatNumber(result.count)} buildings`), result.count > result.rows.length ? h('span', { class: 'muted' }, ` · first ${result.rows.length} shown`) : null,
          h('button', { class: 'toolbar-button', type: 'button', id: 'export-csv', onclick: () => void exportCsv() }, 'Export CSV'),
          h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Close table', onclick: () => { tableContainer.hidden = true; } }, '×'),
        ),
        h('div', { class: 'table-scroll' },
          h('table', { class: 'attribute-table' },
            h('thead', {}, h('tr', {}, header('address', 'Address'), header('use', 'Use'), header('yearBuilt', 'Year', true), header('floorCount', 'Floors', true), header('heightMeters', 'Height (m)', true), header('dwellingCount', 'Dwellings', true))),
            h('tbody', {}, ...result.rows.map((r) =>
              h('tr', { 'data-building-id': r.id, tabindex: '0', onclick: () => host.choose(r.id), onkeydown: (e: Event) => { if ((e as KeyboardEvent).key === 'Enter') host.choose(r.id); } },
                h('td', {}, r.address ?? r.id), h('td', {}, r.use ?? '—'), h('td', { class: 'num' }, r.yearBuilt ?? '—'), h('td', { class: 'num' }, r.floorCount ?? '—'),
                h('td', { class: 'num' }, formatNumber(r.heightMeters, 1)), h('td', { class: 'num' }, r.dwellingCount ?? '—')))),
          ),
        ),
      );
    } catch (error) {
      host.onError(error);
    }
  };
  // The host makes the CSV (every matching row) and records the export in the project's audit trail.
  const exportCsv = async () => {
    try {
      const result = await host.api.exportCsv({ conditions: active, sort });
      const url = URL.createObjectURL(new Blob([result.csv], { type: 'text/csv;charset=utf-8' }));
      const link = h('a', { href: url, download: result.fileName });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      host.onError(error);
    }
  };
  const applyFilter = async () => {
    try {
      active = readConditions();
      if (active.length === 0) {
        host.showOnly(null);
        count.textContent = `No filter: all ${formatNumber(host.totalBuildings())} buildings shown.`;
        document.body.dataset['filterCount'] = '';
      } else {
        const result = await host.api.queryBuildings({ conditions: active, limit: 0 });
        host.showOnly(new Set(result.ids));
        count.textContent = `${formatNumber(result.count)} of ${formatNumber(host.totalBuildings())} buildings match.`;
        document.body.dataset['filterCount'] = String(result.count);
      }
      await renderTable();
    } catch (error) {
      host.onError(error);
    }
  };

  container.replaceChildren(
    h('details', { class: 'tool', open: true },
      h('summary', {}, 'Style'),
      h('div', { class: 'row' }, styleLevel),
      styleAttribute,
      numericOptions,
    ),
    h('details', { class: 'tool' },
      h('summary', {}, 'Filter'),
      conditionList,
      h('div', { class: 'row' },
        h('button', { class: 'toolbar-button', type: 'button', onclick: () => addCondition() }, '+ Condition'),
        h('button', { class: 'toolbar-button primary', type: 'button', id: 'apply-filter', onclick: () => void applyFilter() }, 'Apply'),
        h('button', { class: 'toolbar-button', type: 'button', onclick: () => { conditionList.replaceChildren(); void applyFilter(); } }, 'Clear'),
        h('button', { class: 'toolbar-button', type: 'button', id: 'show-table', onclick: () => { tableContainer.hidden = false; void renderTable(); } }, 'Table'),
      ),
      count,
    ),
  );
  return {
    state: () => ({
      style: styleAttribute.value
        ? { level: styleLevel.value as StyleLevel, attribute: styleAttribute.value, method: styleMethod.value as Method, classes: Number(styleClasses.value), ramp: styleRamp.value }
        : null,
      filter: active,
    }),
    restore: async (style, filter) => {
      styleLevel.value = style?.level ?? 'buildings';
      await fillAttributes(styleLevel.value as StyleLevel, style?.attribute ?? '');
      if (style) {
        styleMethod.value = style.method;
        styleClasses.value = String(style.classes);
        if (style.ramp in ramps) styleRamp.value = style.ramp;
      }
      await applyStyle();
      conditionList.replaceChildren();
      for (const c of filter) if (byKey.has(c.attribute)) addCondition(c.attribute, c.operator, c.value === null ? '' : String(c.value));
      await applyFilter();
    },
  };
}
