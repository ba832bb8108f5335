/**
 * Address search as a Cesium GeocoderService over the project's FTS5 index: results carry a destination Cesium can
 * fly to, and the building they belong to so the UI can select it. Nothing is asked of any online geocoder.
 */
import { BoundingSphere, Cartesian3, Rectangle, type GeocoderService } from 'cesium';
import type { AddressMatch } from '../../common/contract.js';

export interface AddressResult extends GeocoderService.Result {
  match: AddressMatch;
}

export class ProjectAddressGeocoder implements GeocoderService {
  readonly credit = undefined;

  constructor(
    private readonly search: (query: string) => Promise<AddressMatch[]>,
    private readonly buildingSphere: (buildingId: string) => BoundingSphere | undefined,
  ) {}

  async geocode(query: string): Promise<AddressResult[]> {
    const matches = await this.search(query);
    return matches.flatMap((match) => {
      const sphere = match.buildingId ? this.buildingSphere(match.buildingId) : undefined;
      let destination: Rectangle | Cartesian3 | undefined;
      if (sphere) {
        destination = sphere.center;
      } else if (match.lonDegrees !== null && match.latDegrees !== null) {
        const d = 0.0008;
        destination = Rectangle.fromDegrees(match.lonDegrees - d, match.latDegrees - d / 2, match.lonDegrees + d, match.latDegrees + d / 2);
      }
      return destination ? [{ displayName: match.text, destination, match }] : [{ displayName: match.text, destination: Cartesian3.ZERO, match }];
    });
  }
}
