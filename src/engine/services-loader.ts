import { existsSync, readFileSync } from 'node:fs'
import { Module, createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { ScannerError } from '../errors.ts'

/** A services file could not be loaded: syntax error, missing import, error thrown at load. */
export class ServicesFileError extends ScannerError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_SERVICES_FILE', message, options)
  }
}

/**
 * Services files compiled to CommonJS by the main thread: every `.ts` file the entries import,
 * by absolute file name. Workers run this code as it is, without a TypeScript compiler.
 */
export interface CompiledServices {
  entries: string[]
  code: Record<string, string>
}

export const NO_SERVICES: CompiledServices = { entries: [], code: {} }

type Compile = (filename: string) => string

interface LoadableModule {
  filename: string
  paths: string[]
  loaded: boolean
  exports: unknown
  require: (id: string) => unknown
  _compile(code: string, filename: string): void
}

const moduleInternals = Module as unknown as {
  new (id: string, parent?: unknown): LoadableModule
  _nodeModulePaths(dir: string): string[]
}

/** Where a relative import of a services file points: `./x`, `./x.ts`, `./x.js` or `./x/index.ts`. */
function resolveRelative(from: string, specifier: string): string | null {
  const base = join(dirname(from), specifier)
  const candidates = [base, `${base}.ts`, base.replace(/\.[cm]?js$/, '.ts'), join(base, 'index.ts')]
  return candidates.find((c) => c.endsWith('.ts') && existsSync(c)) ?? null
}

function lineOf(source: string, needle: string): number {
  const index = source.indexOf(needle)
  return index < 0 ? 1 : source.slice(0, index).split('\n').length
}

/**
 * A loader that runs services files as CommonJS modules: `import ... from 'scanner'` gives `sdk` (the SDK of this
 * process, so `instanceof ServiceType` holds), relative imports load other `.ts` files through
 * `compile`, and any other import is an ordinary `require` from the file's folder.
 */
function createLoader(sdk: object, compile: Compile): (filename: string) => unknown {
  const cache = new Map<string, LoadableModule>()
  const load = (filename: string): unknown => {
    const cached = cache.get(filename)
    if (cached) return cached.exports
    const code = compile(filename)
    const mod = new moduleInternals(filename, null)
    mod.filename = filename
    mod.paths = moduleInternals._nodeModulePaths(dirname(filename))
    const nodeRequire = createRequire(filename)
    mod.require = (id: string) => {
      if (id === 'scanner') return sdk
      if (id.startsWith('./') || id.startsWith('../')) {
        const target = resolveRelative(filename, id)
        if (!target) {
          const source = readSource(filename)
          throw new ServicesFileError(`${filename}:${lineOf(source, id)}: cannot find module "${id}"`)
        }
        return load(target)
      }
      return nodeRequire(id)
    }
    cache.set(filename, mod)
    mod._compile(code, filename)
    mod.loaded = true
    return mod.exports
  }
  return load
}

function readSource(filename: string): string {
  try {
    return readFileSync(filename, 'utf8')
  } catch {
    return ''
  }
}

/** The error with the place in a services file it came from (the first stack frame in one). */
function describe(err: unknown, file: string, files: readonly string[]): ServicesFileError {
  if (err instanceof ServicesFileError) return err
  const message = err instanceof Error ? err.message : String(err)
  const stack = err instanceof Error ? (err.stack ?? '') : ''
  let where = file
  for (const m of stack.matchAll(/((?:\/|[A-Za-z]:\\)[^():\s]+\.ts):(\d+)(?::\d+)?/g)) {
    if (m[1] && files.includes(m[1])) {
      where = `${m[1]}:${m[2]}`
      break
    }
  }
  return new ServicesFileError(`${where}: error while loading services file: ${message}`, { cause: err })
}

/**
 * Main thread: compiles the services files (and the `.ts` files they import) with TypeScript's
 * `transpileModule`, runs them so that they register their check types, and returns the code for
 * the workers. TypeScript is loaded only here, only when a services file is given.
 */
export async function compileAndLoadServices(
  entries: readonly string[],
  sdk: object,
): Promise<CompiledServices> {
  const compiled: CompiledServices = { entries: entries.map((e) => resolve(e)), code: {} }
  if (entries.length === 0) return compiled
  process.setSourceMapsEnabled(true)
  const ts = (await import('typescript')).default
  const compile: Compile = (filename) => {
    const source = readSource(filename)
    const out = ts.transpileModule(source, {
      fileName: filename,
      reportDiagnostics: true,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
        inlineSources: false,
        useDefineForClassFields: true,
      },
    })
    const problem = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error)
    if (problem) {
      const { line, character } = problem.file?.getLineAndCharacterOfPosition(problem.start ?? 0) ?? {
        line: 0,
        character: 0,
      }
      const text = ts.flattenDiagnosticMessageText(problem.messageText, '\n')
      throw new ServicesFileError(`${filename}:${line + 1}:${character + 1}: ${text}`)
    }
    compiled.code[filename] = out.outputText
    return out.outputText
  }
  const load = createLoader(sdk, compile)
  for (const entry of compiled.entries) {
    try {
      load(entry)
    } catch (err) {
      throw describe(err, entry, Object.keys(compiled.code))
    }
  }
  return compiled
}

/** Worker thread: runs the code the main thread compiled, so that the same types register here. */
export function loadCompiledServices(compiled: CompiledServices, sdk: object): void {
  const load = createLoader(sdk, (filename) => {
    const code = compiled.code[filename]
    if (code === undefined) throw new ServicesFileError(`${filename} was not compiled by the main thread`)
    return code
  })
  for (const entry of compiled.entries) load(entry)
}
