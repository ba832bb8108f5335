/**
 * What the workstation remembers between runs, outside any project file: recent projects, the last one open, where
 * the analyst left each project, and the last copy saved of each. One small JSON file, replaced atomically (written
 * under a temporary name, then renamed), so a crash never leaves half of it. A damaged file is set aside, not fatal.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { SessionState } from '../../common/domain.js';

const RECENT_LIMIT = 12;
const SESSION_LIMIT = 50;

const StateFile = z.object({
  version: z.literal(1),
  lastProject: z.string().nullable(),
  recent: z.array(z.object({ path: z.string(), openedAt: z.string() })),
  sessions: z.record(z.string(), z.object({ savedAt: z.string(), state: SessionState })),
  copies: z.record(z.string(), z.object({ path: z.string(), savedAt: z.string() })),
});
type StateFile = z.infer<typeof StateFile>;

const empty = (): StateFile => ({ version: 1, lastProject: null, recent: [], sessions: {}, copies: {} });

/** A stable, path-free handle for a recent project: what the renderer gets instead of the path. */
export function recentId(path: string): string {
  return createHash('sha256').update(path).digest('base64url').slice(0, 16);
}

export class StateStore {
  private state: StateFile;

  constructor(readonly file: string) {
    this.state = this.load();
  }

  private load(): StateFile {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return empty();
    }
    try {
      return StateFile.parse(JSON.parse(text));
    } catch (error) {
      // Keep the unreadable file for whoever wants to look at it, and start over.
      try {
        renameSync(this.file, `${this.file}.unreadable-${Date.now()}`);
      } catch {
        /* nothing more to do */
      }
      console.warn(`storey: ${this.file} could not be read (${(error as Error).message}); starting with no recent projects.`);
      return empty();
    }
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 1));
    renameSync(temporary, this.file);
  }

  get lastProject(): string | null {
    return this.state.lastProject;
  }

  recent(): Array<{ id: string; path: string; openedAt: string }> {
    return this.state.recent.map((r) => ({ id: recentId(r.path), ...r }));
  }

  pathOfRecent(id: string): string | undefined {
    return this.state.recent.find((r) => recentId(r.path) === id)?.path;
  }

  opened(path: string): void {
    this.state.recent = [{ path, openedAt: new Date().toISOString() }, ...this.state.recent.filter((r) => r.path !== path)].slice(0, RECENT_LIMIT);
    this.state.lastProject = path;
    this.save();
  }

  closed(): void {
    this.state.lastProject = null;
    this.save();
  }

  session(path: string): SessionState | null {
    return this.state.sessions[path]?.state ?? null;
  }

  saveSession(path: string, state: SessionState): void {
    this.state.sessions[path] = { savedAt: new Date().toISOString(), state };
    const paths = Object.entries(this.state.sessions).sort((a, b) => b[1].savedAt.localeCompare(a[1].savedAt));
    for (const [old] of paths.slice(SESSION_LIMIT)) delete this.state.sessions[old];
    this.save();
  }

  lastCopy(path: string): { path: string; savedAt: string } | null {
    return this.state.copies[path] ?? null;
  }

  copySaved(path: string, copyPath: string): void {
    this.state.copies[path] = { path: copyPath, savedAt: new Date().toISOString() };
    this.save();
  }
}
