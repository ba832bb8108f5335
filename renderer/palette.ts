/** Colours of the use categories, shared by the globe and the legend so the two always agree. */
export const useCategoryColors: Record<string, string> = {
  housing: '#e3c9a0',
  mixed: '#e0a36a',
  office: '#8fb3d9',
  retail: '#d98fa6',
  industry: '#a9a9b8',
  public: '#9fd18b',
  garage: '#c2c2a3',
  unknown: '#d0d0d0',
};

export const useCategoryLabels: Record<string, string> = {
  housing: 'Housing',
  mixed: 'Housing over shops',
  office: 'Offices',
  retail: 'Shops',
  industry: 'Industry',
  public: 'Public',
  garage: 'Parking',
  unknown: 'Unknown use',
};

export const selectionColor = '#ffcc00';
export const selectedFloorColor = '#ff6a00';

export function colorOfCategory(category: string): string {
  return useCategoryColors[category] ?? useCategoryColors['unknown']!;
}
