/**
 * One tile's buildings as a glTF 2.0 binary: a single mesh whose vertices carry the building's feature id
 * (EXT_mesh_features), and a property table with each building's registry id, floors, use, year and height
 * (EXT_structural_metadata), written with glTF-Transform. Positions are ECEF offsets from the tile centre, turned
 * into glTF's y-up axes; the tileset's transform puts them back on the Earth.
 */
import { Document, NodeIO } from '@gltf-transform/core';
import { EXTMeshFeatures, EXTStructuralMetadata } from '@gltf-transform/extensions';
import type { MeshBuilder } from './extrude.js';

/** What a building carries into the tileset, in property-table order (the feature id is the index). */
export interface FeatureProperties {
  registryId: string;
  floors: number | null;
  use: string;
  /** The use category the city view colours by (housing, offices, ...). */
  category: string;
  year: number | null;
  height: number;
}

/** The class and its properties, as 3D Tiles metadata: the same for every tile. */
export const BUILDING_CLASS = 'building';
const NO_DATA_INT = -1;

const io = new NodeIO().registerExtensions([EXTMeshFeatures, EXTStructuralMetadata]);

function utf8Column(values: string[]): { values: Uint8Array; offsets: Uint8Array } {
  const encoder = new TextEncoder();
  const parts = values.map((v) => encoder.encode(v));
  const offsets = new Uint32Array(parts.length + 1);
  let total = 0;
  parts.forEach((part, i) => {
    offsets[i] = total;
    total += part.length;
  });
  offsets[parts.length] = total;
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return { values: bytes, offsets: new Uint8Array(offsets.buffer) };
}

const bytesOf = (array: Int32Array | Float32Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

export async function writeTileGlb(mesh: MeshBuilder, features: FeatureProperties[]): Promise<Uint8Array> {
  const document = new Document();
  const buffer = document.createBuffer();
  // ECEF (x, y, z) → glTF y-up (x, z, -y); 3D Tiles turns glTF's y-up back into z-up when it loads the content.
  const count = mesh.vertexCount;
  const positions = new Float32Array(count * 3);
  const normals = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) {
    positions[3 * i] = mesh.positions[3 * i]!;
    positions[3 * i + 1] = mesh.positions[3 * i + 2]!;
    positions[3 * i + 2] = -mesh.positions[3 * i + 1]!;
    normals[3 * i] = mesh.normals[3 * i]!;
    normals[3 * i + 1] = mesh.normals[3 * i + 2]!;
    normals[3 * i + 2] = -mesh.normals[3 * i + 1]!;
  }
  const featureIds = features.length <= 65535 ? new Uint16Array(mesh.featureIds) : new Float32Array(mesh.featureIds);
  const indices = count <= 65535 ? new Uint16Array(mesh.indices) : new Uint32Array(mesh.indices);

  const position = document.createAccessor().setBuffer(buffer).setType('VEC3').setArray(positions);
  const normal = document.createAccessor().setBuffer(buffer).setType('VEC3').setArray(normals);
  const featureId = document.createAccessor().setBuffer(buffer).setType('SCALAR').setArray(featureIds);
  const index = document.createAccessor().setBuffer(buffer).setType('SCALAR').setArray(indices);
  const material = document.createMaterial('building').setBaseColorFactor([0.92, 0.9, 0.86, 1]).setMetallicFactor(0).setRoughnessFactor(1);

  const metadata = document.createExtension(EXTStructuralMetadata);
  const meshFeatures = document.createExtension(EXTMeshFeatures);
  const property = (type: 'STRING' | 'SCALAR', componentType?: 'INT32' | 'FLOAT32', noData?: number) => {
    const p = metadata.createClassProperty().setType(type).setRequired(noData === undefined);
    if (componentType) p.setComponentType(componentType);
    if (noData !== undefined) p.setNoData(noData);
    return p;
  };
  const buildingClass = metadata
    .createClass()
    .setName('Building')
    .setProperty('registryId', property('STRING'))
    .setProperty('floors', property('SCALAR', 'INT32', NO_DATA_INT))
    .setProperty('use', property('STRING'))
    .setProperty('category', property('STRING'))
    .setProperty('year', property('SCALAR', 'INT32', NO_DATA_INT))
    .setProperty('height', property('SCALAR', 'FLOAT32'));
  const schema = metadata.createSchema().setId('storey').setClass(BUILDING_CLASS, buildingClass);

  const stringProperty = (values: string[]) => {
    const column = utf8Column(values);
    return metadata.createPropertyTableProperty().setValues(column.values).setStringOffsets(column.offsets).setStringOffsetType('UINT32');
  };
  const table = metadata
    .createPropertyTable()
    .setClass(BUILDING_CLASS)
    .setCount(features.length)
    .setProperty('registryId', stringProperty(features.map((f) => f.registryId)))
    .setProperty('floors', metadata.createPropertyTableProperty().setValues(bytesOf(Int32Array.from(features, (f) => f.floors ?? NO_DATA_INT))))
    .setProperty('use', stringProperty(features.map((f) => f.use)))
    .setProperty('category', stringProperty(features.map((f) => f.category)))
    .setProperty('year', metadata.createPropertyTableProperty().setValues(bytesOf(Int32Array.from(features, (f) => f.year ?? NO_DATA_INT))))
    .setProperty('height', metadata.createPropertyTableProperty().setValues(bytesOf(Float32Array.from(features, (f) => f.height))));
  document.getRoot().setExtension('EXT_structural_metadata', metadata.createStructuralMetadata().setSchema(schema).addPropertyTable(table));

  const ids = meshFeatures.createFeatureID().setFeatureCount(features.length).setAttribute(0).setPropertyTable(table);
  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', position)
    .setAttribute('NORMAL', normal)
    .setAttribute('_FEATURE_ID_0', featureId)
    .setIndices(index)
    .setMaterial(material)
    .setExtension('EXT_mesh_features', meshFeatures.createFeatures().addFeatureID(ids));
  const node = document.createNode('buildings').setMesh(document.createMesh('buildings').addPrimitive(primitive));
  document.createScene('tile').addChild(node);
  return io.writeBinary(document);
}
