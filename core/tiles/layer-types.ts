/** The layer shapes core/tiles shares with the contract. */
export type { LayerKind, LayerSummary, Extent as TileExtent } from '../../common/domain.js';
