/** The name of the 3D Tiles layer the tiler makes of the project's buildings (core/tiler); the city view draws it. */
export const BUILDINGS_TILESET_NAME = 'Buildings (3D Tiles)';
