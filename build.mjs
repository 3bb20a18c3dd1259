// Builds dist/scanner: a Node single-executable application holding the CLI bundle, the worker
// bundle and the better-sqlite3 addon, behind a small bootstrap. Offline and deterministic: everything comes from
// node_modules (the pinned Node 24 binary, esbuild, postject, the addon's prebuild).
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const root = dirname(fileURLToPath(import.meta.url))
const out = join(root, 'dist')
const work = join(out, 'build')
const require = createRequire(import.meta.url)
const started = performance.now()

const platform = `${process.platform}-${process.arch}`
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const nodeBinary = process.execPath
if (!process.version.startsWith('v24.')) {
  throw new Error(`build with the pinned Node 24 (npm run build), not ${process.version}`)
}

rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // import.meta.url has no meaning in a CommonJS bundle; yargs and our runtime helpers need it.
  define: { 'import.meta.url': '__scanner_import_meta_url', 'import.meta.dirname': '__dirname' },
  banner: { js: 'var __scanner_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  // ssh2's and cpu-features' optional native speed-ups are not carried: the JS fallbacks are used.
  plugins: [
    {
      name: 'stub-optional-addons',
      setup(build) {
        build.onResolve({ filter: /\.node$|^cpu-features$/ }, (args) => ({
          path: args.path,
          namespace: 'stub',
        }))
        build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
          contents: 'throw new Error("optional native addon not bundled")',
          loader: 'js',
        }))
      },
    },
  ],
}

// TypeScript (half of the code) is carried beside the bundle, not in it: it is loaded only when
// a services file is given, and every other start would pay for parsing it. The bundle's
// require('typescript') finds it in the unpacked folder's node_modules.
await esbuild.build({
  ...common,
  entryPoints: [join(root, 'src/cli.ts')],
  outfile: join(work, 'scanner.cjs'),
  external: ['typescript'],
})
await esbuild.build({
  ...common,
  entryPoints: [join(root, 'src/engine/worker-entry.ts')],
  outfile: join(work, 'worker.cjs'),
})

const addon = join(dirname(require.resolve('better-sqlite3/package.json')), 'prebuilds', `${platform}.node`)
const assets = {
  'scanner.cjs': join(work, 'scanner.cjs'),
  'worker.cjs': join(work, 'worker.cjs'),
  'better_sqlite3.node': addon,
  'node_modules/typescript/index.js': join(
    dirname(require.resolve('typescript/package.json')),
    'lib',
    'typescript.js',
  ),
}
// The bootstrap unpacks the assets into a folder named after their digest: a new build never
// runs the files of another.
const digest = createHash('sha256')
for (const file of Object.values(assets)) digest.update(readFileSync(file))
const buildId = `${version}-${digest.digest('hex').slice(0, 16)}`
await esbuild.build({
  ...common,
  entryPoints: [join(root, 'src/runtime/sea-bootstrap.ts')],
  outfile: join(work, 'bootstrap.cjs'),
  define: { ...common.define, SCANNER_BUILD_ID: JSON.stringify(buildId) },
})
// No V8 code cache in the blob: it differs from one build to the next. The bootstrap runs the
// program with Node's compile cache instead (see src/runtime/sea-bootstrap.ts).
const seaConfig = {
  main: join(work, 'bootstrap.cjs'),
  output: join(work, 'sea-prep.blob'),
  disableExperimentalSEAWarning: true,
  useSnapshot: false,
  useCodeCache: false,
  assets,
}
writeFileSync(join(work, 'sea-config.json'), JSON.stringify(seaConfig, null, 2))
execFileSync(nodeBinary, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: 'inherit' })

const target = join(out, process.platform === 'win32' ? 'scanner.exe' : 'scanner')
rmSync(target, { force: true })
copyFileSync(nodeBinary, target)
chmodSync(target, 0o755)
try {
  execFileSync('strip', [target])
} catch {
  console.warn('build: strip not found; the binary keeps its debug symbols')
}
const postject = join(dirname(require.resolve('postject/package.json')), 'dist', 'cli.js')
execFileSync(
  nodeBinary,
  [
    postject,
    target,
    'NODE_SEA_BLOB',
    seaConfig.output,
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
)
const size = readFileSync(target).length
console.log(
  `build: ${target} (${(size / 1e6).toFixed(1)} MB, Node ${process.version}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
)
