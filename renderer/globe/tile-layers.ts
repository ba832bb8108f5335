/**
 * The project's tile layers on the globe: imagery (UrlTemplateImageryProvider), terrain (CesiumTerrainProvider) and
 * 3D Tiles (Cesium3DTileset), all fetched from the host's /tiles/<layer>/ route, which the desktop storey:// scheme and
 * the web host answer alike. Nothing here leaves the machine.
 */
import {
  Axis,
  Cartesian2,
  Cartographic,
  Cesium3DTileFeature,
  Cesium3DTileset,
  Cesium3DTileStyle,
  CesiumTerrainProvider,
  CesiumWidget,
  Color,
  Credit,
  EllipsoidTerrainProvider,
  ImageryLayer,
  Rectangle,
  sampleTerrainMostDetailed,
  UrlTemplateImageryProvider,
  type Scene,
  type TerrainProvider,
} from 'cesium';
import type { Extent, LayerSummary } from '../../common/contract.js';
import { BUILDINGS_TILESET_NAME } from '../../common/buildings-tileset.js';
import { tilesetLighting } from './tileset-buildings.js';

/**
 * How finely the globe's surface is drawn. On the bare ellipsoid under Cesium's bundled base map (Natural Earth II,
 * levels 0-2), a globe tile deeper than about level 5 shows the same texels and there is no relief to resolve, yet
 * the default error of 2 px refines the ground under a city view down to level 17: four times the tiles, each
 * meshed on a worker five at a time and shown one level per frame, so the first complete frame waits on them
 * (bench/city). 8 px ends the descent two levels higher. With project imagery or terrain the default 2 px stays, so
 * their detail is drawn.
 */
export function setGlobeDetail(scene: Scene, projectSurface: boolean): void {
  scene.globe.maximumScreenSpaceError = projectSurface ? 2 : 8;
}

/** A feature of a plain 3D Tiles layer (not the city's own buildings) as a person clicked it. */
export interface LayerFeature {
  layerId: string;
  layerName: string;
  featureId: number;
  /** Every property of the feature's row in its property table (EXT_structural_metadata or batch table). */
  properties: Array<{ name: string; value: string | number | boolean | null }>;
}

interface Shown {
  layer: LayerSummary;
  imagery?: ImageryLayer;
  tileset?: Cesium3DTileset;
  /** The opacity the tileset's style was made for (3D Tiles have no alpha of their own). */
  tilesetOpacity?: number;
}

export class TileLayers {
  private readonly shown = new Map<string, Shown>();
  private terrainId: string | null = null;
  private terrain: TerrainProvider | undefined;
  private pending: Promise<void> = Promise.resolve();
  /** Why the last layer that failed to load did (shown in the layer panel). */
  readonly failures = new Map<string, string>();

  constructor(
    private readonly widget: CesiumWidget,
    private readonly onTerrainChange: (on: boolean) => void,
    private readonly baseUrl = new URL('tiles/', document.baseURI).href,
  ) {}

  private url(layer: LayerSummary, path = ''): string {
    return `${this.baseUrl}${encodeURIComponent(layer.id)}/${path}`;
  }

  /** Told the buildings tileset layer's settings (visible, opacity) whenever the layer list is applied. */
  onBuildingsLayer: ((layer: LayerSummary | undefined) => void) | undefined;

  /** Where a layer's root document (tileset JSON, layer.json) is served. */
  rootUrl(layer: LayerSummary): string {
    return this.url(layer, layer.root ?? '');
  }

  /** Brings the globe in line with the layer list (visibility, draw order, opacity). Calls queue up in order. */
  apply(layers: LayerSummary[]): Promise<void> {
    this.pending = this.pending.catch(() => undefined).then(() => this.sync(layers));
    return this.pending;
  }

  private async sync(layers: LayerSummary[]): Promise<void> {
    const scene = this.widget.scene;
    // The buildings tileset is drawn by the city view as its buildings (styled, pickable), not as a plain layer; its
    // switch and opacity in the layer list apply to those buildings.
    this.onBuildingsLayer?.(layers.find(isBuildingsTileset));
    const wanted = new Map(layers.filter((l) => l.visible && l.kind !== 'terrain' && !isBuildingsTileset(l)).map((l) => [l.id, l]));
    for (const [id, shown] of this.shown) {
      if (wanted.has(id)) continue;
      if (shown.imagery) scene.imageryLayers.remove(shown.imagery, true);
      if (shown.tileset) scene.primitives.remove(shown.tileset);
      this.shown.delete(id);
    }
    for (const layer of [...wanted.values()].sort((a, b) => a.order - b.order)) {
      let shown = this.shown.get(layer.id);
      if (!shown) {
        try {
          shown = await this.show(layer);
        } catch (error) {
          this.failures.set(layer.id, error instanceof Error ? error.message : String(error));
          continue;
        }
        this.shown.set(layer.id, shown);
      }
      shown.layer = layer;
      // Imagery later in the order is drawn over earlier imagery (and over the base layer).
      if (shown.imagery) {
        scene.imageryLayers.raiseToTop(shown.imagery);
        shown.imagery.alpha = layer.opacity;
      }
      if (shown.tileset) this.setTilesetOpacity(shown, layer.opacity);
    }
    const terrain = layers.filter((l) => l.kind === 'terrain' && l.visible).sort((a, b) => a.order - b.order)[0];
    if ((terrain?.id ?? null) !== this.terrainId) {
      this.terrainId = terrain?.id ?? null;
      try {
        this.terrain = terrain ? await CesiumTerrainProvider.fromUrl(this.url(terrain), { requestVertexNormals: true }) : undefined;
      } catch (error) {
        this.failures.set(terrain!.id, error instanceof Error ? error.message : String(error));
        this.terrain = undefined;
        this.terrainId = null;
      }
      scene.terrainProvider = this.terrain ?? new EllipsoidTerrainProvider();
      this.onTerrainChange(this.terrain !== undefined);
    }
    setGlobeDetail(scene, this.terrain !== undefined || [...this.shown.values()].some((shown) => shown.imagery));
    scene.requestRender();
  }

  private async show(layer: LayerSummary): Promise<Shown> {
    const scene = this.widget.scene;
    if (layer.kind === 'imagery') {
      const e = layer.extent;
      const provider = new UrlTemplateImageryProvider({
        url: this.url(layer, '{z}/{x}/{y}'),
        minimumLevel: layer.minZoom ?? 0,
        maximumLevel: layer.maxZoom ?? 18,
        ...(e ? { rectangle: Rectangle.fromDegrees(e.westDegrees, Math.max(e.southDegrees, -85.05), e.eastDegrees, Math.min(e.northDegrees, 85.05)) } : {}),
        ...(layer.attribution ? { credit: new Credit(layer.attribution) } : {}),
      });
      const imagery = scene.imageryLayers.addImageryProvider(provider);
      imagery.alpha = layer.opacity;
      return { layer, imagery };
    }
    const url = this.url(layer, layer.root ?? 'tileset.json');
    // 3D Tiles 1.1 content is glTF, which is always y-up; a leftover 1.0 "gltfUpAxis" would put it on the wrong continent.
    const json = (await (await fetch(url)).json()) as { asset?: { version?: string } };
    const options = json.asset?.version === '1.1' ? { modelUpAxis: Axis.Y } : {};
    const tileset = await Cesium3DTileset.fromUrl(url, { maximumScreenSpaceError: 8, ...tilesetLighting(scene), ...options });
    scene.primitives.add(tileset);
    return { layer, tileset };
  }

  /**
   * 3D Tiles opacity is a tileset style: every feature's colour times white at that alpha (Cesium's default HIGHLIGHT
   * blend multiplies, so the model's own colours stay). Fully opaque clears the style, so nothing goes translucent.
   */
  private setTilesetOpacity(shown: Shown, opacity: number): void {
    if (!shown.tileset || shown.tilesetOpacity === opacity) return;
    shown.tileset.style = opacity < 1 ? new Cesium3DTileStyle({ color: `color('white', ${opacity.toFixed(3)})` }) : undefined;
    shown.tilesetOpacity = opacity;
  }

  /** The opacity the globe draws a layer with now: imagery alpha or the 3D tileset style's alpha; null if not shown. */
  appliedOpacity(id: string): number | null {
    const shown = this.shown.get(id);
    if (shown?.imagery) return shown.imagery.alpha;
    if (shown?.tileset) {
      const style = shown.tileset.style as Cesium3DTileStyle | undefined;
      if (!style) return 1;
      const color = (style.color as unknown as { evaluateColor(feature: undefined): { alpha: number } | undefined }).evaluateColor(undefined);
      return color?.alpha ?? null;
    }
    return null;
  }

  get terrainOn(): boolean {
    return this.terrain !== undefined;
  }

  /** Ground heights (metres) under these points from the terrain's most detailed tiles; zeros without terrain. */
  async groundHeights(points: Array<{ lonDegrees: number; latDegrees: number }>): Promise<number[]> {
    if (!this.terrain || points.length === 0) return points.map(() => 0);
    const sampled = await sampleTerrainMostDetailed(this.terrain, points.map((p) => Cartographic.fromDegrees(p.lonDegrees, p.latDegrees)));
    return sampled.map((c) => (Number.isFinite(c.height) ? c.height : 0));
  }

  /** The height of the globe surface as drawn now (loaded tiles only), or null where none is loaded. */
  globeHeight(lonDegrees: number, latDegrees: number): number | null {
    return this.widget.scene.globe.getHeight(Cartographic.fromDegrees(lonDegrees, latDegrees)) ?? null;
  }

  /** Whether every shown 3D tileset has loaded what the last rendered view needs. */
  tilesetsLoaded(): boolean {
    return [...this.shown.values()].every((s) => !s.tileset || s.tileset.tilesLoaded);
  }

  /** The 3D Tiles feature at a window position: its layer and property names, or null. */
  pickFeature(x: number, y: number): { layerId: string; featureId: number; properties: string[] } | null {
    // A few pixels of slack: small roofs seen from above are easy to miss by one pixel.
    const feature = this.featureOf(this.widget.scene.pick(new Cartesian2(x, y), 5, 5));
    return feature ? { layerId: feature.layerId, featureId: feature.featureId, properties: feature.properties.map((p) => p.name) } : null;
  }

  /** The layer feature a picked object is, when it belongs to one of the shown 3D Tiles layers; else null. */
  featureOf(picked: unknown): LayerFeature | null {
    if (!(picked instanceof Cesium3DTileFeature)) return null;
    const entry = [...this.shown.values()].find((s) => s.tileset === picked.tileset);
    if (!entry) return null;
    const properties = picked.getPropertyIds().map((name) => ({ name, value: propertyValue(picked.getProperty(name)) }));
    return { layerId: entry.layer.id, layerName: entry.layer.name, featureId: picked.featureId, properties };
  }

  private highlighted: { feature: Cesium3DTileFeature; color: Color } | undefined;

  /** Marks the feature a person clicked (null: none); the previous one gets its colour back. */
  highlight(picked: unknown): void {
    if (this.highlighted && !this.highlighted.feature.tileset.isDestroyed()) this.highlighted.feature.color = this.highlighted.color;
    this.highlighted = undefined;
    if (picked instanceof Cesium3DTileFeature && this.featureOf(picked)) {
      this.highlighted = { feature: picked, color: Color.clone(picked.color) };
      picked.color = Color.fromCssColorString(LAYER_FEATURE_HIGHLIGHT);
    }
    this.widget.scene.requestRender();
  }

  /** What is drawn at a window position, by kind (for diagnosing picks in tests). */
  pickedKind(x: number, y: number): string {
    const picked = this.widget.scene.pick(new Cartesian2(x, y)) as unknown;
    if (picked === undefined) return 'nothing';
    return (picked as { constructor?: { name?: string } }).constructor?.name ?? typeof picked;
  }

  /** Frames a layer's extent from above. */
  flyTo(extent: Extent, durationSeconds = 1): void {
    this.widget.camera.flyTo({
      destination: Rectangle.fromDegrees(extent.westDegrees, extent.southDegrees, extent.eastDegrees, extent.northDegrees),
      duration: durationSeconds,
    });
  }
}

/** Colour of a clicked 3D Tiles layer feature (the city's selection colour is for registry buildings). */
const LAYER_FEATURE_HIGHLIGHT = '#ffd23f';

/** Property values as a panel shows them: no-data (undefined) becomes null, vectors and arrays a short text. */
function propertyValue(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

function isBuildingsTileset(layer: LayerSummary): boolean {
  return layer.kind === '3dtiles' && layer.name === BUILDINGS_TILESET_NAME;
}
