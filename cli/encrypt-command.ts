/** `storey encrypt` and `storey decrypt`: a project converted in place, the original kept until the result checks. */
import { basename } from 'node:path';
import { StoreyError } from '../common/errors.js';
import { decryptProject, encryptProject } from '../core/project/convert.js';
import { isEncryptedFile } from '../core/project/encryption.js';
import { currentPassphrase, newPassphrase } from './passphrase.js';

export const encryptHelp = `  storey encrypt FILE.storey
      Encrypt a project in place (ChaCha20-Poly1305). The passphrase comes from STOREY_PASSPHRASE or is asked twice.
  storey decrypt FILE.storey
      Turn an encrypted project back into a plain one (passphrase from STOREY_PASSPHRASE or asked).`;

export async function commandEncrypt(args: string[], usage: (message: string) => Error): Promise<void> {
  if (args.length !== 1 || args[0]!.startsWith('-')) throw usage('storey encrypt needs exactly one project file (the passphrase is never an argument)');
  const file = args[0]!;
  if (isEncryptedFile(file)) throw new StoreyError('BAD_ARGUMENT', `${basename(file)} is already encrypted.`);
  encryptProject(file, await newPassphrase(basename(file), 'STOREY_PASSPHRASE'));
  console.log(`Encrypted ${file}. Keep the passphrase safe: without it the project cannot be opened.`);
}

export async function commandDecrypt(args: string[], usage: (message: string) => Error): Promise<void> {
  if (args.length !== 1 || args[0]!.startsWith('-')) throw usage('storey decrypt needs exactly one project file (the passphrase is never an argument)');
  const file = args[0]!;
  if (!isEncryptedFile(file)) throw new StoreyError('BAD_ARGUMENT', `${basename(file)} is not encrypted.`);
  decryptProject(file, await currentPassphrase(basename(file)));
  console.log(`Decrypted ${file}; it is a plain project file again.`);
}
