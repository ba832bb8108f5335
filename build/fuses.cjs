/* global require, module, console */
/**
 * electron-builder afterPack hook: flips Electron's fuses in the packaged binary, before signing. The fuses are
 * compiled into the executable, so they hold whatever the environment or the command line says:
 * no ELECTRON_RUN_AS_NODE, no NODE_OPTIONS, no --inspect, the app only from its asar (checked against the integrity
 * hash on macOS and Windows), no extra privileges for file://, and cookies encrypted with the OS keychain.
 * @electron/fuses is installed on the release machine (docs/release.md); tests read storeyFuses() with stand-in enums.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const path = require('node:path');

/** electron-builder's Arch enum values for arm64 and universal builds. */
const ARCH_ARM64 = 3;
const ARCH_UNIVERSAL = 4;

/** The fuse settings, keyed by the FuseV1Options enum of @electron/fuses. */
function storeyFuses(FuseV1Options) {
  return {
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
  };
}

/** Where electron-builder put the Electron executable for this platform. */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const productFilename = packager.appInfo.productFilename;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') return path.join(appOutDir, `${productFilename}.app`);
  if (electronPlatformName === 'win32') return path.join(appOutDir, `${productFilename}.exe`);
  if (electronPlatformName === 'linux') return path.join(appOutDir, packager.executableName);
  throw new Error(`build/fuses.cjs: no fuse rule for platform ${electronPlatformName}`);
}

async function afterPack(context) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');
  const binary = electronBinaryPath(context);
  console.log(`storey: flipping fuses in ${binary}`);
  await flipFuses(binary, {
    version: FuseVersion.V1,
    // Flipping fuses breaks the ad-hoc signature of an arm64 macOS binary; it is re-signed (or really signed) after.
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && (context.arch === ARCH_ARM64 || context.arch === ARCH_UNIVERSAL),
    strictlyRequireAllFuses: false,
    ...storeyFuses(FuseV1Options),
  });
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.storeyFuses = storeyFuses;
module.exports.electronBinaryPath = electronBinaryPath;
