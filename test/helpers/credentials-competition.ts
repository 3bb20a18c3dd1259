import type { Competition } from '../../src/config/competition.ts'

/**
 * Two teams with credential pools and team info for the password change tests: team 1 has pool
 * ad_users (alice, bob), info web_admin (admin) and a text info entry; team 2 has a pool and an
 * info entry both named `shared`.
 */
export function credentialsCompetition(): Competition {
  return {
    file: 'competition.yaml',
    name: 'PCR',
    round: { intervalMs: 120_000, jitterMs: 15_000 },
    teams: [
      {
        number: 1,
        name: 'Team 1',
        info: { domain: 'team1.local', web_admin: { username: 'admin', password: 'Changeme1' } },
        pools: {
          ad_users: [
            { username: 'alice', password: 'Winter2026!' },
            { username: 'bob', password: 'p:ss' },
          ],
        },
      },
      {
        number: 2,
        name: 'Red Pandas',
        info: {
          web_admin: { username: 'admin', password: 'Changeme2' },
          shared: { username: 'svc', password: 'Svc2' },
        },
        pools: {
          ad_users: [{ username: 'alice', password: 'Team2Alice' }],
          shared: [{ username: 'svc', password: 'Pool2' }],
        },
      },
    ],
    services: [],
    users: [],
    sla: null,
  }
}
