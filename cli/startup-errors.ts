/**
 * Start-up failures of `serve` as one sentence naming the thing, for a
 * terminal and for journald: no JSON, no stack. Exit code 2 is a bad config
 * (as loadCommandConfig), 1 everything else.
 */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/** Why fastify/Node could not listen on `address` (host:port as configured). */
export function listenErrorSentence(address: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return `${address} is already in use`;
    case 'EACCES':
      return `cannot listen on ${address}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${address}: no interface of this host has that address`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${address}: the host name does not resolve`;
    default:
      return `cannot listen on ${address}: ${(error as Error).message}`;
  }
}

/** Print the sentence on stderr and exit with its code. */
export function exitWithStartupError(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`pinwatch: ${message}\n`);
  process.exit(error instanceof StartupError ? error.exitCode : 1);
}
