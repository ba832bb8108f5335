/** The address search box: type, pick with arrows and Enter (or a click), and the city flies there. */
import type { AddressMatch } from '../common/contract.js';
import { h } from './dom.js';

export interface SearchBoxOptions {
  search(query: string): Promise<Array<{ displayName: string; match: AddressMatch }>>;
  choose(match: AddressMatch): void;
  onError(error: unknown): void;
}

export function mountSearchBox(input: HTMLInputElement, list: HTMLElement, options: SearchBoxOptions): { focus(): void } {
  let results: AddressMatch[] = [];
  let active = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
  };
  const render = (query: string) => {
    list.replaceChildren(
      ...(results.length === 0
        ? [h('li', { class: 'empty', role: 'option', 'aria-disabled': 'true' }, `No address matches “${query}”`)]
        : results.map((match, index) =>
            h('li', {
              role: 'option',
              id: `search-option-${index}`,
              class: index === active ? 'active' : '',
              'aria-selected': index === active ? 'true' : 'false',
              'data-address-id': match.id,
              onmousedown: (event: Event) => {
                event.preventDefault();
                pick(index);
              },
            }, match.text, match.buildingId ? null : h('span', { class: 'muted' }, ' · no building')),
          )),
    );
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (active >= 0) input.setAttribute('aria-activedescendant', `search-option-${active}`);
  };
  const pick = (index: number) => {
    const match = results[index];
    if (!match) return;
    input.value = match.text;
    close();
    input.blur();
    options.choose(match);
  };
  const run = async () => {
    const query = input.value.trim();
    const mine = ++generation;
    if (!query) {
      results = [];
      close();
      return;
    }
    try {
      const found = await options.search(query);
      if (mine !== generation) return; // a newer keystroke has its own answer coming
      results = found.map((f) => f.match);
      active = results.length ? 0 : -1;
      render(query);
    } catch (error) {
      options.onError(error);
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), 120);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (!results.length) return;
      active = (active + (event.key === 'ArrowDown' ? 1 : -1) + results.length) % results.length;
      render(input.value.trim());
      event.preventDefault();
    } else if (event.key === 'Enter') {
      clearTimeout(timer);
      if (list.hidden) void run().then(() => pick(0));
      else pick(active < 0 ? 0 : active);
      event.preventDefault();
    } else if (event.key === 'Escape') {
      close();
      input.blur();
      event.stopPropagation();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  return { focus: () => input.focus() };
}
