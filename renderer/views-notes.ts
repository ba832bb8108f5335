/** Saved views and notes: listed in the side panel, stored in the project file, restored on reopen. */
import type { Note, SavedView, StoreyApi, SyncConflict, ViewState } from '../common/contract.js';
import { h } from './dom.js';

export interface ViewsNotesHost {
  api: StoreyApi;
  readOnly: boolean;
  captureView(): ViewState;
  restoreView(state: ViewState): Promise<void>;
  /** Starts picking a point on the map; resolves with it, or null when cancelled (Escape). */
  pickPoint(prompt: string): Promise<{ lonDegrees: number; latDegrees: number; heightMeters: number; buildingId: string | null } | null>;
  showNotes(notes: Note[], selectedId: string | null): void;
  flyToNote(note: Note): void;
  onError(error: unknown): void;
}

export interface ViewsNotesControls {
  selectNote(id: string | null): void;
  deleteSelectedNote(): Promise<void>;
  selectedNote(): string | null;
}

export async function mountViewsNotes(container: HTMLElement, host: ViewsNotesHost): Promise<ViewsNotesControls> {
  let views: SavedView[] = [];
  let notes: Note[] = [];
  let selectedNote: string | null = null;
  /** Notes changed here and on the server: both versions kept, marked until one of them is deleted. */
  let conflicts: SyncConflict[] = [];
  const viewList = h('ul', { class: 'item-list', id: 'view-list' });
  const noteList = h('ul', { class: 'item-list', id: 'note-list' });
  const viewName = h('input', { id: 'view-name', placeholder: 'View name', maxlength: '200', 'aria-label': 'Name of the view to save' });
  const status = h('p', { class: 'muted small', 'aria-live': 'polite' });

  const renderViews = () =>
    viewList.replaceChildren(
      ...(views.length === 0
        ? [h('li', { class: 'muted' }, 'No saved views yet.')]
        : views.map((v) =>
            h('li', { 'data-view-id': v.id },
              h('button', { class: 'link', type: 'button', onclick: () => void host.restoreView(v.state).catch(host.onError) }, v.name),
              host.readOnly ? null : h('button', { class: 'icon-button', type: 'button', 'aria-label': `Delete view ${v.name}`, onclick: () => void removeView(v) }, '×'),
            ),
          )),
    );
  const conflictBadge = (id: string) => {
    const conflict = conflicts.find((c) => c.kind === 'note' && (c.id === id || c.copyId === id));
    if (!conflict) return null;
    const server = conflict.id === id;
    return h('span', {
      class: 'conflict-badge',
      'data-conflict': server ? 'server' : 'local',
      title: `Sync conflict (${conflict.detectedAt.slice(0, 16).replace('T', ' ')}): ${server ? 'the server\u2019s version' : 'your version, kept as a copy'}. Both are kept; delete the one you do not want.`,
    }, server ? 'conflict: server' : 'conflict: yours');
  };
  const renderNotes = () => {
    noteList.replaceChildren(
      ...(notes.length === 0
        ? [h('li', { class: 'muted' }, 'No notes yet.')]
        : notes.map((n) =>
            h('li', { 'data-note-id': n.id, class: n.id === selectedNote ? 'selected' : '' },
              conflictBadge(n.id),
              h('button', { class: 'link', type: 'button', onclick: () => { select(n.id); host.flyToNote(n); } }, n.text),
              host.readOnly ? null : h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Delete note', onclick: () => void removeNote(n.id) }, '×'),
            ),
          )),
    );
    host.showNotes(notes, selectedNote);
  };
  const select = (id: string | null) => {
    selectedNote = id;
    document.body.dataset['selectedNote'] = id ?? '';
    renderNotes();
  };
  const removeView = async (view: SavedView) => {
    try {
      await host.api.deleteView({ id: view.id });
      views = views.filter((v) => v.id !== view.id);
      renderViews();
    } catch (error) {
      host.onError(error);
    }
  };
  const removeNote = async (id: string) => {
    try {
      await host.api.deleteNote({ id });
      notes = notes.filter((n) => n.id !== id);
      // Deleting one version of a conflict settles it.
      conflicts = conflicts.filter((c) => c.id !== id && c.copyId !== id);
      if (selectedNote === id) selectedNote = null;
      renderNotes();
    } catch (error) {
      host.onError(error);
    }
  };
  const saveView = async () => {
    const name = viewName.value.trim();
    if (!name) {
      status.textContent = 'Give the view a name first.';
      viewName.focus();
      return;
    }
    try {
      const saved = await host.api.saveView({ name, state: host.captureView() });
      views = [saved, ...views.filter((v) => v.id !== saved.id)];
      viewName.value = '';
      status.textContent = `Saved view “${saved.name}”.`;
      renderViews();
    } catch (error) {
      host.onError(error);
    }
  };
  const addNote = async () => {
    const point = await host.pickPoint('Click a building or the ground to pin the note (Esc cancels).');
    if (!point) return;
    const text = h('textarea', { id: 'note-text', rows: '3', placeholder: 'Note text', 'aria-label': 'Note text' });
    const save = h('button', { class: 'toolbar-button primary', type: 'button', id: 'save-note' }, 'Save note');
    const cancel = h('button', { class: 'toolbar-button', type: 'button' }, 'Cancel');
    const editor = h('div', { class: 'note-editor' }, text, h('div', { class: 'row' }, save, cancel), h('p', { class: 'muted small' }, point.buildingId ? 'Pinned to the building clicked.' : 'Pinned to the point clicked.'));
    noteList.before(editor);
    text.focus();
    cancel.addEventListener('click', () => editor.remove());
    save.addEventListener('click', () => {
      void host.api
        .saveNote({ text: text.value, ...point })
        .then((note) => {
          editor.remove();
          notes = [note, ...notes];
          select(note.id);
        })
        .catch(host.onError);
    });
  };

  container.replaceChildren(
    h('details', { class: 'tool', open: true },
      h('summary', {}, 'Views & notes'),
      host.readOnly ? h('p', { class: 'muted small' }, 'Read-only project: views and notes can be looked at, not saved.') : h('div', { class: 'row' }, viewName, h('button', { class: 'toolbar-button', type: 'button', id: 'save-view', onclick: () => void saveView() }, 'Save view')),
      status,
      viewList,
      host.readOnly ? null : h('div', { class: 'row' }, h('button', { class: 'toolbar-button', type: 'button', id: 'add-note', onclick: () => void addNote() }, '+ Note')),
      noteList,
    ),
  );
  try {
    [{ views }, { notes }, conflicts] = await Promise.all([
      host.api.listViews({}),
      host.api.listNotes({}),
      host.api.getSyncState({}).then((state) => state.conflicts, () => []),
    ]);
  } catch (error) {
    host.onError(error);
  }
  renderViews();
  renderNotes();
  return {
    selectNote: (id) => select(id),
    selectedNote: () => selectedNote,
    deleteSelectedNote: async () => {
      if (selectedNote && !host.readOnly) await removeNote(selectedNote);
    },
  };
}
