import type { Credentials, Service, TeamData } from '../service.ts'

/**
 * One service of one team as the config describes it (a template instantiated for the team), as
 * the loader makes it: the fields of a `Service` that the config decides (the database adds the
 * id, the team's name and the white team's controls), options validated and normalised by the
 * check type's schema.
 */
export interface ServiceSpec extends Omit<
  Service,
  'id' | 'teamName' | 'administrativelyDown' | 'downReason' | 'scoreCap'
> {
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
