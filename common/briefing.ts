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

/** Where a briefing job is: the stages the dialog names, and steps done of the steps it will take in all. */
export const BriefingStage = z.enum(['starting', 'rendering', 'composing', 'writing', 'done']);
export type BriefingStage = z.infer<typeof BriefingStage>;
export const BriefingStep = z.object({
  stage: BriefingStage,
  /** What is happening, for people: "rendering map 2 of 3: Odense C by year". */
  detail: z.string(),
  done: z.number().int().nonnegative(),
  total: z.number().int().positive(),
});
export type BriefingStep = z.infer<typeof BriefingStep>;

/**
 * A briefing being made off the request: poll it for progress; at the end it holds the PDF, or the error. A cancelled
 * job holds no PDF: the work stops (Chromium is closed, composition abandoned) and nothing is recorded as exported.
 */
export const BriefingJob = z.object({
  id: z.string(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  progress: BriefingStep,
  result: BriefingResult.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type BriefingJob = z.infer<typeof BriefingJob>;

/** The attribute table as CSV, made by the host so that the export is recorded in the project's audit trail. */
export const CsvExport = z.object({
  fileName: z.string(),
  rowCount: z.number().int().nonnegative(),
  /** UTF-8 text with a byte-order mark (so spreadsheet programs read æøå right) and CRLF line ends. */
  csv: z.string(),
});
export type CsvExport = z.infer<typeof CsvExport>;
