/**
 * Who is looking at a page, and what of a service they may see (SPEC 7):
 *
 * | viewer | sees | error messages |
 * | --- | --- | --- |
 * | public (no login) | services with `public_visibility` | no |
 * | blue | its own team's services with `blue_visibility` | yes |
 * | green | services with `green_visibility` | yes: the green team helps users |
 * | red | services with `red_visibility` | no: they would learn what the defenders broke |
 * | white | everything, ServiceErrors included | yes |
 *
 * A logged-in viewer also sees what the public sees (another team's public services, up/down only).
 */
import type { Role } from '../config/competition.ts'

export interface Viewer {
  /** The user's name; null for the public. */
  name: string | null
  role: Role | 'public'
  /** The team of a blue user. */
  team: number | null
}

export const PUBLIC: Viewer = { name: null, role: 'public', team: null }

/** The visibility flags of a service (as stored: 0 or 1). */
export interface VisibilityFlags {
  team: number
  public_visibility: number
  blue_visibility: number
  green_visibility: number
  red_visibility: number
}

/** Whether the viewer sees the service at all. */
export function canSee(viewer: Viewer, service: VisibilityFlags): boolean {
  return service.public_visibility === 1 || seesThroughRole(viewer, service)
}

/** Whether the viewer sees the service's error message, failing stage and down reason. */
export function canSeeErrors(viewer: Viewer, service: VisibilityFlags): boolean {
  if (viewer.role === 'red' || viewer.role === 'public') return false
  return seesThroughRole(viewer, service)
}

export function isWhite(viewer: Viewer): boolean {
  return viewer.role === 'white'
}

function seesThroughRole(viewer: Viewer, service: VisibilityFlags): boolean {
  switch (viewer.role) {
    case 'white':
      return true
    case 'blue':
      return viewer.team === service.team && service.blue_visibility === 1
    case 'green':
      return service.green_visibility === 1
    case 'red':
      return service.red_visibility === 1
    case 'public':
      return false
  }
}
