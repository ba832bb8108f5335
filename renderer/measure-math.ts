/**
 * Measuring on the WGS 84 ellipsoid without Cesium, so it can be tested on its own: geodesic distance (Vincenty's
 * inverse formula), polygon area in a local tangent plane (good to well under 0.1 % at city scale), and formatting.
 */
const a = 6378137;
const f = 1 / 298.257223563;
const b = a * (1 - f);
const toRadians = (d: number) => (d * Math.PI) / 180;

export interface LonLat {
  lonDegrees: number;
  latDegrees: number;
}

/** Geodesic distance in metres between two points on the ellipsoid. */
export function geodesicDistance(p: LonLat, q: LonLat): number {
  const L = toRadians(q.lonDegrees - p.lonDegrees);
  const U1 = Math.atan((1 - f) * Math.tan(toRadians(p.latDegrees)));
  const U2 = Math.atan((1 - f) * Math.tan(toRadians(q.latDegrees)));
  const sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
  let lambda = L;
  for (let i = 0; i < 200; i++) {
    const sinLambda = Math.sin(lambda), cosLambda = Math.cos(lambda);
    const sinSigma = Math.hypot(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda);
    if (sinSigma === 0) return 0;
    const cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
    const sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
    const cos2Alpha = 1 - sinAlpha * sinAlpha;
    const cos2SigmaM = cos2Alpha === 0 ? 0 : cosSigma - (2 * sinU1 * sinU2) / cos2Alpha;
    const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
    const previous = lambda;
    lambda = L + (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    if (Math.abs(lambda - previous) < 1e-12) {
      const u2 = (cos2Alpha * (a * a - b * b)) / (b * b);
      const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
      const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
      const deltaSigma = B * sinSigma * (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) - (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
      return b * A * (sigma - deltaSigma);
    }
  }
  // Nearly antipodal points do not converge; no city measurement gets here.
  return NaN;
}

/** Length of a path along the ground, in metres. */
export function pathLength(points: LonLat[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += geodesicDistance(points[i - 1]!, points[i]!);
  return total;
}

/** Area of a simple polygon (not closed) in square metres, in the tangent plane at its centre. */
export function polygonArea(points: LonLat[]): number {
  if (points.length < 3) return 0;
  const lat0 = toRadians(points.reduce((s, p) => s + p.latDegrees, 0) / points.length);
  const lon0 = points.reduce((s, p) => s + p.lonDegrees, 0) / points.length;
  const e2 = f * (2 - f);
  const w = Math.sqrt(1 - e2 * Math.sin(lat0) ** 2);
  const N = a / w; // prime vertical radius of curvature
  const M = (a * (1 - e2)) / w ** 3; // meridian radius of curvature
  const xy = points.map((p) => [toRadians(p.lonDegrees - lon0) * N * Math.cos(lat0), toRadians(p.latDegrees) * M - lat0 * M]);
  let twice = 0;
  for (let i = 0; i < xy.length; i++) {
    const [x1, y1] = xy[i]!;
    const [x2, y2] = xy[(i + 1) % xy.length]!;
    twice += x1! * y2! - x2! * y1!;
  }
  return Math.abs(twice) / 2;
}

export function formatMeters(m: number): string {
  return m >= 1000 ? `${(m / 1000).toFixed(3)} km` : `${m.toFixed(m < 10 ? 2 : 1)} m`;
}

export function formatSquareMeters(m2: number): string {
  return m2 >= 1e6 ? `${(m2 / 1e6).toFixed(3)} km²` : `${m2.toFixed(m2 < 100 ? 1 : 0)} m²`;
}
