/**
 * The white team's actions from the pages, on the writable connection. Every action names the
 * user who took it (the control log's `actor`).
 */
import type { Store } from '../../db/store.ts'
import {
  controlService,
  currentPassword,
  recordPasswordChange,
  type ControlAction,
  type PasswordChange,
} from '../../db/web-admin.ts'
import { hashPassword } from '../auth/password-hash.ts'

export interface ExternalScore {
  serviceId: number
  score: number
  up: boolean
  error: string | null
}

export class AdminActions {
  readonly #store: Store

  constructor(store: Store) {
    this.#store = store
  }

  /** False when there is no such active service. */
  control(
    serviceId: number,
    action: ControlAction,
    actor: string,
    extra: { reason?: string | null; value?: number | null } = {},
  ): boolean {
    return controlService(this.#store.db, { serviceId, action, actor, ...extra })
  }

  /** Records the change; the old password (if known) is kept only as a hash. */
  async passwordChange(change: PasswordChange): Promise<void> {
    const old = currentPassword(this.#store.db, change)
    const oldHash = old === null ? null : await hashPassword(old)
    recordPasswordChange(this.#store.db, change, oldHash)
  }

  /**
   * Records a score of an external service (SPEC 3: `insertServiceScore`), capped like a round's.
   * False when the service is not an active external one.
   */
  externalScore(score: ExternalScore): boolean {
    const service = this.#store.activeServices().find((s) => s.id === score.serviceId && s.external)
    if (!service) return false
    // The SDK's insertServiceScore: capped, counted in the totals and the SLA like a round's.
    this.#store.insertServiceScore(
      service.id,
      score.up ? score.score : 0,
      score.up ? null : (score.error ?? 'reported down'),
    )
    return true
  }

  /** Pauses (or resumes) the rounds of a running `scanner run`, as `scanner pause` does. */
  setPaused(paused: boolean, actor: string): void {
    if (paused) this.#store.pauseRounds(null, actor)
    else this.#store.resumeRounds()
  }
}
