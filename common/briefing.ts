/** What a PDF briefing contains: chosen by the analyst in the dialog or on the command line. */
import { z } from 'zod';
import { FilterCondition, RegistryId } from './domain.js';

export const PaperSize = z.enum(['a4', 'a3', 'letter']);
export type PaperSize = z.infer<typeof PaperSize>;
export const Orientation = z.enum(['portrait', 'landscape']);
export type Orientation = z.infer<typeof Orientation>;

export const BriefingSpec = z.object({
  title: z.string().trim().min(1).max(200),
  author: z.string().trim().max(200).default(''),
  /**
   * Classification marking printed in every page's header and footer, e.g. "RESTRICTED". Left out or empty: the
   * project's own marking, else UNCLASSIFIED.
   */
  marking: z.string().trim().max(100).optional(),
  paper: PaperSize.default('a4'),
  orientation: Orientation.default('landscape'),
  /** Saved views (ids) that become map pages, in this order. */
  viewIds: z.array(z.string().min(1).max(100)).max(20).default([]),
  /** Buildings that get a detail page each, in this order. */
  buildingIds: z.array(RegistryId).max(50).default([]),
  /** Whether to add the summary and attribute table of the buildings matching `filter` (all when empty). */
  includeTable: z.boolean().default(false),
  filter: z.array(FilterCondition).max(20).default([]),
});
export type BriefingSpec = z.output<typeof BriefingSpec>;
export type BriefingSpecInput = z.input<typeof BriefingSpec>;

/** One legend row of the style a map was rendered with. */
export const LegendClass = z.object({ color: z.string().max(40), label: z.string().max(200), count: z.number().nullable() });
export type LegendClass = z.infer<typeof LegendClass>;

/** The finished PDF, as the hosts hand it to the UI. */
export const BriefingResult = z.object({
  fileName: z.string(),
  pageCount: z.number().int(),
  /** The PDF file, base64-encoded (JSON and IPC carry it as text). */
  pdfBase64: z.string(),
  renderMs: z.number(),
  composeMs: z.number(),
});
export type BriefingResult = z.infer<typeof BriefingResult>;
