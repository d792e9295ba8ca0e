import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HostSampleDraft } from '../collectors/collector.js';
import type { OffThreadCollectReply, OffThreadCollectRequest, OffThreadCollection } from '../collectors/off-thread-collector.js';
import type { CollectorOptions } from '../collectors/registry.js';
import { packageRoot } from '../cli/package-root.js';
import type { Logger } from '../model/logger.js';
import type { ThreadInit, ThreadMessage, ThreadRequest } from './collection-worker-thread.js';

export interface CollectionWorkerOptions {
  /** The collectors' options, as the registry passes them (structured-cloneable). */
  options: CollectorOptions;
  /** Where the thread's log records go (the daemon's logger). */
  logger: Logger;
  /** The module whose COLLECTOR_REGISTRY the thread builds collectors from; default pinwatch's own registry. */
  registryModuleUrl?: string;
}

interface Pending {
  resolve(reply: OffThreadCollectReply): void;
  reject(error: Error): void;
}

/**
 * The collection thread (a worker_threads Worker): the collectors that only read files
 * (host, vfio_users, sysfs: thousands of /proc reads per cycle, all synchronous) run
 * there, so the event loop that serves /metrics and the API never waits for them. The
 * collectors live in the thread across cycles (vfio_users keeps its discovery state
 * there); the daemon's cycle result, the analysis and the eBPF ledger stay on the main
 * thread. A thread that dies is reported, its pending cycle fails, and the next
 * collect() starts a new one (its first cycle is a full sweep again).
 */
export class CollectionWorker implements OffThreadCollection {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly init: CollectionWorkerOptions) {}

  collect(request: OffThreadCollectRequest, fills: readonly (keyof HostSampleDraft)[]): Promise<OffThreadCollectReply> {
    if (this.closed) return Promise.reject(new Error('collection thread: closed'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: ThreadRequest = { id, request, fills: [...fills] };
      worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
    this.failPending(new Error('collection thread: closed'));
  }

  private start(): Worker {
    const threadInit: ThreadInit = {
      options: this.init.options,
      ...(this.init.registryModuleUrl ? { registryModuleUrl: this.init.registryModuleUrl } : {}),
    };
    const worker = new Worker(collectionThreadEntry(), { workerData: threadInit });
    worker.unref(); // an idle collection thread never keeps the process alive
    worker.on('message', (message: ThreadMessage) => this.onMessage(message));
    worker.on('error', (error) => {
      this.init.logger.error({ err: error }, 'collection thread failed; a new one starts with the next cycle');
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      this.failPending(new Error(`collection thread exited (code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private onMessage(message: ThreadMessage): void {
    if (message.type === 'log') {
      this.init.logger[message.level](message.obj, message.msg);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    pending.resolve(message.reply);
  }

  private failPending(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/** The compiled thread module: next to this one in dist/, or dist/ itself when this runs from source (vitest). */
export function collectionThreadEntry(): URL {
  const sibling = new URL('./collection-worker-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const compiled = path.join(packageRoot(import.meta.url), 'dist', 'daemon', 'collection-worker-thread.js');
  if (!existsSync(compiled)) throw new Error(`collection thread: ${compiled} not found (run npm run build)`);
  return pathToFileURL(compiled);
}
