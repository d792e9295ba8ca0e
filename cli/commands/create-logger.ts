import { pino, type Logger as PinoLogger } from 'pino';
import type { PinwatchConfig } from '../../config/config-schema.js';

/** JSON logs on stderr (stdout stays for command output), at the configured level. */
export function createLogger(config: PinwatchConfig): PinoLogger {
  return pino({ level: config.log.level, base: { service: 'pinwatch' } }, pino.destination(2));
}
