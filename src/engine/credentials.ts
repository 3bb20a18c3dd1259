import type { Credentials, Service, TeamData } from '../service.ts'

/**
 * Fills `username`/`password` of a service before its check, as IScorE's Team Worker does: from
 * the team's info entry (`team_specific_info`) or one credential drawn at random from a pool.
 * Leaves them null when there is nothing to draw; `getCredentials` then raises CredentialsError.
 */
export function fillCredentials(
  service: Service,
  team: TeamData,
  random: () => number = Math.random,
): Service {
  let creds: Credentials | null = null
  if (service.teamSpecificInfo !== null) {
    const value = team.info[service.teamSpecificInfo]
    if (value !== undefined && typeof value !== 'string') creds = value
  } else if (service.credentialPool !== null) {
    const pool = team.pools[service.credentialPool] ?? []
    creds = pool[Math.floor(random() * pool.length)] ?? null
  } else {
    return service
  }
  return { ...service, username: creds?.username ?? null, password: creds?.password ?? null }
}
