import type { ServiceSpec } from '../../src/config/competition.ts'

/**
 * A service of the config as the loader makes it, for tests that build a `Competition` by hand:
 * a tcp check of 127.0.1.TEAM:22 worth 5 points, visible to all but red; `extra` overrides.
 */
export function serviceSpec(team: number, name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    team,
    name,
    subtype: 'tcp',
    host: `127.0.1.${team}`,
    port: 22,
    url: '/',
    external: false,
    username: null,
    password: null,
    credentialPool: null,
    teamSpecificInfo: null,
    teamSpecific: false,
    protocol: null,
    httpString: null,
    httpRegex: null,
    points: 5,
    timeoutMs: 2000,
    options: {},
    publicVisibility: true,
    blueVisibility: true,
    greenVisibility: true,
    redVisibility: false,
    ...extra,
  }
}
