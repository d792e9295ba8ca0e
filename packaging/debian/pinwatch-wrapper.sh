#!/bin/sh
# pinwatch runs on the Node.js runtime the package bundles, whatever node the host has.
exec /usr/lib/pinwatch/node/bin/node /usr/lib/pinwatch/dist/cli/main.js "$@"
