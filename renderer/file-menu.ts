/**
 * The File menu: a button in the top bar with a keyboard-navigable menu of project commands and the recent
 * projects. The commands themselves live with their dialogs; this file only lists and runs them.
 */
import type { RecentProject } from '../common/contract.js';
import { h } from './dom.js';

export interface MenuCommand {
  id: string;
  label: string;
  /** Shown beside the label; the key handling itself is in main.ts. */
  shortcut?: string;
  run: () => void;
  enabled?: () => boolean;
}

export type MenuEntry = MenuCommand | 'separator' | 'recent';

export interface FileMenuOptions {
  entries: MenuEntry[];
  /** The recent projects, fetched each time the menu opens. */
  recent: () => Promise<RecentProject[]>;
  openRecent: (project: RecentProject) => void;
}

export interface FileMenu {
  open(): void;
  close(): void;
}

export function mountFileMenu(anchor: HTMLElement, options: FileMenuOptions): FileMenu {
  const button = h('button', { type: 'button', id: 'file-menu-button', class: 'toolbar-button menu-button', 'aria-haspopup': 'menu', 'aria-expanded': 'false', title: 'File (Alt+F)' }, 'File');
  const menu = h('div', { class: 'menu', id: 'file-menu', role: 'menu', hidden: true, 'aria-label': 'File' });
  anchor.append(button, menu);

  const items = (): HTMLButtonElement[] => [...menu.querySelectorAll<HTMLButtonElement>('button[role="menuitem"]:not([disabled])')];
  const close = () => {
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
  };
  const item = (label: string, shortcut: string | undefined, run: () => void, attrs: Record<string, string | boolean> = {}) =>
    h('button', { type: 'button', role: 'menuitem', ...attrs, onclick: () => { close(); run(); } },
      h('span', { class: 'menu-label' }, label), shortcut ? h('kbd', {}, shortcut) : null);

  const open = async () => {
    let recent: RecentProject[] = [];
    try {
      recent = (await options.recent()).slice(0, 6);
    } catch {
      recent = [];
    }
    menu.replaceChildren(...options.entries.flatMap((entry) => {
      if (entry === 'separator') return [h('hr', { role: 'separator' })];
      if (entry === 'recent') {
        if (!recent.length) return [];
        return [
          h('div', { class: 'menu-heading' }, 'Recent'),
          ...recent.map((r) => item(r.fileName, undefined, () => options.openRecent(r), { 'data-recent': r.id, disabled: !r.exists, title: `${r.folder}/${r.fileName}` })),
        ];
      }
      return [item(entry.label, entry.shortcut, entry.run, { id: `menu-${entry.id}`, disabled: entry.enabled ? !entry.enabled() : false })];
    }));
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    items()[0]?.focus();
  };

  button.addEventListener('click', () => (menu.hidden ? void open() : close()));
  menu.addEventListener('keydown', (event) => {
    const list = items();
    const index = list.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'ArrowDown') list[(index + 1) % list.length]?.focus();
    else if (event.key === 'ArrowUp') list[(index - 1 + list.length) % list.length]?.focus();
    else if (event.key === 'Home') list[0]?.focus();
    else if (event.key === 'End') list[list.length - 1]?.focus();
    else if (event.key === 'Escape' || event.key === 'Tab') {
      close();
      button.focus();
    } else return;
    event.preventDefault();
    event.stopPropagation();
  });
  document.addEventListener('pointerdown', (event) => {
    if (!menu.hidden && !menu.contains(event.target as Node) && event.target !== button) close();
  });
  return { open: () => void open(), close };
}
