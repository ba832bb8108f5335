/**
 * The city's buildings drawn from the project's buildings tileset (core/tiler) instead of one batched primitive: at
 * city scale only the tiles in view are loaded and drawn. Colour and visibility are set per feature, by registry
 * id, as tiles load and whenever the style, filter, selection or open floors change, so the analyst sees the same
 * city as with the primitive.
 */
import { Cesium3DTileFeature, Cesium3DTileset, Color, CustomShader, LightingModel, type Cesium3DTile, type Scene } from 'cesium';

/**
 * How a tileset in this scene is lit. Cesium lights glTF content with an environment map that it renders from the sky
 * atmosphere around the camera: cube faces and their convolutions, five shader programs of their own. Under a plain
 * sky (a software WebGL, see plainSky in city-globe.ts) that atmosphere is not drawn, and compiling those programs
 * took about a second of the first frames of the 100,000-building city in Chromium on SwiftShader (bench/city). There
 * the map is off: the scene's light and the default ambient light shade the buildings, which then read a shade
 * closer to their legend colours.
 */
export function tilesetLighting(scene: Scene): { environmentMapOptions?: { enabled: boolean } } {
  return scene.skyAtmosphere?.show === false ? { environmentMapOptions: { enabled: false } } : {};
}

/**
 * The buildings' shading, the same as when they are drawn from the registry (a Primitive with
 * PerInstanceColorAppearance: half the colour as ambient light, half lit from the eye and from above the screen), so
 * a building has its legend colour on the faces that look at the viewer whichever way the city is drawn. Cesium's
 * physically based lighting of glTF drew them about a third darker than their legend colours. The tiles' own
 * neutral material colour is left out: the feature colour (legend, style, selection), applied after this, is the
 * building's colour, as in the registry drawing.
 */
const registryShading = new CustomShader({
  lightingModel: LightingModel.UNLIT,
  fragmentShaderText: `
    void fragmentMain(FragmentInput fsInput, inout czm_modelMaterial material) {
      vec3 normal = normalize(fsInput.attributes.normalEC);
      float lit = max(dot(normal, vec3(0.0, 0.0, 1.0)), 0.0) + max(dot(normal, vec3(0.0, 1.0, 0.0)), 0.0);
      material.diffuse = vec3(min(1.0, 0.5 + 0.5 * lit));
    }
  `,
});

export interface BuildingLook {
  /** CSS colour of a building now (thematic, category or selection colour). */
  colorOf(id: string): string;
  /** Whether it is drawn now (filter, opened floors). */
  isShown(id: string): boolean;
}

export class TilesetBuildings {
  /** The loaded features of each building: while tiles refine, a building can be in a coarse tile and a leaf at once. */
  private readonly features = new Map<string, Set<Cesium3DTileFeature>>();
  private readonly byTile = new Map<Cesium3DTile, Array<[string, Cesium3DTileFeature]>>();
  private readonly colors = new Map<string, Color>();
  /** Use category by building, from the features' own property (the city may have no shapes loaded). */
  private readonly categories = new Map<string, string>();
  /** True once the tiles for the first view have loaded. */
  initialTilesLoaded = false;

  private constructor(
    private readonly scene: Scene,
    readonly tileset: Cesium3DTileset,
    private readonly look: BuildingLook,
  ) {
    tileset.tileLoad.addEventListener((tile: Cesium3DTile) => this.adopt(tile));
    tileset.tileUnload.addEventListener((tile: Cesium3DTile) => this.forget(tile));
    tileset.initialTilesLoaded.addEventListener(() => {
      this.initialTilesLoaded = true;
      scene.requestRender();
    });
    // Tiles arrive between frames; with render-on-demand a loaded tile must ask for the frame that shows it.
    tileset.allTilesLoaded.addEventListener(() => scene.requestRender());
  }

  static async load(scene: Scene, url: string, look: BuildingLook): Promise<TilesetBuildings> {
    const tileset = await Cesium3DTileset.fromUrl(url, {
      // The tiler's geometric errors are in metres of missing detail: 16 px keeps the skyline while zoomed out.
      maximumScreenSpaceError: 16,
      // Buildings are opaque boxes: no back faces to draw.
      backFaceCulling: true,
      ...tilesetLighting(scene),
    });
    tileset.customShader = registryShading;
    scene.primitives.add(tileset);
    return new TilesetBuildings(scene, tileset, look);
  }

  private alpha = 1;

  private color(css: string): Color {
    let color = this.colors.get(css);
    if (!color) {
      color = Color.fromCssColorString(css).withAlpha(this.alpha);
      this.colors.set(css, color);
    }
    return color;
  }

  /** The layer list's switch and opacity for the buildings. */
  setAppearance(show: boolean, opacity: number): void {
    this.tileset.show = show;
    if (opacity !== this.alpha) {
      this.alpha = opacity;
      this.colors.clear();
      this.refresh();
    }
    this.scene.requestRender();
  }

  private adopt(tile: Cesium3DTile): void {
    const content = tile.content;
    const list: Array<[string, Cesium3DTileFeature]> = [];
    for (let i = 0; i < content.featuresLength; i++) {
      const feature = content.getFeature(i);
      const id = String(feature.getProperty('registryId'));
      list.push([id, feature]);
      const category = feature.getProperty('category') as unknown;
      if (typeof category === 'string' && !this.categories.has(id)) this.categories.set(id, category);
      let set = this.features.get(id);
      if (!set) this.features.set(id, (set = new Set()));
      set.add(feature);
      feature.color = this.color(this.look.colorOf(id));
      feature.show = this.look.isShown(id);
    }
    this.byTile.set(tile, list);
  }

  private forget(tile: Cesium3DTile): void {
    for (const [id, feature] of this.byTile.get(tile) ?? []) {
      const set = this.features.get(id);
      set?.delete(feature);
      if (set && set.size === 0) this.features.delete(id);
    }
    this.byTile.delete(tile);
  }

  /** Re-applies colour and visibility to these buildings' loaded features (to every loaded one without ids). */
  refresh(ids?: Iterable<string>): void {
    for (const id of ids ?? [...this.features.keys()]) {
      const features = this.features.get(id);
      if (!features) continue;
      const color = this.color(this.look.colorOf(id));
      const shown = this.look.isShown(id);
      for (const feature of features) {
        feature.color = color;
        feature.show = shown;
      }
    }
    this.scene.requestRender();
  }

  /** The registry id of a picked object when it is one of these buildings. */
  idOf(picked: unknown): string | null {
    return picked instanceof Cesium3DTileFeature && picked.tileset === this.tileset ? String(picked.getProperty('registryId')) : null;
  }

  /** A building's use category as the tileset has it, when one of its features has loaded. */
  categoryOf(id: string): string | undefined {
    return this.categories.get(id);
  }

  /** Whether a building has a feature loaded now. */
  has(id: string): boolean {
    return this.features.has(id);
  }

  /** How many buildings have a feature loaded now (for tests and the benchmark). */
  get loadedBuildings(): number {
    return this.features.size;
  }

  get tilesLoaded(): boolean {
    return this.tileset.tilesLoaded;
  }

  destroy(): void {
    this.scene.primitives.remove(this.tileset);
    this.features.clear();
    this.byTile.clear();
  }
}
