/**
 * The SFTP subsystem of the demo SSH server: read-only access to a table of files (OPEN, READ,
 * CLOSE). A relative path is looked up as given, then under `/`. Hostile files for the tests (see
 * `demo-files.ts`): `endless` answers every read in full, `stall` never answers a read.
 */
import ssh2 from '../../checks/ssh2-library.ts'
import type { SFTPWrapper } from 'ssh2'
import { ENDLESS_CHUNK, contentOf, type DemoFile, type HostileFile } from './demo-files.ts'

const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp

export function serveSftp(sftp: SFTPWrapper, files: ReadonlyMap<string, DemoFile>): void {
  const open = new Map<string, Buffer | HostileFile>()
  let nextHandle = 0
  sftp.on('error', () => undefined)
  sftp.on('OPEN', (reqId, filename, flags) => {
    const file = files.get(filename) ?? files.get(`/${filename}`)
    if (file === undefined) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
    if (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND | OPEN_MODE.CREAT)) {
      return sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED)
    }
    const handle = Buffer.alloc(4)
    handle.writeUInt32BE(nextHandle++)
    open.set(handle.toString('hex'), contentOf(file))
    sftp.handle(reqId, handle)
  })
  sftp.on('READ', (reqId, handle, offset, length) => {
    const content = open.get(handle.toString('hex'))
    if (content === undefined) return sftp.status(reqId, STATUS_CODE.FAILURE)
    if (!Buffer.isBuffer(content)) {
      if (content.hostile === 'stall') return
      return sftp.data(reqId, ENDLESS_CHUNK.subarray(0, length))
    }
    if (offset >= content.length) return sftp.status(reqId, STATUS_CODE.EOF)
    sftp.data(reqId, content.subarray(offset, offset + length))
  })
  sftp.on('CLOSE', (reqId, handle) => {
    open.delete(handle.toString('hex'))
    sftp.status(reqId, STATUS_CODE.OK)
  })
}
