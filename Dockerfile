# pinwatch container image. Not built in this project's CI: the build machines have no
# Docker engine (see README, "What is not tested here").
#
# Run it on the hypervisor with the host's /proc, /sys and /dev, in the host pid
# namespace (VFIO users are found through /proc/PID/fd), privileged or with the
# capabilities listed in the README (eBPF: CAP_BPF, CAP_PERFMON; fds of other users'
# processes: CAP_SYS_PTRACE; /dev/kmsg: CAP_SYSLOG):
#   docker run -d --name pinwatch --pid=host --privileged \
#     -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v /dev:/host/dev:ro \
#     -v /sys/kernel/tracing:/sys/kernel/tracing -v /sys/kernel/btf:/sys/kernel/btf:ro \
#     -v pinwatch-data:/var/lib/pinwatch -p 9477:9477 pinwatch

FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
# better-sqlite3 builds from source (python3, make, g++ are in the node image).
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# bpftrace for the eBPF collector (the daemon runs without it and says why in /metrics).
RUN apt-get update \
 && apt-get install -y --no-install-recommends bpftrace \
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
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
