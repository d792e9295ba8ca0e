# pinwatch container image, on Node.js 24 LTS. Not built in this project's CI: the build
# machines have no Docker engine (see README, "Docker").
#
# Run it on the hypervisor with the host's /proc, /sys and /dev, in the host pid
# namespace (VFIO users are found through /proc/PID/fd), with the capabilities of the
# systemd unit (deploy/pinwatch.service says why each is needed):
#   docker run -d --name pinwatch --pid=host \
#     --cap-drop=ALL --cap-add=BPF --cap-add=PERFMON --cap-add=SYS_PTRACE \
#     --cap-add=DAC_READ_SEARCH --cap-add=SYSLOG --cap-add=SYS_RESOURCE \
#     --security-opt apparmor=unconfined --security-opt seccomp=unconfined \
#     -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v /dev:/host/dev:ro \
#     -v /sys/kernel/tracing:/sys/kernel/tracing -v /sys/kernel/btf:/sys/kernel/btf:ro \
#     -v pinwatch-data:/var/lib/pinwatch -p 9477:9477 pinwatch
# (Docker's default seccomp profile refuses bpf() and perf_event_open(); --privileged
# also works but grants everything.)

FROM node:24-bookworm AS build
WORKDIR /src
# Dependencies first, in their own layer: rebuilt only when the lock file changes.
# better-sqlite3 compiles from source for this Node (python3, make, g++ are in the image).
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3
# .dockerignore keeps node_modules, dist and var out of the context, so this COPY cannot
# overwrite the node_modules built above with the host's.
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# tini as PID 1: it reaps bpftrace's exited children and forwards SIGTERM to node (node
# as PID 1 has no default signal handlers and reaps nothing). bpftrace for the eBPF
# collector (the daemon runs without it and says why in /metrics).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini bpftrace \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/pinwatch
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/migrations ./migrations
COPY --from=build /src/fixtures/ebpf/demo-replay.json ./fixtures/ebpf/demo-replay.json
ENV PINWATCH_PATH_PROCFS=/host/proc \
    PINWATCH_PATH_SYSFS=/host/sys \
    PINWATCH_PATH_DEVFS=/host/dev \
    PINWATCH_DB_PATH=/var/lib/pinwatch/pinwatch.db
VOLUME /var/lib/pinwatch
EXPOSE 9477
# /healthz answers while the process serves (node's fetch: the slim image has no curl).
# Follows the default listen address; change it with --web.listen-address and this too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9477/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/cli/main.js"]
CMD ["serve"]
