/**
 * Ports that accept connections and never say a word (team 3's IMAP): a listener in the test
 * process (`startBlackhole`), what a port behind a broken proxy or a wedged service looks like.
 * (No packet filter is used: nftables and iptables are not available here.)
 */
import { startBlackhole } from '../../../src/demo/blackhole.ts'
import type { Lab } from '../support/lab.ts'
import type { Box } from '../scenario.ts'

export async function startSilentPorts(lab: Lab, boxes: Box[]): Promise<void> {
  for (const box of boxes) {
    for (const port of box.silent) {
      const blackhole = await startBlackhole({ host: box.address, port })
      lab.onClose(`close the silent listener on ${box.address}:${port}`, () => blackhole.close())
    }
  }
}
