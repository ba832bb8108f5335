/**
 * Passphrases on the command line: from STOREY_PASSPHRASE (the current one) and STOREY_NEW_PASSPHRASE (a new one),
 * or asked on the terminal without echo. Never an argument: arguments are visible to every user in the process list
 * and are kept in shell histories.
 */
import { StoreyError } from '../common/errors.js';
import { isEncryptedFile } from '../core/project/encryption.js';
import { ProjectFile, type OpenOptions } from '../core/project/project-file.js';

function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(text);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new StoreyError('CANCELLED', 'Cancelled; nothing was changed.'));
          return;
        }
        text = ch === '\u007f' || ch === '\b' ? text.slice(0, -1) : text + ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The passphrase of an existing encrypted file. */
export async function currentPassphrase(fileName: string): Promise<string> {
  const fromEnv = process.env['STOREY_PASSPHRASE'];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new StoreyError('ENCRYPTED', `${fileName} is encrypted: set STOREY_PASSPHRASE, or run on a terminal to be asked.`);
  return promptHidden(`Passphrase for ${fileName}: `);
}

/** A new passphrase: STOREY_NEW_PASSPHRASE (or `envName`), else asked twice on the terminal. */
export async function newPassphrase(fileName: string, envName = 'STOREY_NEW_PASSPHRASE'): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new StoreyError('BAD_ARGUMENT', `A new passphrase for ${fileName} is needed: set ${envName}, or run on a terminal to be asked.`);
  const first = await promptHidden(`New passphrase for ${fileName}: `);
  const second = await promptHidden('The same passphrase again: ');
  if (first !== second) throw new StoreyError('BAD_ARGUMENT', 'The two passphrases differ; nothing was changed.');
  return first;
}

/** ProjectFile.open for the CLI: an encrypted file gets its passphrase from the environment or the terminal. */
export async function openProject(path: string, options: OpenOptions = {}): Promise<ProjectFile> {
  if (options.passphrase === undefined && isEncryptedFile(path)) {
    return ProjectFile.open(path, { ...options, passphrase: await currentPassphrase(path.split(/[\\/]/).pop() ?? path) });
  }
  return ProjectFile.open(path, options);
}
