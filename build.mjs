// Builds dist/scanner: a Node single-executable application holding the CLI bundle, the worker
// bundle and the better-sqlite3 addon, behind a small bootstrap. Offline and deterministic: everything comes from
// node_modules (the pinned Node 24 binary, esbuild, postject, the addon's prebuild).
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { NODE_FLAGS } from './src/runtime/node-flags.ts'

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

const stubOptionalAddons = {
  // ssh2's and cpu-features' optional native speed-ups are not carried: the JS fallbacks are used.
  name: 'stub-optional-addons',
  setup(build) {
    build.onResolve({ filter: /\.node$|^cpu-features$/ }, (args) => ({ path: args.path, namespace: 'stub' }))
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'throw new Error("optional native addon not bundled")',
      loader: 'js',
    }))
  },
}

const englishZodOnly = {
  // zod carries its error messages in ~60 languages (half its code: ~300 KB that every start
  // reads and compiles, in the main thread and in each worker thread). The checks and the config
  // speak English: z.locales holds en only in the binary.
  name: 'english-zod-only',
  setup(build) {
    const english = require.resolve('zod/v4/locales/en.js')
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'zod')}`)
        ? { path: english, namespace: 'zod-locales' }
        : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)}`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }))
  },
}

// The program: ES modules split into chunks shared by the CLI and the worker threads, so that a
// command loads only the code it runs (a client library is a chunk of its own, imported by the
// first check that needs it) and a worker thread only the engine and the check types.
// The CommonJS packages inside get `require`, `__filename` and `__dirname` from a banner.
const program = join(work, 'app')
await esbuild.build({
  entryPoints: { cli: join(root, 'src/cli.ts'), worker: join(root, 'src/engine/worker-entry.ts') },
  outdir: program,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // TypeScript (a third of the code) is carried beside the program: it is loaded only when a
  // services file is given, from the unpacked folder's node_modules.
  external: ['typescript'],
  define: { __filename: '__scanner_filename', __dirname: '__scanner_dirname' },
  banner: {
    js: [
      'import { createRequire as __scanner_createRequire } from "node:module";',
      'import { fileURLToPath as __scanner_fileURLToPath } from "node:url";',
      'import { dirname as __scanner_dirnameOf } from "node:path";',
      'const require = __scanner_createRequire(import.meta.url);',
      'const __scanner_filename = __scanner_fileURLToPath(import.meta.url);',
      'const __scanner_dirname = __scanner_dirnameOf(__scanner_filename);',
    ].join(''),
  },
  plugins: [stubOptionalAddons, englishZodOnly],
})
writeFileSync(join(work, 'typescript-package.json'), '{ "name": "typescript", "main": "index.js" }\n')

const addon = join(dirname(require.resolve('better-sqlite3/package.json')), 'prebuilds', `${platform}.node`)
const assets = {
  'better_sqlite3.node': addon,
  'node_modules/typescript/index.js': join(
    dirname(require.resolve('typescript/package.json')),
    'lib',
    'typescript.js',
  ),
  'node_modules/typescript/package.json': join(work, 'typescript-package.json'),
}
for (const file of readdirSync(program).sort()) assets[`app/${file}`] = join(program, file)
// The bootstrap unpacks the assets into a folder named after their digest: a new build never
// runs the files of another.
const digest = createHash('sha256')
for (const [name, file] of Object.entries(assets)) digest.update(name).update(readFileSync(file))
const buildId = `${version}-${digest.digest('hex').slice(0, 16)}`
await esbuild.build({
  entryPoints: [join(root, 'src/runtime/sea-bootstrap.ts')],
  outfile: join(work, 'bootstrap.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  legalComments: 'none',
  logLevel: 'warning',
  define: { SCANNER_BUILD_ID: JSON.stringify(buildId), SCANNER_ASSETS: JSON.stringify(Object.keys(assets)) },
})
// No V8 code cache in the blob: it differs from one build to the next. The bootstrap runs the
// program with Node's compile cache instead (see src/runtime/sea-bootstrap.ts).
const seaConfig = {
  main: join(work, 'bootstrap.cjs'),
  output: join(work, 'sea-prep.blob'),
  disableExperimentalSEAWarning: true,
  useSnapshot: false,
  useCodeCache: false,
  execArgv: NODE_FLAGS,
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
