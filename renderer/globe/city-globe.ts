/**
 * The 3D city view: the only module that talks to Cesium. Fully offline: base imagery is the Natural Earth II
 * tile set shipped inside the cesium package and served by the app itself; no ion token, no online services.
 * Buildings are one batched Primitive (one GeometryInstance per footprint part), not one Entity each; when the project
 * has a current buildings tileset (core/tiler), they are drawn from it instead, styled per feature the same way.
 */
import {
  BoundingSphere,
  buildModuleUrl,
  Cartesian2,
  Cartesian3,
  CesiumWidget,
  Color,
  ColorGeometryInstanceAttribute,
  DirectionalLight,
  GeometryInstance,
  HeadingPitchRange,
  ImageryLayer,
  JulianDate,
  Math as CesiumMath,
  PerInstanceColorAppearance,
  PolygonGeometry,
  PolygonHierarchy,
  Primitive,
  SceneTransforms,
  ScreenSpaceEventHandler,
  ScreenSpaceEventType,
  ShowGeometryInstanceAttribute,
  TileMapServiceImageryProvider,
  Cartographic,
  LabelCollection,
  PointPrimitiveCollection,
  PolylineCollection,
  Material,
  VerticalOrigin,
  LabelStyle,
  Cartesian2 as LabelOffset,
  type Scene,
} from 'cesium';
import type { AddressMatch, BuildingShape, CameraState, Extent, FloorSummary, Note } from '../../common/contract.js';
import { ProjectAddressGeocoder } from './address-geocoder.js';
import { colorOfCategory, selectedFloorColor, selectionColor } from '../palette.js';
import { setGlobeDetail, TileLayers, type LayerFeature } from './tile-layers.js';
import { TilesetBuildings } from './tileset-buildings.js';

/** Instance ids of extra footprint parts carry this separator; the first part's id is the building id. */
const PART_SEPARATOR = '\u0000part';
/** Instance ids of floor slabs. */
const FLOOR_PREFIX = 'floor:';
const NOTE_PREFIX = 'note:';

export interface PickedPoint {
  lonDegrees: number;
  latDegrees: number;
  heightMeters: number;
  buildingId: string | null;
}

export interface GlobeState {
  buildingsReady: boolean;
  tilesLoaded: boolean;
  frames: number;
  /** Samples per pixel the scene draws with (1 on a software WebGL). */
  msaaSamples: number;
  /** A flat sky without atmosphere or drawn fog (a software WebGL): see plainSky. */
  plainSky: boolean;
  /** The error in pixels the globe's surface refines to (see setGlobeDetail). */
  globeMaximumScreenSpaceError: number;
  /** Whether the buildings tileset is lit by a dynamic environment map (see tilesetLighting); null without one. */
  environmentMap: boolean | null;
}

/** Whether WebGL runs on the CPU (no GPU, or one the browser will not use): SwiftShader, llvmpipe and the like. */
function softwareWebGl(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|softpipe|software rasterizer|microsoft basic render/i.test(renderer);
}

/**
 * The sky and the air drawn plainly, for a software WebGL. The sky's atmosphere is shaded for every pixel of the
 * canvas, under the globe too, and fog and the ground's atmosphere for every pixel of the ground and the buildings:
 * on SwiftShader those three took about 45 % of a frame of the 100,000-building city (bench/city, docs/benchmarks.md),
 * in a city view where the horizon is rarely seen. The sky becomes one pale colour; fog still thins out the far
 * tiles of a tilted view (fewer to load), it is only not drawn.
 */
function plainSky(scene: Scene): void {
  if (scene.skyAtmosphere) scene.skyAtmosphere.show = false;
  // SkyBox has a `show` (Cesium's docs and code) that its type declarations leave out.
  if (scene.skyBox) (scene.skyBox as unknown as { show: boolean }).show = false;
  if (scene.sun) scene.sun.show = false;
  if (scene.moon) scene.moon.show = false;
  scene.backgroundColor = Color.fromCssColorString('#b9cbdc');
  scene.fog.renderable = false;
  scene.globe.showGroundAtmosphere = false;
}

export class CityGlobe {
  private readonly widget: CesiumWidget;
  private buildings: Primitive | undefined;
  /** The buildings drawn from the project's tileset instead of the primitive (null: the primitive). */
  private tileset: TilesetBuildings | undefined;
  private tilesetUrl: string | null = null;
  /** The tileset the project offers; drawn unless terrain is on and the shapes are loaded (see standOnGround). */
  private wantedTilesetUrl: string | null = null;
  /** Counts tileset loads, so a slow load that was replaced meanwhile is dropped. */
  private tilesetLoads = 0;
  /** The buildings tileset layer's switch and opacity in the layer list. */
  private buildingsAppearance = { show: true, opacity: 1 };
  private readonly parts = new Map<string, string[]>();
  private readonly shapes = new Map<string, BuildingShape>();
  private selectedId: string | null = null;
  private pickListener: ((id: string | null) => void) | undefined;
  private floorPickListener: ((floorId: string) => void) | undefined;
  private notePickListener: ((noteId: string) => void) | undefined;
  /** Thematic colours by building id; absent ids use their use category's colour. */
  private baseColors = new Map<string, string>();
  /** Buildings the filter keeps; null when there is no filter. */
  private visible: Set<string> | null = null;
  private clickHandler: ((point: PickedPoint) => void) | undefined;
  private readonly noteMarkers: PointPrimitiveCollection;
  private readonly noteLabels: LabelCollection;
  private readonly sketchLines: PolylineCollection;
  private readonly sketchPoints: PointPrimitiveCollection;
  private readonly sketchLabels: LabelCollection;
  private floors: { buildingId: string; primitive: Primitive; floorIds: string[]; centres: Map<string, Cartesian3> } | undefined;
  readonly state: GlobeState = { buildingsReady: false, tilesLoaded: false, frames: 0, msaaSamples: 4, plainSky: false, globeMaximumScreenSpaceError: 2, environmentMap: null };
  /** The project's imagery, terrain and 3D Tiles layers. */
  readonly tileLayers: TileLayers;
  /** Ground height under each building while terrain is on (buildings stand on it); null on the bare ellipsoid. */
  private groundHeights: Map<string, number> | null = null;
  private restyleWhenReady: { colors: Map<string, string>; visible: Set<string> | null; selected: string | null } | undefined;

  private constructor(widget: CesiumWidget) {
    this.widget = widget;
    const scene = widget.scene;
    this.state.msaaSamples = scene.msaaSamples;
    this.state.plainSky = !scene.skyAtmosphere?.show;
    scene.postRender.addEventListener(() => {
      this.state.frames++;
      this.state.globeMaximumScreenSpaceError = scene.globe.maximumScreenSpaceError;
      this.state.environmentMap = this.tileset ? this.tileset.tileset.environmentMapManager.enabled : null;
      this.state.tilesLoaded = scene.globe.tilesLoaded && (this.tileset?.tilesLoaded ?? true);
      // A tileset with nothing to load in view (the city out of sight) is ready too.
      if (this.tileset ? this.tileset.initialTilesLoaded || this.tileset.tilesLoaded : this.buildings?.ready) this.state.buildingsReady = true;
      if (this.ready && this.restyleWhenReady) {
        const { colors, visible, selected } = this.restyleWhenReady;
        this.restyleWhenReady = undefined;
        this.paintBuildings(colors.size ? colors : null);
        this.setVisibleBuildings(visible);
        this.select(selected);
      }
    });
    this.tileLayers = new TileLayers(widget, (terrainOn) => void this.standOnGround(terrainOn));
    this.tileLayers.onBuildingsLayer = (layer) => {
      this.buildingsAppearance = { show: layer?.visible ?? true, opacity: layer?.opacity ?? 1 };
      this.tileset?.setAppearance(this.buildingsAppearance.show, this.buildingsAppearance.opacity);
      // Drawn from the registry on terrain in the tileset's stead (see standOnGround): the switch still applies.
      if (this.buildings && this.wantedTilesetUrl) this.buildings.show = this.buildingsAppearance.show;
      widget.scene.requestRender();
    };
    this.noteMarkers = scene.primitives.add(new PointPrimitiveCollection()) as PointPrimitiveCollection;
    this.noteLabels = scene.primitives.add(new LabelCollection()) as LabelCollection;
    this.sketchLines = scene.primitives.add(new PolylineCollection()) as PolylineCollection;
    this.sketchPoints = scene.primitives.add(new PointPrimitiveCollection()) as PointPrimitiveCollection;
    this.sketchLabels = scene.primitives.add(new LabelCollection()) as LabelCollection;
    const handler = new ScreenSpaceEventHandler(scene.canvas);
    handler.setInputAction((event: ScreenSpaceEventHandler.PositionedEvent) => {
      if (this.clickHandler) {
        const point = this.pickPoint(event.position);
        if (point) this.clickHandler(point);
        return;
      }
      const object = this.widget.scene.pick(event.position) as unknown;
      // A feature of an imported 3D Tiles layer (not a registry building): its own properties, no selection.
      const layerFeature = this.tileLayers.featureOf(object);
      this.tileLayers.highlight(layerFeature ? object : null);
      if (layerFeature && this.layerFeatureListener) {
        this.layerFeatureListener(layerFeature);
        return;
      }
      const picked = this.idOf(object);
      if (picked?.startsWith(NOTE_PREFIX)) this.notePickListener?.(picked.slice(NOTE_PREFIX.length));
      else if (picked?.startsWith(FLOOR_PREFIX)) this.floorPickListener?.(picked.slice(FLOOR_PREFIX.length));
      else this.pickListener?.(picked ? picked.split(PART_SEPARATOR)[0]! : null);
    }, ScreenSpaceEventType.LEFT_CLICK);
  }

  static async create(container: HTMLElement, cesiumBaseUrl: string): Promise<CityGlobe> {
    // Cesium reads its base URL lazily, on first use: set before anything asks for an asset or worker.
    (globalThis as { CESIUM_BASE_URL?: string }).CESIUM_BASE_URL = cesiumBaseUrl;
    const imagery = await TileMapServiceImageryProvider.fromUrl(buildModuleUrl('Assets/Textures/NaturalEarthII'));
    const widget = new CesiumWidget(container, {
      baseLayer: new ImageryLayer(imagery),
      // Render only when something changed: an idle workstation uses no CPU.
      requestRenderMode: true,
      maximumRenderTimeChange: Infinity,
      shouldAnimate: false,
      useBrowserRecommendedResolution: true,
    });
    const scene = widget.scene;
    // Multisampling draws every pixel four times; on a software WebGL (no GPU: SwiftShader, llvmpipe) that made each
    // frame of a 100,000-building city about 1.6 times as long (bench/city), so there edges stay unsmoothed.
    if (softwareWebGl()) {
      scene.msaaSamples = 1;
      plainSky(scene);
    }
    // A fixed light and time: buildings read the same at any hour, and screenshots are reproducible.
    widget.clock.currentTime = JulianDate.fromIso8601('2026-06-21T10:00:00Z');
    scene.light = new DirectionalLight({ direction: Cartesian3.normalize(new Cartesian3(0.4, 0.6, -0.7), new Cartesian3()) });
    scene.globe.enableLighting = false;
    scene.globe.depthTestAgainstTerrain = true;
    scene.globe.baseColor = Color.fromCssColorString('#2b3a4a');
    // Until the project's layers are applied, the globe is the bare ellipsoid under the base map.
    setGlobeDetail(scene, false);
    return new CityGlobe(widget);
  }

  onPick(listener: (id: string | null) => void): void {
    this.pickListener = listener;
  }

  onPickFloor(listener: (floorId: string) => void): void {
    this.floorPickListener = listener;
  }

  onPickNote(listener: (noteId: string) => void): void {
    this.notePickListener = listener;
  }

  private layerFeatureListener: ((feature: LayerFeature) => void) | undefined;

  /** Told when a person clicks a feature of an imported 3D Tiles layer (e.g. a 3DBAG building). */
  onPickLayerFeature(listener: (feature: LayerFeature) => void): void {
    this.layerFeatureListener = listener;
  }

  /** While set, clicks report points (for notes and measuring) instead of selecting buildings. */
  setClickHandler(handler: ((point: PickedPoint) => void) | undefined): void {
    this.clickHandler = handler;
    this.widget.canvas.style.cursor = handler ? 'crosshair' : '';
  }

  /** The point under a window position: on a building (with its id) or on the ground. */
  pickPoint(position: Cartesian2): PickedPoint | null {
    const scene = this.widget.scene;
    const id = this.pickId(position);
    let world: Cartesian3 | undefined;
    if (id && scene.pickPositionSupported) world = scene.pickPosition(position);
    // With terrain on, points (notes, measurements) sit on the terrain surface, not on the ellipsoid below it.
    const ray = this.tileLayers.terrainOn ? this.widget.camera.getPickRay(position) : undefined;
    if (ray) world ??= scene.globe.pick(ray, scene);
    world ??= this.widget.camera.pickEllipsoid(position, scene.globe.ellipsoid);
    if (!world) return null;
    const carto = Cartographic.fromCartesian(world);
    const buildingId = id && !id.startsWith(FLOOR_PREFIX) ? id.split(PART_SEPARATOR)[0]! : this.floors && id?.startsWith(FLOOR_PREFIX) ? this.floors.buildingId : null;
    return {
      lonDegrees: CesiumMath.toDegrees(carto.longitude),
      latDegrees: CesiumMath.toDegrees(carto.latitude),
      heightMeters: Math.max(0, carto.height),
      buildingId,
    };
  }

  cameraState(): CameraState {
    const camera = this.widget.camera;
    const carto = camera.positionCartographic;
    return {
      lonDegrees: CesiumMath.toDegrees(carto.longitude),
      latDegrees: CesiumMath.toDegrees(carto.latitude),
      heightMeters: carto.height,
      headingDegrees: CesiumMath.toDegrees(camera.heading),
      pitchDegrees: CesiumMath.toDegrees(camera.pitch),
      rollDegrees: CesiumMath.toDegrees(camera.roll),
    };
  }

  setCamera(state: CameraState, durationSeconds = 0.8): void {
    this.widget.camera.flyTo({
      destination: Cartesian3.fromDegrees(state.lonDegrees, state.latDegrees, state.heightMeters),
      orientation: { heading: CesiumMath.toRadians(state.headingDegrees), pitch: CesiumMath.toRadians(state.pitchDegrees), roll: CesiumMath.toRadians(state.rollDegrees) },
      duration: durationSeconds,
    });
  }

  /** Draws the notes as pins with their text; the selected one larger. */
  showNotes(notes: Note[], selectedId: string | null): void {
    this.noteMarkers.removeAll();
    this.noteLabels.removeAll();
    for (const note of notes) {
      const position = Cartesian3.fromDegrees(note.lonDegrees, note.latDegrees, note.heightMeters + 1);
      const selected = note.id === selectedId;
      this.noteMarkers.add({ position, pixelSize: selected ? 14 : 10, color: Color.fromCssColorString(selected ? selectedFloorColor : '#ff4fa3'), outlineColor: Color.WHITE, outlineWidth: 2, disableDepthTestDistance: Number.POSITIVE_INFINITY, id: `${NOTE_PREFIX}${note.id}` });
      this.noteLabels.add(mapLabel(position, note.text.length > 40 ? `${note.text.slice(0, 39)}…` : note.text, '13px', Color.WHITE));
    }
    this.widget.scene.requestRender();
  }

  flyToNote(note: Note): void {
    this.flyToPoint(note.lonDegrees, note.latDegrees);
  }

  /** Draws a measurement sketch: the points, the line (closed for areas) and a label at the last point. */
  drawSketch(points: PickedPoint[], closed: boolean, label: string | null): void {
    this.sketchLines.removeAll();
    this.sketchPoints.removeAll();
    this.sketchLabels.removeAll();
    const positions = points.map((p) => Cartesian3.fromDegrees(p.lonDegrees, p.latDegrees, p.heightMeters + 0.3));
    for (const position of positions) this.sketchPoints.add({ position, pixelSize: 8, color: Color.fromCssColorString('#00e5ff'), outlineColor: Color.BLACK, outlineWidth: 1, disableDepthTestDistance: Number.POSITIVE_INFINITY });
    if (positions.length >= 2) {
      this.sketchLines.add({
        positions: closed && positions.length >= 3 ? [...positions, positions[0]!] : positions,
        width: 3,
        material: Material.fromType('Color', { color: Color.fromCssColorString('#00e5ff') }),
      });
    }
    if (label && positions.length) {
      this.sketchLabels.add(mapLabel(positions[positions.length - 1]!, label, 'bold 14px', Color.fromCssColorString('#00e5ff')));
    }
    this.widget.scene.requestRender();
  }

  /** Window position of a geographic point, for tests and tools. */
  screenPositionOfPoint(lonDegrees: number, latDegrees: number, heightMeters = 0): { x: number; y: number } | null {
    return this.toWindow(Cartesian3.fromDegrees(lonDegrees, latDegrees, heightMeters));
  }

  /** Styling can be applied: the primitive is built, or the tileset is in use (it styles tiles as they load). */
  private get ready(): boolean {
    return this.tilesetUrl !== null || !!this.buildings?.ready;
  }

  /** Whether the buildings are drawn from the project's tileset (for tests and the benchmark). */
  buildingsSource(): { kind: 'tileset' | 'primitive'; loadedBuildings: number } {
    return { kind: this.tileset || this.tilesetUrl ? 'tileset' : 'primitive', loadedBuildings: this.tileset?.loadedBuildings ?? this.parts.size };
  }

  /**
   * Replaces the drawn buildings with these shapes: from the buildings tileset at `tilesetUrl` when given (the
   * shapes still serve floors, flights and positions), else batched into one primitive.
   */
  showBuildings(shapes: BuildingShape[], tilesetUrl: string | null = null): void {
    this.wantedTilesetUrl = tilesetUrl;
    this.draw(shapes, tilesetUrl);
    // On terrain, buildings stand on the ground under them (see standOnGround).
    if (this.tileLayers.terrainOn) void this.standOnGround(true);
  }

  private draw(shapes: BuildingShape[], tilesetUrl: string | null): void {
    const scene = this.widget.scene;
    if (this.buildings) scene.primitives.remove(this.buildings);
    this.buildings = undefined;
    if (this.tileset && this.tilesetUrl !== tilesetUrl) {
      this.tileset.destroy();
      this.tileset = undefined;
    }
    this.parts.clear();
    this.shapes.clear();
    this.state.buildingsReady = false;
    this.selectedId = null;
    this.baseColors = new Map();
    this.visible = null;
    this.closeFloors();
    for (const shape of shapes) this.shapes.set(shape.id, shape);
    this.tilesetUrl = tilesetUrl;
    if (tilesetUrl) {
      if (!this.tileset) void this.loadTileset(tilesetUrl);
      else this.tileset.refresh();
      scene.requestRender();
      return;
    }
    const instances: GeometryInstance[] = [];
    for (const shape of shapes) {
      const color = ColorGeometryInstanceAttribute.fromColor(Color.fromCssColorString(colorOfCategory(shape.useCategory)));
      const ids: string[] = [];
      shape.polygons.forEach((rings, index) => {
        const [outer, ...holes] = rings.map(openRing);
        if (!outer || outer.length < 6) return;
        const id = index === 0 ? shape.id : `${shape.id}${PART_SEPARATOR}${index}`;
        ids.push(id);
        instances.push(
          new GeometryInstance({
            id,
            geometry: new PolygonGeometry({
              polygonHierarchy: new PolygonHierarchy(
                Cartesian3.fromDegreesArray(outer),
                holes.filter((h) => h.length >= 6).map((h) => new PolygonHierarchy(Cartesian3.fromDegreesArray(h))),
              ),
              height: this.groundHeights?.get(shape.id) ?? 0,
              extrudedHeight: (this.groundHeights?.get(shape.id) ?? 0) + Math.max(shape.heightMeters, 0.5),
              vertexFormat: PerInstanceColorAppearance.VERTEX_FORMAT,
            }),
            attributes: { color, show: new ShowGeometryInstanceAttribute(true) },
          }),
        );
      });
      this.parts.set(shape.id, ids);
    }
    this.buildings = scene.primitives.add(
      new Primitive({
        geometryInstances: instances,
        appearance: new PerInstanceColorAppearance({ translucent: false, closed: true }),
        asynchronous: true,
      }),
    ) as Primitive;
    if (this.wantedTilesetUrl) this.buildings.show = this.buildingsAppearance.show;
    scene.requestRender();
  }

  private async loadTileset(url: string): Promise<void> {
    const load = ++this.tilesetLoads;
    const scene = this.widget.scene;
    try {
      const tileset = await TilesetBuildings.load(scene, url, {
        colorOf: (id) => (id === this.selectedId ? selectionColor : this.colorOf(id)),
        isShown: (id) => this.isShown(id),
      });
      if (load !== this.tilesetLoads || this.tilesetUrl !== url) {
        tileset.destroy();
        return;
      }
      this.tileset = tileset;
      tileset.setAppearance(this.buildingsAppearance.show, this.buildingsAppearance.opacity);
    } catch (error) {
      // A tileset that cannot be read must not leave an empty city: draw the primitive instead.
      console.error(`The buildings tileset did not load (${String(error)}); drawing the buildings one by one.`);
      if (load === this.tilesetLoads) {
        this.wantedTilesetUrl = null;
        this.draw([...this.shapes.values()], null);
      }
    }
    scene.requestRender();
  }

  /** Lifts every building onto the terrain (or back onto the ellipsoid), keeping its colours, filter and selection. */
  private async standOnGround(terrainOn: boolean): Promise<void> {
    const shapes = [...this.shapes.values()];
    // The tileset's buildings stand on the ellipsoid, and CesiumJS cannot lift its features one by one onto the
    // terrain: on terrain, a city whose shapes are loaded is drawn as the primitive, each building on the ground
    // under it, and back from the tileset when terrain goes off. A city too big to list its shapes keeps the tileset.
    const tilesetUrl = terrainOn && shapes.length ? null : this.wantedTilesetUrl;
    if (tilesetUrl) {
      if (this.tilesetUrl === tilesetUrl) return;
      const restyle = { colors: this.baseColors, visible: this.visible, selected: this.selectedId };
      this.groundHeights = null;
      this.draw(shapes, tilesetUrl);
      this.restyleWhenReady = restyle;
      return;
    }
    let heights: Map<string, number> | null = null;
    if (terrainOn && shapes.length) {
      const centres = shapes.map((s) => ringCentre(s.polygons[0]?.[0] ?? []));
      const ground = await this.tileLayers.groundHeights(centres);
      heights = new Map(shapes.map((s, i) => [s.id, ground[i]!]));
    }
    // The person may have switched terrain again while the heights were sampled: the later call decides.
    if (terrainOn !== this.tileLayers.terrainOn) return;
    if (!heights && !this.groundHeights && !this.tilesetUrl) return;
    const restyle = { colors: this.baseColors, visible: this.visible, selected: this.selectedId };
    this.groundHeights = heights;
    this.draw(shapes, null);
    this.restyleWhenReady = restyle;
  }

  private colorOf(id: string): string {
    return this.baseColors.get(id) ?? colorOfCategory(this.shapes.get(id)?.useCategory ?? this.tileset?.categoryOf(id) ?? 'unknown');
  }

  /** Colours buildings thematically (null: back to use categories). Returns false until the primitive is ready. */
  paintBuildings(colors: Map<string, string> | null): boolean {
    if (!this.ready) return false;
    this.baseColors = colors ?? new Map();
    this.repaint();
    this.widget.scene.requestRender();
    return true;
  }

  /** Shows only these buildings (null: all of them). */
  setVisibleBuildings(ids: Set<string> | null): boolean {
    if (!this.ready) return false;
    this.visible = ids;
    if (this.tileset) this.tileset.refresh();
    else for (const id of this.shapes.keys()) this.setShown(id, this.isShown(id));
    this.widget.scene.requestRender();
    return true;
  }

  private isShown(id: string): boolean {
    return (this.visible === null || this.visible.has(id)) && this.floors?.buildingId !== id;
  }

  private setShown(id: string, shown: boolean): void {
    if (this.tileset) {
      this.tileset.refresh([id]);
      return;
    }
    if (!this.buildings) return;
    const value = ShowGeometryInstanceAttribute.toValue(shown);
    for (const instanceId of this.parts.get(id) ?? []) {
      const attributes = this.buildings!.getGeometryInstanceAttributes(instanceId) as { show: Uint8Array } | undefined;
      if (attributes) attributes.show = value;
    }
  }

  /**
   * Opens a building into its storeys: one slab per floor at its real height (each pickable), spread apart by
   * explodeMeters; with onlyFloorId, just that floor. Exploded stacks are lifted so basements clear the ground.
   */
  openFloors(buildingId: string, floors: FloorSummary[], options: { explodeMeters: number; onlyFloorId: string | null; selectedFloorId: string | null; floorColors?: Map<string, string> | null }): void {
    this.closeFloors();
    const shape = this.shapes.get(buildingId);
    if (!shape || floors.length === 0 || !this.ready) return;
    const ordered = [...floors].sort((a, b) => a.levelIndex - b.levelIndex);
    const defaultStorey = shape.floorCount ? shape.heightMeters / shape.floorCount : 3;
    const bases = ordered.map((f) => f.baseHeightMeters ?? f.levelIndex * defaultStorey);
    const lift = options.explodeMeters > 0 ? Math.max(0, -Math.min(...bases)) : 0;
    const ground = this.groundOf(buildingId);
    const instances: GeometryInstance[] = [];
    const centres = new Map<string, Cartesian3>();
    ordered.forEach((floor, rank) => {
      if (options.onlyFloorId && floor.id !== options.onlyFloorId) return;
      const height = floor.heightMeters ?? defaultStorey;
      const base = bases[rank]! + lift + rank * options.explodeMeters;
      centres.set(floor.id, this.centreOf(shape, base + height - Math.min(0.25, height * 0.08)));
      const gap = Math.min(0.25, height * 0.08);
      // The open building keeps the selection colour; the chosen floor stands out in a stronger tone.
      const themed = options.floorColors?.get(floor.id);
      const css = floor.id === options.selectedFloorId ? selectedFloorColor : themed ?? (floor.levelIndex < 0 ? '#b8982e' : selectionColor);
      shape.polygons.forEach((rings, part) => {
        const [outer, ...holes] = rings.map(openRing);
        if (!outer || outer.length < 6) return;
        instances.push(
          new GeometryInstance({
            id: `${FLOOR_PREFIX}${floor.id}`,
            geometry: new PolygonGeometry({
              polygonHierarchy: new PolygonHierarchy(
                Cartesian3.fromDegreesArray(outer),
                holes.filter((h) => h.length >= 6).map((h) => new PolygonHierarchy(Cartesian3.fromDegreesArray(h))),
              ),
              // On terrain, the slabs stand where the building does.
              height: ground + base + gap,
              extrudedHeight: ground + base + height - gap,
              vertexFormat: PerInstanceColorAppearance.VERTEX_FORMAT,
            }),
            attributes: { color: ColorGeometryInstanceAttribute.fromColor(Color.fromCssColorString(css)) },
          }),
        );
        void part;
      });
    });
    const primitive = this.widget.scene.primitives.add(
      new Primitive({ geometryInstances: instances, appearance: new PerInstanceColorAppearance({ translucent: false, closed: true }), asynchronous: false }),
    ) as Primitive;
    this.floors = { buildingId, primitive, floorIds: ordered.map((f) => f.id), centres };
    this.setShown(buildingId, false);
    this.widget.scene.requestRender();
  }

  closeFloors(): void {
    if (!this.floors) return;
    const { buildingId, primitive } = this.floors;
    this.floors = undefined;
    this.widget.scene.primitives.remove(primitive);
    if (this.ready) this.setShown(buildingId, this.isShown(buildingId));
    this.widget.scene.requestRender();
  }

  /** Which building's floors are open, if any. */
  openBuildingId(): string | null {
    return this.floors?.buildingId ?? null;
  }

  /** The part of the ground the camera sees, or null when it looks past the globe. */
  visibleExtent(): Extent | null {
    const rectangle = this.widget.camera.computeViewRectangle();
    if (!rectangle) return null;
    return {
      westDegrees: CesiumMath.toDegrees(rectangle.west),
      southDegrees: CesiumMath.toDegrees(rectangle.south),
      eastDegrees: CesiumMath.toDegrees(rectangle.east),
      northDegrees: CesiumMath.toDegrees(rectangle.north),
    };
  }

  /** Frames the extent from the south-west at an oblique angle, the way one first looks at a district. */
  viewExtent(extent: Extent): void {
    const centre = Cartesian3.fromDegrees(
      (extent.westDegrees + extent.eastDegrees) / 2,
      (extent.southDegrees + extent.northDegrees) / 2,
      0,
    );
    const corner = Cartesian3.fromDegrees(extent.westDegrees, extent.southDegrees, 0);
    const radius = Math.max(Cartesian3.distance(centre, corner), 50);
    this.widget.camera.flyToBoundingSphere(new BoundingSphere(centre, radius), {
      offset: new HeadingPitchRange(CesiumMath.toRadians(20), CesiumMath.toRadians(-38), radius * 1.9),
      duration: 0,
    });
    this.widget.scene.requestRender();
  }

  /** Highlights one building (or none) by recolouring its instances in place. */
  select(id: string | null): void {
    if (!this.ready) return;
    const previous = this.selectedId;
    // From a tileset, any building can be selected, its shape loaded or not.
    this.selectedId = id && (this.shapes.has(id) || this.tilesetUrl !== null) ? id : null;
    this.repaint([previous, this.selectedId].filter((x): x is string => x !== null));
    this.widget.scene.requestRender();
  }

  /** A Cesium geocoder over the project's addresses, whose destinations are this globe's buildings. */
  createGeocoder(search: (query: string) => Promise<AddressMatch[]>): ProjectAddressGeocoder {
    return new ProjectAddressGeocoder(search, (id) => {
      const shape = this.shapes.get(id);
      return shape ? new BoundingSphere(this.centreOf(shape, shape.heightMeters / 2), Math.max(shape.heightMeters, 20)) : undefined;
    });
  }

  /** Flies to a point (no building to show), looking down at it from a few hundred metres. */
  flyToPoint(lonDegrees: number, latDegrees: number): void {
    this.widget.camera.flyToBoundingSphere(new BoundingSphere(Cartesian3.fromDegrees(lonDegrees, latDegrees, 0), 40), {
      offset: new HeadingPitchRange(this.widget.camera.heading, CesiumMath.toRadians(-45), 300),
      duration: 0.8,
    });
  }

  hasBuilding(id: string): boolean {
    return this.shapes.has(id);
  }

  /**
   * Makes sure these buildings' shapes are at hand (a city drawn from its tileset loads them as buildings are
   * opened, not all at the start).
   */
  async ensureShapes(ids: string[], load: (ids: string[]) => Promise<BuildingShape[]>): Promise<void> {
    const missing = ids.filter((id) => !this.shapes.has(id));
    if (missing.length === 0) return;
    for (const shape of await load(missing)) this.shapes.set(shape.id, shape);
  }

  /** Flies to a building, keeping the oblique angle. */
  flyToBuilding(id: string): void {
    const shape = this.shapes.get(id);
    if (!shape) return;
    const centre = this.centreOf(shape, shape.heightMeters / 2);
    this.widget.camera.flyToBoundingSphere(new BoundingSphere(centre, Math.max(shape.heightMeters, 20)), {
      offset: new HeadingPitchRange(this.widget.camera.heading, CesiumMath.toRadians(-30), Math.max(shape.heightMeters, 20) * 5),
      duration: 0.8,
    });
  }

  /** Window (CSS pixel) position of a building's roof centre, or null when off screen; for tests and tools. */
  screenPositionOf(id: string): { x: number; y: number } | null {
    const shape = this.shapes.get(id);
    return shape ? this.toWindow(this.centreOf(shape, shape.heightMeters)) : null;
  }

  /** Window position of the top of an open floor slab. */
  floorScreenPosition(floorId: string): { x: number; y: number } | null {
    const centre = this.floors?.centres.get(floorId);
    return centre ? this.toWindow(centre) : null;
  }

  private toWindow(world: Cartesian3): { x: number; y: number } | null {
    const position = SceneTransforms.worldToWindowCoordinates(this.widget.scene, world);
    if (!position) return null;
    const rect = this.widget.canvas.getBoundingClientRect();
    return { x: rect.left + position.x, y: rect.top + position.y };
  }

  requestRender(): void {
    this.widget.scene.requestRender();
  }

  /** For print maps: the ellipsoid point under a canvas position (CSS pixels), ignoring buildings. */
  groundAt(x: number, y: number): { lonDegrees: number; latDegrees: number } | null {
    const world = this.widget.camera.pickEllipsoid(new Cartesian2(x, y), this.widget.scene.globe.ellipsoid);
    if (!world) return null;
    const carto = Cartographic.fromCartesian(world);
    return { lonDegrees: CesiumMath.toDegrees(carto.longitude), latDegrees: CesiumMath.toDegrees(carto.latitude) };
  }

  /**
   * For print maps: render at the device pixel ratio (sharp at print resolution) instead of CSS pixels, times
   * `scale` (below 1 for cheap frames while tiles load).
   */
  renderAtDevicePixels(scale = 1): void {
    this.widget.useBrowserRecommendedResolution = false;
    this.widget.resolutionScale = scale;
    this.widget.resize();
    this.widget.scene.requestRender();
  }

  private pickId(position: Cartesian2): string | null {
    return this.idOf(this.widget.scene.pick(position));
  }

  private idOf(object: unknown): string | null {
    const picked = object as { id?: unknown } | undefined;
    const fromTileset = this.tileset?.idOf(picked);
    if (fromTileset) return fromTileset;
    return picked && typeof picked.id === 'string' ? picked.id : null;
  }

  /** Gives these buildings (all without ids) their current colour: the selection's or their own. */
  private repaint(ids?: string[]): void {
    if (this.tileset) {
      this.tileset.refresh(ids);
      return;
    }
    if (!this.buildings) return;
    for (const id of ids ?? this.shapes.keys()) this.paint(id, id === this.selectedId ? selectionColor : this.colorOf(id));
  }

  private paint(id: string, css: string): void {
    const value = ColorGeometryInstanceAttribute.toValue(Color.fromCssColorString(css));
    for (const instanceId of this.parts.get(id) ?? []) {
      const attributes = this.buildings!.getGeometryInstanceAttributes(instanceId) as { color: Uint8Array } | undefined;
      if (attributes) attributes.color = value;
    }
  }

  /** Where a building stands: the terrain height under it while terrain is on (see standOnGround), else 0. */
  private groundOf(id: string): number {
    return this.groundHeights?.get(id) ?? 0;
  }

  /** The middle of a building's first footprint ring at a height above the ground it stands on. */
  private centreOf(shape: BuildingShape, heightMeters: number): Cartesian3 {
    const ring = openRing(shape.polygons[0]![0]!);
    let lon = 0;
    let lat = 0;
    const n = ring.length / 2;
    for (let i = 0; i < ring.length; i += 2) {
      lon += ring[i]!;
      lat += ring[i + 1]!;
    }
    return Cartesian3.fromDegrees(lon / n, lat / n, this.groundOf(shape.id) + heightMeters);
  }
}

/** A label that reads on any background and is never hidden behind buildings. */
function mapLabel(position: Cartesian3, text: string, size: string, fillColor: Color) {
  return {
    position,
    text,
    font: `${size} "DejaVu Sans", sans-serif`,
    fillColor,
    outlineColor: Color.BLACK,
    outlineWidth: 3,
    style: LabelStyle.FILL_AND_OUTLINE,
    verticalOrigin: VerticalOrigin.BOTTOM,
    pixelOffset: new LabelOffset(0, -12),
    disableDepthTestDistance: Number.POSITIVE_INFINITY,
  };
}

/** Drops the closing vertex of a closed ring; Cesium closes polygons itself. */
function openRing(ring: number[]): number[] {
  const n = ring.length;
  if (n >= 4 && ring[0] === ring[n - 2] && ring[1] === ring[n - 1]) return ring.slice(0, n - 2);
  return ring;
}

/** The mean of a flat [lon, lat, ...] ring: where a building's ground height is sampled. */
function ringCentre(ring: number[]): { lonDegrees: number; latDegrees: number } {
  let lon = 0;
  let lat = 0;
  const n = Math.max(1, Math.floor(ring.length / 2));
  for (let i = 0; i + 1 < ring.length; i += 2) {
    lon += ring[i]!;
    lat += ring[i + 1]!;
  }
  return { lonDegrees: lon / n, latDegrees: lat / n };
}
