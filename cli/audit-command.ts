/** `storey audit FILE`: what left the project (copies, briefings, exports, syncs) and key changes, newest first. */
import { listAudit } from '../core/project/audit.js';
import { openProject } from './passphrase.js';

export const auditHelp = `  storey audit FILE.storey [--json]
      The project's audit trail: copies, briefings, CSV exports, syncs and key changes, with time, user and
      machine, newest first.`;

export async function commandAudit(args: string[], usage: (message: string) => Error): Promise<void> {
  const json = args.includes('--json');
  const files = args.filter((a) => a !== '--json');
  if (files.length !== 1 || files[0]!.startsWith('-')) throw usage('storey audit needs exactly one project file');
  const project = await openProject(files[0]!, { readOnly: true });
  try {
    const entries = listAudit(project);
    if (json) {
      console.log(JSON.stringify(entries, null, 2));
      return;
    }
    if (entries.length === 0) console.log(`${project.fileName}: nothing recorded yet.`);
    for (const e of entries) console.log(`${e.at}  ${e.user}@${e.host}  ${e.action}${e.target ? `  ${e.target}` : ''}${Object.keys(e.detail).length ? `  ${JSON.stringify(e.detail)}` : ''}`);
  } finally {
    project.close();
  }
}
