import type { Credentials, TeamData } from '../service.ts'

/** One service of one team as the config describes it (a template instantiated for the team). */
export interface ServiceSpec {
  team: number
  name: string
  /** Check type short name. */
  subtype: string
  host: string
  port: number
  url: string
  external: boolean
  username: string | null
  password: string | null
  credentialPool: string | null
  teamSpecificInfo: string | null
  teamSpecific: boolean
  protocol: string | null
  httpString: string | null
  httpRegex: string | null
  points: number
  timeoutMs: number
  /** Options validated and normalised by the check type's schema. */
  options: Record<string, unknown>
  publicVisibility: boolean
  blueVisibility: boolean
  greenVisibility: boolean
  redVisibility: boolean
  /** The service's own SLA (null: none); undefined: the competition's `sla`. */
  sla?: Sla | null
}

/** Service level agreement: `penalty` points each time `threshold` checks in a row fail. */
export interface Sla {
  threshold: number
  penalty: number
}

export type Role = 'white' | 'green' | 'red' | 'blue'

export interface UserSpec {
  name: string
  role: Role
  team: number | null
  passwordHash: string
}

/** A loaded, validated competition.yaml. */
export interface Competition {
  /** Absolute path of the file it was read from. */
  file: string
  name: string
  round: { intervalMs: number; jitterMs: number }
  teams: TeamData[]
  services: ServiceSpec[]
  users: UserSpec[]
  sla: Sla | null
}

export type { Credentials, TeamData }
