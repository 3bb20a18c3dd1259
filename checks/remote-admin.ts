/**
 * `remote-admin`: a multi-protocol check for "the box can be administered remotely", whatever the
 * team runs: `rdp` when the service's port is 3389, `ssh` otherwise (22 by default). It takes the
 * options of both types, so one service template fits Linux and Windows teams alike.
 *
 * @example
 * # competition.yaml: team 3 runs Windows
 * - name: admin
 *   type: remote-admin
 *   host: "10.0.{num}.20"
 *   credential_pool: admins
 *   options: { command: "whoami" }
 *   overrides: { 3: { port: 3389 } }
 */
import { ServiceType, z, type Service } from '../src/sdk.ts'
import { rdpOptionsShape } from './rdp.ts'
import { requireCommandForExpect, sshOptionsShape } from './ssh.ts'
import { lazily } from '../src/check-options.ts'

export const RDP_PORT = 3389

export const remoteAdminOptions = lazily(() =>
  z
    .object({ ...sshOptionsShape(), ...rdpOptionsShape() })
    .strict()
    .superRefine(requireCommandForExpect),
)

export type RemoteAdminOptions = z.output<ReturnType<typeof remoteAdminOptions>>

export class RemoteAdminCheck extends ServiceType<RemoteAdminOptions> {
  static override shortName = 'remote-admin'
  static override description = 'multi-protocol: rdp on port 3389, ssh on any other port'
  static override defaultPort = 22
  static override options = remoteAdminOptions

  override resolveMulti(service: Service<RemoteAdminOptions>): string {
    return service.port === RDP_PORT ? 'rdp' : 'ssh'
  }
}
