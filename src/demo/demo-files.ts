/**
 * The files the demo file servers (FTP, SFTP) serve: content, or, for the tests, a hostile way of
 * serving a file.
 */

/** A file that misbehaves: `endless` sends bytes forever, `stall` starts and never sends a byte. */
export interface HostileFile {
  hostile: 'endless' | 'stall'
}

/** A file of a demo server: its content (text is UTF-8), or a hostile behaviour. */
export type DemoFile = string | Buffer | HostileFile

/** The content of `file`, or the hostile behaviour it stands for. */
export function contentOf(file: DemoFile): Buffer | HostileFile {
  return typeof file === 'string' ? Buffer.from(file) : file
}

/** The bytes an `endless` file repeats: 64 KiB at a time. */
export const ENDLESS_CHUNK = Buffer.alloc(64 * 1024, 'x')
