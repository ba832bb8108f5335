/** The saved views a briefing names, by id or name, in the order given. */
import type { SavedView, StoreyApi } from '../../common/contract.js';
import { StoreyError } from '../../common/errors.js';

/** The chosen saved views in the chosen order; an unknown id or name is an error that names it. */
export async function chosenViews(api: Pick<StoreyApi, 'listViews'>, idsOrNames: string[]): Promise<SavedView[]> {
  const { views } = await api.listViews({});
  return idsOrNames.map((key) => {
    const view = views.find((v) => v.id === key) ?? views.find((v) => v.name === key) ?? views.find((v) => v.name.toLowerCase() === key.toLowerCase());
    if (!view) {
      const names = views.map((v) => `“${v.name}”`).join(', ');
      throw new StoreyError('NOT_FOUND', `No saved view “${key}” in this project${names ? `; its views are ${names}` : ' (it has no saved views)'}.`);
    }
    return view;
  });
}
