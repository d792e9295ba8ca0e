/**
 * What `pinwatch --version` prints: pinwatch's version and the Node.js it runs on,
 * since the .deb bundles its own runtime and a checkout runs on the machine's node.
 */
export function versionLine(pinwatchVersion: string, nodeVersion: string): string {
  return `pinwatch ${pinwatchVersion} (Node.js ${nodeVersion})`;
}
